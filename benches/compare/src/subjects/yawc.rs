//! `yawc`: async, a `Stream` + `Sink` of `Frame`s, driven by `block_on` on a current-thread
//! runtime over the in-memory stream.
//!
//! Configuration: features `simd` (UTF-8 with `simdutf8`) and `zlib` (flate2's zlib-rs
//! backend, window sizes), no TLS. `with_utf8()` turns on UTF-8 validation, which is off by
//! default; the payload limit is raised from 1 MiB to 16 MiB (the other subjects' order of
//! magnitude) so that 1 MiB messages are accepted. Frames to send are made before the clock
//! starts, sharing the original bytes; `feed` per frame, `flush` at the end. For
//! permessage-deflate the connection is built with the extension as a handshake would
//! have agreed it.

use std::rc::Rc;

use bytes::Bytes;
use futures_util::SinkExt;
use tokio::runtime::Runtime;
use yawc::frame::{Frame, OpCode};
use yawc::{CompressionLevel, Options, Role, WebSocket};

use super::{
    Bench, DecodeBench, Decoder, EncodeBench, Encoder, Idle, IdleSetup, Inspect, RoundTrip,
    RoundTripBench, check_reply,
};
use crate::data::{Consume, Kind, Messages};
use crate::io::{ByteQueue, MemStream, Shared, runtime, shared};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const MAX_PAYLOAD: usize = 16 << 20;

fn options() -> Options {
    // The limit is exclusive: one more byte accepts exactly 16 MiB.
    Options::default()
        .with_utf8()
        .with_limits(MAX_PAYLOAD + 1, 2 * MAX_PAYLOAD)
}

fn deflate_options(level: u32) -> Options {
    options().with_compression_level(CompressionLevel::new(level))
}

fn deliver<C: Consume>(frame: &Frame, c: &mut C) -> Result<(), String> {
    match frame.opcode() {
        OpCode::Text => c.message(Kind::Text, frame.payload()),
        OpCode::Binary => c.message(Kind::Binary, frame.payload()),
        other => return Err(format!("unexpected frame {other:?}")),
    }
    Ok(())
}

pub struct YwDecoder {
    rt: Runtime,
    ws: WebSocket<MemStream>,
}

impl Decoder for YwDecoder {
    fn decode<C: Consume>(
        &mut self,
        _input: &Shared,
        count: usize,
        c: &mut C,
    ) -> Result<(), String> {
        let ws = &mut self.ws;
        self.rt.block_on(async {
            for _ in 0..count {
                deliver(&ws.next_frame().await.map_err(err)?, c)?;
            }
            Ok(())
        })
    }
}

pub fn decoder(msgs: Rc<Messages>, input: Shared) -> Box<dyn Bench> {
    let stream = MemStream::new(input.clone(), shared(ByteQueue::default()));
    let ws = WebSocket::from_stream(stream, Role::Server, options()).expect("no extensions");
    DecodeBench::boxed(YwDecoder { rt: runtime(), ws }, msgs, input)
}

fn frame(kind: Kind, payload: Bytes) -> Frame {
    match kind {
        Kind::Text => Frame::text(payload),
        Kind::Binary => Frame::binary(payload),
    }
}

pub struct YwEncoder {
    rt: Runtime,
    ws: WebSocket<MemStream>,
    shared: Vec<Bytes>,
    batch: Vec<Frame>,
}

impl Encoder for YwEncoder {
    fn prepare(&mut self, msgs: &Messages) {
        self.batch.clear();
        self.batch
            .extend(self.shared.iter().map(|b| frame(msgs.kind, b.clone())));
    }

    fn encode(&mut self, _msgs: &Messages, _out: &Shared) -> Result<(), String> {
        let (ws, batch) = (&mut self.ws, &mut self.batch);
        self.rt.block_on(async {
            for frame in batch.drain(..) {
                ws.feed(frame).await.map_err(err)?;
            }
            ws.flush().await.map_err(err)
        })
    }
}

pub fn encoder(msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
    let stream = MemStream::new(shared(ByteQueue::default()), out.clone());
    let role = if client { Role::Client } else { Role::Server };
    let subject = YwEncoder {
        rt: runtime(),
        ws: WebSocket::from_stream(stream, role, options()).expect("no extensions"),
        shared: msgs
            .payloads
            .iter()
            .map(|p| Bytes::from(p.clone()))
            .collect(),
        batch: Vec::with_capacity(msgs.len()),
    };
    EncodeBench::boxed(subject, msgs, out, client)
}

pub struct YwRoundTrip {
    rt: Runtime,
    client: WebSocket<MemStream>,
    server: WebSocket<MemStream>,
    texts: Vec<Bytes>,
}

impl RoundTrip for YwRoundTrip {
    fn round_trip<C: Consume, I: Inspect>(
        &mut self,
        _msgs: &Messages,
        wire: &Shared,
        c: &mut C,
        inspect: &mut I,
    ) -> Result<(), String> {
        let (client, server, texts) = (&mut self.client, &mut self.server, &self.texts);
        self.rt.block_on(async {
            for text in texts {
                client.send(Frame::text(text.clone())).await.map_err(err)?;
                {
                    let w = wire.borrow();
                    inspect.sent(&w.data[w.pos..]);
                }
                deliver(&server.next_frame().await.map_err(err)?, c)?;
                let mut w = wire.borrow_mut();
                if w.remaining() != 0 {
                    return Err("the server left bytes unread".to_string());
                }
                w.clear();
            }
            Ok(())
        })
    }
}

/// The extension as a server's response would state it.
fn extension(no_takeover: bool) -> &'static str {
    if no_takeover {
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
    } else {
        "permessage-deflate"
    }
}

pub fn deflate(
    msgs: Rc<Messages>,
    level: u32,
    wire_bytes: Rc<std::cell::Cell<usize>>,
) -> Result<Box<dyn Bench>, String> {
    let wire = shared(ByteQueue::default());
    let unused = || shared(ByteQueue::default());
    let client = WebSocket::from_stream_with_extensions(
        MemStream::new(unused(), wire.clone()),
        Role::Client,
        Some(extension(false)),
        deflate_options(level),
    )
    .map_err(err)?;
    let server = WebSocket::from_stream_with_extensions(
        MemStream::new(wire.clone(), unused()),
        Role::Server,
        Some(extension(false)),
        deflate_options(level),
    )
    .map_err(err)?;
    let subject = YwRoundTrip {
        rt: runtime(),
        client,
        server,
        texts: msgs
            .payloads
            .iter()
            .map(|p| Bytes::from(p.clone()))
            .collect(),
    };
    Ok(RoundTripBench::boxed(subject, msgs, wire, true, wire_bytes))
}

struct YwIdle(#[allow(dead_code)] WebSocket<MemStream>);

impl Idle for YwIdle {}

pub const IDLE_CONFIGS: [&str; 3] = ["plain", "deflate", "deflate-nct"];

pub fn idle(config: &str, setup: &IdleSetup, rt: &Runtime) -> Result<Box<dyn Idle>, String> {
    let (ext, opts) = match config {
        "plain" => (None, options()),
        "deflate" => (Some(extension(false)), deflate_options(6)),
        "deflate-nct" => (Some(extension(true)), deflate_options(6)),
        other => return Err(format!("no idle configuration {other}")),
    };
    let rx = shared(ByteQueue::with_data(setup.input_for(config).to_vec()));
    let tx = shared(ByteQueue::default());
    let stream = MemStream::new(rx.clone(), tx.clone());
    let mut ws =
        WebSocket::from_stream_with_extensions(stream, Role::Server, ext, opts).map_err(err)?;
    rt.block_on(async {
        let mut got = crate::data::Collect::default();
        deliver(&ws.next_frame().await.map_err(err)?, &mut got)?;
        setup.check_received(&got.messages)?;
        ws.send(Frame::text(setup.text.clone())).await.map_err(err)
    })?;
    check_reply(&tx.borrow().data, &setup.text, ext.is_some())?;
    super::empty_queues(&[rx, tx]);
    Ok(Box::new(YwIdle(ws)))
}
