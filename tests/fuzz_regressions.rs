//! Inputs the fuzz targets (`fuzz/`) found, each with the typed outcome it must have.
//!
//! Each test names its target and the artifact's hash; the input is the artifact's bytes
//! as the target read them (for the frames-style targets, four setup bytes and then the
//! stream; see `fuzz/src/lib.rs`, `Setup`). docs/fuzzing.md says how to add one.

mod common;

use common::{
    FixedKeys, Outcome, drain_into, feed_bytewise, feed_whole, merge_chunks, read_small_frame,
};
use wswire::{
    CloseCode, Config, Connection, DeflateConfig, DeflateParams, Delivery, OwnedEvent,
    ProtocolError,
};

/// Context takeover and 15-bit windows both ways: what a response with no parameters agrees.
fn default_params() -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: None,
        client_max_window_bits: None,
    }
}

fn deflate_server(delivery: Delivery) -> Connection {
    Connection::server(Config::new().delivery(delivery))
        .with_deflate(&DeflateConfig::new(), default_params())
        .unwrap()
}

/// The code of the Close frame a connection queued (its only output here).
fn queued_close_code(conn: &Connection) -> u16 {
    let (b0, payload, len) = read_small_frame(conn.pending_output());
    assert_eq!((b0, len), (0x88, conn.pending_output_len()));
    u16::from_be_bytes([payload[0], payload[1]])
}

/// split_invariance, crash-8f7b1b7dc7a9f7e944588879ef6d87553f10da1f: a compressed text
/// message (server, permessage-deflate with default parameters, chunks) whose payload,
/// unmasked, is a stored block "He|f\xa1" (RFC 7692 §7.2.3.3's form) and then a broken
/// block header that fails only once the message's `00 00 ff ff` tail is inflated.
///
/// Fed a byte at a time, "\xa1" (a lone continuation byte) was inflated and validated in
/// an early step: `InvalidUtf8`. Fed whole, the tail failed in the same step before the
/// text was validated: `InvalidCompressedData`. Both are 1007, but the error and the Close
/// reason depended on how the input was cut. Now a failing inflate validates what it
/// produced first, so the earlier fault, the text, is reported either way.
#[test]
fn split_invariance_invalid_text_before_a_broken_deflate_stream() {
    const INPUT: &[u8] = &[
        0x41, 0x00, 0x05, 0x00, 0xc1, 0x8b, 0x37, 0xfa, 0x21, 0x3d, 0x37, 0xff, 0x21, 0xc7, 0xc8,
        0xb2, 0x44, 0x41, 0x51, 0x5b, 0x95, 0x21,
    ];
    let stream = &INPUT[4..];
    let feeds: [fn(&mut Connection, &[u8]) -> Outcome; 2] = [feed_whole, feed_bytewise];
    for delivery in [Delivery::Chunks, Delivery::WholeMessages] {
        for feed in feeds {
            let mut conn = deflate_server(delivery);
            let outcome = feed(&mut conn, stream);
            // Streaming, the valid text before the fault may have been handed out.
            let streamed: String = outcome
                .events
                .iter()
                .map(|event| match event {
                    OwnedEvent::TextChunk { data, last: false } => data.as_str(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert!("He|f".starts_with(&streamed), "{streamed:?}");
            if delivery == Delivery::WholeMessages {
                assert_eq!(outcome.events, []);
            }
            assert_eq!(
                outcome.error,
                Some(ProtocolError::InvalidUtf8),
                "{delivery:?}"
            );
            assert_eq!(
                queued_close_code(&conn),
                CloseCode::INVALID_PAYLOAD.as_u16()
            );
        }
    }
}

fn deflate_client(config: Config) -> Connection {
    Connection::client(config, FixedKeys::mask([0; 4]))
        .with_deflate(&DeflateConfig::new(), default_params())
        .unwrap()
}

/// split_invariance, crash-bead5e3477a1a31a9a4eb720859f4bfa73ca3fca: a client with
/// permessage-deflate, chunks and a message limit of 0 bytes receives a compressed text
/// frame `c1 05 f2 68 cd c9 c9` (RFC 7692's "Hello" with one bit changed: it inflates to
/// `48 85 6c 6c`, not UTF-8), then `32 07 00`.
///
/// The first inflated byte passes the limit; the invalid text comes later. Fed a byte at a
/// time that was `MessageTooLarge`; fed whole, after the first fix above, every byte of the
/// step was validated before the limit was looked at: `InvalidUtf8`. Now text is
/// validated only up to the limit, so the limit, the earlier fault, wins either way.
#[test]
fn split_invariance_message_limit_before_invalid_inflated_text() {
    const INPUT: &[u8] = &[
        0x5d, 0x00, 0x05, 0x01, 0xc1, 0x05, 0xf2, 0x68, 0xcd, 0xc9, 0xc9, 0x32, 0x07, 0x00,
    ];
    let stream = &INPUT[4..];
    let feeds: [fn(&mut Connection, &[u8]) -> Outcome; 2] = [feed_whole, feed_bytewise];
    for delivery in [Delivery::Chunks, Delivery::WholeMessages] {
        for feed in feeds {
            let config = Config::new()
                .delivery(delivery)
                .max_message_size(0)
                .max_frame_size(16 * 1024);
            let mut conn = deflate_client(config);
            let outcome = feed(&mut conn, stream);
            assert_eq!(outcome.events, [], "{delivery:?}");
            assert_eq!(
                outcome.error,
                Some(ProtocolError::MessageTooLarge { max: 0 }),
                "{delivery:?}"
            );
            let (b0, payload, _) = read_small_frame(conn.pending_output());
            assert_eq!((b0, &payload[..2]), (0x88, &1009u16.to_be_bytes()[..]));
        }
    }
}

/// Reads `stream` into `conn` through `input_buffer`/`commit_input`, a byte per read,
/// taking the ready events after each read; stops at the first error.
fn read_bytewise(conn: &mut Connection, stream: &[u8]) -> Outcome {
    let mut outcome = Outcome::default();
    for &byte in stream {
        let space = conn.input_buffer();
        assert!(space.len() >= 1024, "input_buffer offered {}", space.len());
        space[0] = byte;
        conn.commit_input(1);
        if drain_into(conn, &mut outcome) {
            break;
        }
    }
    outcome
}

/// server_frames, crash-00adb016c453b493c0b6487e6a0ba4a319a2c1af (with reading through
/// `input_buffer`): a server (16 KiB frames, 8 KiB messages, permessage-deflate) reads,
/// a byte at a time, the first fragment of a binary message, masked (`02 82 …`), then a
/// continuation header that is unmasked and announces 2^56 bytes (`00 7f 01 d6 …`). The
/// connection fails with `UnmaskedFrame` (1002), and later reads are to be dropped.
///
/// The decoder had started that frame before its header was refused, and the message was
/// being collected, so `input_buffer` lent the message buffer for "the rest of the frame":
/// bytes read after the failure were kept there, up to the message limit, after which
/// `input_buffer` offered an empty slice (a transport reading into it gets 0 bytes, which
/// reads as the end of the stream). Now a connection that takes no more input lends input
/// buffer space, whose bytes `commit_input` drops.
#[test]
fn server_frames_reads_after_failing_are_dropped() {
    const INPUT: &[u8] = &[
        0x7e, 0x00, 0x01, 0x3e, 0x02, 0x82, 0x38, 0xfa, 0x21, 0x3d, 0x34, 0x13, 0x00, 0x7f, 0x01,
        0xd6, 0x8a, 0xff, 0xff, 0xff, 0xff, 0x21, 0x3d, 0x4d, 0x13, 0xff, 0xff,
    ];
    let stream = &INPUT[4..];
    let config = Config::new()
        .max_frame_size(16 * 1024)
        .max_message_size(8 * 1024)
        .auto_pong(false);
    let mut conn = Connection::server(config)
        .with_deflate(&DeflateConfig::new().level(0), default_params())
        .unwrap();
    let outcome = read_bytewise(&mut conn, stream);
    assert_eq!(outcome.events, []);
    assert_eq!(outcome.error, Some(ProtocolError::UnmaskedFrame));
    assert_eq!(queued_close_code(&conn), CloseCode::PROTOCOL_ERROR.as_u16());
    let output = conn.pending_output().to_vec();
    let held = conn.buffer_capacity();
    // A megabyte read after failing: every read is offered space, nothing is kept.
    let mut read = 0;
    while read < 1 << 20 {
        let space = conn.input_buffer();
        assert!(space.len() >= 1024, "input_buffer offered {}", space.len());
        let n = space.len();
        space.fill(0x82);
        conn.commit_input(n);
        read += n;
        assert_eq!(conn.poll_event(), Err(ProtocolError::UnmaskedFrame));
    }
    assert_eq!(conn.pending_output(), output);
    assert!(
        conn.buffer_capacity() <= held + 4 * Config::DEFAULT_READ_SIZE,
        "{} bytes held after reading {read} bytes into a failed connection ({held} before)",
        conn.buffer_capacity()
    );
}

/// The server_frames target's message bound (one message, plus the byte that tells the
/// limit was passed, plus at most 1 KiB an earlier message left in the other buffer), on an
/// input written by hand once the bound was held per buffer: a server (16 KiB frames,
/// 8 KiB messages, permessage-deflate) receives a text message of 4000 bytes in two
/// fragments (masked with a zero key, so the payload reads in the clear), then a compressed
/// text message, RFC 7692's form of 8192 `a`s.
///
/// The first message is collected in the text buffer, the second inflated into the
/// message buffer. Starting a message gave back the other buffer only for uncompressed
/// text (freeing the message buffer) and binary (freeing the text buffer), so compressed
/// text kept the 4000 bytes of text storage next to its own 8193: two messages' worth,
/// where the docs promise one. Now whatever uses the message buffer, inflated text
/// included, gives back the text buffer.
#[test]
fn server_frames_compressed_text_after_collected_text_holds_one_message() {
    const COMPRESSED: &[u8] = &[
        0xc1, 0x9a, 0x00, 0x00, 0x00, 0x00, 0xec, 0xc1, 0x01, 0x0d, 0x00, 0x00, 0x00, 0xc2, 0xa0,
        0xac, 0xef, 0x5f, 0xc2, 0x1c, 0x6e, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xef, 0x06,
    ];
    let input = [
        &[0x7c, 0x00, 0x00, 0x00][..],
        &[0x01, 0xfe, 0x07, 0xd0, 0x00, 0x00, 0x00, 0x00],
        &[b'x'; 2000],
        &[0x80, 0xfe, 0x07, 0xd0, 0x00, 0x00, 0x00, 0x00],
        &[b'x'; 2000],
        COMPRESSED,
    ]
    .concat();
    let stream = &input[4..];
    let config = Config::new()
        .max_frame_size(16 * 1024)
        .max_message_size(8 * 1024);
    let mut conn = Connection::server(config)
        .with_deflate(&DeflateConfig::new().level(0), default_params())
        .unwrap();
    let outcome = feed_whole(&mut conn, stream);
    assert_eq!(
        outcome.ok(),
        [
            OwnedEvent::Text("x".repeat(4000)),
            OwnedEvent::Text("a".repeat(8192)),
        ]
    );
    // The input buffer holds the stream, received whole; the message buffers one message
    // of at most 8 KiB (and the byte past the limit), plus at most 1 KiB left over.
    let most = stream.len() + 8 * 1024 + 1 + 1024;
    assert!(
        conn.buffer_capacity() <= most,
        "{} bytes held, at most {most} expected",
        conn.buffer_capacity()
    );
}

/// split_invariance, crash-764f5a0ea00089e203ad886193a4cafd54684a66 (with reading
/// through `input_buffer`): a client (permessage-deflate, chunks, 125-byte frames, 8 KiB
/// messages, automatic Pongs off, a 1 KiB read size) reads the binary frame `82 02 3d b1` a
/// byte at a time, placing each byte in the space `input_buffer` lent and taking the
/// events before committing it.
///
/// Taking the events processed the header and emptied the input buffer, which then moved
/// its free space back to the front of the storage; the commit that followed marked the
/// bytes there as received, not the byte just placed. The message came out as
/// `82 82` (the header's stale first byte, twice), where read whole it is `3d b1`. Now the
/// space goes back to the front only when the next space is asked for, so a read lent
/// stays where it was whatever is processed before it is committed.
#[test]
fn split_invariance_events_taken_before_a_read_is_committed() {
    const INPUT: &[u8] = &[0xb7, 0xf1, 0x82, 0x7d, 0x82, 0x02, 0x3d, 0xb1];
    let stream = &INPUT[4..];
    let config = Config::new()
        .delivery(Delivery::Chunks)
        .max_frame_size(125)
        .max_message_size(8 * 1024)
        .auto_pong(false)
        .read_size(1024);
    let params = DeflateParams {
        server_no_context_takeover: true,
        client_no_context_takeover: false,
        server_max_window_bits: Some(12),
        client_max_window_bits: Some(15),
    };
    let mut conn = Connection::client(config, FixedKeys::mask([0; 4]))
        .with_deflate(&DeflateConfig::new(), params)
        .unwrap();
    let mut outcome = Outcome::default();
    for &byte in stream {
        conn.input_buffer()[0] = byte;
        drain_into(&mut conn, &mut outcome);
        conn.commit_input(1);
    }
    drain_into(&mut conn, &mut outcome);
    assert_eq!(outcome.error, None);
    assert_eq!(
        merge_chunks(&outcome.events),
        [OwnedEvent::Binary(vec![0x3d, 0xb1])]
    );
}
