//! The `wswire` adapter: everything the benchmark does with `wswire`'s API is in this file.
//!
//! - decode: copy at most 64 KiB at a time (and no more than `input_buffer()` offers) into
//!   `input_buffer()`, `commit_input`, then `poll_event` until it returns `None`;
//! - encode: `send_text` / `send_binary` per message, writing `pending_output()` out in
//!   pieces of at most 64 KiB (then `consume_output`) whenever 64 KiB are pending, and at
//!   the end;
//! - encode, shared (a second wswire line, reported beside the first): the messages held as
//!   `Arc`s, `send_shared_text` / `send_shared_binary` per message, vectored writes of the
//!   pending chunks (the header from the connection, the payload from the `Arc`);
//! - deflate round trip: a client and a server `Connection` with `with_deflate`;
//! - idle: a server connection after one message each way; "after release" is after one
//!   second on the connection's clock (`handle_timeout`), when it gives its buffers back by
//!   itself.

use std::io::IoSlice;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use wswire::{
    Accept, Config, Connection, DeflateConfig, DeflateParams, Event, OsRandom, ServerConfig,
    ServerHandshake,
};

use super::{
    Bench, DecodeBench, Decoder, EncodeBench, Encoder, Idle, IdleSetup, Inspect, RoundTrip,
    RoundTripBench, check_reply,
};
use crate::data::{Consume, Kind, Messages};
use crate::io::{ByteQueue, MAX_IO, Shared, shared};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Delivers every complete message the connection has; returns how many.
fn poll_messages<C: Consume>(conn: &mut Connection, c: &mut C) -> Result<usize, String> {
    let mut got = 0;
    while let Some(event) = conn.poll_event().map_err(err)? {
        match event {
            Event::Text(text) => c.message(Kind::Text, text.as_bytes()),
            Event::Binary(data) => c.message(Kind::Binary, data),
            other => return Err(format!("unexpected event {other:?}")),
        }
        got += 1;
    }
    Ok(got)
}

/// Reads until `count` messages have been delivered.
fn receive<C: Consume>(
    conn: &mut Connection,
    input: &mut ByteQueue,
    count: usize,
    c: &mut C,
) -> Result<(), String> {
    let mut got = 0;
    loop {
        got += poll_messages(conn, c)?;
        if got >= count {
            return Ok(());
        }
        let n = input.read_into(conn.input_buffer());
        if n == 0 {
            return Err(format!("input ended after {got} of {count} messages"));
        }
        conn.commit_input(n);
    }
}

/// Writes all pending output, at most 64 KiB per write.
fn flush(conn: &mut Connection, out: &mut ByteQueue) {
    while conn.pending_output_len() > 0 {
        let n = out.write_from(conn.pending_output());
        conn.consume_output(n);
    }
}

pub struct WsDecoder(Connection);

impl Decoder for WsDecoder {
    fn decode<C: Consume>(
        &mut self,
        input: &Shared,
        count: usize,
        c: &mut C,
    ) -> Result<(), String> {
        receive(&mut self.0, &mut input.borrow_mut(), count, c)?;
        // Nothing is answered to data frames.
        assert_eq!(self.0.pending_output_len(), 0);
        Ok(())
    }
}

pub fn decoder(msgs: Rc<Messages>, input: Shared) -> Box<dyn Bench> {
    DecodeBench::boxed(WsDecoder(Connection::server(Config::new())), msgs, input)
}

pub struct WsEncoder(Connection);

impl Encoder for WsEncoder {
    fn encode(&mut self, msgs: &Messages, out: &Shared) -> Result<(), String> {
        let mut out = out.borrow_mut();
        let conn = &mut self.0;
        for i in 0..msgs.len() {
            match msgs.kind {
                Kind::Text => conn.send_text(&msgs.texts[i]),
                Kind::Binary => conn.send_binary(&msgs.payloads[i]),
            }
            .map_err(err)?;
            if conn.pending_output_len() >= MAX_IO {
                flush(conn, &mut out);
            }
        }
        flush(conn, &mut out);
        Ok(())
    }
}

fn connection(client: bool) -> Connection {
    if client {
        // The default key source: the operating system's randomness, pooled.
        Connection::client(Config::new(), OsRandom::new())
    } else {
        Connection::server(Config::new())
    }
}

pub fn encoder(msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
    EncodeBench::boxed(WsEncoder(connection(client)), msgs, out, client)
}

/// Each role's zero-copy send. A server uses `send_shared_text` / `send_shared_binary`: the
/// application holds its messages as `Arc`s (prepared untimed, like any application that
/// broadcasts), each send clones one, and the server queues only the header and writes the
/// payload from the `Arc` itself. A client uses `send_owned_text` / `send_owned_binary`:
/// uniquely owned buffers, refilled before the clock starts (as the tokio-websockets and
/// fastwebsockets clients get theirs), masked in place. Both write the pending chunks with
/// vectored writes.
pub struct WsShared {
    conn: Connection,
    client: bool,
    texts: Vec<Arc<str>>,
    binaries: Vec<Arc<[u8]>>,
    owned_texts: Vec<String>,
    owned_binaries: Vec<Vec<u8>>,
}

impl Encoder for WsShared {
    fn prepare(&mut self, msgs: &Messages) {
        if self.client {
            match msgs.kind {
                Kind::Text => self.owned_texts.clone_from(&msgs.texts),
                Kind::Binary => self.owned_binaries.clone_from(&msgs.payloads),
            }
            return;
        }
        if self.texts.is_empty() && self.binaries.is_empty() {
            match msgs.kind {
                Kind::Text => {
                    self.texts = msgs.texts.iter().map(|t| Arc::from(t.as_str())).collect()
                }
                Kind::Binary => {
                    self.binaries = msgs
                        .payloads
                        .iter()
                        .map(|p| Arc::from(p.as_slice()))
                        .collect();
                }
            }
        }
    }

    fn encode(&mut self, msgs: &Messages, out: &Shared) -> Result<(), String> {
        let mut out = out.borrow_mut();
        let conn = &mut self.conn;
        let mut owned_texts = self.owned_texts.drain(..);
        let mut owned_binaries = self.owned_binaries.drain(..);
        for i in 0..msgs.len() {
            match (msgs.kind, self.client) {
                (Kind::Text, false) => conn.send_shared_text(Arc::clone(&self.texts[i])),
                (Kind::Binary, false) => conn.send_shared_binary(Arc::clone(&self.binaries[i])),
                (Kind::Text, true) => {
                    conn.send_owned_text(owned_texts.next().ok_or("no text prepared")?)
                }
                (Kind::Binary, true) => {
                    conn.send_owned_binary(owned_binaries.next().ok_or("no payload prepared")?)
                }
            }
            .map_err(err)?;
            if conn.pending_output_len() >= MAX_IO {
                flush_vectored(conn, &mut out);
            }
        }
        flush_vectored(conn, &mut out);
        Ok(())
    }
}

/// Writes all pending output with vectored writes of at most 64 KiB each.
fn flush_vectored(conn: &mut Connection, out: &mut ByteQueue) {
    while conn.pending_output_len() > 0 {
        let slices: Vec<IoSlice<'_>> = conn.pending_chunks().take(8).map(IoSlice::new).collect();
        let n = out.write_vectored_from(&slices);
        conn.consume_output(n);
    }
}

pub fn shared_encoder(msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
    let subject = WsShared {
        conn: connection(client),
        client,
        texts: Vec::new(),
        binaries: Vec::new(),
        owned_texts: Vec::new(),
        owned_binaries: Vec::new(),
    };
    EncodeBench::boxed(subject, msgs, out, client)
}

/// The parameters a handshake agrees on when neither end asks for anything: context
/// takeover and 15-bit windows both ways, unless `no_takeover`.
fn params(no_takeover: bool) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: no_takeover,
        client_no_context_takeover: no_takeover,
        server_max_window_bits: None,
        client_max_window_bits: None,
    }
}

fn deflate_config(level: u32, no_takeover: bool) -> DeflateConfig {
    DeflateConfig::new()
        .level(level)
        .server_no_context_takeover(no_takeover)
        .client_no_context_takeover(no_takeover)
}

pub struct WsRoundTrip {
    client: Connection,
    server: Connection,
}

impl RoundTrip for WsRoundTrip {
    fn round_trip<C: Consume, I: Inspect>(
        &mut self,
        msgs: &Messages,
        wire: &Shared,
        c: &mut C,
        inspect: &mut I,
    ) -> Result<(), String> {
        let mut wire = wire.borrow_mut();
        for text in &msgs.texts {
            self.client.send_text(text).map_err(err)?;
            flush(&mut self.client, &mut wire);
            inspect.sent(&wire.data[wire.pos..]);
            receive(&mut self.server, &mut wire, 1, c)?;
            if wire.remaining() != 0 {
                return Err("the server left bytes unread".into());
            }
            wire.clear();
        }
        Ok(())
    }
}

pub fn deflate(
    msgs: Rc<Messages>,
    level: u32,
    wire_bytes: Rc<std::cell::Cell<usize>>,
) -> Result<Box<dyn Bench>, String> {
    let config = deflate_config(level, false);
    let client = Connection::client(Config::new(), OsRandom::new())
        .with_deflate(&config, params(false))
        .map_err(err)?;
    let server = Connection::server(Config::new())
        .with_deflate(&config, params(false))
        .map_err(err)?;
    let subject = WsRoundTrip { client, server };
    let wire = shared(ByteQueue::default());
    Ok(RoundTripBench::boxed(subject, msgs, wire, true, wire_bytes))
}

/// The client's compressed message for the deflate idle setups, made by a `wswire` client
/// (any permessage-deflate sender would do).
pub fn compressed_client_message(text: &str, no_takeover: bool) -> Vec<u8> {
    let mut client = Connection::client(Config::new(), OsRandom::new())
        .with_deflate(&deflate_config(6, no_takeover), params(no_takeover))
        .expect("valid parameters");
    client.send_text(text).expect("open connection");
    client.pending_output().to_vec()
}

struct WsIdle(Connection);

impl Idle for WsIdle {
    /// Nothing to call: the runtime gives the connection the time, as it does for the
    /// timers, and after `Config::release_buffers_after` (1 s) without traffic the
    /// connection gives its buffers back by itself.
    fn release(&mut self) -> bool {
        self.0.handle_timeout(Duration::from_secs(2));
        true
    }
}

/// The configurations measured idle: `plain`, `deflate`, `deflate-nct` (no context
/// takeover either way), `handshake` (plain, made by `ServerHandshake` from a request).
pub const IDLE_CONFIGS: [&str; 4] = ["plain", "deflate", "deflate-nct", "handshake"];

pub fn idle(config: &str, setup: &IdleSetup) -> Result<Box<dyn Idle>, String> {
    let mut input = ByteQueue::with_data(setup.input_for(config).to_vec());
    let mut out = ByteQueue::default();
    let mut conn = match config {
        "plain" => Connection::server(Config::new()),
        "deflate" | "deflate-nct" => {
            let no_takeover = config == "deflate-nct";
            Connection::server(Config::new())
                .with_deflate(&deflate_config(6, no_takeover), params(no_takeover))
                .map_err(err)?
        }
        "handshake" => {
            let mut handshake = ServerHandshake::new(ServerConfig::new());
            let request = handshake.receive(super::UPGRADE_REQUEST.as_bytes());
            match request {
                Ok(Some(_)) => {}
                other => return Err(format!("handshake: {other:?}")),
            }
            let mut conn = handshake.accept(Accept::new()).map_err(err)?;
            // The 101 response goes out first.
            flush(&mut conn, &mut ByteQueue::default());
            conn
        }
        other => return Err(format!("no idle configuration {other}")),
    };
    // The runtime's clock starts with the connection.
    conn.handle_timeout(Duration::ZERO);
    let mut got = crate::data::Collect::default();
    receive(&mut conn, &mut input, 1, &mut got)?;
    setup.check_received(&got.messages)?;
    conn.send_text(&setup.text).map_err(err)?;
    flush(&mut conn, &mut out);
    check_reply(&out.data, &setup.text, config.starts_with("deflate"))?;
    // The runtime gives the time after each read and write; this exchange happened at 0.
    conn.handle_timeout(Duration::ZERO);
    Ok(Box::new(WsIdle(conn)))
}
