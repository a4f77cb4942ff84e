//! `fastwebsockets`: async, frame-based, driven by `block_on` on a current-thread runtime
//! over the in-memory stream.
//!
//! Configuration: default features (`simd`: UTF-8 checked with `simdutf8`), default
//! settings (vectored writes for payloads over 1 KiB, automatic masking). Receiving goes
//! through `FragmentCollector`, which the crate documents for whole messages (text
//! validated as UTF-8 even when fragmented); every message here is one frame, which it
//! passes through. Sending: `write_frame` per message; a server's payload is borrowed, a
//! client's is a mutable buffer refilled before the clock starts and masked in place.

use std::rc::Rc;

use fastwebsockets::{FragmentCollector, Frame, OpCode, Payload, Role, WebSocket};
use tokio::runtime::Runtime;

use super::{Bench, DecodeBench, Decoder, EncodeBench, Encoder, Idle, IdleSetup, check_reply};
use crate::data::{Consume, Kind, Messages};
use crate::io::{ByteQueue, MemStream, Shared, runtime, shared};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn deliver<C: Consume>(frame: &Frame<'_>, c: &mut C) -> Result<(), String> {
    match frame.opcode {
        OpCode::Text => c.message(Kind::Text, &frame.payload),
        OpCode::Binary => c.message(Kind::Binary, &frame.payload),
        other => return Err(format!("unexpected frame {other:?}")),
    }
    Ok(())
}

pub struct FwDecoder {
    rt: Runtime,
    ws: FragmentCollector<MemStream>,
}

impl Decoder for FwDecoder {
    fn decode<C: Consume>(
        &mut self,
        _input: &Shared,
        count: usize,
        c: &mut C,
    ) -> Result<(), String> {
        let ws = &mut self.ws;
        self.rt.block_on(async {
            for _ in 0..count {
                deliver(&ws.read_frame().await.map_err(err)?, c)?;
            }
            Ok(())
        })
    }
}

pub fn decoder(msgs: Rc<Messages>, input: Shared) -> Box<dyn Bench> {
    let stream = MemStream::new(input.clone(), shared(ByteQueue::default()));
    let ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Server));
    DecodeBench::boxed(FwDecoder { rt: runtime(), ws }, msgs, input)
}

pub struct FwEncoder {
    rt: Runtime,
    ws: WebSocket<MemStream>,
    client: bool,
    buffers: Vec<Vec<u8>>,
}

impl Encoder for FwEncoder {
    fn prepare(&mut self, msgs: &Messages) {
        if self.client {
            for (b, p) in self.buffers.iter_mut().zip(&msgs.payloads) {
                b.copy_from_slice(p);
            }
        }
    }

    fn encode(&mut self, msgs: &Messages, _out: &Shared) -> Result<(), String> {
        let (ws, buffers, client) = (&mut self.ws, &mut self.buffers, self.client);
        self.rt.block_on(async {
            for (buffer, original) in buffers.iter_mut().zip(&msgs.payloads) {
                let payload = if client {
                    Payload::BorrowedMut(buffer.as_mut_slice())
                } else {
                    Payload::Borrowed(original.as_slice())
                };
                let frame = match msgs.kind {
                    Kind::Text => Frame::text(payload),
                    Kind::Binary => Frame::binary(payload),
                };
                ws.write_frame(frame).await.map_err(err)?;
            }
            ws.flush().await.map_err(err)
        })
    }
}

pub fn encoder(msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
    let stream = MemStream::new(shared(ByteQueue::default()), out.clone());
    let role = if client { Role::Client } else { Role::Server };
    let subject = FwEncoder {
        rt: runtime(),
        ws: WebSocket::after_handshake(stream, role),
        client,
        buffers: if client {
            msgs.payloads.clone()
        } else {
            vec![Vec::new(); msgs.len()]
        },
    };
    EncodeBench::boxed(subject, msgs, out, client)
}

struct FwIdle(#[allow(dead_code)] FragmentCollector<MemStream>);

impl Idle for FwIdle {}

pub const IDLE_CONFIGS: [&str; 1] = ["plain"];

pub fn idle(config: &str, setup: &IdleSetup, rt: &Runtime) -> Result<Box<dyn Idle>, String> {
    if config != "plain" {
        return Err(format!("no idle configuration {config}"));
    }
    let rx = shared(ByteQueue::with_data(setup.input_for(config).to_vec()));
    let tx = shared(ByteQueue::default());
    let stream = MemStream::new(rx.clone(), tx.clone());
    let mut ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Server));
    rt.block_on(async {
        let mut got = crate::data::Collect::default();
        deliver(&ws.read_frame().await.map_err(err)?, &mut got)?;
        setup.check_received(&got.messages)?;
        let frame = Frame::text(Payload::Borrowed(setup.text.as_bytes()));
        ws.write_frame(frame).await.map_err(err)
    })?;
    check_reply(&tx.borrow().data, &setup.text, false)?;
    super::empty_queues(&[rx, tx]);
    Ok(Box::new(FwIdle(ws)))
}
