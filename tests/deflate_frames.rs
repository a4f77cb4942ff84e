//! Frame rules once permessage-deflate is negotiated (RFC 7692 §6): where RSV1 may appear,
//! what fails a compressed message (1002, 1007), that uncompressed messages still pass, and
//! which messages this end sends compressed.

mod common;

use common::deflate::{
    RSV1, client_with, close_code_in, default_params, parse_frames, server_with,
};
use common::{feed_bytewise, feed_whole, masked, take_output, unmasked};
use wswire::{
    CloseCode, Config, Connection, ConnectionState, DeflateConfig, Delivery, MessageKind,
    OwnedEvent, ProtocolError,
};

const HELLO_PAYLOAD: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

fn text(s: &str) -> OwnedEvent {
    OwnedEvent::Text(s.to_owned())
}

/// Feeds `bytes` (as a server sends them) to deflate clients in both delivery modes, whole
/// and byte by byte, and to deflate servers (masked); checks that each reports `before`,
/// then fails with `error`, queuing a Close with its code, and then stays failed.
fn assert_fails(bytes: &[u8], before: &[OwnedEvent], error: ProtocolError) {
    let code = error.close_code();
    for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
        let config = Config::new().delivery(delivery);
        for bytewise in [false, true] {
            let remasked: Vec<u8> = parse_frames(bytes)
                .iter()
                .flat_map(|f| masked(f.b0, &f.payload))
                .collect();
            let conns = [
                (
                    client_with(config.clone(), default_params()),
                    bytes.to_vec(),
                ),
                (
                    server_with(config.clone(), &DeflateConfig::new(), default_params()),
                    remasked,
                ),
            ];
            for (mut conn, input) in conns {
                let role = conn.role();
                let outcome = if bytewise {
                    feed_bytewise(&mut conn, &input)
                } else {
                    feed_whole(&mut conn, &input)
                };
                let context = format!("{role:?} {delivery:?} bytewise {bytewise}");
                let events = match delivery {
                    Delivery::WholeMessages => outcome.events.clone(),
                    // A failed message may have delivered chunks already; keep the whole
                    // messages and control frames.
                    Delivery::Chunks => outcome
                        .events
                        .iter()
                        .filter(|e| {
                            !matches!(
                                e,
                                OwnedEvent::TextChunk { .. } | OwnedEvent::BinaryChunk { .. }
                            )
                        })
                        .cloned()
                        .collect(),
                };
                let whole_before: Vec<OwnedEvent> = before
                    .iter()
                    .filter(|e| !matches!(e, OwnedEvent::Text(_) | OwnedEvent::Binary(_)))
                    .cloned()
                    .collect();
                match delivery {
                    Delivery::WholeMessages => assert_eq!(events, before, "{context}"),
                    _ => assert_eq!(events, whole_before, "{context}"),
                }
                assert_eq!(outcome.error.as_ref(), Some(&error), "{context}");
                assert_eq!(conn.state(), ConnectionState::Failed, "{context}");
                assert_eq!(
                    close_code_in(&take_output(&mut conn)),
                    code.as_u16(),
                    "{context}"
                );
                assert_eq!(conn.poll_event(), Err(error.clone()), "{context}");
            }
        }
    }
}

// ---- RSV1 where it does not belong: 1002 ----

#[test]
fn rsv1_on_a_continuation_frame() {
    // Compressed message, RSV1 repeated on its continuation.
    let mut bytes = unmasked(0x41, &HELLO_PAYLOAD[..3]);
    bytes.extend(unmasked(0x80 | RSV1, &HELLO_PAYLOAD[3..]));
    assert_fails(&bytes, &[], ProtocolError::ReservedBits(RSV1));
    // Uncompressed message whose continuation claims to be compressed.
    let mut bytes = unmasked(0x01, b"Hel");
    bytes.extend(unmasked(0x80 | RSV1, b"lo"));
    assert_fails(&bytes, &[], ProtocolError::ReservedBits(RSV1));
    assert_eq!(
        ProtocolError::ReservedBits(RSV1).close_code(),
        CloseCode::PROTOCOL_ERROR
    );
}

#[test]
fn rsv1_on_control_frames() {
    for b0 in [0x89, 0x8a, 0x88] {
        let payload: &[u8] = if b0 == 0x88 { &[0x03, 0xe8] } else { b"x" };
        let bytes = unmasked(b0 | RSV1, payload);
        assert_fails(&bytes, &[], ProtocolError::ReservedBits(RSV1));
        // Also in the middle of a compressed message, after a message went through.
        let mut bytes = unmasked(0xc1, &HELLO_PAYLOAD);
        bytes.extend(unmasked(0x41, &HELLO_PAYLOAD[..2]));
        bytes.extend(unmasked(b0 | RSV1, payload));
        assert_fails(&bytes, &[text("Hello")], ProtocolError::ReservedBits(RSV1));
    }
}

#[test]
fn rsv2_and_rsv3_stay_reserved() {
    for rsv in [0x20, 0x10, 0x30] {
        assert_fails(
            &unmasked(0x81 | rsv, b"Hello"),
            &[],
            ProtocolError::ReservedBits(rsv),
        );
        // Alongside RSV1 on a compressed message: only the undefined bits are named.
        assert_fails(
            &unmasked(0xc1 | rsv, &HELLO_PAYLOAD),
            &[],
            ProtocolError::ReservedBits(rsv),
        );
    }
}

#[test]
fn rsv1_without_deflate_negotiated() {
    for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
        let config = Config::new().delivery(delivery);
        let mut client =
            Connection::client(config.clone(), common::FixedKeys::mask(common::RFC_MASK));
        let outcome = feed_whole(&mut client, &unmasked(0xc1, &HELLO_PAYLOAD));
        assert_eq!(outcome.err(), ProtocolError::ReservedBits(RSV1));
        assert_eq!(close_code_in(&take_output(&mut client)), 1002);

        let mut server = Connection::server(config);
        let outcome = feed_bytewise(&mut server, &masked(0xc2, &HELLO_PAYLOAD));
        assert_eq!(outcome.err(), ProtocolError::ReservedBits(RSV1));
        assert_eq!(close_code_in(&take_output(&mut server)), 1002);
    }
}

// ---- payloads that do not inflate: 1007 ----

#[test]
fn stored_block_with_mismatched_lengths() {
    // BFINAL 1, BTYPE 00; LEN 5 but NLEN 0000 instead of its complement fffa.
    let payload = [0x01, 0x05, 0x00, 0x00, 0x00, b'H', b'e', b'l', b'l', b'o'];
    assert_fails(
        &unmasked(0xc1, &payload),
        &[],
        ProtocolError::InvalidCompressedData,
    );
    assert_eq!(
        ProtocolError::InvalidCompressedData.close_code(),
        CloseCode::INVALID_PAYLOAD
    );
}

#[test]
fn reserved_block_type() {
    // BFINAL 0, BTYPE 11: "reserved (error)" (RFC 1951 §3.2.3).
    assert_fails(
        &unmasked(0xc2, &[0x06, 0x00]),
        &[],
        ProtocolError::InvalidCompressedData,
    );
}

#[test]
fn back_reference_before_the_start() {
    // RFC 7692 §7.2.3.2's second message, without the first: its distance points before
    // anything this context has seen.
    let bytes = [
        unmasked(0x81, b"Hello"),
        unmasked(0xc1, &[0xf2, 0x00, 0x11, 0x00, 0x00]),
    ]
    .concat();
    assert_fails(
        &bytes,
        &[text("Hello")],
        ProtocolError::InvalidCompressedData,
    );
}

#[test]
fn invalid_stream_after_a_good_message_in_the_same_context() {
    let mut bytes = unmasked(0xc1, &HELLO_PAYLOAD);
    bytes.extend(unmasked(0xc1, &[0xff; 8]));
    assert_fails(
        &bytes,
        &[text("Hello")],
        ProtocolError::InvalidCompressedData,
    );
}

#[test]
fn invalid_stream_in_a_continuation_frame() {
    // A stored block (BFINAL 0, LEN 2, NLEN fffd, "ok") in the first frame, then a
    // reserved block type in the continuation.
    let mut bytes = unmasked(0x41, &[0x00, 0x02, 0x00, 0xfd, 0xff, b'o', b'k']);
    bytes.extend(unmasked(0x80, &[0x06, 0x00]));
    assert_fails(&bytes, &[], ProtocolError::InvalidCompressedData);
}

// ---- a message must end on a block boundary (RFC 7692 §7.2.2): 1007 ----

#[test]
fn message_ending_inside_a_stored_block() {
    // A stored block announcing 16 bytes, 2 sent: with the tail restored, 6 of 16 have
    // arrived, and the message has ended. Never delivered with the tail as data.
    let payload = [0x00, 0x10, 0x00, 0xef, 0xff, b'a', b'b'];
    assert_fails(
        &unmasked(0xc1, &payload),
        &[],
        ProtocolError::InvalidCompressedData,
    );
    // With context takeover, it is this message that fails, not the valid one after it.
    let mut bytes = unmasked(0xc1, &payload);
    bytes.extend(unmasked(0xc1, &HELLO_PAYLOAD));
    assert_fails(&bytes, &[], ProtocolError::InvalidCompressedData);
}

#[test]
fn message_ending_inside_a_huffman_block() {
    // RFC 7692 §7.2.3.1's "Hello" cut before its end-of-block code: the tail's bits are
    // read as the rest of the block, which does not end where the tail does.
    for cut in 1..HELLO_PAYLOAD.len() - 1 {
        assert_fails(
            &unmasked(0xc1, &HELLO_PAYLOAD[..cut]),
            &[],
            ProtocolError::InvalidCompressedData,
        );
    }
}

#[test]
fn message_ending_inside_a_stored_block_header() {
    // The tail completes LEN/NLEN of a block whose header began in the payload, and the
    // stream then waits for the block's data.
    for payload in [&[0x00, 0x00][..], &[0x00, 0x00, 0x00]] {
        assert_fails(
            &unmasked(0xc1, payload),
            &[],
            ProtocolError::InvalidCompressedData,
        );
    }
}

#[test]
fn messages_ending_on_a_block_boundary_pass() {
    // RFC 7692 §7.2.3.3: a stored block, then the lone header byte of the empty stored
    // block the tail completes; and the same split over two frames.
    let stored = [
        0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    let mut client = client_with(Config::new(), default_params());
    let mut bytes = unmasked(0xc1, &stored);
    bytes.extend(unmasked(0x41, &stored[..7]));
    bytes.extend(unmasked(0x80, &stored[7..]));
    bytes.extend(unmasked(0xc1, &HELLO_PAYLOAD));
    assert_eq!(
        feed_bytewise(&mut client, &bytes).ok(),
        [text("Hello"), text("Hello"), text("Hello")]
    );
}

// ---- invalid UTF-8 inside compressed text: 1007 ----

#[test]
fn invalid_utf8_inside_compressed_text() {
    // A stored block holding c3 28 (a lead byte followed by a non-continuation), then the
    // header of the empty stored block the tail completes.
    let payload = [0x00, 0x02, 0x00, 0xfd, 0xff, 0xc3, 0x28, 0x00];
    assert_fails(&unmasked(0xc1, &payload), &[], ProtocolError::InvalidUtf8);
    // The same bytes as a binary message are fine.
    let mut client = client_with(Config::new(), default_params());
    assert_eq!(
        feed_whole(&mut client, &unmasked(0xc2, &payload)).ok(),
        [OwnedEvent::Binary(vec![0xc3, 0x28])]
    );
}

#[test]
fn truncated_character_at_the_end_of_compressed_text() {
    // Stored block holding "é" cut after its first byte (c3).
    let payload = [0x00, 0x01, 0x00, 0xfe, 0xff, 0xc3, 0x00];
    assert_fails(&unmasked(0xc1, &payload), &[], ProtocolError::InvalidUtf8);
    // Completed in a later fragment, it is valid.
    let mut bytes = unmasked(0x41, &[0x00, 0x01, 0x00, 0xfe, 0xff, 0xc3]);
    bytes.extend(unmasked(0x80, &[0x00, 0x01, 0x00, 0xfe, 0xff, 0xa9, 0x00]));
    let mut client = client_with(Config::new(), default_params());
    assert_eq!(feed_whole(&mut client, &bytes).ok(), [text("é")]);
}

#[test]
fn invalid_utf8_fails_before_the_message_ends() {
    // The first fragment already holds the invalid sequence; the rest never arrives.
    let first = unmasked(0x41, &[0x00, 0x02, 0x00, 0xfd, 0xff, 0xc3, 0x28]);
    for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
        let mut client = client_with(Config::new().delivery(delivery), default_params());
        let outcome = feed_whole(&mut client, &first);
        assert_eq!(outcome.err(), ProtocolError::InvalidUtf8, "{delivery:?}");
    }
}

// ---- uncompressed messages on a deflate connection ----

#[test]
fn uncompressed_messages_are_still_accepted() {
    // Interleaved with compressed ones; they leave the compression context untouched, so
    // §7.2.3.2's back reference to the first "Hello" still resolves.
    let bytes = [
        unmasked(0xc1, &HELLO_PAYLOAD),
        unmasked(0x81, b"plain"),
        unmasked(0x02, b"bi"),
        unmasked(0x80, b"nary"),
        unmasked(0xc1, &[0xf2, 0x00, 0x11, 0x00, 0x00]),
    ]
    .concat();
    let expected = [
        text("Hello"),
        text("plain"),
        OwnedEvent::Binary(b"binary".to_vec()),
        text("Hello"),
    ];
    for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
        let mut client = client_with(Config::new().delivery(delivery), default_params());
        let events = feed_bytewise(&mut client, &bytes).ok();
        let events = if delivery == Delivery::Chunks {
            common::merge_chunks(&events)
        } else {
            events
        };
        assert_eq!(events, expected, "{delivery:?}");
    }
}

// ---- what this end sends ----

#[test]
fn uncompressed_sends_leave_rsv1_clear() {
    let mut server = server_with(Config::new(), &DeflateConfig::new(), default_params());
    server.send_binary_uncompressed(b"raw").unwrap();
    assert_eq!(take_output(&mut server), [0x82, 0x03, b'r', b'a', b'w']);
    server.send_text_uncompressed("raw").unwrap();
    assert_eq!(take_output(&mut server), [0x81, 0x03, b'r', b'a', b'w']);
    // Control frames never carry RSV1.
    server.send_ping(b"p").unwrap();
    server.send_pong(b"q").unwrap();
    let out = take_output(&mut server);
    assert_eq!(out, [0x89, 0x01, b'p', 0x8a, 0x01, b'q']);
    // A message sent by the caller unbuffered is not compressed either.
    let mut payload = b"unbuffered".to_vec();
    let header = server
        .unbuffered_message(MessageKind::Text, &mut payload)
        .unwrap();
    assert_eq!(header.as_bytes(), [0x81, 0x0a]);
    // The client side, masked.
    let mut client = client_with(Config::new(), default_params());
    client.send_binary_uncompressed(b"raw").unwrap();
    let frames = parse_frames(&take_output(&mut client));
    assert_eq!((frames[0].b0, &frames[0].payload[..]), (0x82, &b"raw"[..]));
    assert!(frames[0].masked);
}

#[test]
fn min_compress_size_decides_per_message() {
    let deflate = DeflateConfig::new().min_compress_size(100);
    let mut server = server_with(Config::new(), &deflate, default_params());
    let mut client = client_with(Config::new(), default_params());
    for (len, compressed) in [(10, false), (99, false), (100, true), (200, true)] {
        let message = vec![b'a'; len];
        server.send_binary(&message).unwrap();
        let out = take_output(&mut server);
        let frames = parse_frames(&out);
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].b0 & RSV1 != 0, compressed, "{len} bytes");
        assert_eq!(frames[0].b0 & 0x0f, 0x2);
        if compressed {
            assert!(frames[0].payload.len() < len, "{len} bytes not compressed");
        } else {
            assert_eq!(frames[0].payload, message);
        }
        assert_eq!(
            feed_whole(&mut client, &out).ok(),
            [OwnedEvent::Binary(message)]
        );
    }
    // Text alike.
    server.send_text("short").unwrap();
    assert_eq!(parse_frames(&take_output(&mut server))[0].b0, 0x81);
    server.send_text(&"long ".repeat(40)).unwrap();
    assert_eq!(parse_frames(&take_output(&mut server))[0].b0, 0xc1);
    // A fragmented message's size is unknown when it starts: it is compressed.
    server
        .send_fragment(MessageKind::Binary, b"ab", false)
        .unwrap();
    server
        .send_fragment(MessageKind::Binary, b"c", true)
        .unwrap();
    let b0s: Vec<u8> = parse_frames(&take_output(&mut server))
        .iter()
        .map(|f| f.b0)
        .collect();
    assert_eq!(b0s, [0x42, 0x80]);
}

#[test]
fn without_deflate_nothing_is_compressed() {
    let mut server = Connection::server(Config::new());
    server.send_text(&"a".repeat(1000)).unwrap();
    let frames = parse_frames(&take_output(&mut server));
    assert_eq!(frames[0].b0, 0x81);
    assert_eq!(frames[0].payload.len(), 1000);
    assert!(server.deflate().is_none());
}
