//! A hand-driven peer for the layer's tests: a core `Connection` over one end of a
//! `tokio::io::duplex`, whose reads and writes the test decides.

#![allow(dead_code)] // each test file uses a different part

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use wswire::{Config, Connection, OwnedEvent, SeededKeys};
use wswire_tokio::WebSocketStream;

/// A limit for any one wait in a test that runs on the real clock.
pub const STEP: Duration = Duration::from_secs(10);

/// The far end, a core client the test drives by hand.
pub struct Peer {
    pub io: DuplexStream,
    pub conn: Connection,
}

impl Peer {
    /// Writes everything the peer's connection has queued.
    pub async fn flush(&mut self) {
        while self.conn.pending_output_len() > 0 {
            let n = self.io.write(self.conn.pending_output()).await.unwrap();
            self.conn.consume_output(n);
        }
    }

    /// Queues with `f`, then writes it.
    pub async fn send(&mut self, f: impl FnOnce(&mut Connection)) {
        f(&mut self.conn);
        self.flush().await;
    }

    /// Reads until the next event, which it returns; `None` at the end of the input.
    pub async fn next_event(&mut self) -> Option<OwnedEvent> {
        loop {
            match self.conn.poll_event() {
                Ok(Some(event)) => return Some(event.into_owned()),
                Ok(None) => {}
                Err(e) => panic!("peer failed: {e}"),
            }
            let mut buf = vec![0u8; 64 * 1024];
            let n = self.io.read(&mut buf).await.unwrap();
            if n == 0 {
                return None;
            }
            self.conn.receive(&buf[..n]);
        }
    }

    /// Reads raw bytes (for frames the peer's connection would reject, or none at all).
    pub async fn read_raw(&mut self) -> Vec<u8> {
        let mut buf = vec![0u8; 64 * 1024];
        let n = self.io.read(&mut buf).await.unwrap();
        buf.truncate(n);
        buf
    }
}

/// A server `WebSocketStream` with `config` over a duplex of `capacity` bytes each way, and
/// the peer at the other end.
pub fn server_pair(config: Config, capacity: usize) -> (WebSocketStream<DuplexStream>, Peer) {
    let (ours, theirs) = tokio::io::duplex(capacity);
    let ws = WebSocketStream::from_connection(ours, Connection::server(config));
    let peer = Peer {
        io: theirs,
        conn: Connection::client(Config::new(), SeededKeys::new(7)),
    };
    (ws, peer)
}

/// A client `WebSocketStream` with `config` over a duplex of `capacity` bytes each way, and
/// the peer, a core server, at the other end.
pub fn client_pair(config: Config, capacity: usize) -> (WebSocketStream<DuplexStream>, Peer) {
    let (ours, theirs) = tokio::io::duplex(capacity);
    let ws = WebSocketStream::from_connection(ours, Connection::client(config, SeededKeys::new(3)));
    let peer = Peer {
        io: theirs,
        conn: Connection::server(Config::new()),
    };
    (ws, peer)
}
