//! The subjects and what each must do.
//!
//! A subject implements some of [`Decoder`], [`Encoder`] and [`RoundTrip`]; the generic
//! benches below turn those into [`Bench`]es that verify once and then time iterations.
//! Each adapter file holds everything about one subject, so a change of a subject's API
//! touches one file (the `wswire` adapter is `wswire.rs`).

pub mod fastwebsockets;
pub mod limits;
pub mod sans_io;
pub mod tokio_websockets;
pub mod tungstenite;
pub mod wswire;
pub mod yawc;

use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::data::{Collect, Consume, Fold, Messages, check_delivered, check_encoded, parse_frames};
use crate::io::{ByteQueue, Shared, shared};

/// One subject set up for one workload and size.
pub trait Bench {
    /// Runs the workload once, keeping every message, and compares the result with what
    /// was sent: content and order. Run before any timing.
    fn verify(&mut self) -> Result<(), String>;
    /// Runs the workload once and returns the time of its timed part. Panics if the
    /// messages' fold differs from the expected one.
    fn run(&mut self) -> Duration;
}

/// How a [`DecodeBench`]'s verification error starts when the subject refused the input
/// (rather than delivering the wrong messages).
pub const DECODE_FAILED: &str = "decoding failed: ";

/// A server decoding a client's masked frames.
pub trait Decoder {
    /// Reads `count` messages from `input` (at most 64 KiB per read), handing each to `c`.
    fn decode<C: Consume>(&mut self, input: &Shared, count: usize, c: &mut C)
    -> Result<(), String>;
}

/// An endpoint sending messages, each in one frame.
pub trait Encoder {
    /// Untimed, before each iteration: a subject whose API takes the message by value or
    /// masks it in place gets fresh owned copies here, as an application would hand over
    /// buffers it built.
    fn prepare(&mut self, _msgs: &Messages) {}
    /// Sends every message and writes all output to `out` (at most 64 KiB per write).
    fn encode(&mut self, msgs: &Messages, out: &Shared) -> Result<(), String>;
}

/// Sees the wire bytes of each message between sender and receiver.
pub trait Inspect {
    fn sent(&mut self, wire: &[u8]);
}

impl Inspect for () {
    #[inline]
    fn sent(&mut self, _wire: &[u8]) {}
}

/// A permessage-deflate client sending to a server, one message at a time: the client
/// compresses, masks and writes; the server reads, inflates, validates and delivers.
pub trait RoundTrip {
    /// For each message: send it into `wire`, call `inspect` with the bytes, have the
    /// receiver take them all and deliver the message to `c`, then clear `wire`.
    fn round_trip<C: Consume, I: Inspect>(
        &mut self,
        msgs: &Messages,
        wire: &Shared,
        c: &mut C,
        inspect: &mut I,
    ) -> Result<(), String>;
}

pub struct DecodeBench<D> {
    subject: D,
    msgs: Rc<Messages>,
    input: Shared,
    expected: Fold,
}

impl<D: Decoder> DecodeBench<D> {
    pub fn boxed(subject: D, msgs: Rc<Messages>, input: Shared) -> Box<dyn Bench>
    where
        D: 'static,
    {
        let expected = msgs.expected_fold();
        Box::new(Self {
            subject,
            msgs,
            input,
            expected,
        })
    }
}

/// The client's wire bytes as a shared input queue (each subject gets its own copy, made
/// before timing).
pub fn input_queue(wire: &[u8]) -> Shared {
    shared(ByteQueue::with_data(wire.to_vec()))
}

impl<D: Decoder> Bench for DecodeBench<D> {
    fn verify(&mut self) -> Result<(), String> {
        self.input.borrow_mut().rewind();
        let mut c = Collect::default();
        self.subject
            .decode(&self.input, self.msgs.len(), &mut c)
            .map_err(|e| format!("{DECODE_FAILED}{e}"))?;
        let left = self.input.borrow().remaining();
        if left != 0 {
            return Err(format!("{left} input bytes left unread"));
        }
        check_delivered(&self.msgs, &c.messages)
    }

    fn run(&mut self) -> Duration {
        self.input.borrow_mut().rewind();
        let mut f = Fold::default();
        let start = Instant::now();
        let r = self.subject.decode(&self.input, self.msgs.len(), &mut f);
        let took = start.elapsed();
        r.expect("decode failed after verification");
        assert_eq!(black_box(f), self.expected, "decoded messages differ");
        took
    }
}

pub struct EncodeBench<E> {
    subject: E,
    msgs: Rc<Messages>,
    out: Shared,
    client: bool,
    expected_len: usize,
}

impl<E: Encoder + 'static> EncodeBench<E> {
    pub fn boxed(subject: E, msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
        let expected_len =
            crate::data::server_wire(&msgs).len() + if client { 4 * msgs.len() } else { 0 };
        out.borrow_mut().data.reserve(expected_len);
        Box::new(Self {
            subject,
            msgs,
            out,
            client,
            expected_len,
        })
    }
}

impl<E: Encoder> Bench for EncodeBench<E> {
    fn verify(&mut self) -> Result<(), String> {
        self.out.borrow_mut().clear();
        self.subject.prepare(&self.msgs);
        self.subject.encode(&self.msgs, &self.out)?;
        let out = self.out.borrow();
        check_encoded(&self.msgs, &out.data, self.client)
    }

    fn run(&mut self) -> Duration {
        self.out.borrow_mut().clear();
        self.subject.prepare(&self.msgs);
        let start = Instant::now();
        let r = self.subject.encode(&self.msgs, &self.out);
        let took = start.elapsed();
        r.expect("encode failed after verification");
        let out = self.out.borrow();
        assert_eq!(out.data.len(), self.expected_len, "encoded length differs");
        black_box(&out.data);
        took
    }
}

/// Checks, while verifying, that every message went out compressed in one frame.
#[derive(Default)]
pub struct CheckCompressed {
    pub messages: usize,
    pub wire_bytes: usize,
    pub error: Option<String>,
}

impl Inspect for CheckCompressed {
    fn sent(&mut self, wire: &[u8]) {
        self.wire_bytes += wire.len();
        let i = self.messages;
        self.messages += 1;
        if self.error.is_some() {
            return;
        }
        match parse_frames(wire) {
            Ok(frames) if frames.len() == 1 && frames[0].rsv == 0b100 && frames[0].fin => {}
            Ok(frames) => {
                self.error = Some(format!(
                    "message {i}: {} frames, first RSV bits {:03b} (one compressed frame expected)",
                    frames.len(),
                    frames.first().map_or(0, |f| f.rsv)
                ))
            }
            Err(e) => self.error = Some(format!("message {i}: {e}")),
        }
    }
}

/// Only checks that something was sent (for raw zlib, which frames nothing).
#[derive(Default)]
pub struct CountBytes(pub usize);

impl Inspect for CountBytes {
    fn sent(&mut self, wire: &[u8]) {
        self.0 += wire.len();
    }
}

pub struct RoundTripBench<R> {
    subject: R,
    msgs: Rc<Messages>,
    wire: Shared,
    expected: Fold,
    framed: bool,
    /// Bytes on the wire per iteration, learnt while verifying.
    pub wire_bytes: Rc<std::cell::Cell<usize>>,
}

impl<R: RoundTrip + 'static> RoundTripBench<R> {
    /// `framed`: whether the subject produces WebSocket frames (raw zlib does not).
    pub fn boxed(
        subject: R,
        msgs: Rc<Messages>,
        wire: Shared,
        framed: bool,
        wire_bytes: Rc<std::cell::Cell<usize>>,
    ) -> Box<dyn Bench> {
        let expected = msgs.expected_fold();
        Box::new(Self {
            subject,
            msgs,
            wire,
            expected,
            framed,
            wire_bytes,
        })
    }
}

impl<R: RoundTrip> Bench for RoundTripBench<R> {
    fn verify(&mut self) -> Result<(), String> {
        let mut c = Collect::default();
        if self.framed {
            let mut check = CheckCompressed::default();
            self.subject
                .round_trip(&self.msgs, &self.wire, &mut c, &mut check)?;
            if let Some(e) = check.error {
                return Err(e);
            }
            self.wire_bytes.set(check.wire_bytes);
        } else {
            let mut count = CountBytes::default();
            self.subject
                .round_trip(&self.msgs, &self.wire, &mut c, &mut count)?;
            self.wire_bytes.set(count.0);
        }
        check_delivered(&self.msgs, &c.messages)
    }

    fn run(&mut self) -> Duration {
        let mut f = Fold::default();
        let start = Instant::now();
        let r = self
            .subject
            .round_trip(&self.msgs, &self.wire, &mut f, &mut ());
        let took = start.elapsed();
        r.expect("round trip failed after verification");
        assert_eq!(black_box(f), self.expected, "delivered messages differ");
        took
    }
}

/// A server connection driven to the idle point and kept alive to be measured.
pub trait Idle {
    /// Gives back the memory the subject can give back while idle, through its own
    /// documented call; `false` if it has none.
    fn release(&mut self) -> bool {
        false
    }
}

/// An opening handshake request, for the subjects measured after their own handshake.
pub const UPGRADE_REQUEST: &str = "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Version: 13\r\n\r\n";

/// What every idle connection receives and sends: one 4 KiB JSON-like text message each
/// way, the client's masked (and, for the deflate configurations, compressed).
pub struct IdleSetup {
    pub text: String,
    pub plain: Vec<u8>,
    pub deflate: Vec<u8>,
    pub deflate_nct: Vec<u8>,
}

impl IdleSetup {
    pub fn new() -> Self {
        let msgs = Messages::generate(crate::data::Kind::Text, 4096, 1);
        let text = msgs.texts[0].clone();
        Self {
            plain: crate::data::client_wire(&msgs, 77),
            deflate: wswire::compressed_client_message(&text, false),
            deflate_nct: wswire::compressed_client_message(&text, true),
            text,
        }
    }

    /// The client's bytes for a configuration.
    pub fn input_for(&self, config: &str) -> &[u8] {
        if config.starts_with("deflate-nct") {
            &self.deflate_nct
        } else if config.starts_with("deflate") {
            &self.deflate
        } else {
            &self.plain
        }
    }

    pub fn check_received(&self, got: &[(crate::data::Kind, Vec<u8>)]) -> Result<(), String> {
        match got {
            [(crate::data::Kind::Text, payload)] if payload == self.text.as_bytes() => Ok(()),
            _ => Err(format!(
                "idle setup: received {} messages, not the one sent",
                got.len()
            )),
        }
    }
}

impl Default for IdleSetup {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks a server's reply: one final unmasked text frame carrying `text` (compressed
/// when `compressed`).
pub fn check_reply(out: &[u8], text: &str, compressed: bool) -> Result<(), String> {
    let frames = parse_frames(out)?;
    let [f] = frames.as_slice() else {
        return Err(format!("reply: {} frames, one expected", frames.len()));
    };
    let ok = f.fin
        && f.opcode == 1
        && !f.masked
        && if compressed {
            f.rsv == 0b100 && f.payload.len() < text.len()
        } else {
            f.rsv == 0 && f.payload == text.as_bytes()
        };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "reply: fin {} opcode {} masked {} rsv {:03b}, {} bytes",
            f.fin,
            f.opcode,
            f.masked,
            f.rsv,
            f.payload.len()
        ))
    }
}

/// Empties the harness's queues and frees their storage, so that a measurement counts
/// only what the connection itself holds.
pub fn empty_queues(queues: &[Shared]) {
    for q in queues {
        let mut q = q.borrow_mut();
        q.data = Vec::new();
        q.pos = 0;
    }
}

/// Every subject measured idle, with its configurations.
pub const IDLE_SUBJECTS: [(&str, &[&str]); 6] = [
    ("wswire", &wswire::IDLE_CONFIGS),
    ("tungstenite", &tungstenite::IDLE_CONFIGS),
    ("tokio-websockets", &tokio_websockets::IDLE_CONFIGS),
    ("fastwebsockets", &fastwebsockets::IDLE_CONFIGS),
    ("websocket-sans-io", &sans_io::IDLE_CONFIGS),
    ("yawc", &yawc::IDLE_CONFIGS),
];

/// Drives a subject's server connection to the idle point (see `docs/performance.md`).
pub fn idle(
    subject: &str,
    config: &str,
    setup: &IdleSetup,
    rt: &tokio::runtime::Runtime,
) -> Result<Box<dyn Idle>, String> {
    match subject {
        "wswire" => wswire::idle(config, setup),
        "tungstenite" => tungstenite::idle(config, setup),
        "tokio-websockets" => tokio_websockets::idle(config, setup, rt),
        "fastwebsockets" => fastwebsockets::idle(config, setup, rt),
        "websocket-sans-io" => sans_io::idle(config, setup),
        "yawc" => yawc::idle(config, setup, rt),
        other => Err(format!("no subject {other}")),
    }
}

/// Whether the subject's connection owns an in-memory stream (whose two queue handles the
/// memory measurement subtracts).
pub fn owns_stream(subject: &str) -> bool {
    matches!(
        subject,
        "tungstenite" | "tokio-websockets" | "fastwebsockets" | "yawc"
    )
}
