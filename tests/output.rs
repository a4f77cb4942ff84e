//! The byte buffers a runtime drives: draining output with partial writes, messages whose
//! payload the caller writes itself, reading straight into the input buffer, and the
//! sending rules that keep frames in order.

mod common;

use common::{
    BINARY, CONT, FIN, FixedKeys, Outcome, PING, RFC_MASK, TEXT, close_payload, feed_pieces, masked,
};
use wswire::{
    CloseCode, Config, Connection, Delivery, Event, MessageKind, OwnedEvent, SeededKeys, UsageError,
};

// Partial writes: whatever was written is dropped from the front, the rest stays in order,
// and frames queued meanwhile go behind it.
#[test]
fn consume_output_with_partial_writes() {
    let mut conn = Connection::server(Config::new());
    conn.send_text("Hello").unwrap();
    assert_eq!(conn.pending_output_len(), 7);
    conn.consume_output(4);
    assert_eq!(conn.pending_output(), b"llo");
    assert_eq!(conn.pending_output_len(), 3);
    conn.send_binary(&[0xff]).unwrap();
    assert_eq!(conn.pending_output(), [b'l', b'l', b'o', 0x82, 0x01, 0xff]);
    conn.consume_output(6);
    assert_eq!(conn.pending_output(), b"");
    assert_eq!(conn.pending_output_len(), 0);
    // Reporting more than is pending drops what is pending, nothing else.
    conn.send_text("a").unwrap();
    conn.consume_output(100);
    assert_eq!(conn.pending_output_len(), 0);
    conn.send_text("b").unwrap();
    assert_eq!(conn.pending_output(), [0x81, 0x01, b'b']);
}

// Written one byte at a time, interleaved with new frames, the transport sees exactly the
// frames in the order they were queued.
#[test]
fn trickled_output_is_the_queued_frames_in_order() {
    let mut conn = Connection::server(Config::new());
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for i in 0..200u8 {
        let payload = vec![i; usize::from(i)];
        conn.send_binary(&payload).unwrap();
        expected.extend_from_slice(&common::unmasked(FIN | BINARY, &payload));
        // Write about half of what is pending, in two writes.
        for _ in 0..2 {
            let n = conn.pending_output_len().div_ceil(4);
            wire.extend_from_slice(&conn.pending_output()[..n]);
            conn.consume_output(n);
        }
    }
    wire.extend_from_slice(conn.pending_output());
    assert_eq!(wire, expected);
}

// A server's unbuffered message: the header for 256 bytes is 82 7e 01 00 (RFC 6455 §5.7),
// the payload is left as it is, and nothing is queued.
#[test]
fn unbuffered_message_on_a_server() {
    let mut conn = Connection::server(Config::new());
    let original: Vec<u8> = (0..=255).collect();
    let mut payload = original.clone();
    let header = conn
        .unbuffered_message(MessageKind::Binary, &mut payload)
        .unwrap();
    assert_eq!(header.as_bytes(), [0x82, 0x7e, 0x01, 0x00]);
    assert_eq!(payload, original);
    assert_eq!(conn.pending_output_len(), 0);

    let mut big = vec![1u8; 65536];
    let header = conn
        .unbuffered_message(MessageKind::Text, &mut big)
        .unwrap();
    assert_eq!(
        header.as_bytes(),
        [0x81, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]
    );
}

// A client's unbuffered message masks the payload in place: "Hello" under 37 fa 21 3d is
// the RFC 6455 §5.7 frame.
#[test]
fn unbuffered_message_on_a_client_masks_in_place() {
    let mut conn = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    let mut payload = *b"Hello";
    let header = conn
        .unbuffered_message(MessageKind::Text, &mut payload)
        .unwrap();
    assert_eq!(header.as_bytes(), [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]);
    assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);

    let mut server = Connection::server(Config::new());
    server.receive(header.as_bytes());
    server.receive(&payload);
    assert_eq!(server.poll_event().unwrap(), Some(Event::Text("Hello")));
}

// Frames stay in order: with output pending, the unbuffered path is refused and changes
// nothing (the payload is not masked, no key is used up).
#[test]
fn unbuffered_message_refused_while_output_is_pending() {
    let mut conn = Connection::client(Config::new(), SeededKeys::new(9));
    let mut reference = Connection::client(Config::new(), SeededKeys::new(9));
    conn.send_text("first").unwrap();
    reference.send_text("first").unwrap();

    let mut payload = *b"second";
    assert_eq!(
        conn.unbuffered_message(MessageKind::Text, &mut payload)
            .map(|_| ()),
        Err(UsageError::OutputPending)
    );
    assert_eq!(&payload, b"second");

    conn.send_text("third").unwrap();
    reference.send_text("third").unwrap();
    assert_eq!(conn.pending_output(), reference.pending_output());

    // Once written out, the unbuffered path works.
    conn.consume_output(conn.pending_output_len());
    assert!(
        conn.unbuffered_message(MessageKind::Text, &mut payload)
            .is_ok()
    );
}

// RFC 6455 §5.4: a fragmented message being sent must end before another starts;
// fragments continue with the same kind.
#[test]
fn fragment_rules_for_the_sender() {
    let mut conn = Connection::server(Config::new());
    conn.send_fragment(MessageKind::Text, b"a", false).unwrap();
    assert_eq!(conn.send_text("x"), Err(UsageError::MessageInProgress));
    assert_eq!(conn.send_binary(b"x"), Err(UsageError::MessageInProgress));
    assert_eq!(
        conn.send_fragment(MessageKind::Binary, b"x", true),
        Err(UsageError::FragmentKindMismatch)
    );
    let mut payload = *b"x";
    assert_eq!(
        conn.unbuffered_message(MessageKind::Binary, &mut payload)
            .map(|_| ()),
        Err(UsageError::MessageInProgress)
    );
    // Control frames may go between fragments (RFC 6455 §5.4).
    conn.send_ping(b"p").unwrap();
    conn.send_fragment(MessageKind::Text, b"b", false).unwrap();
    conn.send_fragment(MessageKind::Text, b"", true).unwrap();
    conn.send_text("c").unwrap();
    assert_eq!(
        conn.pending_output(),
        [
            0x01, 0x01, b'a', // text, not final
            0x89, 0x01, b'p', // ping
            0x00, 0x01, b'b', // continuation
            0x80, 0x00, // final continuation, empty
            0x81, 0x01, b'c', // next message
        ]
    );
}

/// Feeds `pieces` through `input_buffer` / `commit_input`, as reads of at most the space
/// offered.
fn feed_via_input_buffer<'a>(
    conn: &mut Connection,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> Outcome {
    let mut outcome = Outcome::default();
    for mut piece in pieces {
        while !piece.is_empty() {
            let space = conn.input_buffer();
            assert!(space.len() >= 1024, "input_buffer offers at least 1 KiB");
            let n = space.len().min(piece.len());
            space[..n].copy_from_slice(&piece[..n]);
            conn.commit_input(n);
            piece = &piece[n..];
            let step = common::drain(conn);
            outcome.events.extend(step.events);
            if step.error.is_some() {
                outcome.error = step.error;
                return outcome;
            }
        }
    }
    outcome
}

// Reading straight into the input buffer gives the same events as `receive`, however the
// bytes are cut.
#[test]
fn input_buffer_path_matches_receive() {
    let wire = [
        masked(FIN | TEXT, b"Hello"),
        masked(FIN | PING, b"p"),
        masked(BINARY, &[1; 300]),
        masked(FIN | CONT, &vec![2; 70000]),
        masked(FIN | TEXT, "κόσμε".as_bytes()),
        masked(FIN | 0x8, &close_payload(1000, b"")),
    ]
    .concat();
    for size in [1, 7, 1000, 16 * 1024, wire.len()] {
        let mut by_receive = Connection::server(Config::new());
        let mut by_buffer = Connection::server(Config::new());
        let expected = feed_pieces(&mut by_receive, wire.chunks(size));
        let got = feed_via_input_buffer(&mut by_buffer, wire.chunks(size));
        assert_eq!(got, expected, "pieces of {size}");
        assert_eq!(expected.events.len(), 5);
        assert_eq!(
            expected.events[4],
            OwnedEvent::Close {
                code: CloseCode::NORMAL,
                reason: String::new()
            }
        );
        assert_eq!(by_buffer.pending_output(), by_receive.pending_output());
    }
}

/// Reads `wire` through `input_buffer` in reads of at most `max` bytes; returns the
/// events and the space offered for each read.
fn read_through(conn: &mut Connection, wire: &[u8], max: usize) -> (Vec<OwnedEvent>, Vec<usize>) {
    let (mut events, mut offered) = (Vec::new(), Vec::new());
    let mut at = 0;
    while at < wire.len() {
        let space = conn.input_buffer();
        offered.push(space.len());
        let n = space.len().min(max).min(wire.len() - at);
        space[..n].copy_from_slice(&wire[at..at + n]);
        conn.commit_input(n);
        at += n;
        events.extend(common::drain(conn).events);
    }
    (events, offered)
}

// Reads that fill the space get more next time, up to `Config::read_size`; a binary frame
// delivered in place gets room for all of it.
#[test]
fn input_buffer_adapts_to_the_reads() {
    let wire: Vec<u8> = (0..200)
        .flat_map(|i| masked(FIN | BINARY, &[i as u8; 1000]))
        .collect();
    let mut conn = Connection::server(Config::new());
    let (events, offered) = read_through(&mut conn, &wire, usize::MAX);
    assert_eq!(events.len(), 200);
    assert!(offered[0] >= 1024 && offered[0] < 16 * 1024, "{offered:?}");
    assert!(offered.iter().any(|&n| n >= 64 * 1024), "{offered:?}");

    let frame = masked(FIN | BINARY, &vec![3; 100_000]);
    let mut conn = Connection::server(Config::new());
    let space = conn.input_buffer();
    space[..14].copy_from_slice(&frame[..14]);
    conn.commit_input(14);
    assert_eq!(conn.poll_event(), Ok(None));
    assert!(conn.input_buffer().len() >= 100_000);
}

// The rest of a large binary message is read straight into the buffer it is delivered
// from, in reads of up to `Config::read_size`, with the same result.
#[test]
fn large_binary_frames_are_read_into_place() {
    let payload: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i * 7 + i / 1000) as u8)
        .collect();
    let wire = [
        masked(FIN | BINARY, &payload),
        masked(FIN | TEXT, b"after"),
        masked(BINARY, &payload[..300_000]),
        masked(FIN | PING, b"p"),
        masked(FIN | CONT, &payload[300_000..]),
    ]
    .concat();
    for max in [1000, 64 * 1024, usize::MAX] {
        let mut conn = Connection::server(Config::new().read_size(32 * 1024));
        let (events, offered) = read_through(&mut conn, &wire, max);
        assert_eq!(
            events,
            [
                OwnedEvent::Binary(payload.clone()),
                OwnedEvent::Text("after".into()),
                OwnedEvent::Ping(b"p".to_vec()),
                OwnedEvent::Binary(payload.clone()),
            ],
            "reads of at most {max}"
        );
        assert!(offered.iter().all(|&n| n <= 512 * 1024), "{offered:?}");
    }
}

// Events taken between `input_buffer` and `commit_input` leave the read where it was: it
// counts as arriving after them, whether it went into the input buffer or, for the rest of
// a large binary frame, into the message buffer.
#[test]
fn events_taken_between_input_buffer_and_commit_input() {
    let large = vec![7; 200_000];
    let wire = [
        masked(FIN | TEXT, b"first"),
        masked(FIN | TEXT, b"second"),
        masked(FIN | BINARY, &large),
        masked(FIN | TEXT, b"third"),
    ]
    .concat();
    let mut conn = Connection::server(Config::new().read_size(32 * 1024));
    conn.receive(&wire[..11]);
    let mut events = Vec::new();
    let mut at = 11;
    while at < wire.len() {
        let space = conn.input_buffer();
        let n = space.len().min(wire.len() - at);
        space[..n].copy_from_slice(&wire[at..at + n]);
        // What was buffered before the read is processed before it is committed.
        events.extend(common::drain(&mut conn).ok());
        conn.commit_input(n);
        at += n;
    }
    events.extend(common::drain(&mut conn).ok());
    assert_eq!(
        events,
        [
            OwnedEvent::Text("first".into()),
            OwnedEvent::Text("second".into()),
            OwnedEvent::Binary(large),
            OwnedEvent::Text("third".into()),
        ]
    );
}

// The caller cannot claim to have read more than the space it was given.
#[test]
#[should_panic]
fn commit_beyond_the_input_buffer_panics() {
    let mut conn = Connection::server(Config::new());
    let n = conn.input_buffer().len();
    conn.commit_input(n + 1);
}

// A read cannot be committed into space taken back after it was lent: by `shrink_buffers`
// or `handle_timeout` (which may give the storage back), or by `receive` (whose bytes go
// where the read would). Committing nothing stays fine.
#[test]
fn space_taken_back_cannot_be_committed() {
    use std::time::Duration;
    type TakeBack = fn(&mut Connection);
    let takers: [(&str, TakeBack); 3] = [
        ("shrink_buffers", |conn| conn.shrink_buffers()),
        ("handle_timeout", |conn| {
            conn.handle_timeout(Duration::ZERO);
            conn.handle_timeout(Duration::from_secs(2));
        }),
        ("receive", |conn| conn.receive(b"\x89")),
    ];
    for (name, take_back) in takers {
        let mut conn = Connection::server(Config::new());
        assert!(!conn.input_buffer().is_empty());
        take_back(&mut conn);
        conn.commit_input(0);
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            conn.commit_input(1);
        }));
        assert!(
            refused.is_err(),
            "{name}: a read committed into space taken back"
        );
    }
}

// Shrinking the buffers between reads and between events changes nothing that is reported
// or sent, in either delivery mode.
#[test]
fn shrink_buffers_between_reads_changes_nothing() {
    let wire = [
        masked(FIN | TEXT, "héllo wörld".as_bytes()),
        masked(BINARY, &[1; 300]),
        masked(FIN | PING, b"q"),
        masked(FIN | CONT, &vec![2; 70000]),
        masked(TEXT, &[&b"caf\xc3\xa9 "[..], b"\xf0\x9f"].concat()), // "café " and half of 😀
        masked(FIN | CONT, b"\x98\x80x"),
        masked(FIN | 0x8, &close_payload(1000, b"")),
    ]
    .concat();
    for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
        for size in [3, 4096] {
            let config = || Config::new().delivery(delivery);
            let mut plain = Connection::server(config());
            let expected = feed_pieces(&mut plain, wire.chunks(size));
            assert_eq!(expected.error, None);

            let mut shrunk = Connection::server(config());
            let mut events = Vec::new();
            for piece in wire.chunks(size) {
                shrunk.shrink_buffers();
                shrunk.receive(piece);
                while let Some(event) = shrunk.poll_event().unwrap() {
                    events.push(event.into_owned());
                    shrunk.shrink_buffers();
                }
            }
            let context = format!("{delivery:?}, pieces of {size}");
            assert_eq!(
                common::merge_chunks(&events),
                common::merge_chunks(&expected.events),
                "{context}"
            );
            assert_eq!(
                common::merge_chunks(&events)[2],
                OwnedEvent::Binary([vec![1; 300], vec![2; 70000]].concat()),
                "{context}"
            );
            assert_eq!(shrunk.pending_output(), plain.pending_output(), "{context}");
        }
    }
}

// A caller that writes slowly: the output storage stays within twice the most that was
// pending with the frame being queued, however the partial writes fall, and what it
// writes is exactly the frames queued, in order.
#[test]
fn output_storage_follows_what_is_pending_with_slow_writes() {
    for percent in [30, 45, 49, 55, 70] {
        let mut conn = Connection::server(Config::new());
        let (mut peak, mut written, mut expected) = (0, Vec::new(), Vec::new());
        for round in 0..40 {
            for i in 0..1 + round % 5 {
                let payload = vec![(round * 7 + i) as u8; 20_000];
                conn.send_binary(&payload).unwrap();
                expected.extend(common::unmasked(FIN | BINARY, &payload));
                // The frame just queued is part of what the storage must hold.
                peak = peak.max(conn.pending_output_len());
                assert!(
                    conn.buffer_capacity() <= 2 * peak,
                    "{} bytes of storage for at most {peak} pending ({percent} %, round {round})",
                    conn.buffer_capacity(),
                );
            }
            let n = conn.pending_output_len() * percent / 100;
            written.extend_from_slice(&conn.pending_output()[..n]);
            conn.consume_output(n);
        }
        written.extend_from_slice(conn.pending_output());
        assert_eq!(written, expected, "{percent} %");
    }
}
