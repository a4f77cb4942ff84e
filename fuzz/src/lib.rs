//! Shared machinery of the fuzz targets.
//!
//! - [`Setup`]: a connection's configuration chosen from the first bytes of an input, so
//!   that one target covers both deliveries, deflate on and off, and several limits.
//! - [`pieces`]: cuts the rest of an input at points drawn from a seed byte.
//! - [`Wire`]: reads what a connection wrote, frame by frame, and fails on anything RFC 6455
//!   forbids a sender (bad masking, reserved bits, oversized or fragmented control frames,
//!   an invalid Close payload, data after Close, continuations out of place).
//! - [`Driver`]: runs a [`Connection`] and checks, after every call, that its events and
//!   its output agree with each other and with the protocol, that a failure is final, and
//!   that its buffers stay within a bound derived from the configured limits.
//!
//! The targets panic (an assertion) on any broken invariant, which libFuzzer reports as a
//! crash; docs/fuzzing.md lists the invariants.

use std::time::Duration;

use wswire::frame::{FrameHeader, OpCode, RSV1, RSV2, RSV3};
use wswire::{
    CloseCode, Config, Connection, ConnectionState, DeflateConfig, DeflateParams, Delivery,
    KeySource, MessageKind, OwnedEvent, ProtocolError, Role, SeededKeys, TransportAction,
    UsageError,
};

/// The output past which an automatic Pong replaces an unwritten one (the crate's
/// `PONG_COALESCE_THRESHOLD`); the only case where queued output may change.
pub const PONG_COALESCE_THRESHOLD: usize = 64 * 1024;

/// What the driver lets the output grow to before it drains it all.
const MAX_UNDRAINED: usize = 256 * 1024;

/// The output one inflate call is granted (the crate's `INFLATE_STEP`): with chunks, the
/// most a compressed message holds at once.
const INFLATE_STEP: usize = 32 * 1024;

/// The largest message the driver sends itself.
const MAX_OWN_SEND: usize = 20_000;

/// The most output space one of the driver's frames is built in: compressed, its payload
/// gets room for zlib's bound (9 bits a byte, plus a few bytes) after room for the header.
const MAX_FRAME_BUILT: usize = MAX_OWN_SEND + MAX_OWN_SEND / 8 + 1024;

/// The most local actions in one input.
const MAX_ACTIONS: usize = 128;

/// ASCII text to send, `MAX_OWN_SEND` bytes, made once.
fn own_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        (0..MAX_OWN_SEND)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------
// Randomness drawn from the input
// ---------------------------------------------------------------------------------------

/// SplitMix64, seeded from input bytes: the same input always gives the same choices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Cuts `data` into pieces. Seed 0 gives the whole input as one piece, seed 1 one byte at a
/// time; others draw piece lengths mixing single bytes, a few bytes (cuts inside headers)
/// and longer runs.
pub fn pieces(data: &[u8], seed: u8) -> Vec<&[u8]> {
    match seed {
        0 => return vec![data],
        1 => return data.chunks(1).collect(),
        _ => {}
    }
    let mut rng = Rng::new(u64::from(seed));
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let len = match rng.below(8) {
            0..=2 => 1 + rng.below(3),
            3..=5 => 1 + rng.below(16),
            6 => 1 + rng.below(300),
            _ => 1 + rng.below(4096),
        }
        .min(rest.len());
        let (piece, tail) = rest.split_at(len);
        out.push(piece);
        rest = tail;
    }
    if out.is_empty() {
        out.push(data);
    }
    out
}

/// A key source that gives a fixed 16-byte nonce first (the handshake key), then masking
/// keys from a seed.
#[derive(Debug, Clone)]
pub struct FuzzKeys {
    nonce: Option<[u8; 16]>,
    masks: SeededKeys,
}

/// RFC 6455 §4.1's example nonce: base64 `dGhlIHNhbXBsZSBub25jZQ==`, whose accept value is
/// `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=` (§1.3).
pub const RFC_NONCE: [u8; 16] = *b"the sample nonce";
pub const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

impl FuzzKeys {
    /// The RFC nonce, then masks from `seed`.
    pub fn rfc(seed: u64) -> Self {
        Self {
            nonce: Some(RFC_NONCE),
            masks: SeededKeys::new(seed),
        }
    }

    /// Masks from `seed` only (a connection whose handshake was done elsewhere).
    pub fn masks(seed: u64) -> Self {
        Self {
            nonce: None,
            masks: SeededKeys::new(seed),
        }
    }
}

impl KeySource for FuzzKeys {
    fn fill(&mut self, buf: &mut [u8]) {
        match self.nonce.take() {
            Some(nonce) if buf.len() == 16 => buf.copy_from_slice(&nonce),
            _ => self.masks.fill(buf),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Configurations chosen from input bytes
// ---------------------------------------------------------------------------------------

/// The limits a connection runs with, and how its input reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_frame: usize,
    pub max_message: usize,
    pub delivery: Delivery,
    pub auto_pong: bool,
    /// `Config::read_size`.
    pub read_size: usize,
    /// Input goes in through `input_buffer` and `commit_input` rather than `receive`.
    pub reads: bool,
}

impl Limits {
    /// From one byte: bit 0 chunks, bit 1 automatic pongs off, bits 2–3 the frame limit,
    /// bits 4–5 the message limit (small ones, so that the limits are reached).
    pub fn from_byte(b: u8) -> Self {
        let max_frame = [64 * 1024, 125, 1024, 16 * 1024][usize::from(b >> 2 & 3)];
        let max_message = [64 * 1024, 0, 1000, 8 * 1024][usize::from(b >> 4 & 3)];
        Self {
            max_frame,
            max_message,
            delivery: if b & 1 != 0 {
                Delivery::Chunks
            } else {
                Delivery::WholeMessages
            },
            auto_pong: b & 2 == 0,
            read_size: Config::DEFAULT_READ_SIZE,
            reads: false,
        }
    }

    /// How input arrives, from the actions byte: bit 4 through `input_buffer` and
    /// `commit_input`, bit 3 with the smallest read size (1 KiB, else the default 64 KiB),
    /// so that a binary frame over 2 KiB is collected and the rest of it read straight into
    /// the message buffer.
    pub fn with_reads(mut self, b: u8) -> Self {
        self.reads = b & 0x10 != 0;
        self.read_size = if b & 0x08 != 0 {
            1024
        } else {
            Config::DEFAULT_READ_SIZE
        };
        self
    }

    pub fn config(&self) -> Config {
        Config::new()
            .max_frame_size(self.max_frame)
            .max_message_size(self.max_message)
            .delivery(self.delivery)
            .auto_pong(self.auto_pong)
            .read_size(self.read_size)
    }
}

/// The runtime settings a connection may run with: timers on the fuzzer's clock and a limit
/// on pending output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Runtime {
    pub timers: bool,
    pub output_limit: Option<usize>,
}

/// The timers a connection runs with when they are on.
pub const KEEPALIVE: Duration = Duration::from_secs(20);
pub const PONG_TIMEOUT: Duration = Duration::from_secs(10);
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// The output limit when it is on: small, so that it is reached.
pub const OUTPUT_LIMIT: usize = 4096;

impl Runtime {
    /// From the actions byte: bit 6 the timers, bit 5 the output limit.
    pub fn from_byte(b: u8) -> Self {
        Self {
            timers: b & 0x40 != 0,
            output_limit: (b & 0x20 != 0).then_some(OUTPUT_LIMIT),
        }
    }

    pub fn apply(&self, mut config: Config) -> Config {
        if self.timers {
            config = config
                .keepalive(KEEPALIVE)
                .pong_timeout(PONG_TIMEOUT)
                .idle_timeout(IDLE_TIMEOUT)
                .close_timeout(CLOSE_TIMEOUT);
        }
        if let Some(limit) = self.output_limit {
            config = config.max_pending_output(limit);
        }
        config
    }
}

/// The `min_compress_size` [`deflate_config`] sets for a byte.
pub fn deflate_min_compress(b: u8) -> usize {
    if b & 0x80 != 0 { 16 } else { 0 }
}

/// A `DeflateConfig` from one byte: takeover flags, window limits and level.
pub fn deflate_config(b: u8) -> DeflateConfig {
    let bits = |v: u8| 9 + v % 7;
    DeflateConfig::new()
        .server_no_context_takeover(b & 1 != 0)
        .client_no_context_takeover(b & 2 != 0)
        .server_max_window_bits(if b & 4 != 0 { bits(b >> 3) } else { 15 })
        .client_max_window_bits(if b & 0x40 != 0 { bits(b >> 5) } else { 15 })
        .level(u32::from(b >> 4 & 3) * 3)
        .min_compress_size(deflate_min_compress(b))
}

/// Negotiated parameters from one byte, as any response might state them (window bits 8–15
/// or absent).
pub fn deflate_params(b: u8) -> DeflateParams {
    let bits = |v: u8| match v & 7 {
        0 => None,
        v => Some(8 + v),
    };
    DeflateParams {
        server_no_context_takeover: b & 1 != 0,
        client_no_context_takeover: b & 2 != 0,
        server_max_window_bits: bits(b >> 2).map(|b| b.min(15)),
        client_max_window_bits: bits(b >> 5).map(|b| if b == 9 { 8 } else { b.min(15) }),
    }
}

/// Everything a frames target chooses from its first four input bytes:
///
/// - byte 0: the limits ([`Limits::from_byte`]), bits 6–7 whether deflate is on;
/// - byte 1: the negotiated parameters and local settings of deflate;
/// - byte 2: how the rest is cut ([`pieces`]);
/// - byte 3: what the driver does between pieces (0: nothing; bit 7: leave output queued;
///   bit 6: timers on, and actions that advance the clock; bit 5: an output limit), and
///   how input reaches the connection (bits 3–4, [`Limits::with_reads`]).
#[derive(Debug, Clone)]
pub struct Setup {
    pub limits: Limits,
    pub runtime: Runtime,
    pub deflate: Option<(DeflateConfig, DeflateParams)>,
    pub min_compress: usize,
    pub split_seed: u8,
    pub ops_seed: u8,
}

pub const SETUP_LEN: usize = 4;

impl Setup {
    pub fn parse(data: &[u8]) -> Option<(Self, &[u8])> {
        if data.len() < SETUP_LEN {
            return None;
        }
        let (head, rest) = data.split_at(SETUP_LEN);
        let local = head[1].rotate_left(3);
        let deflate = (head[0] >> 6 != 0).then(|| (deflate_config(local), deflate_params(head[1])));
        Some((
            Self {
                limits: Limits::from_byte(head[0]).with_reads(head[3]),
                runtime: Runtime::from_byte(head[3]),
                deflate,
                min_compress: deflate_min_compress(local),
                split_seed: head[2],
                ops_seed: head[3],
            },
            rest,
        ))
    }

    /// The connection, or `None` when the parameters would have this end compress with
    /// an 8-bit window (refused with a typed error, which is checked here).
    pub fn connection(&self, role: Role) -> Option<Connection> {
        let config = self.runtime.apply(self.limits.config());
        let conn = match role {
            Role::Server => Connection::server(config),
            Role::Client => Connection::client(config, FuzzKeys::masks(u64::from(self.ops_seed))),
        };
        let Some((local, params)) = &self.deflate else {
            return Some(conn);
        };
        let own_bits = match role {
            Role::Server => params.server_max_window_bits,
            Role::Client => params.client_max_window_bits,
        };
        match conn.with_deflate(local, *params) {
            Ok(conn) => Some(conn),
            Err(UsageError::UnsupportedWindowBits(8)) => {
                assert_eq!(own_bits, Some(8));
                None
            }
            Err(e) => panic!("with_deflate({params:?}) failed: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading what a connection wrote
// ---------------------------------------------------------------------------------------

/// One frame a connection wrote, unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub opcode: OpCode,
    pub fin: bool,
    pub rsv: u8,
    pub payload: Vec<u8>,
    /// Its length on the wire, header included.
    pub wire_len: usize,
}

/// A stream of frames written by one end, checked frame by frame against what RFC 6455
/// allows a sender.
#[derive(Debug)]
pub struct Wire {
    role: Role,
    deflate: bool,
    buf: Vec<u8>,
    /// The last frame read.
    pub last: Option<Frame>,
    /// The data message being sent: whether it is text and compressed.
    in_message: Option<(bool, bool)>,
    /// An uncompressed text message's bytes so far, checked as UTF-8 at its end.
    text: Vec<u8>,
    pub close_sent: bool,
}

impl Wire {
    /// The frames written by an endpoint of `role`, with permessage-deflate on or off.
    pub fn new(role: Role, deflate: bool) -> Self {
        Self {
            role,
            deflate,
            buf: Vec::new(),
            last: None,
            in_message: None,
            text: Vec::new(),
            close_sent: false,
        }
    }

    /// Takes more bytes; checks every frame they complete, and returns those frames.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        self.buf.extend_from_slice(bytes);
        let mut frames = Vec::new();
        let mut at = 0;
        loop {
            let header = FrameHeader::decode(&self.buf[at..]);
            let (header, header_len) = match header {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err(e) => panic!(
                    "{:?} wrote an invalid frame header ({e}): {:02x?}",
                    self.role,
                    &self.buf[at..(at + 14).min(self.buf.len())]
                ),
            };
            let total = header_len as u64 + header.payload_len;
            if ((self.buf.len() - at) as u64) < total {
                break;
            }
            let total = total as usize;
            let mut payload = self.buf[at + header_len..at + total].to_vec();
            if let Some(key) = header.mask {
                wswire::frame::apply_mask(&mut payload, key, 0);
            }
            self.check(&header, &payload);
            frames.push(Frame {
                opcode: header.opcode,
                fin: header.fin,
                rsv: header.rsv,
                payload,
                wire_len: total,
            });
            at += total;
        }
        self.buf.drain(..at);
        if let Some(last) = frames.last() {
            self.last = Some(last.clone());
        }
        frames
    }

    /// Whether every byte taken so far belongs to a complete frame.
    pub fn at_boundary(&self) -> bool {
        self.buf.is_empty()
    }

    /// Forgets the last frame: an automatic Pong that the connection replaced.
    fn pop_pong(&mut self) {
        let frame = self.last.take().expect("a frame to replace");
        assert_eq!(frame.opcode, OpCode::Pong, "only a Pong may be replaced");
    }

    fn check(&mut self, header: &FrameHeader, payload: &[u8]) {
        // RFC 6455 §5.1/§5.3: a client masks every frame, a server none.
        match self.role {
            Role::Client => assert!(header.mask.is_some(), "client wrote an unmasked frame"),
            Role::Server => assert!(header.mask.is_none(), "server wrote a masked frame"),
        }
        // RFC 6455 §5.2: no reserved bits but those an extension defines; RFC 7692 §6:
        // RSV1 only on the first frame of a data message.
        assert_eq!(header.rsv & (RSV2 | RSV3), 0, "RSV2/RSV3 written");
        let data_start = matches!(header.opcode, OpCode::Text | OpCode::Binary);
        if header.rsv & RSV1 != 0 {
            assert!(self.deflate, "RSV1 written without permessage-deflate");
            assert!(data_start, "RSV1 on a {:?} frame", header.opcode);
        }
        if header.opcode.is_control() {
            // Also refused by `decode`; asserted here as the target's own statement.
            assert!(header.fin && header.payload_len <= 125);
        }
        match header.opcode {
            OpCode::Text | OpCode::Binary => {
                assert!(!self.close_sent, "data frame after Close");
                assert!(
                    self.in_message.is_none(),
                    "new message inside a fragmented one"
                );
                let text = header.opcode == OpCode::Text;
                let compressed = header.rsv & RSV1 != 0;
                self.text.clear();
                self.data(text, compressed, header.fin, payload);
            }
            OpCode::Continuation => {
                assert!(!self.close_sent, "data frame after Close");
                let Some((text, compressed)) = self.in_message else {
                    panic!("continuation frame outside a message");
                };
                self.data(text, compressed, header.fin, payload);
            }
            OpCode::Close => {
                assert!(!self.close_sent, "second Close frame");
                self.close_sent = true;
                check_close_payload(payload);
            }
            OpCode::Ping | OpCode::Pong => {}
        }
    }

    fn data(&mut self, text: bool, compressed: bool, fin: bool, payload: &[u8]) {
        if text && !compressed {
            self.text.extend_from_slice(payload);
            if fin {
                assert!(
                    std::str::from_utf8(&self.text).is_ok(),
                    "text message is not UTF-8"
                );
            }
        }
        self.in_message = (!fin).then_some((text, compressed));
    }
}

/// RFC 6455 §5.5.1: empty, or a code that may be sent followed by UTF-8.
pub fn check_close_payload(payload: &[u8]) {
    match payload {
        [] => {}
        [_] => panic!("one-byte Close payload"),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            assert!(
                CloseCode::from(code).is_valid_on_wire(),
                "Close frame with code {code}"
            );
            assert!(
                std::str::from_utf8(reason).is_ok(),
                "Close reason not UTF-8"
            );
            assert!(reason.len() <= 123);
        }
    }
}

/// A Close payload's code, if it has one.
pub fn close_code(payload: &[u8]) -> Option<u16> {
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}

// ---------------------------------------------------------------------------------------
// Driving a connection
// ---------------------------------------------------------------------------------------

/// The state the driver expects the connection to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Open,
    CloseSent,
    Closed,
    Failed,
}

/// Runs a connection, checking after every call:
///
/// - `receive` queues no output; `poll_event` queues exactly what the event calls for (a
///   Pong echoing a Ping, the Close echoing the peer's code, the Close carrying a failure's
///   code, or nothing) and the sending calls exactly their frame;
/// - all output is well-formed frames for the role ([`Wire`]);
/// - events respect the limits and each other: chunks of one message in order, nothing
///   after Close, Close codes that may be sent or 1005;
/// - after an error, every later call fails alike and the output stays as it was;
/// - the timers queue only what they should (an empty keep-alive Ping, a Close with 1011 or
///   1001) and move the state as they should; the end of the input fails an unfinished
///   closing handshake with 1006 and queues nothing; a send past the output limit is
///   refused with nothing queued, `can_send` agrees with sending, and `wants_input` and
///   `transport` say what the state and the output call for;
/// - each buffer's capacity stays under its bound in [`Driver::memory_bounds`].
#[derive(Debug)]
pub struct Driver {
    pub conn: Connection,
    role: Role,
    limits: Limits,
    /// The smallest message this end compresses, when deflate is on.
    min_compress: usize,
    pub wire: Wire,
    /// Bytes of pending output already read into `wire`.
    checked: usize,
    /// Where the last frame read starts in the pending output, and its bytes, when it is an
    /// unwritten Pong that the connection may replace.
    tail_pong: Option<(usize, Vec<u8>)>,
    expect: Expect,
    /// The fragmented message this end is sending, and whether it is compressed.
    sending: Option<MessageKind>,
    sending_compressed: bool,
    /// The message being received in chunks, and its size so far.
    chunk: Option<(MessageKind, usize)>,
    pub events: Vec<OwnedEvent>,
    pub error: Option<ProtocolError>,
    /// The most space the input buffer was asked for at once (the largest piece received,
    /// or what a read asks for), for the memory bound.
    max_read: usize,
    /// The most output ever pending, for the memory bound.
    max_pending: usize,
    /// Bytes of the last read left unprocessed until the next read is placed, and the
    /// most there were, for the memory bound.
    unpolled: usize,
    max_unpolled: usize,
    /// A read is placed in the space `input_buffer` lent and not yet committed.
    placed: bool,
    /// The reads after a failure are to be checked once the placed read is committed.
    reads_after_failing: bool,
    /// Drain output after each step (false: leave it queued).
    pub drain: bool,
    /// The thorough checks after a failure or Close were made (they copy the output, so
    /// they run once; later calls get a cheap check).
    final_checked: bool,
    runtime: Runtime,
    /// The fuzzer's clock, given to the connection by the time actions.
    now: Duration,
    /// The end of the input was given (`receive_eof`).
    eof: bool,
    /// A client stopped waiting for the server to close the transport (close timeout).
    gave_up_waiting: bool,
}

impl Driver {
    /// `conn` is fresh from a handshake or constructor, with nothing queued but, possibly,
    /// the handshake's response, which the caller has consumed.
    /// `min_compress` is the local `DeflateConfig`'s `min_compress_size` (ignored when
    /// deflate is off).
    pub fn new(conn: Connection, limits: Limits, min_compress: usize) -> Self {
        Self::with_runtime(conn, limits, min_compress, Runtime::default())
    }

    /// As [`new`](Self::new), for a connection configured with `runtime`.
    pub fn with_runtime(
        conn: Connection,
        limits: Limits,
        min_compress: usize,
        runtime: Runtime,
    ) -> Self {
        let role = conn.role();
        assert_eq!(conn.pending_output_len(), 0, "output before any frame");
        assert_eq!(conn.state(), ConnectionState::Open);
        let deflate_on = conn.deflate().is_some();
        Self {
            conn,
            role,
            limits,
            min_compress,
            wire: Wire::new(role, deflate_on),
            checked: 0,
            tail_pong: None,
            expect: Expect::Open,
            sending: None,
            sending_compressed: false,
            chunk: None,
            events: Vec::new(),
            error: None,
            max_read: 0,
            max_pending: 0,
            unpolled: 0,
            max_unpolled: 0,
            placed: false,
            reads_after_failing: false,
            drain: true,
            final_checked: false,
            runtime,
            now: Duration::ZERO,
            eof: false,
            gave_up_waiting: false,
        }
    }

    /// What each buffer may hold (`buffer_capacities()`: input, message, output), from the
    /// crate's buffer policy (docs/security.md, "Memory per connection"):
    ///
    /// - input: four times the unprocessed bytes (at most one frame and its header, as the
    ///   driver polls after every piece, and a read left unprocessed) plus the space asked
    ///   for (the largest piece received, or what a read asks for: the read size, or a
    ///   binary frame delivered in place, at most twice the read size);
    /// - message: one message, plus the byte that tells the limit was passed when inflating
    ///   (with chunks, one inflate step and the tail that ends a message), plus what an
    ///   earlier message left in the other buffer (at most 1 KiB);
    /// - output: twice the most output pending at once plus the space the largest frame is
    ///   built in.
    pub fn memory_bounds(&self) -> [usize; 3] {
        let frame = self.limits.max_frame.max(125) + 14;
        let input = 4 * (frame + self.max_unpolled + self.max_read);
        let one_message = match self.limits.delivery {
            Delivery::WholeMessages => self.limits.max_message + 1,
            Delivery::Chunks => INFLATE_STEP + 1024 + 3,
        };
        let message = one_message + 1024;
        let output = 2 * (self.max_pending + MAX_FRAME_BUILT);
        [input, message, output]
    }

    fn check_memory(&mut self) {
        self.max_pending = self.max_pending.max(self.conn.pending_output_len());
        let used = self.conn.buffer_capacities();
        let bounds = self.memory_bounds();
        for ((buffer, used), bound) in ["input", "message", "output"].iter().zip(used).zip(bounds) {
            assert!(
                used <= bound,
                "{buffer} buffer capacity {used} over the bound {bound} ({:?}, most pending \
                 output {})",
                self.limits,
                self.max_pending
            );
        }
    }

    fn check_state(&self) {
        let state = match self.expect {
            Expect::Open => ConnectionState::Open,
            Expect::CloseSent => ConnectionState::CloseSent,
            Expect::Closed => ConnectionState::Closed,
            Expect::Failed => ConnectionState::Failed,
        };
        assert_eq!(self.conn.state(), state);
        let transport = match (self.expect, self.role) {
            _ if self.eof => TransportAction::CloseAfterFlush,
            (Expect::Open | Expect::CloseSent, _) => TransportAction::KeepOpen,
            (Expect::Closed, Role::Client) if !self.gave_up_waiting => {
                TransportAction::AwaitPeerClose
            }
            _ => TransportAction::CloseAfterFlush,
        };
        assert_eq!(self.conn.transport(), transport);
        // Reading: while input is processed (or a client waits to see the server close),
        // and the output is under its limit.
        let reading = match self.expect {
            Expect::Open | Expect::CloseSent => true,
            Expect::Closed => self.role == Role::Client && !self.gave_up_waiting,
            Expect::Failed => false,
        };
        let room = self
            .runtime
            .output_limit
            .is_none_or(|limit| self.conn.pending_output_len() < limit);
        assert_eq!(self.conn.wants_input(), reading && room && !self.eof);
    }

    /// Reads new output into the wire; returns the frames added and whether the last
    /// unwritten Pong was replaced.
    fn sync(&mut self) -> (Vec<Frame>, bool) {
        // Every chunk: frames the connection built and shared payloads, in order.
        let chunks: Vec<&[u8]> = self.conn.pending_chunks().collect();
        let joined;
        let pending: &[u8] = if chunks.len() > 1 {
            joined = chunks.concat();
            &joined
        } else {
            chunks.first().copied().unwrap_or_default()
        };
        assert_eq!(pending.len(), self.conn.pending_output_len());
        let mut replaced = false;
        if let Some((start, bytes)) = &self.tail_pong {
            let end = start + bytes.len();
            debug_assert_eq!(end, self.checked);
            if pending.len() < end || pending[*start..end] != bytes[..] {
                // RFC 6455 §5.5.3 allows answering only the latest Ping; the connection
                // does so once this much output waits.
                assert!(
                    self.checked >= PONG_COALESCE_THRESHOLD,
                    "queued output changed at {start} with only {} bytes queued",
                    self.checked
                );
                self.wire.pop_pong();
                self.checked = *start;
                replaced = true;
            }
        }
        assert!(
            pending.len() >= self.checked,
            "queued output shrank from {} to {}",
            self.checked,
            pending.len()
        );
        let new = self.wire.push(&pending[self.checked..]);
        assert!(
            self.wire.at_boundary(),
            "output ends inside a frame: {:02x?}",
            &pending[self.checked..]
        );
        if replaced {
            // The replacement is the first new frame (the Pong read before is gone).
            assert!(!new.is_empty(), "a Pong was removed and none added");
        }
        if let Some(last) = new.last() {
            self.tail_pong = (last.opcode == OpCode::Pong).then(|| {
                let start = pending.len() - last.wire_len;
                (start, pending[start..].to_vec())
            });
        }
        self.checked = pending.len();
        (new, replaced)
    }

    /// Drops `n` bytes of queued output, as a transport that wrote them.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.conn.pending_output_len());
        self.conn.consume_output(n);
        self.checked -= n;
        self.tail_pong = match self.tail_pong.take() {
            Some((start, bytes)) if start >= n => Some((start - n, bytes)),
            _ => None,
        };
    }

    fn drain_output(&mut self) {
        if self.drain || self.conn.pending_output_len() > MAX_UNDRAINED {
            let n = self.conn.pending_output_len();
            self.consume(n);
        }
    }

    /// Counts `len` bytes that reached the connection some other way (a handshake's
    /// trailing bytes) in the memory bound.
    pub fn saw_input(&mut self, len: usize) {
        self.max_read = self.max_read.max(len);
    }

    /// Feeds one piece of input and takes every event it makes ready: with `receive`, or
    /// through `input_buffer` and `commit_input` in reads of at most the space offered,
    /// polling after each read, as a transport's loop does, or (reads of odd length) only
    /// once the next read is placed, before it is committed.
    pub fn receive(&mut self, piece: &[u8]) {
        if !self.limits.reads {
            self.max_read = self.max_read.max(piece.len());
            let before = self.conn.pending_output_len();
            self.conn.receive(piece);
            assert_eq!(
                self.conn.pending_output_len(),
                before,
                "receive queued output"
            );
            self.after_input();
            return;
        }
        let mut rest = piece;
        loop {
            let space = self.input_buffer();
            let n = space.len().min(rest.len());
            space[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            // The last read, if it was left unprocessed, is processed now, between
            // `input_buffer` and `commit_input`: the read placed in the space stays there.
            if self.unpolled > 0 {
                self.placed = true;
                self.after_input();
                self.placed = false;
            }
            let before = self.conn.pending_output_len();
            self.conn.commit_input(n);
            assert_eq!(
                self.conn.pending_output_len(),
                before,
                "commit_input queued output"
            );
            if std::mem::take(&mut self.reads_after_failing) {
                self.check_reads_after_failing_dropped();
            }
            // A read of odd length is left unprocessed until the next one is placed (or
            // the input ends: `poll_all`).
            if n % 2 == 1 {
                self.unpolled = n;
                self.max_unpolled = self.max_unpolled.max(n);
            } else {
                self.after_input();
            }
            if rest.is_empty() {
                break;
            }
        }
    }

    /// `input_buffer()`, checked: at least 1 KiB (its floor), counted in the memory bound.
    fn input_buffer(&mut self) -> &mut [u8] {
        // A read asks for the read size, or for all of a binary frame delivered in place
        // (at most twice the read size; larger ones are read into the message buffer).
        let frame = self.limits.max_frame.max(125) + 14;
        let read_size = self.limits.read_size;
        self.max_read = self.max_read.max(read_size.max(frame.min(2 * read_size)));
        let space = self.conn.input_buffer();
        assert!(
            space.len() >= 1024,
            "input_buffer offered {} bytes",
            space.len()
        );
        space
    }

    fn after_input(&mut self) {
        self.poll_all();
        self.check_memory();
        self.drain_output();
    }

    /// Takes events until the connection needs more input, has closed or has failed.
    pub fn poll_all(&mut self) {
        self.unpolled = 0;
        loop {
            if let Some(error) = &self.error {
                if self.final_checked {
                    let queued = self.conn.pending_output_len();
                    assert_eq!(self.conn.poll_event().map(|_| ()), Err(error.clone()));
                    assert_eq!(self.conn.pending_output_len(), queued);
                } else {
                    self.check_failed_is_final();
                    self.final_checked = true;
                }
                return;
            }
            let close_sent_before = self.wire.close_sent;
            let result = self
                .conn
                .poll_event()
                .map(|event| event.map(wswire::Event::into_owned));
            let (new, replaced) = self.sync();
            match result {
                Ok(None) => {
                    assert!(new.is_empty() && !replaced, "Ok(None) queued {new:?}");
                    self.check_state();
                    if self.expect == Expect::Closed && !self.final_checked {
                        self.check_closed_is_final();
                        self.final_checked = true;
                    }
                    return;
                }
                Ok(Some(event)) => {
                    assert_ne!(self.expect, Expect::Closed, "event after Close: {event:?}");
                    self.check_event(&event, &new, replaced, close_sent_before);
                    self.events.push(event);
                    self.check_state();
                }
                Err(error) => {
                    // RFC 6455 §7.1.7: fail with a Close carrying the error's code, unless
                    // a Close was sent already or the code is one never sent (1006: the
                    // end of the input before the closing handshake, §7.1.5).
                    if error == ProtocolError::AbnormalClosure {
                        assert!(self.eof, "abnormal closure without the end of the input");
                    }
                    if close_sent_before || !error.close_code().is_valid_on_wire() {
                        assert!(new.is_empty(), "{error:?} queued {new:?}");
                    } else {
                        assert_eq!(new.len(), 1, "{error:?} queued {new:?}");
                        assert_eq!(new[0].opcode, OpCode::Close);
                        assert_eq!(
                            close_code(&new[0].payload),
                            Some(error.close_code().as_u16())
                        );
                    }
                    assert!(!replaced);
                    self.expect = Expect::Failed;
                    self.error = Some(error);
                    self.check_state();
                }
            }
        }
    }

    fn check_event(
        &mut self,
        event: &OwnedEvent,
        new: &[Frame],
        replaced: bool,
        close_sent_before: bool,
    ) {
        let max_message = self.limits.max_message;
        let whole = self.limits.delivery == Delivery::WholeMessages;
        if !matches!(event, OwnedEvent::Ping(_) | OwnedEvent::Close { .. }) {
            assert!(new.is_empty() && !replaced, "{event:?} queued {new:?}");
        }
        match event {
            OwnedEvent::Text(text) => {
                assert!(whole, "whole message while streaming");
                assert!(text.len() <= max_message, "message over the limit");
            }
            OwnedEvent::Binary(data) => {
                assert!(whole, "whole message while streaming");
                assert!(data.len() <= max_message, "message over the limit");
            }
            OwnedEvent::TextChunk { data, last } => {
                assert!(!whole, "chunk while delivering whole messages");
                self.chunk(MessageKind::Text, data.len(), *last);
            }
            OwnedEvent::BinaryChunk { data, last } => {
                assert!(!whole, "chunk while delivering whole messages");
                self.chunk(MessageKind::Binary, data.len(), *last);
            }
            OwnedEvent::Ping(payload) => {
                assert!(payload.len() <= 125);
                if !self.limits.auto_pong {
                    assert!(new.is_empty() && !replaced, "Pong without auto_pong");
                } else if new.is_empty() {
                    // The answer replaced an identical unwritten one.
                    let Some((_, bytes)) = &self.tail_pong else {
                        panic!("Ping not answered");
                    };
                    assert!(self.checked >= PONG_COALESCE_THRESHOLD, "Ping not answered");
                    let last = self.wire.last.as_ref().expect("the Pong");
                    assert_eq!(&last.payload, payload);
                    assert_eq!(last.wire_len, bytes.len());
                } else {
                    assert_eq!(new.len(), 1, "Ping queued {new:?}");
                    assert_eq!(new[0].opcode, OpCode::Pong);
                    assert_eq!(&new[0].payload, payload, "Pong does not echo the Ping");
                }
            }
            OwnedEvent::Pong(payload) => assert!(payload.len() <= 125),
            OwnedEvent::Close { code, reason } => {
                assert!(
                    code.is_valid_on_wire() || *code == CloseCode::NO_STATUS,
                    "Close event with code {code}"
                );
                assert!(reason.len() <= 123);
                if close_sent_before {
                    assert!(new.is_empty(), "second Close queued");
                } else {
                    // RFC 6455 §5.5.1: the reply echoes the code.
                    assert_eq!(new.len(), 1, "Close answered with {new:?}");
                    assert_eq!(new[0].opcode, OpCode::Close);
                    let echoed = (*code != CloseCode::NO_STATUS).then_some(code.as_u16());
                    assert_eq!(close_code(&new[0].payload), echoed);
                }
                self.expect = Expect::Closed;
            }
        }
    }

    fn chunk(&mut self, kind: MessageKind, len: usize, last: bool) {
        let size = match self.chunk {
            None => len,
            Some((k, size)) => {
                assert_eq!(k, kind, "chunk of another message");
                size + len
            }
        };
        assert!(
            size <= self.limits.max_message,
            "streamed message over the limit"
        );
        self.chunk = (!last).then_some((kind, size));
    }

    /// After an error: the same error, no new output, input ignored, sends refused.
    fn check_failed_is_final(&mut self) {
        let error = self.error.clone().expect("failed");
        let output = self.conn.pending_output().to_vec();
        for _ in 0..2 {
            assert_eq!(self.conn.poll_event().map(|_| ()), Err(error.clone()));
        }
        self.conn.receive(b"\x81\x85\x00\x00\x00\x00hello\x88\x00");
        assert_eq!(self.conn.poll_event().map(|_| ()), Err(error.clone()));
        // A read of the driver's own may be placed and not yet committed: reading again
        // now would take its space, so the reads wait for its commit.
        if self.placed {
            self.reads_after_failing = true;
        } else {
            self.check_reads_after_failing_dropped();
        }
        assert_eq!(self.conn.send_text("x"), Err(UsageError::Failed));
        assert_eq!(self.conn.send_ping(b""), Err(UsageError::Failed));
        assert_eq!(
            self.conn.close(CloseCode::NORMAL, ""),
            Err(UsageError::Failed)
        );
        assert_eq!(
            self.conn.pending_output(),
            &output[..],
            "output changed after failing"
        );
        self.check_state();
    }

    /// Input read in place after a failure is dropped too, wherever the space offered was:
    /// more than a message's worth of reads leaves the message buffer as it was, and the
    /// error and the output stay.
    fn check_reads_after_failing_dropped(&mut self) {
        let error = self.error.clone().expect("failed");
        let queued = self.conn.pending_output_len();
        let held = self.conn.buffer_capacities()[1];
        let mut read = 0;
        while read <= self.limits.max_message + 2 * self.limits.read_size {
            let space = self.input_buffer();
            let n = space.len().min(64 * 1024);
            space[..n].fill(0x82);
            self.conn.commit_input(n);
            read += n;
        }
        assert_eq!(
            self.conn.buffer_capacities()[1],
            held,
            "input read after failing was kept"
        );
        assert_eq!(self.conn.poll_event().map(|_| ()), Err(error));
        assert_eq!(self.conn.pending_output_len(), queued);
    }

    /// After the peer's Close: no events, input ignored, data refused.
    fn check_closed_is_final(&mut self) {
        let output = self.conn.pending_output().to_vec();
        self.conn.receive(b"\x81\x85\x00\x00\x00\x00hello\x89\x00");
        assert!(matches!(self.conn.poll_event(), Ok(None)));
        assert_eq!(self.conn.send_text("x"), Err(UsageError::Closing));
        assert_eq!(self.conn.send_ping(b""), Err(UsageError::Closing));
        assert_eq!(self.conn.pending_output(), &output[..]);
    }

    /// The error a sending call must return in the current state, if any.
    fn send_refusal(&self, control: bool) -> Option<UsageError> {
        match self.expect {
            Expect::Open => None,
            Expect::CloseSent if control => None,
            Expect::CloseSent | Expect::Closed => Some(UsageError::Closing),
            Expect::Failed => Some(UsageError::Failed),
        }
    }

    /// The refusal a frame carrying `len` bytes meets under the output limit: with output
    /// pending, a frame that would take it past the limit (its header counted at 14 bytes).
    fn room_refusal(&self, len: usize) -> Option<UsageError> {
        let limit = self.runtime.output_limit?;
        let pending = self.conn.pending_output_len();
        (pending > 0 && pending + len + 14 > limit)
            .then_some(UsageError::OutputFull { pending, limit })
    }

    /// Moves the fuzzer's clock on and gives the connection the time; checks what the
    /// timers did: a keep-alive Ping, a Close for a pong timeout (1011) or an idle
    /// connection (1001), the end of a closing handshake that took too long.
    fn advance_time(&mut self, rng: &mut Rng) {
        let step = [0, 1, 5, 9, 11, 21, 61][rng.below(7)];
        self.now += Duration::from_secs(step);
        let expect_before = self.expect;
        self.conn.handle_timeout(self.now);
        let (new, replaced) = self.sync();
        assert!(!replaced, "a timer replaced a Pong");
        for frame in &new {
            match frame.opcode {
                OpCode::Ping => {
                    assert!(frame.payload.is_empty(), "keep-alive Ping with a payload");
                    assert_eq!(
                        self.expect,
                        Expect::Open,
                        "keep-alive Ping while {:?}",
                        self.expect
                    );
                }
                OpCode::Close => match close_code(&frame.payload) {
                    Some(1011) => {
                        assert_eq!(expect_before, Expect::Open);
                        self.expect = Expect::Failed;
                        self.error = Some(ProtocolError::PongTimeout);
                    }
                    Some(1001) => {
                        assert_eq!(expect_before, Expect::Open);
                        self.expect = Expect::CloseSent;
                    }
                    other => panic!("a timer queued a Close with {other:?}"),
                },
                other => panic!("a timer queued a {other:?} frame"),
            }
        }
        // A closing handshake that took too long ends without a frame: ours went out
        // already (or, for a client, the server's came and it does not close the
        // transport).
        match (self.expect, self.conn.state()) {
            (Expect::CloseSent, ConnectionState::Failed) => {
                assert!(new.iter().all(|f| f.opcode != OpCode::Close));
                self.expect = Expect::Failed;
                self.error = Some(ProtocolError::CloseTimeout);
            }
            (Expect::Closed, _)
                if self.role == Role::Client
                    && self.conn.transport() == TransportAction::CloseAfterFlush =>
            {
                self.gave_up_waiting = true;
            }
            _ => {}
        }
        if let Some(error) = &self.error {
            assert_eq!(self.conn.poll_event().map(|_| ()), Err(error.clone()));
            // Nothing more was queued by asking.
            let (new, _) = self.sync();
            assert!(new.is_empty());
        }
        self.check_state();
        self.check_memory();
        self.drain_output();
    }

    /// Gives the end of the input, once: what is buffered is still reported, then a
    /// connection whose closing handshake was not done fails with 1006, which is never
    /// sent.
    fn end_input(&mut self) {
        if self.eof {
            return;
        }
        self.eof = true;
        self.conn.receive_eof();
        self.poll_all();
        if matches!(self.expect, Expect::Open | Expect::CloseSent) {
            panic!("the end of the input left the connection {:?}", self.expect);
        }
        self.check_state();
    }

    /// Whether a message of `len` bytes goes out compressed.
    fn compresses(&self, len: usize) -> bool {
        self.conn.deflate().is_some() && len >= self.min_compress
    }

    /// One local action drawn from `rng`, with its result checked.
    pub fn act(&mut self, rng: &mut Rng) {
        // Left undrained, large messages fill the output past 64 KiB.
        let large = if self.drain { 1 } else { 4 };
        let len = match rng.below(8) {
            n if n < large => rng.below(MAX_OWN_SEND),
            n if n < large + 2 => rng.below(8),
            n if n < large + 4 => rng.below(200),
            _ => rng.below(2000),
        };
        let text = &own_text()[..len];
        let in_progress = self.sending.map(|_| UsageError::MessageInProgress);
        // Close and partial writes rarely, so that output can pile up before the end.
        let room = self.room_refusal(len);
        // Only in the runtime settings that make them meaningful.
        let runtime_action = match rng.below(16) {
            0..=3 if self.runtime.timers => Some(0),
            4 => Some(1),
            5..=6 => Some(2),
            _ => None,
        };
        match runtime_action {
            Some(0) => return self.advance_time(rng),
            Some(1) if rng.below(4) == 0 => return self.end_input(),
            Some(2) => {
                let binary = rng.below(2) == 0;
                let data_refusal = self
                    .send_refusal(false)
                    .or(in_progress.clone())
                    .or(room.clone());
                assert_eq!(
                    self.conn.can_send(len),
                    data_refusal.is_none(),
                    "can_send({len}) disagrees with sending"
                );
                // Shared (a server writes it as is) or owned (a client masks it in place).
                let result = match (binary, rng.below(2) == 0) {
                    (true, true) => self.conn.send_shared_binary(text.as_bytes().to_vec()),
                    (true, false) => self.conn.send_owned_binary(text.as_bytes().to_vec()),
                    (false, true) => self.conn.send_shared_text(text.to_owned()),
                    (false, false) => self.conn.send_owned_text(text.to_owned()),
                };
                let opcode = if binary { OpCode::Binary } else { OpCode::Text };
                let sent = Sent::new(opcode, true, self.compresses(len), text.as_bytes());
                self.check_sent(result, data_refusal, sent);
                self.check_memory();
                self.drain_output();
                return;
            }
            _ => {}
        }
        match rng.below(200) {
            0..=49 => {
                let payload = &text.as_bytes()[..len.min(125)];
                // Computed before the call: after it, a queued Ping counts as pending.
                let refusal = self
                    .send_refusal(true)
                    .or_else(|| self.room_refusal(payload.len()));
                let result = self.conn.send_ping(payload);
                let sent = Sent::new(OpCode::Ping, true, false, payload);
                self.check_sent(result, refusal, sent);
            }
            50..=99 => {
                let result = self.conn.send_text(text);
                let refusal = self.send_refusal(false).or(in_progress).or(room);
                let sent = Sent::new(OpCode::Text, true, self.compresses(len), text.as_bytes());
                self.check_sent(result, refusal, sent);
            }
            100..=129 => {
                let result = self.conn.send_binary_uncompressed(text.as_bytes());
                let refusal = self.send_refusal(false).or(in_progress).or(room);
                let sent = Sent::new(OpCode::Binary, true, false, text.as_bytes());
                self.check_sent(result, refusal, sent);
            }
            130..=179 => {
                let kind = if rng.below(2) == 0 {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                let last = rng.below(3) == 0;
                let (opcode, mismatch) = match self.sending {
                    None if kind == MessageKind::Text => (OpCode::Text, None),
                    None => (OpCode::Binary, None),
                    Some(k) if k == kind => (OpCode::Continuation, None),
                    Some(_) => (OpCode::Continuation, Some(UsageError::FragmentKindMismatch)),
                };
                // A fragmented message is always compressed when deflate is on; RSV1 marks
                // its first frame only.
                let rsv1 = opcode != OpCode::Continuation && self.compresses(usize::MAX);
                let compressed = self.sending_compressed || rsv1;
                let result = self.conn.send_fragment(kind, text.as_bytes(), last);
                let refusal = self.send_refusal(false).or(mismatch).or(room);
                let ok = result.is_ok();
                let mut sent = Sent::new(opcode, last, rsv1, text.as_bytes());
                sent.compressed = compressed;
                self.check_sent(result, refusal, sent);
                if ok {
                    self.sending = (!last).then_some(kind);
                    self.sending_compressed = !last && compressed;
                }
            }
            180 => {
                let codes = [1000, 1001, 3000, 4999, 1005, 999, 2999, 1015];
                let code = CloseCode::from(codes[rng.below(codes.len())]);
                let reason = &text[..len.min(130)];
                let result = self.conn.close(code, reason);
                let refusal = self.send_refusal(false).or_else(|| {
                    if !code.is_valid_on_wire() {
                        Some(UsageError::InvalidCloseCode(code.as_u16()))
                    } else if reason.len() > 123 {
                        Some(UsageError::CloseReasonTooLong(reason.len()))
                    } else {
                        None
                    }
                });
                let ok = result.is_ok();
                let mut payload = code.as_u16().to_be_bytes().to_vec();
                payload.extend_from_slice(reason.as_bytes());
                self.check_sent(
                    result,
                    refusal,
                    Sent::new(OpCode::Close, true, false, &payload),
                );
                if ok {
                    self.expect = Expect::CloseSent;
                }
                self.check_state();
            }
            181..=189 => self.conn.shrink_buffers(),
            _ => {
                // A partial write, as a socket with a small buffer makes.
                let n = rng.below(self.conn.pending_output_len().min(4096) + 1);
                self.consume(n);
            }
        }
        self.check_memory();
        self.drain_output();
    }

    /// Checks a sending call's result against the refusal expected, and the frame it
    /// queued (none if refused).
    fn check_sent(
        &mut self,
        result: Result<(), UsageError>,
        refusal: Option<UsageError>,
        sent: Sent<'_>,
    ) {
        assert_eq!(result.err(), refusal, "sending {:?}", sent.opcode);
        let (new, replaced) = self.sync();
        assert!(!replaced);
        if refusal.is_some() {
            assert!(new.is_empty(), "refused send queued {new:?}");
            return;
        }
        assert_eq!(new.len(), 1, "{:?} queued {new:?}", sent.opcode);
        let frame = &new[0];
        assert_eq!(frame.opcode, sent.opcode);
        assert_eq!(frame.fin, sent.fin);
        assert_eq!(frame.rsv & RSV1 != 0, sent.rsv1, "{:?} RSV1", sent.opcode);
        if !sent.compressed {
            assert_eq!(frame.payload, sent.payload, "{:?} payload", sent.opcode);
        }
    }
}

/// A frame a sending call should queue.
struct Sent<'a> {
    opcode: OpCode,
    fin: bool,
    rsv1: bool,
    /// The payload is deflated, so not compared.
    compressed: bool,
    payload: &'a [u8],
}

impl<'a> Sent<'a> {
    fn new(opcode: OpCode, fin: bool, compressed: bool, payload: &'a [u8]) -> Self {
        Self {
            opcode,
            fin,
            rsv1: compressed,
            compressed,
            payload,
        }
    }
}

/// Feeds `data` to `driver` in the pieces `setup` chooses, with the local actions it
/// chooses between pieces.
pub fn run_pieces(driver: &mut Driver, data: &[u8], split_seed: u8, ops_seed: u8) {
    let mut rng = Rng::new(u64::from(ops_seed) << 8 | 0x5A);
    // Enough actions to fill the output past 64 KiB, few enough to keep inputs fast.
    let mut budget = if ops_seed == 0 { 0 } else { MAX_ACTIONS };
    for piece in pieces(data, split_seed) {
        driver.receive(piece);
        while budget > 0 && rng.below(3) == 0 {
            driver.act(&mut rng);
            budget -= 1;
        }
    }
    driver.poll_all();
}

/// The frames targets: `data` after a completed handshake, for `role`.
pub fn frames_target(role: Role, data: &[u8]) {
    let Some((setup, rest)) = Setup::parse(data) else {
        return;
    };
    let Some(conn) = setup.connection(role) else {
        return;
    };
    let mut driver = Driver::with_runtime(conn, setup.limits, setup.min_compress, setup.runtime);
    // With the top bit of the actions byte, output is left queued (up to a bound), so
    // that automatic Pongs pile up and replace each other.
    driver.drain = setup.ops_seed & 0x80 == 0;
    run_pieces(&mut driver, rest, setup.split_seed, setup.ops_seed);
}

/// What a stream gave, in a form that does not depend on how it was cut: with chunks, the
/// chunks of each message joined (or, after an error, left out, since how much of a failing
/// message was handed out depends on the cuts).
pub fn comparable(
    delivery: Delivery,
    events: &[OwnedEvent],
    error: &Option<ProtocolError>,
) -> Vec<OwnedEvent> {
    if delivery == Delivery::WholeMessages {
        return events.to_vec();
    }
    let mut merged = Vec::new();
    let mut text: Option<String> = None;
    let mut binary: Option<Vec<u8>> = None;
    for event in events {
        match event {
            OwnedEvent::TextChunk { data, last } => {
                text.get_or_insert_with(String::new).push_str(data);
                if *last {
                    merged.push(OwnedEvent::Text(text.take().unwrap_or_default()));
                }
            }
            OwnedEvent::BinaryChunk { data, last } => {
                binary.get_or_insert_with(Vec::new).extend_from_slice(data);
                if *last {
                    merged.push(OwnedEvent::Binary(binary.take().unwrap_or_default()));
                }
            }
            other => merged.push(other.clone()),
        }
    }
    if error.is_some() {
        merged.retain(|e| !matches!(e, OwnedEvent::Text(_) | OwnedEvent::Binary(_)));
    }
    merged
}
