//! Helpers for the permessage-deflate tests (`tests/deflate_*.rs`).
//!
//! - [`client_with`] / [`server_with`]: connections with deflate already agreed.
//! - [`parse_frames`]: frames read by hand, independently of the crate's codec.
//! - [`handshake`]: a real `ClientHandshake`/`ServerHandshake` pair, bytes moved by hand.
//! - [`Rng`]: a tiny fixed-seed generator for data and split points.

use wswire::{
    Accept, ClientConfig, ClientHandshake, Config, Connection, DeflateConfig, DeflateParams,
    SeededKeys, ServerConfig, ServerHandshake,
};

use super::{FixedKeys, Outcome, RFC_MASK, feed_pieces, take_output};

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

/// A client connection with deflate on these parameters (default local settings), masking
/// every frame with [`RFC_MASK`].
pub fn client_with(config: Config, params: DeflateParams) -> Connection {
    Connection::client(config, FixedKeys::mask(RFC_MASK))
        .with_deflate(&DeflateConfig::new(), params)
        .expect("valid deflate parameters")
}

/// A server connection with deflate on these parameters and local settings.
pub fn server_with(config: Config, deflate: &DeflateConfig, params: DeflateParams) -> Connection {
    Connection::server(config)
        .with_deflate(deflate, params)
        .expect("valid deflate parameters")
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
    feed_pieces(conn, pieces)
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
