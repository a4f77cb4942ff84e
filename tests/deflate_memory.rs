//! The heap an idle connection holds with permessage-deflate, measured with a counting
//! global allocator: with context takeover the zlib contexts must stay (they hold the
//! history both ends rely on); without it, `shrink_buffers` lets them go.
//!
//! The counter is global, so everything is measured inside one test function: no other
//! test of this binary runs alongside it.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use common::deflate::{Handshaken, Rng, handshake};
use common::{drain_into, take_output};
use wswire::{ClientConfig, Connection, DeflateConfig, OwnedEvent, ServerConfig};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` with the same arguments; the counter only
// observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::SeqCst)
}

/// The heap a connection holds: what dropping it gives back.
fn heap_held_by(conn: Connection) -> usize {
    let before = live();
    drop(conn);
    usize::try_from(before - live()).expect("dropping freed a negative amount")
}

fn pair(deflate: Option<DeflateConfig>) -> Handshaken {
    let mut client = ClientConfig::new("ws://example.com/").unwrap();
    let mut server = ServerConfig::new();
    if let Some(deflate) = deflate {
        client = client.deflate(deflate.clone());
        server = server.deflate(deflate);
    }
    handshake(client, server)
}

/// About 10 KiB of text that compresses like prose: words drawn from a small vocabulary.
fn ten_kib_text(seed: u64) -> String {
    const WORDS: [&str; 16] = [
        "socket", "frame", "deflate", "window", "message", "server", "client", "buffer", "context",
        "takeover", "mask", "payload", "close", "ping", "text", "binary",
    ];
    let mut rng = Rng::new(seed);
    let mut text = String::new();
    while text.len() < 10 * 1024 {
        text.push_str(WORDS[rng.below(WORDS.len())]);
        text.push(' ');
    }
    text
}

/// Establishes a pair, sends one 10 KiB message each way, optionally shrinks both, and
/// returns the heap the server connection then holds.
fn idle_server_heap(deflate: Option<DeflateConfig>, shrink: bool) -> usize {
    let Handshaken {
        mut client,
        mut server,
        ..
    } = pair(deflate);
    let (to_server, to_client) = (ten_kib_text(1), ten_kib_text(2));
    client.send_text(&to_server).unwrap();
    server.send_text(&to_client).unwrap();
    let mut out = common::Outcome::default();
    server.receive(&take_output(&mut client));
    assert!(!drain_into(&mut server, &mut out));
    client.receive(&take_output(&mut server));
    assert!(!drain_into(&mut client, &mut out));
    assert_eq!(
        out.events,
        [OwnedEvent::Text(to_server), OwnedEvent::Text(to_client)]
    );
    if shrink {
        client.shrink_buffers();
        server.shrink_buffers();
    }
    drop(client);
    heap_held_by(server)
}

#[test]
fn idle_connection_heap_with_and_without_context_takeover() {
    let takeover = || Some(DeflateConfig::new());
    let no_takeover = || {
        Some(
            DeflateConfig::new()
                .server_no_context_takeover(true)
                .client_no_context_takeover(true),
        )
    };
    let plain = idle_server_heap(None, false);
    let plain_shrunk = idle_server_heap(None, true);
    let takeover_idle = idle_server_heap(takeover(), false);
    let takeover_shrunk = idle_server_heap(takeover(), true);
    let no_takeover_idle = idle_server_heap(no_takeover(), false);
    let no_takeover_shrunk = idle_server_heap(no_takeover(), true);
    // One direction each: what the server's compressor and decompressor hold on their own.
    let inflater_only = idle_server_heap(
        Some(DeflateConfig::new().server_no_context_takeover(true)),
        true,
    );
    let deflater_only = idle_server_heap(
        Some(DeflateConfig::new().client_no_context_takeover(true)),
        true,
    );
    // Context takeover with the smallest windows both ways.
    let small_windows = idle_server_heap(
        Some(
            DeflateConfig::new()
                .server_max_window_bits(9)
                .client_max_window_bits(9),
        ),
        true,
    );

    println!("heap held by one idle server connection after a 10 KiB message each way:");
    println!(
        "  without deflate:                   {plain:>7} bytes, {plain_shrunk:>7} after shrink_buffers"
    );
    println!(
        "  deflate, context takeover:         {takeover_idle:>7} bytes, {takeover_shrunk:>7} after shrink_buffers"
    );
    println!(
        "  deflate, no context takeover:      {no_takeover_idle:>7} bytes, {no_takeover_shrunk:>7} after shrink_buffers"
    );
    println!(
        "  after shrink_buffers, only the server's decompressor kept: {inflater_only:>7} bytes"
    );
    println!(
        "  after shrink_buffers, only the server's compressor kept:   {deflater_only:>7} bytes"
    );
    println!(
        "  after shrink_buffers, context takeover, 9-bit windows:     {small_windows:>7} bytes"
    );

    // With context takeover the contexts stay: shrinking frees only the buffers.
    assert!(takeover_shrunk > 32 * 1024, "{takeover_shrunk}");
    assert!(takeover_shrunk <= takeover_idle);
    // Without it, shrinking lets the contexts go.
    assert!(
        no_takeover_shrunk < takeover_shrunk / 4,
        "{no_takeover_shrunk} vs {takeover_shrunk}"
    );
    assert!(no_takeover_shrunk < 16 * 1024, "{no_takeover_shrunk}");
    assert!(no_takeover_shrunk < no_takeover_idle);
    // Each direction's context is let go on its own.
    assert!(inflater_only < takeover_shrunk && deflater_only < takeover_shrunk);
    assert!(inflater_only > no_takeover_shrunk && deflater_only > no_takeover_shrunk);
    // A smaller window shrinks the compressor's history (the decompressor always keeps 15
    // bits).
    assert!(small_windows < takeover_shrunk, "{small_windows}");
    // And an idle deflate connection without takeover costs about what a plain one does.
    assert!(
        no_takeover_shrunk <= plain_shrunk + 1024,
        "{no_takeover_shrunk} vs {plain_shrunk}"
    );
}
