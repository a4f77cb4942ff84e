//! Helpers for the permessage-deflate tests (`tests/deflate_*.rs`), kept apart from
//! `tests/common` so the two suites can change independently.
//!
//! - [`frame`] and [`parse_frames`]: frames built and read by hand, independently of the
//!   crate's codec, so expected wire bytes can be literals.
//! - [`feed`] and [`Outcome`]: put bytes into a connection in given pieces, collect what
//!   comes out.
//! - [`handshake`]: a real `ClientHandshake`/`ServerHandshake` pair, bytes moved by hand.
//! - [`Rng`]: a tiny fixed-seed generator for data and split points.
#![allow(dead_code)] // each test binary uses a different subset

use wswire::{
    Accept, ClientConfig, ClientHandshake, Config, Connection, DeflateConfig, DeflateParams,
    OwnedEvent, ProtocolError, SeededKeys, ServerConfig, ServerHandshake,
};

/// The masking key a client built by [`client_with`] uses for every frame.
pub const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// RSV1: permessage-deflate's "compressed" bit in the first byte (RFC 7692 §6).
pub const RSV1: u8 = 0x40;

/// Parameters as a response states them.
pub fn params(
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    client_max_window_bits: Option<u8>,
) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover,
        client_no_context_takeover,
        server_max_window_bits,
        client_max_window_bits,
    }
}

/// Nothing asked, nothing declared: context takeover and 15-bit windows both ways.
pub fn default_params() -> DeflateParams {
    params(false, false, None, None)
}

/// A key source giving [`MASK`] for every frame.
#[derive(Debug, Clone)]
pub struct FixedMask;

impl wswire::KeySource for FixedMask {
    fn fill(&mut self, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = MASK[i % 4];
        }
    }
}

/// A client connection with deflate on these parameters (default local settings).
pub fn client_with(config: Config, params: DeflateParams) -> Connection {
    Connection::client(config, FixedMask)
        .with_deflate(&DeflateConfig::new(), params)
        .expect("valid deflate parameters")
}

/// A server connection with deflate on these parameters and local settings.
pub fn server_with(config: Config, deflate: &DeflateConfig, params: DeflateParams) -> Connection {
    Connection::server(config)
        .with_deflate(deflate, params)
        .expect("valid deflate parameters")
}

/// One frame built by hand: `b0` is the first byte as sent (FIN, RSV, opcode); the length
/// takes its shortest form; masked with `mask` when given.
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

/// A frame as a server sends it: what a client receives.
pub fn unmasked(b0: u8, payload: &[u8]) -> Vec<u8> {
    frame(b0, payload, None)
}

/// A frame as a client sends it: what a server receives.
pub fn masked(b0: u8, payload: &[u8]) -> Vec<u8> {
    frame(b0, payload, Some(MASK))
}

/// One frame read by hand from a byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    /// The first byte: FIN, RSV bits, opcode.
    pub b0: u8,
    /// Whether it was masked.
    pub masked: bool,
    /// The payload, unmasked.
    pub payload: Vec<u8>,
}

/// Splits `bytes` into whole frames, unmasking by hand. Panics on a truncated frame.
pub fn parse_frames(mut bytes: &[u8]) -> Vec<RawFrame> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let b0 = bytes[0];
        let masked = bytes[1] & 0x80 != 0;
        let (len, mut at) = match bytes[1] & 0x7f {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (usize::from(n), 2),
        };
        let key = if masked {
            at += 4;
            Some(<[u8; 4]>::try_from(&bytes[at - 4..at]).unwrap())
        } else {
            None
        };
        let mut payload = bytes[at..at + len].to_vec();
        if let Some(key) = key {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= key[i % 4];
            }
        }
        frames.push(RawFrame {
            b0,
            masked,
            payload,
        });
        bytes = &bytes[at + len..];
    }
    frames
}

/// Takes everything a connection has queued.
pub fn take_output(conn: &mut Connection) -> Vec<u8> {
    let out = conn.pending_output().to_vec();
    conn.consume_output(out.len());
    out
}

/// What a connection reported for some input: its events, then its error if it failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub events: Vec<OwnedEvent>,
    pub error: Option<ProtocolError>,
}

impl Outcome {
    /// The events, asserting that no error occurred.
    #[track_caller]
    pub fn ok(self) -> Vec<OwnedEvent> {
        assert_eq!(self.error, None, "unexpected error after {:?}", self.events);
        self.events
    }

    /// The error, asserting that there was one.
    #[track_caller]
    pub fn err(&self) -> ProtocolError {
        self.error
            .clone()
            .unwrap_or_else(|| panic!("expected an error, got only {:?}", self.events))
    }
}

/// Takes every event ready now into `out`; returns whether the connection failed.
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

/// Feeds the pieces one after the other, taking the ready events after each; stops at the
/// first error.
pub fn feed<'a>(conn: &mut Connection, pieces: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
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
    feed(conn, [bytes])
}

/// Feeds `bytes` one byte at a time.
pub fn feed_bytewise(conn: &mut Connection, bytes: &[u8]) -> Outcome {
    feed(conn, bytes.chunks(1))
}

/// Feeds `bytes` in pieces of random lengths, from 1 byte to `max_piece`.
pub fn feed_random(
    conn: &mut Connection,
    bytes: &[u8],
    rng: &mut Rng,
    max_piece: usize,
) -> Outcome {
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (1 + rng.below(max_piece)).min(rest.len());
        let (piece, tail) = rest.split_at(n);
        pieces.push(piece);
        rest = tail;
    }
    feed(conn, pieces)
}

/// Joins the chunks of each message into one `Text` or `Binary` event. Panics on a broken
/// chunk sequence.
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
    assert!(
        text.is_none() && binary.is_none(),
        "a message's last chunk is missing"
    );
    merged
}

/// The close code of the single Close frame in `bytes` (a failed connection's output).
pub fn close_code_in(bytes: &[u8]) -> u16 {
    let frames = parse_frames(bytes);
    let close = frames
        .iter()
        .rev()
        .find(|f| f.b0 & 0x0f == 0x8)
        .unwrap_or_else(|| panic!("no Close frame in {frames:02x?}"));
    u16::from_be_bytes([close.payload[0], close.payload[1]])
}

/// A completed opening handshake.
pub struct Handshaken {
    pub client: Connection,
    pub server: Connection,
    /// The `Sec-WebSocket-Extensions` value of the `101` response, if any.
    pub response_extensions: Option<String>,
}

/// Runs a real handshake between a client and a server with these configurations, moving
/// the bytes by hand. Panics if it does not complete.
pub fn handshake(client: ClientConfig, server: ServerConfig) -> Handshaken {
    let mut client_hs = ClientHandshake::with_keys(client, SeededKeys::new(0x5eed)).unwrap();
    let mut server_hs = ServerHandshake::new(server);
    server_hs
        .receive(client_hs.request())
        .unwrap()
        .expect("the whole request was given");
    let mut server = server_hs.accept(Accept::new()).unwrap();
    let response = take_output(&mut server);
    let response_extensions = extensions_line(&response);
    let accepted = client_hs
        .receive(&response)
        .unwrap()
        .expect("the whole response was given");
    Handshaken {
        client: accepted.connection,
        server,
        response_extensions,
    }
}

/// The value of the `Sec-WebSocket-Extensions` field of an HTTP head, if present (panics if
/// present twice).
pub fn extensions_line(head: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(head).expect("an ASCII head");
    let mut found = text.split("\r\n").filter_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("Sec-WebSocket-Extensions")
            .then(|| value.trim().to_owned())
    });
    let first = found.next();
    assert_eq!(found.next(), None, "two extension lines in {text}");
    first
}

/// xorshift64*: a small deterministic generator for test data and split points.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `n` bytes of noise: incompressible data.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}
