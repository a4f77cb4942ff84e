//! Helpers shared by the integration tests.
//!
//! - [`FixedKeys`]: a `KeySource` whose every byte is known, so expected wire bytes can be
//!   written as literals.
//! - [`frame`] and friends: frames built by hand, independently of the crate's encoder.
//! - [`feed_whole`], [`feed_bytewise`], [`feed_in_splits`]: put a byte stream into a
//!   connection in different pieces and collect what comes out, as an [`Outcome`].
//! - [`Pair`]: a client and a server connection, bytes moved between them by hand.
//! - [`cases`]: a proptest block's case count, which `PROPTEST_CASES` raises.
#![allow(dead_code)] // each test binary uses a different subset

pub mod deflate;

use wswire::{Config, Connection, KeySource, OwnedEvent, ProtocolError};

/// How many cases a proptest block runs: `default`, or `PROPTEST_CASES` when it is set (for
/// a longer run). `ProptestConfig::with_cases` alone would ignore the variable.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default)
}

/// The masking key of the RFC 6455 §5.7 examples.
pub const RFC_MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The nonce of RFC 6455 §1.3 and §4.1: its base64 is `dGhlIHNhbXBsZSBub25jZQ==`, whose
/// accept value is `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`.
pub const RFC_NONCE: &[u8; 16] = b"the sample nonce";

// The first byte of a frame: FIN plus the opcode (RFC 6455 §5.2).
pub const FIN: u8 = 0x80;
pub const CONT: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// A key source that yields `prefix` once, then `mask` over and over: with a 16-byte
/// prefix, the prefix is the handshake nonce and every frame is masked with `mask`.
#[derive(Debug, Clone)]
pub struct FixedKeys {
    prefix: Vec<u8>,
    mask: [u8; 4],
    at: usize,
}

impl FixedKeys {
    /// Every frame masked with `mask` (for a connection whose handshake was done elsewhere).
    pub fn mask(mask: [u8; 4]) -> Self {
        Self {
            prefix: Vec::new(),
            mask,
            at: 0,
        }
    }

    /// The RFC's nonce for the handshake, then the RFC's mask for every frame.
    pub fn rfc() -> Self {
        Self {
            prefix: RFC_NONCE.to_vec(),
            mask: RFC_MASK,
            at: 0,
        }
    }

    /// `nonce` for the handshake, then `mask` for every frame.
    pub fn handshake(nonce: [u8; 16], mask: [u8; 4]) -> Self {
        Self {
            prefix: nonce.to_vec(),
            mask,
            at: 0,
        }
    }
}

impl KeySource for FixedKeys {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = match self.prefix.get(self.at) {
                Some(&p) => p,
                None => self.mask[(self.at - self.prefix.len()) % 4],
            };
            self.at += 1;
        }
    }
}

/// One frame built by hand: `b0` is the first byte as sent (FIN, RSV bits, opcode); the
/// length takes its shortest form; the payload is masked with `mask` when given.
pub fn frame(b0: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let mut out = vec![b0];
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        None => out.extend_from_slice(payload),
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
    }
    out
}

/// A frame as a client sends it (masked with [`RFC_MASK`]): what a server receives.
pub fn masked(b0: u8, payload: &[u8]) -> Vec<u8> {
    frame(b0, payload, Some(RFC_MASK))
}

/// A frame as a server sends it (unmasked): what a client receives.
pub fn unmasked(b0: u8, payload: &[u8]) -> Vec<u8> {
    frame(b0, payload, None)
}

/// A Close frame's payload: the code in network byte order, then the reason.
pub fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut out = code.to_be_bytes().to_vec();
    out.extend_from_slice(reason);
    out
}

/// Reads one frame of at most 125 bytes from the start of `bytes`, unmasking it by hand:
/// `(first byte, payload, frame length)`.
pub fn read_small_frame(bytes: &[u8]) -> (u8, Vec<u8>, usize) {
    let len = usize::from(bytes[1] & 0x7F);
    assert!(
        len <= 125,
        "read_small_frame: extended length in {bytes:02x?}"
    );
    if bytes[1] & 0x80 == 0 {
        return (bytes[0], bytes[2..2 + len].to_vec(), 2 + len);
    }
    let key = &bytes[2..6];
    let payload = bytes[6..6 + len]
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % 4])
        .collect();
    (bytes[0], payload, 6 + len)
}

/// What a connection reported for some input: the events, then the error if it failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub events: Vec<OwnedEvent>,
    pub error: Option<ProtocolError>,
}

impl Outcome {
    /// The events, asserting that no error occurred.
    pub fn ok(self) -> Vec<OwnedEvent> {
        assert_eq!(self.error, None, "unexpected error after {:?}", self.events);
        self.events
    }

    /// The error, asserting that there was one.
    pub fn err(&self) -> ProtocolError {
        self.error
            .clone()
            .unwrap_or_else(|| panic!("expected an error, got only {:?}", self.events))
    }
}

/// Takes every ready event into `out`; returns whether the connection failed.
pub fn drain_into(conn: &mut Connection, out: &mut Outcome) -> bool {
    loop {
        match conn.poll_event() {
            Ok(Some(event)) => out.events.push(event.into_owned()),
            Ok(None) => return false,
            Err(e) => {
                out.error = Some(e);
                return true;
            }
        }
    }
}

/// Takes every event ready now.
pub fn drain(conn: &mut Connection) -> Outcome {
    let mut out = Outcome::default();
    drain_into(conn, &mut out);
    out
}

/// Feeds `pieces` one after the other, taking the ready events after each; stops at the
/// first error.
pub fn feed_pieces<'a>(
    conn: &mut Connection,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> Outcome {
    let mut out = Outcome::default();
    for piece in pieces {
        conn.receive(piece);
        if drain_into(conn, &mut out) {
            break;
        }
    }
    out
}

/// Feeds `bytes` in one call.
pub fn feed_whole(conn: &mut Connection, bytes: &[u8]) -> Outcome {
    feed_pieces(conn, [bytes])
}

/// Feeds `bytes` one byte at a time.
pub fn feed_bytewise(conn: &mut Connection, bytes: &[u8]) -> Outcome {
    feed_pieces(conn, bytes.chunks(1))
}

/// Feeds `bytes` cut at the given offsets (ascending, each at most `bytes.len()`).
pub fn feed_in_splits(conn: &mut Connection, bytes: &[u8], cuts: &[usize]) -> Outcome {
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for &cut in cuts {
        pieces.push(&bytes[from..cut]);
        from = cut;
    }
    pieces.push(&bytes[from..]);
    feed_pieces(conn, pieces)
}

/// Feeds `bytes` one at a time and returns the index of the byte after which
/// `poll_event` first failed, with the error.
pub fn first_error_at(conn: &mut Connection, bytes: &[u8]) -> Option<(usize, ProtocolError)> {
    let mut out = Outcome::default();
    for (i, b) in bytes.iter().enumerate() {
        conn.receive(std::slice::from_ref(b));
        if drain_into(conn, &mut out) {
            return out.error.map(|e| (i, e));
        }
    }
    None
}

/// Joins the chunks of each message into one `Text` or `Binary` event, so a stream taken
/// in `Delivery::Chunks` mode compares with the same stream taken whole. Panics if a chunk
/// sequence is broken (another message's chunk, or a `last` chunk missing at the end).
pub fn merge_chunks(events: &[OwnedEvent]) -> Vec<OwnedEvent> {
    let mut merged = Vec::new();
    let mut text: Option<String> = None;
    let mut binary: Option<Vec<u8>> = None;
    for event in events {
        match event {
            OwnedEvent::TextChunk { data, last } => {
                assert!(binary.is_none(), "text chunk inside a binary message");
                text.get_or_insert_with(String::new).push_str(data);
                if *last {
                    merged.push(OwnedEvent::Text(text.take().unwrap_or_default()));
                }
            }
            OwnedEvent::BinaryChunk { data, last } => {
                assert!(text.is_none(), "binary chunk inside a text message");
                binary.get_or_insert_with(Vec::new).extend_from_slice(data);
                if *last {
                    merged.push(OwnedEvent::Binary(binary.take().unwrap_or_default()));
                }
            }
            other => merged.push(other.clone()),
        }
    }
    merged
}

/// Takes everything a connection has queued, every chunk.
pub fn take_output(conn: &mut Connection) -> Vec<u8> {
    let out: Vec<u8> = conn.pending_chunks().flatten().copied().collect();
    conn.consume_output(out.len());
    out
}

/// Moves everything `from` has queued into `to`, as a transport would.
pub fn transfer(from: &mut Connection, to: &mut Connection) {
    let bytes = take_output(from);
    to.receive(&bytes);
}

/// A client and a server connection joined by hand: the handshake is assumed done.
pub struct Pair {
    pub client: Connection,
    pub server: Connection,
}

impl Default for Pair {
    /// Default configurations; the client masks every frame with [`RFC_MASK`].
    fn default() -> Self {
        Self::with_configs(Config::new(), Config::new())
    }
}

impl Pair {
    /// The given configurations; the client masks every frame with [`RFC_MASK`].
    pub fn with_configs(client: Config, server: Config) -> Self {
        Self::with_keys(client, server, FixedKeys::mask(RFC_MASK))
    }

    /// The given configurations and client key source.
    pub fn with_keys(client: Config, server: Config, keys: impl KeySource + 'static) -> Self {
        Self {
            client: Connection::client(client, keys),
            server: Connection::server(server),
        }
    }

    /// Moves the client's output to the server and returns what the server reports.
    pub fn deliver_to_server(&mut self) -> Outcome {
        transfer(&mut self.client, &mut self.server);
        drain(&mut self.server)
    }

    /// Moves the server's output to the client and returns what the client reports.
    pub fn deliver_to_client(&mut self) -> Outcome {
        transfer(&mut self.server, &mut self.client);
        drain(&mut self.client)
    }
}

/// Bytes as lower-case hex pairs separated by spaces, for readable assertion messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
