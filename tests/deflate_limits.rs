//! The message size limit against compressed messages (RFC 7692 §8.1 warns of
//! decompression bombs): counted after inflating, enforced while inflating, in bounded
//! memory, with 1009; and streaming without a limit in bounded memory.

mod common;

use common::deflate::{
    RSV1, client_with, close_code_in, default_params, parse_frames, server_with,
};
use common::{Outcome, drain_into, feed_whole, masked, merge_chunks, take_output, unmasked};
use wswire::{
    CloseCode, Config, Connection, ConnectionState, DeflateConfig, Delivery, Event, MessageKind,
    OwnedEvent, ProtocolError,
};

const MIB: usize = 1 << 20;
const KIB: usize = 1 << 10;

/// Raw deflate data for `pieces` × 256 KiB of zeros, cut at sync flushes: the first piece
/// starts the stream; every later one is the same bytes, the compressed form of 256 KiB of
/// zeros after a window full of zeros, so repeating it extends the stream by 256 KiB each
/// time. The compressor only produces the input; what the tests check is the receiver.
struct Bomb {
    first: Vec<u8>,
    next: Vec<u8>,
}

const PIECE: usize = 256 * KIB;

impl Bomb {
    fn new() -> Self {
        let mut sender = server_with(Config::new(), &DeflateConfig::new(), default_params());
        let zeros = vec![0u8; PIECE];
        let mut pieces = Vec::new();
        for _ in 0..3 {
            sender
                .send_fragment(MessageKind::Binary, &zeros, false)
                .unwrap();
            pieces.push(parse_frames(&take_output(&mut sender)).remove(0).payload);
        }
        // Each is byte-aligned, ending in the sync flush's empty stored block.
        for piece in &pieces {
            assert!(piece.ends_with(&[0x00, 0x00, 0xff, 0xff]));
        }
        assert_eq!(pieces[1], pieces[2], "steady-state pieces differ");
        Self {
            first: pieces.swap_remove(0),
            next: pieces.swap_remove(0),
        }
    }

    /// The payload of a single-frame message inflating to `pieces` × 256 KiB of zeros; its
    /// last byte is the header of the empty stored block the receiver's tail completes.
    fn payload(&self, pieces: usize) -> Vec<u8> {
        let mut out = self.first.clone();
        for _ in 1..pieces {
            out.extend_from_slice(&self.next);
        }
        out.push(0x00);
        out
    }

    /// The same as a binary message of one frame per piece, as a server sends it.
    fn fragmented_frames(&self, pieces: usize) -> Vec<u8> {
        let mut out = unmasked(0x02 | RSV1, &self.first);
        for _ in 1..pieces {
            out.extend(unmasked(0x00, &self.next));
        }
        out.extend(unmasked(0x80, &[0x00]));
        out
    }
}

/// Feeds `bytes` in 16 KiB reads, taking events after each, until the connection fails or
/// the bytes run out. Returns what was reported, the largest buffer capacity seen, and
/// how many bytes were fed.
fn feed_reads(conn: &mut Connection, bytes: &[u8]) -> (Outcome, usize, usize) {
    let mut out = Outcome::default();
    let mut max_capacity = 0;
    let mut fed = 0;
    for read in bytes.chunks(16 * KIB) {
        conn.receive(read);
        fed += read.len();
        let failed = drain_into(conn, &mut out);
        max_capacity = max_capacity.max(conn.buffer_capacity());
        if failed {
            break;
        }
    }
    (out, max_capacity, fed)
}

/// Checks a connection failed on a bomb: 1009 returned, queued and sticky; little of the
/// input read.
fn assert_bomb_refused(conn: &mut Connection, outcome: &Outcome, fed: usize, limit: usize) {
    let error = ProtocolError::MessageTooLarge { max: limit };
    assert_eq!(outcome.error.as_ref(), Some(&error));
    assert_eq!(error.close_code(), CloseCode::TOO_BIG);
    assert_eq!(conn.state(), ConnectionState::Failed);
    assert_eq!(close_code_in(&take_output(conn)), 1009);
    assert_eq!(conn.poll_event(), Err(error));
    // The limit is 1 MiB of output; 1 MiB of zeros is ~1 KiB of input.
    assert!(fed <= 64 * KIB, "read {fed} bytes before failing");
}

/// Checks the buffers stayed within the limit plus 64 KiB, while inflating and after.
fn assert_memory_bounded(conn: &Connection, max_capacity: usize, limit: usize) {
    let after = conn.buffer_capacity();
    assert!(
        after < limit + 64 * KIB,
        "buffer capacity after the failure: {after} bytes, limit {limit}"
    );
    assert!(
        max_capacity < limit + 64 * KIB,
        "buffer capacity while inflating: {max_capacity} bytes, limit {limit}"
    );
}

/// Chunks reported before the failure: never more than the limit in total, each at most
/// 32 KiB, all zeros.
fn assert_chunks_within(events: &[OwnedEvent], limit: usize) {
    let mut total = 0;
    for event in events {
        let OwnedEvent::BinaryChunk { data, last } = event else {
            panic!("unexpected event {event:?}");
        };
        assert!(!last);
        assert!(data.len() <= 32 * KIB, "chunk of {} bytes", data.len());
        assert!(data.iter().all(|&b| b == 0));
        total += data.len();
    }
    assert!(
        total <= limit,
        "{total} bytes delivered past the {limit}-byte limit"
    );
}

/// The three bombs: 1 GiB in one frame (about 1 MiB on the wire), 16 MiB in 64 frames,
/// and 16 MiB in one frame sent to a server; with the connection to receive each.
fn bombs(delivery: Delivery) -> Vec<(&'static str, Connection, Vec<u8>)> {
    let bomb = Bomb::new();
    let config = Config::new().max_message_size(MIB).delivery(delivery);
    let one_frame = unmasked(0x82 | RSV1, &bomb.payload(4096));
    assert!(one_frame.len() < 2 * MIB);
    vec![
        (
            "1 GiB in one frame",
            client_with(config.clone(), default_params()),
            one_frame,
        ),
        (
            "16 MiB in 64 frames",
            client_with(config.clone(), default_params()),
            bomb.fragmented_frames(64),
        ),
        (
            "16 MiB to a server",
            server_with(config, &DeflateConfig::new(), default_params()),
            masked(0x82 | RSV1, &bomb.payload(64)),
        ),
    ]
}

#[test]
fn bombs_fail_with_1009_whole_messages() {
    for (name, mut conn, wire) in bombs(Delivery::WholeMessages) {
        let (outcome, _, fed) = feed_reads(&mut conn, &wire);
        assert_eq!(outcome.events, [], "{name}");
        assert_bomb_refused(&mut conn, &outcome, fed, MIB);
    }
}

#[test]
fn bombs_whole_messages_memory_stays_near_the_limit() {
    // Kept apart from the test above so that its other checks keep running.
    for (name, mut conn, wire) in bombs(Delivery::WholeMessages) {
        let (outcome, max_capacity, _) = feed_reads(&mut conn, &wire);
        assert_eq!(
            outcome.err(),
            ProtocolError::MessageTooLarge { max: MIB },
            "{name}"
        );
        assert_memory_bounded(&conn, max_capacity, MIB);
    }
}

#[test]
fn bombs_fail_with_1009_in_chunks_in_bounded_memory() {
    for (name, mut conn, wire) in bombs(Delivery::Chunks) {
        let (outcome, max_capacity, fed) = feed_reads(&mut conn, &wire);
        assert_chunks_within(&outcome.events, MIB);
        assert_bomb_refused(&mut conn, &outcome, fed, MIB);
        assert_memory_bounded(&conn, max_capacity, MIB);
        // Streaming holds far less than the limit.
        assert!(
            max_capacity < 256 * KIB,
            "{name}: {max_capacity} bytes held"
        );
    }
}

#[test]
fn unlimited_chunks_stream_in_bounded_memory() {
    let bomb = Bomb::new();
    let wire = unmasked(0x82 | RSV1, &bomb.payload(4096));
    let config = Config::new()
        .max_message_size(usize::MAX)
        .delivery(Delivery::Chunks);
    let mut client = client_with(config, default_params());
    let mut delivered = 0;
    let mut chunks = 0;
    'reads: for read in wire.chunks(KIB) {
        client.receive(read);
        loop {
            match client.poll_event() {
                Ok(Some(Event::BinaryChunk { data, last })) => {
                    assert!(!last);
                    assert!(data.len() <= 32 * KIB, "chunk of {} bytes", data.len());
                    assert!(data.iter().all(|&b| b == 0));
                    delivered += data.len();
                    chunks += 1;
                }
                Ok(Some(other)) => panic!("unexpected {other:?}"),
                Ok(None) => break,
                Err(e) => panic!("failed after {delivered} bytes: {e}"),
            }
            let capacity = client.buffer_capacity();
            assert!(
                capacity < 256 * KIB,
                "{capacity} bytes held after {delivered}"
            );
            if delivered >= 8 * MIB {
                break 'reads;
            }
        }
    }
    assert!(delivered >= 8 * MIB, "only {delivered} bytes streamed");
    assert!(chunks >= 8 * MIB / (32 * KIB));
}

// ---- the limit's edge ----

/// A compressible message of exactly `len` bytes.
fn message(len: usize) -> Vec<u8> {
    (0..len).map(|i| b"0123456789abcdef"[i % 16]).collect()
}

#[test]
fn a_compressed_message_may_be_exactly_the_limit() {
    let limit = 100_000;
    for (len, fits) in [(limit, true), (limit + 1, false)] {
        // A fresh context each: the receiver below has seen nothing before.
        let mut sender = server_with(Config::new(), &DeflateConfig::new(), default_params());
        sender.send_binary(&message(len)).unwrap();
        let wire = take_output(&mut sender);
        assert!(wire.len() < 2000, "not compressed");
        for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
            let config = Config::new().max_message_size(limit).delivery(delivery);
            let mut client = client_with(config, default_params());
            let outcome = feed_whole(&mut client, &wire);
            if fits {
                let events = merge_chunks(&outcome.ok());
                assert_eq!(events, [OwnedEvent::Binary(message(len))], "{delivery:?}");
            } else {
                assert_eq!(
                    outcome.err(),
                    ProtocolError::MessageTooLarge { max: limit },
                    "{delivery:?}"
                );
            }
        }
    }
}

#[test]
fn the_limit_counts_all_fragments_inflated() {
    // Three fragments of 40 000 bytes each: 120 000 > 100 000 only once the third arrives,
    // while the compressed frames are tiny.
    let limit = 100_000;
    let mut sender = server_with(Config::new(), &DeflateConfig::new(), default_params());
    let part = message(40_000);
    sender
        .send_fragment(MessageKind::Text, &part, false)
        .unwrap();
    sender
        .send_fragment(MessageKind::Text, &part, false)
        .unwrap();
    let two = take_output(&mut sender);
    sender
        .send_fragment(MessageKind::Text, &part, true)
        .unwrap();
    let third = take_output(&mut sender);
    assert!(two.len() + third.len() < 2000);
    for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
        let config = Config::new().max_message_size(limit).delivery(delivery);
        let mut client = client_with(config, default_params());
        let first = feed_whole(&mut client, &two);
        assert_eq!(first.error, None, "{delivery:?}");
        let rest = feed_whole(&mut client, &third);
        assert_eq!(rest.err(), ProtocolError::MessageTooLarge { max: limit });
        assert_eq!(close_code_in(&take_output(&mut client)), 1009);
    }
}

#[test]
fn the_frame_limit_applies_to_compressed_frames_as_sent() {
    // max_frame_size bounds a frame's payload on the wire, compressed or not.
    let bomb = Bomb::new();
    let payload = bomb.payload(8);
    let config = Config::new().max_frame_size(payload.len() - 1);
    let mut client = client_with(config, default_params());
    let outcome = feed_whole(&mut client, &unmasked(0x82 | RSV1, &payload));
    assert!(matches!(
        outcome.err(),
        ProtocolError::FrameTooLarge { len, .. } if len == payload.len() as u64
    ));
}
