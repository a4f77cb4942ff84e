//! Framing rules (RFC 6455 §5): masking by role, reserved bits and opcodes, control-frame
//! limits, lengths and fragmentation. Every violation fails the connection the same way:
//! `poll_event` returns the error, again on every later call; the Close frame with its code
//! is queued behind whatever was queued before; sending is refused.

mod common;

use common::{
    BINARY, CLOSE, CONT, FIN, FixedKeys, PING, PONG, RFC_MASK, TEXT, close_payload, feed_bytewise,
    feed_whole, hex, masked, read_small_frame, unmasked,
};
use wswire::frame::FrameError;
use wswire::{
    CloseCode, Config, Connection, ConnectionState, Delivery, OwnedEvent, ProtocolError,
    TransportAction, UsageError,
};

fn server() -> Connection {
    Connection::server(Config::new())
}

fn client() -> Connection {
    Connection::client(Config::new(), FixedKeys::mask(RFC_MASK))
}

/// A masked Ping "p" sent ahead of the bad input, so that its Pong is queued first.
fn ping_first(bad: &[u8]) -> Vec<u8> {
    let mut wire = masked(FIN | PING, b"p");
    wire.extend_from_slice(bad);
    wire
}

/// Feeds `[ping, bad]` to a server whole and byte by byte and checks the whole failure
/// contract for an error whose close code is `code`.
fn assert_server_fails(bad: &[u8], expected: ProtocolError, code: [u8; 2]) {
    let wire = ping_first(bad);
    for (mode, feed) in [
        ("whole", feed_whole as fn(&mut Connection, &[u8]) -> _),
        ("bytewise", feed_bytewise),
    ] {
        let mut conn = server();
        let outcome = feed(&mut conn, &wire);
        let context = format!("{mode}, input {}", hex(bad));
        assert_eq!(
            outcome.events,
            [OwnedEvent::Ping(b"p".to_vec())],
            "{context}"
        );
        assert_eq!(outcome.error, Some(expected.clone()), "{context}");
        assert_eq!(expected.close_code().as_u16(), u16::from_be_bytes(code));

        // RFC 6455 §7.1.7: the Close frame follows the Pong queued before the failure.
        let out = conn.pending_output().to_vec();
        assert_eq!(out[..3], [0x8a, 0x01, b'p'], "{context}: {}", hex(&out));
        let close = &out[3..];
        assert_eq!(close[0], 0x88, "{context}: {}", hex(&out));
        assert_eq!(close[2..4], code, "{context}: {}", hex(&out));
        assert_eq!(
            usize::from(close[1]),
            close.len() - 2,
            "{context}: one frame"
        );
        assert!(
            std::str::from_utf8(&close[4..]).is_ok(),
            "{context}: reason"
        );

        // Every later call reports the same failure, and nothing more is sent.
        assert_eq!(conn.poll_event(), Err(expected.clone()), "{context}");
        conn.receive(&masked(FIN | TEXT, b"late"));
        assert_eq!(conn.poll_event(), Err(expected.clone()), "{context}");
        assert_eq!(conn.send_text("x"), Err(UsageError::Failed), "{context}");
        assert_eq!(conn.send_ping(b""), Err(UsageError::Failed), "{context}");
        assert_eq!(
            conn.close(CloseCode::NORMAL, ""),
            Err(UsageError::Failed),
            "{context}"
        );
        assert_eq!(conn.state(), ConnectionState::Failed, "{context}");
        assert_eq!(
            conn.transport(),
            TransportAction::CloseAfterFlush,
            "{context}"
        );
        assert_eq!(conn.pending_output(), out, "{context}: output changed");
    }
}

const PROTOCOL_ERROR: [u8; 2] = [0x03, 0xea]; // 1002

/// One test per rule, each feeding `[ping, bad input]` to a server.
macro_rules! server_fails {
    ($($name:ident: $bad:expr => $error:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_server_fails(&$bad, $error, PROTOCOL_ERROR);
            }
        )*
    };
}

server_fails! {
    // RFC 6455 §5.1: "a server MUST close the connection upon receiving a frame that is not
    // masked".
    server_fails_on_unmasked_frame:
        unmasked(FIN | TEXT, b"Hello") => ProtocolError::UnmaskedFrame;
    // RFC 6455 §5.2: RSV1-3 "MUST be 0 unless an extension is negotiated".
    rsv1_without_extension:
        masked(FIN | 0x40 | TEXT, b"x") => ProtocolError::ReservedBits(0x40);
    rsv2_without_extension:
        masked(FIN | 0x20 | BINARY, b"x") => ProtocolError::ReservedBits(0x20);
    rsv3_without_extension:
        masked(FIN | 0x10 | TEXT, b"x") => ProtocolError::ReservedBits(0x10);
    rsv_on_a_control_frame:
        masked(FIN | 0x40 | PING, b"") => ProtocolError::ReservedBits(0x40);
    // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
    control_frame_announcing_126_bytes:
        [&[0x89, 0x80 | 126, 0x00, 126][..], &RFC_MASK, &[0u8; 126]].concat()
            => ProtocolError::InvalidFrame(FrameError::ControlTooLong);
    close_frame_announcing_64_bit_length:
        [&[0x88, 0x80 | 127][..], &[0, 0, 0, 0, 0, 0, 0, 2], &RFC_MASK, b"\x03\xe8"].concat()
            => ProtocolError::InvalidFrame(FrameError::ControlTooLong);
    // RFC 6455 §5.5: "Control frames ... MUST NOT be fragmented".
    fragmented_ping:
        masked(PING, b"x") => ProtocolError::InvalidFrame(FrameError::FragmentedControl);
    // RFC 6455 §5.2: "the most significant bit MUST be 0" in a 64-bit length.
    length_with_top_bit_set:
        [&[0x82, 0x80 | 127][..], &[0x80, 0, 0, 0, 0, 0, 0, 1], &RFC_MASK].concat()
            => ProtocolError::InvalidFrame(FrameError::LengthOverflow);
    // RFC 6455 §5.4: a continuation frame continues a fragmented message.
    continuation_without_a_message:
        masked(FIN | CONT, b"x") => ProtocolError::UnexpectedContinuation;
    // RFC 6455 §5.4: "fragments of one message MUST NOT be interleaved between fragments of
    // another message".
    text_frame_inside_a_fragmented_message:
        [masked(TEXT, b"Hel"), masked(FIN | TEXT, b"lo")].concat()
            => ProtocolError::ExpectedContinuation;
    binary_frame_inside_a_fragmented_text:
        [masked(TEXT, b"Hel"), masked(BINARY, b"lo")].concat()
            => ProtocolError::ExpectedContinuation;
}

// A continuation after a message has ended is as unexpected as one with none before; the
// finished message is still reported first.
#[test]
fn continuation_after_a_finished_message_reports_the_message_first() {
    let mut conn = server();
    let wire = [masked(FIN | TEXT, b"done"), masked(FIN | CONT, b"x")].concat();
    let outcome = feed_whole(&mut conn, &wire);
    assert_eq!(outcome.events, [OwnedEvent::Text("done".into())]);
    assert_eq!(outcome.error, Some(ProtocolError::UnexpectedContinuation));
    let (b0, payload, _) = read_small_frame(conn.pending_output());
    assert_eq!((b0, &payload[..2]), (0x88, &[0x03, 0xea][..]));
}

// RFC 6455 §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved; receiving one fails with 1002.
#[test]
fn every_reserved_opcode_fails_with_1002() {
    for opcode in (0x3..=0x7).chain(0xB..=0xF) {
        for b0 in [FIN | opcode, opcode] {
            assert_server_fails(
                &masked(b0, b"x"),
                ProtocolError::InvalidFrame(FrameError::ReservedOpcode(opcode)),
                PROTOCOL_ERROR,
            );
        }
    }
}

// The header is refused as soon as its first two bytes prove it invalid, without waiting
// for the extended length or mask.
#[test]
fn invalid_header_fails_after_two_bytes() {
    for (first_two, expected) in [
        ([0x83, 0x80], FrameError::ReservedOpcode(3)),
        ([0x09, 0x80], FrameError::FragmentedControl),
        ([0x89, 0x80 | 126], FrameError::ControlTooLong),
    ] {
        let mut conn = server();
        conn.receive(&first_two[..1]);
        assert_eq!(conn.poll_event(), Ok(None));
        conn.receive(&first_two[1..]);
        assert_eq!(
            conn.poll_event(),
            Err(ProtocolError::InvalidFrame(expected))
        );
    }
}

// RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame." The
// client's Close frame is itself masked (here with 37 fa 21 3d).
#[test]
fn client_fails_on_masked_frame() {
    for feed in [feed_whole, feed_bytewise] {
        let mut conn = client();
        let wire = [unmasked(FIN | PING, b"p"), masked(FIN | TEXT, b"Hello")].concat();
        let outcome = feed(&mut conn, &wire);
        assert_eq!(outcome.events, [OwnedEvent::Ping(b"p".to_vec())]);
        assert_eq!(outcome.error, Some(ProtocolError::MaskedFrame));

        let out = conn.pending_output().to_vec();
        // The Pong: 8a 81, the key, 'p' ^ 0x37.
        assert_eq!(out[..7], [0x8a, 0x81, 0x37, 0xfa, 0x21, 0x3d, b'p' ^ 0x37]);
        // The Close: masked 03 ea is 34 10 under this key.
        assert_eq!(out[7], 0x88, "{}", hex(&out));
        assert_eq!(
            out[9..15],
            [0x37, 0xfa, 0x21, 0x3d, 0x34, 0x10],
            "{}",
            hex(&out)
        );
        let (b0, payload, len) = read_small_frame(&out[7..]);
        assert_eq!(
            (b0, &payload[..2], len),
            (0x88, &[0x03, 0xea][..], out.len() - 7)
        );

        assert_eq!(conn.poll_event(), Err(ProtocolError::MaskedFrame));
        assert_eq!(conn.send_text("x"), Err(UsageError::Failed));
        assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
    }
}

// The rules that do not depend on the role apply to a client too.
#[test]
fn client_fails_on_reserved_opcode_and_bits() {
    for (bad, expected) in [
        (
            unmasked(FIN | 0xB, b""),
            ProtocolError::InvalidFrame(FrameError::ReservedOpcode(0xB)),
        ),
        (
            unmasked(FIN | 0x40 | TEXT, b"x"),
            ProtocolError::ReservedBits(0x40),
        ),
        (
            unmasked(FIN | CONT, b"x"),
            ProtocolError::UnexpectedContinuation,
        ),
    ] {
        let mut conn = client();
        assert_eq!(feed_whole(&mut conn, &bad).error, Some(expected.clone()));
        let (b0, payload, _) = read_small_frame(conn.pending_output());
        assert_eq!(
            (b0, &payload[..2]),
            (0x88, &[0x03, 0xea][..]),
            "{expected:?}"
        );
    }
}

// RFC 6455 §5.4: "Control frames MAY be injected in the middle of a fragmented message";
// they are reported in wire order and the message still assembles.
#[test]
fn control_frames_between_fragments_are_delivered_in_order() {
    let wire = [
        masked(TEXT, b"Hel"),
        masked(FIN | PING, b"1"),
        masked(CONT, b"l"),
        masked(FIN | PONG, b"2"),
        masked(CONT, b""),
        masked(FIN | CONT, b"o"),
        masked(FIN | BINARY, b"\x00\xff"),
        masked(FIN | CLOSE, &close_payload(1000, b"bye")),
    ]
    .concat();
    for feed in [feed_whole, feed_bytewise] {
        let mut conn = server();
        let events = feed(&mut conn, &wire).ok();
        assert_eq!(
            events,
            [
                OwnedEvent::Ping(b"1".to_vec()),
                OwnedEvent::Pong(b"2".to_vec()),
                OwnedEvent::Text("Hello".into()),
                OwnedEvent::Binary(vec![0x00, 0xff]),
                OwnedEvent::Close {
                    code: CloseCode::NORMAL,
                    reason: "bye".into()
                },
            ]
        );
        // The Pong answering "1", then the Close echoing 1000.
        assert_eq!(
            conn.pending_output(),
            [0x8a, 0x01, b'1', 0x88, 0x02, 0x03, 0xe8]
        );
    }
}

// The same in chunk mode: the chunks come in wire order around the control frames.
#[test]
fn control_frames_between_fragments_in_chunk_mode() {
    let wire = [
        masked(TEXT, b"Hel"),
        masked(FIN | PING, b"1"),
        masked(CONT, b"l"),
        masked(FIN | PONG, b"2"),
        masked(FIN | CONT, b"o"),
    ]
    .concat();
    let mut conn = Connection::server(Config::new().delivery(Delivery::Chunks));
    let events = feed_whole(&mut conn, &wire).ok();
    let chunk = |data: &str, last| OwnedEvent::TextChunk {
        data: data.into(),
        last,
    };
    assert_eq!(
        events,
        [
            chunk("Hel", false),
            OwnedEvent::Ping(b"1".to_vec()),
            chunk("l", false),
            OwnedEvent::Pong(b"2".to_vec()),
            chunk("o", true),
        ]
    );
}

// A Close between fragments ends the connection: the unfinished message is never
// reported, and nothing after the Close is.
#[test]
fn close_between_fragments_ends_the_message() {
    let wire = [
        masked(TEXT, b"Hel"),
        masked(FIN | CLOSE, &close_payload(1001, b"")),
        masked(FIN | CONT, b"lo"),
    ]
    .concat();
    let mut conn = server();
    let events = feed_whole(&mut conn, &wire).ok();
    assert_eq!(
        events,
        [OwnedEvent::Close {
            code: CloseCode::GOING_AWAY,
            reason: String::new()
        }]
    );
    assert_eq!(conn.state(), ConnectionState::Closed);
    assert_eq!(conn.pending_output(), [0x88, 0x02, 0x03, 0xe9]);
}

// RFC 6455 §5.2: lengths need not be in their shortest form on receipt, and a 0-length
// frame is valid.
#[test]
fn long_length_forms_and_empty_frames_are_accepted() {
    let mut wire = vec![0x81, 0x80 | 126, 0x00, 0x02];
    wire.extend_from_slice(&RFC_MASK);
    wire.extend_from_slice(&[b'h' ^ 0x37, b'i' ^ 0xfa]);
    wire.extend_from_slice(&[0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    wire.extend_from_slice(&RFC_MASK);
    wire.extend_from_slice(&masked(FIN | TEXT, b""));
    let mut conn = server();
    assert_eq!(
        feed_bytewise(&mut conn, &wire).ok(),
        [
            OwnedEvent::Text("hi".into()),
            OwnedEvent::Binary(vec![]),
            OwnedEvent::Text(String::new()),
        ]
    );
}
