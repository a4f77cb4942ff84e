//! `Delivery::Chunks`: message data handed out as it arrives, so that memory stays constant
//! whatever the message size.

mod common;

use common::{BINARY, CONT, FIN, PING, TEXT, masked};
use wswire::{Config, Connection, Delivery, Event};

/// Well below the message size: what a connection streaming 1 MiB may hold.
const MEMORY_BOUND: usize = 128 * 1024;

struct Streamed {
    data: Vec<u8>,
    chunks: usize,
    last_flags: Vec<bool>,
    pings: usize,
}

/// Feeds `wire` in `piece`-byte reads to a chunk-mode server, checking its buffer
/// capacity after each read, and collects the chunks.
fn stream(wire: &[u8], piece: usize) -> Streamed {
    let mut conn = Connection::server(
        Config::new()
            .delivery(Delivery::Chunks)
            .max_message_size(usize::MAX),
    );
    let mut out = Streamed {
        data: Vec::new(),
        chunks: 0,
        last_flags: Vec::new(),
        pings: 0,
    };
    for (i, bytes) in wire.chunks(piece).enumerate() {
        conn.receive(bytes);
        while let Some(event) = conn.poll_event().unwrap() {
            match event {
                Event::BinaryChunk { data, last } => {
                    out.data.extend_from_slice(data);
                    out.last_flags.push(last);
                }
                Event::TextChunk { data, last } => {
                    out.data.extend_from_slice(data.as_bytes());
                    out.last_flags.push(last);
                }
                Event::Ping(_) => out.pings += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        // Pongs are queued; a runtime writes them out.
        conn.consume_output(conn.pending_output_len());
        assert!(
            conn.buffer_capacity() < MEMORY_BOUND,
            "{} bytes of buffers after read {i}",
            conn.buffer_capacity()
        );
    }
    out.chunks = out.last_flags.len();
    out
}

fn assert_only_final_is_last(flags: &[bool]) {
    let (final_flag, before) = flags.split_last().expect("at least one chunk");
    assert!(*final_flag, "the final chunk is marked last");
    assert!(
        before.iter().all(|last| !last),
        "only the final chunk is last"
    );
}

// A 1 MiB binary message in one frame, fed in 1000-byte reads.
#[test]
fn one_mib_binary_frame_streams_in_constant_memory() {
    let message: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 253) as u8).collect();
    let wire = masked(FIN | BINARY, &message);
    let streamed = stream(&wire, 1000);
    assert!(
        streamed.data == message,
        "chunks concatenate to the message"
    );
    assert!(streamed.chunks > 1000, "{} chunks", streamed.chunks);
    assert_only_final_is_last(&streamed.last_flags);
}

// The same message as 64 KiB fragments with Pings between them.
#[test]
fn one_mib_fragmented_binary_streams_in_constant_memory() {
    let message: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    let mut wire = Vec::new();
    let fragments: Vec<&[u8]> = message.chunks(64 * 1024).collect();
    for (i, fragment) in fragments.iter().enumerate() {
        let opcode = if i == 0 { BINARY } else { CONT };
        let fin = if i + 1 == fragments.len() { FIN } else { 0 };
        wire.extend_from_slice(&masked(fin | opcode, fragment));
        wire.extend_from_slice(&masked(FIN | PING, b"keepalive"));
    }
    let streamed = stream(&wire, 1000);
    assert!(streamed.data == message);
    assert_eq!(streamed.pings, 16);
    assert_only_final_is_last(&streamed.last_flags);
}

// 1 MiB of multi-byte text, whose characters the 1000-byte reads cut anywhere.
#[test]
fn one_mib_text_streams_in_constant_memory() {
    let unit = "aé€😀"; // 1 + 2 + 3 + 4 bytes
    let text = unit.repeat((1 << 20) / unit.len());
    let wire = masked(FIN | TEXT, text.as_bytes());
    let streamed = stream(&wire, 1000);
    assert!(streamed.data == text.as_bytes());
    assert_only_final_is_last(&streamed.last_flags);
}
