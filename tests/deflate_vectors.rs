//! RFC 7692 §7.2.3's literal examples, through real connections with permessage-deflate
//! enabled: received (whole, byte by byte, in both delivery modes, by both roles) and sent
//! (byte for byte as the RFC shows them).

mod common;

use common::deflate::{client_with, default_params, params, parse_frames, server_with};
use common::{Outcome, feed_bytewise, feed_whole, masked, merge_chunks, take_output, unmasked};
use wswire::{
    CloseCode, Config, Connection, DeflateConfig, DeflateParams, Delivery, MessageKind, OwnedEvent,
    ProtocolError,
};

fn text(s: &str) -> OwnedEvent {
    OwnedEvent::Text(s.to_owned())
}

/// RFC 7692 §7.2.3.1: "Hello" compressed, one frame, unmasked.
const HELLO: [u8; 9] = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
/// RFC 7692 §7.2.3.2: the second "Hello" with context takeover, referring to the first.
const HELLO_AGAIN: [u8; 7] = [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
/// RFC 7692 §7.2.3.3: "Hello" in a DEFLATE block with no compression.
const HELLO_STORED: [u8; 13] = [
    0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
];
/// RFC 7692 §7.2.3.4: "Hello" in a block with BFINAL set.
const HELLO_BFINAL: [u8; 10] = [0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
/// RFC 7692 §7.2.3.5: "Hello" in two DEFLATE blocks.
const HELLO_TWO_BLOCKS: [u8; 15] = [
    0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
];
/// RFC 7692 §7.2.1's fragmentation example: the compressed "Hello" split over two frames,
/// RSV1 on the first only.
const HELLO_FRAGMENTED: [u8; 11] = [
    0x41, 0x03, 0xf2, 0x48, 0xcd, // first fragment
    0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00, // continuation
];
/// RFC 7692 §7.2.3.6: an empty message, the single byte 0x00.
const EMPTY: [u8; 3] = [0xc1, 0x01, 0x00];

/// Re-frames a server's (unmasked) byte stream as a client would send it, masked.
fn as_client_sent(server_bytes: &[u8]) -> Vec<u8> {
    parse_frames(server_bytes)
        .iter()
        .flat_map(|f| masked(f.b0, &f.payload))
        .collect()
}

/// Runs `bytes` into a fresh connection of each role and delivery mode, whole and byte by
/// byte, and checks that every run reports `expected` (chunks joined) and no error.
fn assert_receives(bytes: &[u8], params: DeflateParams, expected: &[OwnedEvent]) {
    for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
        let config = Config::new().delivery(delivery);
        for bytewise in [false, true] {
            let feed = |conn: &mut Connection, bytes: &[u8]| -> Outcome {
                if bytewise {
                    feed_bytewise(conn, bytes)
                } else {
                    feed_whole(conn, bytes)
                }
            };
            let mut client = client_with(config.clone(), params);
            let mut server = server_with(config.clone(), &DeflateConfig::new(), params);
            let runs = [
                ("client", feed(&mut client, bytes)),
                ("server", feed(&mut server, &as_client_sent(bytes))),
            ];
            for (role, outcome) in runs {
                let events = outcome.ok();
                let events = match delivery {
                    Delivery::WholeMessages => events,
                    _ => {
                        assert!(
                            events.iter().all(|e| !matches!(e, OwnedEvent::Text(_))),
                            "{role}: whole message in chunk mode: {events:?}"
                        );
                        merge_chunks(&events)
                    }
                };
                assert_eq!(
                    events, expected,
                    "{role}, {delivery:?}, bytewise {bytewise}"
                );
            }
        }
    }
}

#[test]
fn hello_compressed() {
    assert_receives(&HELLO, default_params(), &[text("Hello")]);
}

#[test]
fn hello_twice_with_context_takeover() {
    let bytes = [&HELLO[..], &HELLO_AGAIN].concat();
    assert_receives(&bytes, default_params(), &[text("Hello"), text("Hello")]);
}

#[test]
fn hello_in_a_stored_block() {
    assert_receives(&HELLO_STORED, default_params(), &[text("Hello")]);
    // A stored block does not break the context: the back reference still resolves.
    let bytes = [&HELLO_STORED[..], &HELLO_AGAIN].concat();
    assert_receives(&bytes, default_params(), &[text("Hello"), text("Hello")]);
}

#[test]
fn hello_with_bfinal_then_a_fresh_message() {
    assert_receives(&HELLO_BFINAL, default_params(), &[text("Hello")]);
    // After a stream ended with BFINAL the next message starts a new stream.
    let bytes = [&HELLO_BFINAL[..], &HELLO, &HELLO_AGAIN].concat();
    assert_receives(
        &bytes,
        default_params(),
        &[text("Hello"), text("Hello"), text("Hello")],
    );
}

#[test]
fn hello_in_two_deflate_blocks() {
    assert_receives(&HELLO_TWO_BLOCKS, default_params(), &[text("Hello")]);
}

#[test]
fn hello_fragmented_over_two_frames() {
    assert_receives(&HELLO_FRAGMENTED, default_params(), &[text("Hello")]);
    // A Ping between the fragments is reported first, then the message.
    let mut bytes = HELLO_FRAGMENTED[..5].to_vec();
    bytes.extend_from_slice(&[0x89, 0x02, b'h', b'i']);
    bytes.extend_from_slice(&HELLO_FRAGMENTED[5..]);
    assert_receives(
        &bytes,
        default_params(),
        &[OwnedEvent::Ping(b"hi".to_vec()), text("Hello")],
    );
    // The second message of the context, cut after every byte of its payload.
    for cut in 0..=5 {
        let payload = &HELLO_AGAIN[2..];
        let mut bytes = HELLO.to_vec();
        bytes.extend(unmasked(0x41, &payload[..cut]));
        bytes.extend(unmasked(0x80, &payload[cut..]));
        assert_receives(&bytes, default_params(), &[text("Hello"), text("Hello")]);
    }
}

#[test]
fn hello_as_binary() {
    let mut bytes = HELLO;
    bytes[0] = 0xc2;
    assert_receives(
        &bytes,
        default_params(),
        &[OwnedEvent::Binary(b"Hello".to_vec())],
    );
}

#[test]
fn empty_message() {
    assert_receives(&EMPTY, default_params(), &[text("")]);
    // Between two messages that share a context.
    let bytes = [&HELLO[..], &EMPTY, &HELLO_AGAIN].concat();
    assert_receives(
        &bytes,
        default_params(),
        &[text("Hello"), text(""), text("Hello")],
    );
}

#[test]
fn no_context_takeover_resets_the_receiver() {
    // Each message on its own still inflates.
    let no_takeover = params(true, true, None, None);
    let bytes = [&HELLO[..], &HELLO].concat();
    assert_receives(&bytes, no_takeover, &[text("Hello"), text("Hello")]);
    // The client was told the server takes no context over: §7.2.3.2's second message
    // refers to the first, which the client must have forgotten (a distance too far back).
    let mut client = client_with(Config::new(), params(true, false, None, None));
    let outcome = feed_whole(&mut client, &[&HELLO[..], &HELLO_AGAIN].concat());
    assert_eq!(outcome.events, [text("Hello")]);
    assert_eq!(outcome.err(), ProtocolError::InvalidCompressedData);
    // The server, told the client takes none over, likewise.
    let mut server = server_with(
        Config::new(),
        &DeflateConfig::new(),
        params(false, true, None, None),
    );
    let outcome = feed_whole(
        &mut server,
        &as_client_sent(&[&HELLO[..], &HELLO_AGAIN].concat()),
    );
    assert_eq!(outcome.events, [text("Hello")]);
    assert_eq!(outcome.err().close_code(), CloseCode::INVALID_PAYLOAD);
}

// ---- sending ----

fn server_sends(deflate: &DeflateConfig, params: DeflateParams, messages: &[&str]) -> Vec<Vec<u8>> {
    let mut server = server_with(Config::new(), deflate, params);
    messages
        .iter()
        .map(|m| {
            server.send_text(m).unwrap();
            take_output(&mut server)
        })
        .collect()
}

#[test]
fn server_sends_hello_as_the_rfc_shows() {
    let sent = server_sends(&DeflateConfig::new(), default_params(), &["Hello", "Hello"]);
    assert_eq!(sent, [HELLO.to_vec(), HELLO_AGAIN.to_vec()]);
}

#[test]
fn server_without_context_takeover_sends_hello_alike_each_time() {
    // Agreed in the handshake.
    let sent = server_sends(
        &DeflateConfig::new(),
        params(true, false, None, None),
        &["Hello", "Hello", "Hello"],
    );
    assert_eq!(sent, [HELLO.to_vec(), HELLO.to_vec(), HELLO.to_vec()]);
    // Chosen locally (the server declares it in its response).
    let sent = server_sends(
        &DeflateConfig::new().server_no_context_takeover(true),
        default_params(),
        &["Hello", "Hello"],
    );
    assert_eq!(sent, [HELLO.to_vec(), HELLO.to_vec()]);
    // The client's flag does not concern the server's direction.
    let sent = server_sends(
        &DeflateConfig::new(),
        params(false, true, None, None),
        &["Hello", "Hello"],
    );
    assert_eq!(sent, [HELLO.to_vec(), HELLO_AGAIN.to_vec()]);
}

#[test]
fn client_sends_hello_masked() {
    // The payload f2 48 cd c9 c9 07 00 masked with 37 fa 21 3d, worked by hand.
    let hello_masked = [
        0xc1, 0x87, 0x37, 0xfa, 0x21, 0x3d, 0xc5, 0xb2, 0xec, 0xf4, 0xfe, 0xfd, 0x21,
    ];
    let mut client = client_with(Config::new(), default_params());
    client.send_text("Hello").unwrap();
    assert_eq!(take_output(&mut client), hello_masked);
    client.send_text("Hello").unwrap();
    let again = parse_frames(&take_output(&mut client));
    assert_eq!(
        (again[0].b0, &again[0].payload[..]),
        (0xc1, &HELLO_AGAIN[2..])
    );

    // Without context takeover on the client's side, the same bytes each time.
    let mut client = client_with(Config::new(), params(false, true, None, None));
    for _ in 0..3 {
        client.send_text("Hello").unwrap();
        assert_eq!(take_output(&mut client), hello_masked);
    }
    let mut client = Connection::client(Config::new(), common::FixedKeys::mask(common::RFC_MASK))
        .with_deflate(
            &DeflateConfig::new().client_no_context_takeover(true),
            default_params(),
        )
        .unwrap();
    for _ in 0..2 {
        client.send_text("Hello").unwrap();
        assert_eq!(take_output(&mut client), hello_masked);
    }
}

#[test]
fn sends_an_empty_message_as_one_zero_byte() {
    // RFC 7692 §7.2.3.6's form: first thing in a context, and after a message.
    let sent = server_sends(
        &DeflateConfig::new(),
        default_params(),
        &["", "Hello", "", ""],
    );
    assert_eq!(
        sent,
        [
            EMPTY.to_vec(),
            HELLO.to_vec(),
            EMPTY.to_vec(),
            EMPTY.to_vec()
        ]
    );
    let mut server = server_with(Config::new(), &DeflateConfig::new(), default_params());
    server.send_binary(b"").unwrap();
    assert_eq!(take_output(&mut server), [0xc2, 0x01, 0x00]);
}

#[test]
fn sent_fragments_carry_rsv1_on_the_first_frame_only() {
    let mut server = server_with(Config::new(), &DeflateConfig::new(), default_params());
    server
        .send_fragment(MessageKind::Text, b"Hel", false)
        .unwrap();
    server.send_ping(b"p").unwrap();
    server.send_fragment(MessageKind::Text, b"", false).unwrap();
    server
        .send_fragment(MessageKind::Text, b"lo", true)
        .unwrap();
    let out = take_output(&mut server);
    let first_bytes: Vec<u8> = parse_frames(&out).iter().map(|f| f.b0).collect();
    assert_eq!(first_bytes, [0x41, 0x89, 0x00, 0x80]);
    // And they make "Hello" again at the other end.
    let mut client = client_with(Config::new(), default_params());
    assert_eq!(
        feed_whole(&mut client, &out).ok(),
        [OwnedEvent::Ping(b"p".to_vec()), text("Hello")]
    );
}
