//! Properties over generated input (proptest) that `tests/properties.rs` leaves out:
//!
//! (a) any valid frame header encodes in its shortest form and decodes to itself, and any
//!     bytes that decode re-encode to a header no longer than they were;
//! (b) a stream cut at every single point gives the events and output of the whole;
//! (c) permessage-deflate round trips between any two configurations, negotiated by real
//!     handshakes, both ways, whole and streamed;
//! (d) Close codes: received and sent, exactly the RFC's ranges pass.
//!
//! Case counts are kept small so the file runs in about a second in a debug build.

mod common;

use common::deflate::handshake;
use common::{
    BINARY, CLOSE, FIN, FixedKeys, PING, TEXT, close_payload, feed_in_splits, feed_whole, frame,
    merge_chunks,
};
use proptest::collection::vec;
use proptest::prelude::*;
use wswire::frame::{FrameError, FrameHeader, MAX_HEADER_LEN, OpCode, RSV1, RSV2, RSV3};
use wswire::{
    ClientConfig, CloseCode, Config, Connection, DeflateConfig, Delivery, OwnedEvent,
    ProtocolError, ServerConfig, UsageError,
};

// ---- (a) frame headers ----

fn opcode() -> impl Strategy<Value = OpCode> {
    prop::sample::select(vec![
        OpCode::Continuation,
        OpCode::Text,
        OpCode::Binary,
        OpCode::Close,
        OpCode::Ping,
        OpCode::Pong,
    ])
}

/// Lengths of every encoded form: 7-bit, 16-bit and 64-bit, with their edges.
fn payload_len() -> impl Strategy<Value = u64> {
    prop_oneof![
        0..=125u64,
        126..=0xFFFFu64,
        0x1_0000..=(u64::MAX >> 1),
        prop::sample::select(vec![125u64, 126, 0xFFFF, 0x1_0000, u64::MAX >> 1]),
    ]
}

/// A header RFC 6455 §5.2 and §5.5 allow on its own: control frames final and short.
fn valid_header() -> impl Strategy<Value = FrameHeader> {
    (
        opcode(),
        any::<bool>(),
        prop::sample::subsequence(vec![RSV1, RSV2, RSV3], 0..=3),
        any::<Option<[u8; 4]>>(),
        payload_len(),
    )
        .prop_map(|(opcode, fin, rsv, mask, len)| FrameHeader {
            fin: fin || opcode.is_control(),
            rsv: rsv.into_iter().fold(0, |a, b| a | b),
            opcode,
            mask,
            payload_len: if opcode.is_control() { len % 126 } else { len },
        })
}

/// The length of the shortest encoding, worked from RFC 6455 §5.2.
fn shortest_len(header: &FrameHeader) -> usize {
    let len_bytes = match header.payload_len {
        0..=125 => 0,
        126..=0xFFFF => 2,
        _ => 8,
    };
    2 + len_bytes + if header.mask.is_some() { 4 } else { 0 }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(512)))]

    #[test]
    fn headers_encode_shortest_and_decode_to_themselves(
        header in valid_header(),
        trailing in vec(any::<u8>(), 0..4),
    ) {
        let encoded = header.encode();
        let bytes = encoded.as_bytes();
        prop_assert_eq!(bytes.len(), shortest_len(&header));
        // Bytes after the header (its payload, the next frame) change nothing.
        let mut with_trailing = bytes.to_vec();
        with_trailing.extend_from_slice(&trailing);
        prop_assert_eq!(FrameHeader::decode(&with_trailing), Ok(Some((header, bytes.len()))));
        // Every strict prefix asks for more.
        for cut in 0..bytes.len() {
            prop_assert_eq!(FrameHeader::decode(&bytes[..cut]), Ok(None), "cut at {}", cut);
        }
    }

    // Whatever bytes decode, the header re-encodes to the same header in at most as many
    // bytes (lengths not in their shortest form are accepted, RFC 6455 §5.2 binding only
    // the sender); whatever fails, fails for a reason the first bytes show.
    #[test]
    fn any_decoded_header_re_encodes(bytes in vec(any::<u8>(), 0..=MAX_HEADER_LEN)) {
        match FrameHeader::decode(&bytes) {
            Ok(Some((header, len))) => {
                let again = header.encode();
                prop_assert!(again.as_bytes().len() <= len);
                prop_assert_eq!(
                    FrameHeader::decode(again.as_bytes()),
                    Ok(Some((header, again.as_bytes().len())))
                );
            }
            Ok(None) => prop_assert!(bytes.len() < MAX_HEADER_LEN),
            Err(FrameError::LengthOverflow) => prop_assert!(bytes[1] & 0x7F == 127),
            Err(FrameError::ReservedOpcode(bits)) => prop_assert_eq!(bits, bytes[0] & 0x0F),
            Err(_) => prop_assert!(bytes[0] & 0x08 != 0, "control rules on a data frame"),
        }
    }
}

// ---- (b) every split point ----

/// A short stream of valid frames as a client sends them (masked with `key`).
fn client_stream() -> impl Strategy<Value = Vec<u8>> {
    let one = prop_oneof![
        ".{0,12}".prop_map(|t| (FIN | TEXT, t.into_bytes())),
        vec(any::<u8>(), 0..12).prop_map(|b| (FIN | BINARY, b)),
        vec(any::<u8>(), 0..6).prop_map(|b| (FIN | PING, b)),
        ".{0,6}".prop_map(|t| (TEXT, t.into_bytes())),
        ".{0,6}".prop_map(|t| (FIN, t.into_bytes())),
    ];
    (vec((one, any::<[u8; 4]>()), 1..5), any::<bool>()).prop_map(|(frames, close)| {
        let mut stream: Vec<u8> = frames
            .into_iter()
            .flat_map(|((b0, payload), key)| frame(b0, &payload, Some(key)))
            .collect();
        if close {
            stream.extend(frame(
                FIN | CLOSE,
                &close_payload(1000, b"ok"),
                Some([9; 4]),
            ));
        }
        stream
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(48)))]

    // Exhaustive over the cut, for short streams: each single cut, and each pair of
    // adjacent cuts (a piece of one byte at every offset).
    #[test]
    fn every_cut_point_gives_the_same_result(stream in client_stream(), chunked in any::<bool>()) {
        let delivery = if chunked { Delivery::Chunks } else { Delivery::WholeMessages };
        let run = |cuts: &[usize]| {
            let mut conn = Connection::server(Config::new().delivery(delivery));
            let outcome = feed_in_splits(&mut conn, &stream, cuts);
            let events = if chunked { merge_chunks(&outcome.events) } else { outcome.events };
            (events, outcome.error, conn.pending_output().to_vec())
        };
        let whole = {
            let mut conn = Connection::server(Config::new().delivery(delivery));
            let outcome = feed_whole(&mut conn, &stream);
            let events = if chunked { merge_chunks(&outcome.events) } else { outcome.events };
            (events, outcome.error, conn.pending_output().to_vec())
        };
        for cut in 0..=stream.len() {
            prop_assert_eq!(&run(&[cut]), &whole, "cut at {}", cut);
            if cut < stream.len() {
                prop_assert_eq!(&run(&[cut, cut + 1]), &whole, "byte {} alone", cut);
            }
        }
    }
}

// ---- (c) deflate between any two configurations ----

/// A `DeflateConfig` with every knob arbitrary.
fn deflate_config() -> impl Strategy<Value = DeflateConfig> {
    (
        any::<bool>(),
        any::<bool>(),
        9..=15u8,
        9..=15u8,
        0..=9u32,
        prop_oneof![Just(0usize), 0..64usize],
    )
        .prop_map(|(snct, cnct, server_bits, client_bits, level, min)| {
            DeflateConfig::new()
                .server_no_context_takeover(snct)
                .client_no_context_takeover(cnct)
                .server_max_window_bits(server_bits)
                .client_max_window_bits(client_bits)
                .level(level)
                .min_compress_size(min)
        })
}

#[derive(Debug, Clone)]
enum Message {
    Text(String),
    Binary(Vec<u8>),
    /// Text in fragments (cut on byte offsets, so possibly inside a character).
    Fragmented(String, Vec<usize>),
}

fn message() -> impl Strategy<Value = Message> {
    // Repetitive data compresses and reaches back into the window; random data does not.
    let repetitive =
        (1..400usize, "[a-c]{1,8}").prop_map(|(n, unit)| unit.repeat(n / unit.len() + 1));
    prop_oneof![
        any::<String>().prop_map(Message::Text),
        repetitive.clone().prop_map(Message::Text),
        vec(any::<u8>(), 0..300).prop_map(Message::Binary),
        (repetitive, vec(any::<usize>(), 1..4)).prop_map(|(t, cuts)| Message::Fragmented(t, cuts)),
    ]
}

fn send(conn: &mut Connection, message: &Message) -> OwnedEvent {
    match message {
        Message::Text(t) => {
            conn.send_text(t).unwrap();
            OwnedEvent::Text(t.clone())
        }
        Message::Binary(b) => {
            conn.send_binary(b).unwrap();
            OwnedEvent::Binary(b.clone())
        }
        Message::Fragmented(t, cuts) => {
            let bytes = t.as_bytes();
            let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
            bounds.sort_unstable();
            bounds.push(bytes.len());
            let mut from = 0;
            for (i, &to) in bounds.iter().enumerate() {
                let kind = wswire::MessageKind::Text;
                conn.send_fragment(kind, &bytes[from..to], i + 1 == bounds.len())
                    .unwrap();
                from = to;
            }
            OwnedEvent::Text(t.clone())
        }
    }
}

/// Sends `messages` from `from` to `to` in pieces of `piece` bytes; returns what arrived.
fn carry(
    from: &mut Connection,
    to: &mut Connection,
    piece: usize,
    chunked: bool,
) -> Vec<OwnedEvent> {
    let bytes = from.pending_output().to_vec();
    from.consume_output(bytes.len());
    let mut events = Vec::new();
    for part in bytes.chunks(piece.max(1)) {
        to.receive(part);
        while let Some(event) = to.poll_event().unwrap() {
            events.push(event.into_owned());
        }
    }
    if chunked {
        merge_chunks(&events)
    } else {
        events
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(24)))]

    #[test]
    fn deflate_round_trips_between_any_configurations(
        client_deflate in deflate_config(),
        server_deflate in deflate_config(),
        messages in vec((message(), any::<bool>()), 1..6),
        chunked in any::<bool>(),
        piece in prop_oneof![Just(usize::MAX), 1..40usize],
    ) {
        let delivery = if chunked { Delivery::Chunks } else { Delivery::WholeMessages };
        let connection = Config::new().delivery(delivery);
        let pair = handshake(
            ClientConfig::new("ws://example.com/").unwrap().deflate(client_deflate).connection(connection.clone()),
            ServerConfig::new().deflate(server_deflate).connection(connection),
        );
        let (mut client, mut server) = (pair.client, pair.server);
        prop_assert!(client.deflate().is_some());
        prop_assert_eq!(client.deflate(), server.deflate());
        // Messages each way, in turns, so both contexts carry history across messages.
        for (message, from_client) in &messages {
            let (sender, receiver) = if *from_client {
                (&mut client, &mut server)
            } else {
                (&mut server, &mut client)
            };
            let expected = send(sender, message);
            prop_assert_eq!(carry(sender, receiver, piece, chunked), vec![expected]);
        }
    }
}

// ---- (d) close codes ----

/// RFC 6455 §7.4.1 and §7.4.2, with the IANA registrations 1012–1014: the codes an
/// endpoint may put in a Close frame.
fn rfc_allows(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

fn close_code() -> impl Strategy<Value = u16> {
    prop_oneof![any::<u16>(), 990..=1020u16, 2990..=3010u16, 4990..=5010u16]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(512)))]

    #[test]
    fn close_code_validity_is_the_rfc_table(code in close_code()) {
        prop_assert_eq!(CloseCode::from(code).is_valid_on_wire(), rfc_allows(code));
    }

    // Received: a valid code is reported and echoed; any other fails the connection with
    // 1002 (RFC 6455 §7.4.1).
    #[test]
    fn received_close_codes_follow_the_table(code in close_code(), reason in ".{0,20}") {
        let mut server = Connection::server(Config::new());
        let outcome = feed_whole(
            &mut server,
            &frame(FIN | CLOSE, &close_payload(code, reason.as_bytes()), Some([1, 2, 3, 4])),
        );
        let reply = common::read_small_frame(server.pending_output());
        let reply_code = u16::from_be_bytes([reply.1[0], reply.1[1]]);
        if rfc_allows(code) {
            prop_assert_eq!(outcome.ok(), vec![OwnedEvent::Close { code: code.into(), reason }]);
            prop_assert_eq!(reply_code, code);
        } else {
            prop_assert_eq!(outcome.err(), ProtocolError::InvalidCloseCode(code));
            prop_assert_eq!(reply_code, 1002);
        }
    }

    // Sent: only valid codes may be sent; others are refused and change nothing.
    #[test]
    fn sent_close_codes_follow_the_table(code in close_code()) {
        let mut client = Connection::client(Config::new(), FixedKeys::mask([0; 4]));
        let result = client.close(code.into(), "");
        if rfc_allows(code) {
            prop_assert_eq!(result, Ok(()));
            let (b0, payload, _) = common::read_small_frame(client.pending_output());
            prop_assert_eq!((b0, payload), (FIN | CLOSE, code.to_be_bytes().to_vec()));
        } else {
            prop_assert_eq!(result, Err(UsageError::InvalidCloseCode(code)));
            prop_assert_eq!(client.pending_output_len(), 0);
        }
    }
}
