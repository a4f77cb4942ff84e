//! permessage-deflate through a connection (RFC 7692): the §7.2.3 example frames, where RSV1
//! may appear, round trips, and the size limit applied to what a message inflates to.

mod common;

use common::{BINARY, CONT, FIN, FixedKeys, PING, Pair, RFC_MASK, feed_bytewise, feed_whole};
use wswire::{
    Config, Connection, DeflateConfig, DeflateParams, Delivery, OwnedEvent, ProtocolError,
};

/// Context takeover and 15-bit windows both ways: RFC 7692's defaults.
const DEFAULT_PARAMS: DeflateParams = DeflateParams {
    server_no_context_takeover: false,
    client_no_context_takeover: false,
    server_max_window_bits: None,
    client_max_window_bits: None,
};

fn client(delivery: Delivery) -> Connection {
    Connection::client(Config::new().delivery(delivery), FixedKeys::mask(RFC_MASK))
        .with_deflate(&DeflateConfig::new(), DEFAULT_PARAMS)
        .unwrap()
}

fn server(config: Config) -> Connection {
    Connection::server(config)
        .with_deflate(&DeflateConfig::new(), DEFAULT_PARAMS)
        .unwrap()
}

const MODES: [Delivery; 2] = [Delivery::WholeMessages, Delivery::Chunks];

/// RFC 7692 §7.2.3.1: "Hello" compressed, in a single unmasked frame with RSV1 set.
const HELLO: &[u8] = &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

// RFC 7692 §7.2.3.1, §7.2.3.3-§7.2.3.5: each encoding of "Hello" is received as "Hello".
#[test]
fn rfc_7692_example_frames() {
    let cases: &[(&str, &[u8])] = &[
        ("7.2.3.1 one compressed block", HELLO),
        (
            "7.2.3.1 fragmented",
            &[
                0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
            ],
        ),
        (
            "7.2.3.3 no compression",
            &[
                0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
            ],
        ),
        (
            "7.2.3.4 BFINAL set",
            &[0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00],
        ),
        (
            "7.2.3.5 two blocks",
            &[
                0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07,
                0x00,
            ],
        ),
    ];
    for &(name, wire) in cases {
        for delivery in MODES {
            for feed in [feed_whole, feed_bytewise] {
                let mut conn = client(delivery);
                let events = feed(&mut conn, wire).ok();
                assert_eq!(
                    common::merge_chunks(&events),
                    [OwnedEvent::Text("Hello".into())],
                    "{name} {delivery:?}"
                );
            }
        }
    }
}

// RFC 7692 §7.2.3.2: with context takeover the second "Hello" refers back to the first.
#[test]
fn rfc_7692_sharing_the_sliding_window() {
    let second: &[u8] = &[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
    let wire = [HELLO, second].concat();
    let mut conn = client(Delivery::WholeMessages);
    assert_eq!(
        feed_whole(&mut conn, &wire).ok(),
        [
            OwnedEvent::Text("Hello".into()),
            OwnedEvent::Text("Hello".into())
        ]
    );

    // And a server compressing "Hello" twice sends exactly these frames.
    let mut server = server(Config::new());
    server.send_text("Hello").unwrap();
    server.send_text("Hello").unwrap();
    assert_eq!(server.pending_output(), wire);
}

// RFC 7692 §6.1: RSV1 marks the first frame of a compressed message; it is an error on a
// continuation frame or a control frame.
#[test]
fn rsv1_only_on_the_first_frame_of_a_data_message() {
    let cases: &[(&str, &[u8])] = &[
        (
            "continuation",
            &[0x01, 0x01, b'a', 0xc0, 0x01, b'b'], // text, then FIN|RSV1|continuation
        ),
        ("ping", &[0xc9, 0x00]),
    ];
    for &(name, wire) in cases {
        let mut conn = client(Delivery::WholeMessages);
        let outcome = feed_whole(&mut conn, wire);
        assert_eq!(
            outcome.error,
            Some(ProtocolError::ReservedBits(0x40)),
            "{name}"
        );
    }
}

// Compressed messages of every shape survive the trip both ways, in both modes.
#[test]
fn compressed_round_trip() {
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 7) as u8).collect();
    for delivery in MODES {
        let config = Config::new().delivery(delivery);
        let mut pair = Pair::with_configs(config.clone(), config);
        let deflate = DeflateConfig::new();
        pair.client = pair.client.with_deflate(&deflate, DEFAULT_PARAMS).unwrap();
        pair.server = pair.server.with_deflate(&deflate, DEFAULT_PARAMS).unwrap();

        pair.client.send_text("").unwrap();
        pair.client.send_text("κόσμε κόσμε κόσμε").unwrap();
        pair.client.send_binary(&big).unwrap();
        pair.client
            .send_fragment(wswire::MessageKind::Text, "Hel".as_bytes(), false)
            .unwrap();
        pair.client.send_ping(b"between").unwrap();
        pair.client
            .send_fragment(wswire::MessageKind::Text, "lo".as_bytes(), true)
            .unwrap();
        // The big message travels compressed: far fewer bytes than it holds.
        assert!(pair.client.pending_output_len() < big.len() / 10);
        let expected = [
            OwnedEvent::Text(String::new()),
            OwnedEvent::Text("κόσμε κόσμε κόσμε".into()),
            OwnedEvent::Binary(big.clone()),
            OwnedEvent::Ping(b"between".to_vec()),
            OwnedEvent::Text("Hello".into()),
        ];
        let events = common::merge_chunks(&pair.deliver_to_server().ok());
        assert_eq!(events.len(), expected.len(), "{delivery:?}");
        assert!(events == expected, "{delivery:?}");

        pair.server.send_binary(&big).unwrap();
        let events = common::merge_chunks(&pair.deliver_to_client().ok());
        assert!(events.last() == Some(&OwnedEvent::Binary(big.clone())));
    }
}

// RFC 6455 §10.4: the limit applies to what a message inflates to; a small frame that
// inflates past it fails with 1009, having buffered no more than the limit.
#[test]
fn inflated_size_is_limited() {
    let bomb = vec![0u8; 1 << 20];
    let mut sender = server(Config::new());
    sender.send_binary(&bomb).unwrap();
    let wire = sender.pending_output().to_vec();
    assert!(wire.len() < 4096, "{} bytes on the wire", wire.len());

    for delivery in MODES {
        let mut conn = Connection::client(
            Config::new().max_message_size(1000).delivery(delivery),
            FixedKeys::mask(RFC_MASK),
        )
        .with_deflate(&DeflateConfig::new(), DEFAULT_PARAMS)
        .unwrap();
        let outcome = feed_whole(&mut conn, &wire);
        assert_eq!(
            outcome.error,
            Some(ProtocolError::MessageTooLarge { max: 1000 }),
            "{delivery:?}"
        );
        let (b0, payload, _) = common::read_small_frame(conn.pending_output());
        assert_eq!((b0, &payload[..2]), (0x88, &[0x03, 0xf1][..]));
        assert!(conn.buffer_capacity() < 64 * 1024, "{delivery:?}");
    }
}

// Without the extension, RSV1 is refused as before (RFC 6455 §5.2).
#[test]
fn rsv1_without_negotiation_fails() {
    let mut conn = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    assert_eq!(
        feed_whole(&mut conn, HELLO).error,
        Some(ProtocolError::ReservedBits(0x40))
    );
    // Frames without RSV1 still pass on a connection that has it.
    let mut conn = client(Delivery::WholeMessages);
    let wire = [
        common::unmasked(FIN | BINARY, b"plain"),
        common::unmasked(BINARY, b"a"),
        common::unmasked(FIN | PING, b""),
        common::unmasked(FIN | CONT, b"b"),
    ]
    .concat();
    assert_eq!(
        feed_whole(&mut conn, &wire).ok(),
        [
            OwnedEvent::Binary(b"plain".to_vec()),
            OwnedEvent::Ping(vec![]),
            OwnedEvent::Binary(b"ab".to_vec())
        ]
    );
}

// A compressed stream cut anywhere gives the same messages.
#[test]
fn compressed_stream_is_split_invariant() {
    let mut sender = server(Config::new());
    let text = "permessage-deflate ".repeat(50);
    sender.send_text(&text).unwrap();
    sender
        .send_fragment(wswire::MessageKind::Binary, &[9; 3000], false)
        .unwrap();
    sender.send_ping(b"p").unwrap();
    sender
        .send_fragment(wswire::MessageKind::Binary, &[8; 3000], true)
        .unwrap();
    sender.send_text("Hello").unwrap();
    let wire = sender.pending_output().to_vec();
    let expected = [
        OwnedEvent::Text(text.clone()),
        OwnedEvent::Ping(b"p".to_vec()),
        OwnedEvent::Binary([[9; 3000], [8; 3000]].concat()),
        OwnedEvent::Text("Hello".into()),
    ];
    for delivery in MODES {
        for size in [1, 2, 3, 5, 8, 13, 100, wire.len()] {
            let mut conn = client(delivery);
            let events = common::feed_pieces(&mut conn, wire.chunks(size)).ok();
            assert_eq!(
                common::merge_chunks(&events),
                expected,
                "{delivery:?}, pieces of {size}"
            );
        }
    }
}

// RFC 6455 §8.1 applies to the inflated text (1007); data that does not inflate fails the
// connection with 1007 too.
#[test]
fn invalid_inflated_text_and_invalid_compressed_data_fail_with_1007() {
    let cases: &[(&str, &[u8], ProtocolError)] = &[
        (
            // A stored block holding ce ba ff: "κ" and an invalid byte.
            "invalid UTF-8 inside",
            &[0xc1, 0x08, 0x00, 0x03, 0x00, 0xfc, 0xff, 0xce, 0xba, 0xff],
            ProtocolError::InvalidUtf8,
        ),
        (
            // Block type 3 is reserved (RFC 1951 §3.2.3).
            "not deflate data",
            &[0xc2, 0x02, 0xff, 0xff],
            ProtocolError::InvalidCompressedData,
        ),
    ];
    for &(name, wire, ref expected) in cases {
        for delivery in MODES {
            let mut conn = client(delivery);
            let outcome = feed_whole(&mut conn, wire);
            assert_eq!(
                outcome.error.as_ref(),
                Some(expected),
                "{name} {delivery:?}"
            );
            let (b0, payload, _) = common::read_small_frame(conn.pending_output());
            assert_eq!((b0, &payload[..2]), (0x88, &[0x03, 0xef][..]), "{name}");
        }
    }
}
