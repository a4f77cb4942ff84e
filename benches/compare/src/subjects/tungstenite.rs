//! `tungstenite`: blocking, stream-based, over the in-memory stream's `Read` + `Write`.
//!
//! Configuration: the defaults (128 KiB read buffer, which its documentation recommends
//! for high read load; 128 KiB write buffer; UTF-8 always validated). Messages to send
//! are `Message`s holding `Bytes` / `Utf8Bytes` made before the clock starts; `write`
//! per message, `flush` at the end.

use std::rc::Rc;

use bytes::Bytes;
use tungstenite::protocol::Role;
use tungstenite::{Message, Utf8Bytes, WebSocket};

use super::{Bench, DecodeBench, Decoder, EncodeBench, Encoder, Idle, IdleSetup, check_reply};
use crate::data::{Consume, Kind, Messages};
use crate::io::{ByteQueue, MemStream, Shared, shared};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn deliver<C: Consume>(message: Message, c: &mut C) -> Result<(), String> {
    match message {
        Message::Text(text) => c.message(Kind::Text, text.as_bytes()),
        Message::Binary(data) => c.message(Kind::Binary, &data),
        other => return Err(format!("unexpected message {other:?}")),
    }
    Ok(())
}

pub struct TgDecoder(WebSocket<MemStream>);

impl Decoder for TgDecoder {
    fn decode<C: Consume>(
        &mut self,
        _input: &Shared,
        count: usize,
        c: &mut C,
    ) -> Result<(), String> {
        for _ in 0..count {
            deliver(self.0.read().map_err(err)?, c)?;
        }
        Ok(())
    }
}

pub fn decoder(msgs: Rc<Messages>, input: Shared) -> Box<dyn Bench> {
    let stream = MemStream::new(input.clone(), shared(ByteQueue::default()));
    let ws = WebSocket::from_raw_socket(stream, Role::Server, None);
    DecodeBench::boxed(TgDecoder(ws), msgs, input)
}

/// The messages as `tungstenite` takes them, shared with the originals.
fn messages(msgs: &Messages) -> Vec<Message> {
    (0..msgs.len())
        .map(|i| match msgs.kind {
            Kind::Text => Message::Text(Utf8Bytes::from(msgs.texts[i].clone())),
            Kind::Binary => Message::Binary(Bytes::from(msgs.payloads[i].clone())),
        })
        .collect()
}

pub struct TgEncoder {
    ws: WebSocket<MemStream>,
    originals: Vec<Message>,
    batch: Vec<Message>,
}

impl Encoder for TgEncoder {
    fn prepare(&mut self, _msgs: &Messages) {
        // Clones share the bytes: a reference count, no copy.
        self.batch.clear();
        self.batch.extend(self.originals.iter().cloned());
    }

    fn encode(&mut self, _msgs: &Messages, _out: &Shared) -> Result<(), String> {
        for message in self.batch.drain(..) {
            self.ws.write(message).map_err(err)?;
        }
        self.ws.flush().map_err(err)
    }
}

pub fn encoder(msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
    let stream = MemStream::new(shared(ByteQueue::default()), out.clone());
    let role = if client { Role::Client } else { Role::Server };
    let ws = WebSocket::from_raw_socket(stream, role, None);
    let subject = TgEncoder {
        ws,
        originals: messages(&msgs),
        batch: Vec::with_capacity(msgs.len()),
    };
    EncodeBench::boxed(subject, msgs, out, client)
}

struct TgIdle(#[allow(dead_code)] WebSocket<MemStream>);

impl Idle for TgIdle {}

pub const IDLE_CONFIGS: [&str; 1] = ["plain"];

pub fn idle(config: &str, setup: &IdleSetup) -> Result<Box<dyn Idle>, String> {
    if config != "plain" {
        return Err(format!("no idle configuration {config}"));
    }
    let rx = shared(ByteQueue::with_data(setup.input_for(config).to_vec()));
    let tx = shared(ByteQueue::default());
    let mut ws =
        WebSocket::from_raw_socket(MemStream::new(rx.clone(), tx.clone()), Role::Server, None);
    let mut got = crate::data::Collect::default();
    deliver(ws.read().map_err(err)?, &mut got)?;
    setup.check_received(&got.messages)?;
    ws.send(Message::text(setup.text.clone())).map_err(err)?;
    check_reply(&tx.borrow().data, &setup.text, false)?;
    super::empty_queues(&[rx, tx]);
    Ok(Box::new(TgIdle(ws)))
}
