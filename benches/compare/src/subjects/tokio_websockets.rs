//! `tokio-websockets`: async, a `Stream` + `Sink` of `Message`s, driven by `block_on` on a
//! current-thread runtime over the in-memory stream.
//!
//! Configuration: the defaults (UTF-8 always validated, with `simdutf8`; 4 MiB outgoing
//! frames, so every message here is one frame; 8 KiB flush threshold). Messages to send
//! are made before the clock starts: a server's share the original bytes, a client's are
//! uniquely owned so that they are masked in place (the crate's zero-copy path). `feed`
//! per message, `flush` at the end.

use std::rc::Rc;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::runtime::Runtime;
use tokio_websockets::{ClientBuilder, Message, ServerBuilder, WebSocketStream};

use super::{Bench, DecodeBench, Decoder, EncodeBench, Encoder, Idle, IdleSetup, check_reply};
use crate::data::{Consume, Kind, Messages};
use crate::io::{ByteQueue, MemStream, Shared, runtime, shared};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn deliver<C: Consume>(message: &Message, c: &mut C) -> Result<(), String> {
    if let Some(text) = message.as_text() {
        c.message(Kind::Text, text.as_bytes());
    } else if message.is_binary() {
        c.message(Kind::Binary, message.as_payload());
    } else {
        return Err(format!("unexpected message {message:?}"));
    }
    Ok(())
}

async fn next(ws: &mut WebSocketStream<MemStream>) -> Result<Message, String> {
    ws.next()
        .await
        .ok_or_else(|| "the stream ended".to_string())?
        .map_err(err)
}

pub struct TwDecoder {
    rt: Runtime,
    ws: WebSocketStream<MemStream>,
}

impl Decoder for TwDecoder {
    fn decode<C: Consume>(
        &mut self,
        _input: &Shared,
        count: usize,
        c: &mut C,
    ) -> Result<(), String> {
        let ws = &mut self.ws;
        self.rt.block_on(async {
            for _ in 0..count {
                deliver(&next(ws).await?, c)?;
            }
            Ok(())
        })
    }
}

pub fn decoder(msgs: Rc<Messages>, input: Shared) -> Box<dyn Bench> {
    let stream = MemStream::new(input.clone(), shared(ByteQueue::default()));
    let ws = ServerBuilder::new().serve(stream);
    DecodeBench::boxed(TwDecoder { rt: runtime(), ws }, msgs, input)
}

pub struct TwEncoder {
    rt: Runtime,
    ws: WebSocketStream<MemStream>,
    client: bool,
    shared: Vec<Bytes>,
    batch: Vec<Message>,
}

impl Encoder for TwEncoder {
    fn prepare(&mut self, msgs: &Messages) {
        self.batch.clear();
        for (i, bytes) in self.shared.iter().enumerate() {
            self.batch.push(match (msgs.kind, self.client) {
                // Uniquely owned, to be masked in place.
                (Kind::Text, true) => Message::text(msgs.texts[i].clone()),
                (Kind::Binary, true) => Message::binary(msgs.payloads[i].clone()),
                // Shared with the original: no copy.
                (Kind::Text, false) => Message::text(bytes.clone()),
                (Kind::Binary, false) => Message::binary(bytes.clone()),
            });
        }
    }

    fn encode(&mut self, _msgs: &Messages, _out: &Shared) -> Result<(), String> {
        let (ws, batch) = (&mut self.ws, &mut self.batch);
        self.rt.block_on(async {
            for message in batch.drain(..) {
                ws.feed(message).await.map_err(err)?;
            }
            ws.flush().await.map_err(err)
        })
    }
}

pub fn encoder(msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
    let stream = MemStream::new(shared(ByteQueue::default()), out.clone());
    let ws = if client {
        ClientBuilder::new().take_over(stream)
    } else {
        ServerBuilder::new().serve(stream)
    };
    let subject = TwEncoder {
        rt: runtime(),
        ws,
        client,
        shared: msgs
            .payloads
            .iter()
            .map(|p| Bytes::from(p.clone()))
            .collect(),
        batch: Vec::with_capacity(msgs.len()),
    };
    EncodeBench::boxed(subject, msgs, out, client)
}

struct TwIdle(#[allow(dead_code)] WebSocketStream<MemStream>);

impl Idle for TwIdle {}

pub const IDLE_CONFIGS: [&str; 1] = ["plain"];

pub fn idle(config: &str, setup: &IdleSetup, rt: &Runtime) -> Result<Box<dyn Idle>, String> {
    if config != "plain" {
        return Err(format!("no idle configuration {config}"));
    }
    let rx = shared(ByteQueue::with_data(setup.input_for(config).to_vec()));
    let tx = shared(ByteQueue::default());
    let mut ws = ServerBuilder::new().serve(MemStream::new(rx.clone(), tx.clone()));
    rt.block_on(async {
        let mut got = crate::data::Collect::default();
        deliver(&next(&mut ws).await?, &mut got)?;
        setup.check_received(&got.messages)?;
        ws.send(Message::text(setup.text.clone()))
            .await
            .map_err(err)
    })?;
    check_reply(&tx.borrow().data, &setup.text, false)?;
    super::empty_queues(&[rx, tx]);
    Ok(Box::new(TwIdle(ws)))
}
