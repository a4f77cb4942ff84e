//! Size limits (RFC 6455 §10.4): a frame or message over the configured maximum fails the
//! connection with 1009 as soon as the header that announces it has arrived, before any of
//! the payload is buffered; exactly the limit is accepted.

mod common;

use common::{BINARY, CONT, FIN, FixedKeys, PING, RFC_MASK, TEXT, drain, feed_whole, masked};
use wswire::{Config, Connection, Delivery, OwnedEvent, ProtocolError};

const LIMIT: usize = 100;

fn limited(delivery: Delivery) -> Config {
    Config::new()
        .max_frame_size(LIMIT)
        .max_message_size(LIMIT)
        .delivery(delivery)
}

const MODES: [Delivery; 2] = [Delivery::WholeMessages, Delivery::Chunks];

/// Splits a masked frame into its header and payload (header length from its length form).
fn header_and_payload(frame: &[u8]) -> (&[u8], &[u8]) {
    let header_len = match frame[1] & 0x7F {
        126 => 8,
        127 => 14,
        _ => 6,
    };
    frame.split_at(header_len)
}

/// Checks that the last output is a Close with 1009 (03 f1).
fn assert_close_1009(conn: &Connection) {
    let out = conn.pending_output();
    assert_eq!(
        (out[0], &out[2..4]),
        (0x88, &[0x03, 0xf1][..]),
        "{out:02x?}"
    );
}

// A frame longer than max_frame_size fails on its header: no payload byte was fed.
#[test]
fn frame_over_the_limit_fails_on_its_header() {
    for delivery in MODES {
        for len in [LIMIT + 1, 126, 65536] {
            let frame = masked(FIN | BINARY, &vec![7; len]);
            let (header, _) = header_and_payload(&frame);
            let mut conn =
                Connection::server(Config::new().max_frame_size(LIMIT).delivery(delivery));
            let outcome = feed_whole(&mut conn, header);
            assert_eq!(
                outcome.error,
                Some(ProtocolError::FrameTooLarge {
                    len: len as u64,
                    max: LIMIT
                }),
                "{delivery:?} len {len}"
            );
            assert_close_1009(&conn);
        }
    }
}

// A frame announcing an absurd length fails at once, with the default limits too.
#[test]
fn huge_announced_length_fails_without_buffering() {
    let mut header = vec![
        0x82,
        0x80 | 127,
        0x7f,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
    ];
    header.extend_from_slice(&RFC_MASK);
    let mut conn = Connection::server(Config::new());
    let outcome = feed_whole(&mut conn, &header);
    assert_eq!(
        outcome.error,
        Some(ProtocolError::FrameTooLarge {
            len: 0x7fff_ffff_ffff_ffff,
            max: Config::DEFAULT_MAX_FRAME_SIZE
        })
    );
    assert_close_1009(&conn);
    assert!(conn.buffer_capacity() < 64 * 1024);
}

// Exactly the limit passes, in either mode, as one frame or as a fragmented message.
#[test]
fn exactly_the_limit_is_accepted() {
    let payload: Vec<u8> = (0..LIMIT as u8).collect();
    let one_frame = masked(FIN | BINARY, &payload);
    let fragmented = [
        masked(BINARY, &payload[..60]),
        masked(FIN | PING, &[0; 125]), // control frames do not count
        masked(FIN | CONT, &payload[60..]),
    ]
    .concat();
    for delivery in MODES {
        for wire in [&one_frame, &fragmented] {
            let mut conn = Connection::server(limited(delivery));
            let events = feed_whole(&mut conn, wire).ok();
            let merged = common::merge_chunks(&events);
            assert_eq!(
                merged.last(),
                Some(&OwnedEvent::Binary(payload.clone())),
                "{delivery:?}"
            );
        }
    }
}

// A fragmented message whose frames together pass max_message_size fails on the header of
// the frame that passes it, before that frame's payload.
#[test]
fn message_over_the_limit_fails_on_the_exceeding_header() {
    for delivery in MODES {
        let mut conn = Connection::server(limited(delivery));
        let first = masked(TEXT, &[b'a'; 60]);
        let second = masked(CONT, &[b'b'; 40]);
        let third = masked(FIN | CONT, &[b'c'; 1]);
        let mut wire = [first, second].concat();
        let (third_header, _) = header_and_payload(&third);
        wire.extend_from_slice(third_header);

        // Everything up to the 100th byte is fine.
        let up_to_limit = wire.len() - third_header.len();
        let outcome = feed_whole(&mut conn, &wire[..up_to_limit]);
        assert_eq!(outcome.error, None, "{delivery:?}");
        // The header that brings the total to 101 fails.
        conn.receive(&wire[up_to_limit..]);
        assert_eq!(
            drain(&mut conn).error,
            Some(ProtocolError::MessageTooLarge { max: LIMIT }),
            "{delivery:?}"
        );
        assert_close_1009(&conn);
    }
}

// A message under max_message_size whose single frame is over max_frame_size still fails.
#[test]
fn frame_limit_applies_inside_a_message() {
    let config = Config::new().max_frame_size(10).max_message_size(1000);
    let mut conn = Connection::server(config);
    let wire = [masked(TEXT, &[b'a'; 10]), masked(FIN | CONT, &[b'b'; 11])].concat();
    let outcome = feed_whole(&mut conn, &wire);
    assert_eq!(
        outcome.error,
        Some(ProtocolError::FrameTooLarge { len: 11, max: 10 })
    );
}

// The limits apply to a client receiving from a server too.
#[test]
fn client_enforces_the_limits() {
    let mut conn = Connection::client(limited(Delivery::WholeMessages), FixedKeys::mask(RFC_MASK));
    let header = [0x82, 0x7e, 0x00, 0x65]; // unmasked binary, 101 bytes
    let outcome = feed_whole(&mut conn, &header);
    assert_eq!(
        outcome.error,
        Some(ProtocolError::FrameTooLarge {
            len: 101,
            max: LIMIT
        })
    );
    let (b0, payload, _) = common::read_small_frame(conn.pending_output());
    assert_eq!((b0, &payload[..2]), (0x88, &[0x03, 0xf1][..]));
}

// Each message is counted on its own: many messages at the limit pass.
#[test]
fn limit_is_per_message() {
    let mut conn = Connection::server(limited(Delivery::WholeMessages));
    let one = [masked(TEXT, &[b'x'; 50]), masked(FIN | CONT, &[b'y'; 50])].concat();
    let wire = one.repeat(5);
    let events = feed_whole(&mut conn, &wire).ok();
    assert_eq!(events.len(), 5);
}

/// Reads `wire` into `conn` through `input_buffer` in reads of at most 64 KiB, polling
/// after each; returns the events and the most buffer memory held along the way.
fn read_and_measure(conn: &mut Connection, wire: &[u8]) -> (Vec<OwnedEvent>, usize) {
    let (mut events, mut most) = (Vec::new(), 0);
    let mut at = 0;
    while at < wire.len() {
        let space = conn.input_buffer();
        let n = space.len().min(64 * 1024).min(wire.len() - at);
        space[..n].copy_from_slice(&wire[at..at + n]);
        conn.commit_input(n);
        at += n;
        most = most.max(conn.buffer_capacity());
        events.extend(drain(conn).events);
        most = most.max(conn.buffer_capacity());
    }
    (events, most)
}

// A message at the limit holds about its size in buffers, never twice the limit: whether it
// comes as one frame or as many fragments, text or binary, one after the other.
#[test]
fn memory_for_a_message_at_the_limit_stays_about_its_size() {
    const MAX: usize = 4 << 20;
    let text = "κόσμε, Zürich! ".repeat(MAX / 20);
    let end = (0..=MAX)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let text = &text[..end];
    let binary: Vec<u8> = (0..MAX).map(|i| (i * 31 % 251) as u8).collect();
    let fragmented = |opcode: u8, payload: &[u8]| -> Vec<u8> {
        let chunks: Vec<&[u8]> = payload.chunks(64 * 1024).collect();
        let last = chunks.len() - 1;
        chunks
            .iter()
            .enumerate()
            .flat_map(|(i, chunk)| {
                let first = if i == 0 { opcode } else { CONT };
                masked(if i == last { FIN | first } else { first }, chunk)
            })
            .collect()
    };
    let wire = [
        masked(FIN | BINARY, &binary),
        fragmented(BINARY, &binary),
        masked(FIN | TEXT, text.as_bytes()),
        fragmented(TEXT, text.as_bytes()),
    ]
    .concat();
    let mut conn = Connection::server(Config::new().max_message_size(MAX).max_frame_size(MAX));
    let (events, most) = read_and_measure(&mut conn, &wire);
    assert_eq!(events.len(), 4);
    assert_eq!(events[1], OwnedEvent::Binary(binary));
    assert_eq!(events[3], OwnedEvent::Text(text.to_owned()));
    assert!(
        most <= MAX + 1024 * 1024,
        "{most} bytes held for messages of {MAX}"
    );
}
