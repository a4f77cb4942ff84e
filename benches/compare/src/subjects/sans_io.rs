//! `websocket-sans-io`: a sans-IO frame codec; message assembly, UTF-8 validation and
//! the checks its documentation leaves to the user are done here, in the harness.
//!
//! Receiving follows the crate's `decode_frame` example: read into a buffer, call
//! `add_data` until it yields no event and consumes nothing, and collect the payload
//! chunks of a message. Added as its documentation asks: `FrameInfo::is_reasonable` and a
//! mask on every frame (a server's duty), fragment order, and UTF-8 for text
//! (`std::str::from_utf8` on the whole message). A message whose single frame arrives in
//! one chunk is delivered straight from the read buffer, with no copy (what a careful user
//! would do); otherwise chunks are gathered in a message buffer.
//!
//! Sending: `start_frame` writes the header and `transform_frame_payload` masks a client's
//! payload, both into an output buffer that is written out in pieces of at most 64 KiB
//! whenever 64 KiB are pending, as for `wswire`. A client's masking keys come from
//! `wswire::OsRandom` (the crate leaves key generation to the user).

use std::rc::Rc;

use websocket_sans_io::{
    FrameInfo, Opcode, WebsocketFrameDecoder, WebsocketFrameEncoder, WebsocketFrameEvent,
};
use wswire::{KeySource, OsRandom};

use super::{Bench, DecodeBench, Decoder, EncodeBench, Encoder, Idle, IdleSetup, check_reply};
use crate::data::{Consume, Kind, Messages};
use crate::io::{ByteQueue, MAX_IO, Shared};

/// A receiving end: the codec's state plus what the user must keep between reads.
#[derive(Default)]
pub struct Receiver {
    decoder: WebsocketFrameDecoder,
    /// The data message in progress and its kind.
    message: Vec<u8>,
    kind: Option<Kind>,
    /// The current frame: its length, whether it ends a message, whether a chunk already
    /// delivered it whole.
    frame_len: u64,
    frame_fin: bool,
    delivered: bool,
}

fn kind_of(opcode: Opcode) -> Option<Kind> {
    match opcode {
        Opcode::Text => Some(Kind::Text),
        Opcode::Binary => Some(Kind::Binary),
        _ => None,
    }
}

fn deliver<C: Consume>(kind: Kind, payload: &[u8], c: &mut C) -> Result<(), String> {
    if kind == Kind::Text && std::str::from_utf8(payload).is_err() {
        return Err("invalid UTF-8 in a text message".into());
    }
    c.message(kind, payload);
    Ok(())
}

impl Receiver {
    /// Feeds one read's bytes (unmasked in place); returns how many messages ended.
    fn feed<C: Consume>(&mut self, buf: &mut [u8], c: &mut C) -> Result<usize, String> {
        let mut done = 0;
        let mut at = 0;
        loop {
            let r = match self.decoder.add_data(&mut buf[at..]) {
                Ok(r) => r,
                Err(never) => match never {},
            };
            let chunk = at..at + r.consumed_bytes;
            at += r.consumed_bytes;
            match r.event {
                None if r.consumed_bytes == 0 => return Ok(done),
                None => {}
                Some(WebsocketFrameEvent::Start {
                    frame_info,
                    original_opcode,
                }) => {
                    if !frame_info.is_reasonable() || frame_info.mask.is_none() {
                        return Err(format!("refused frame {frame_info:?}"));
                    }
                    if frame_info.opcode.is_control() {
                        return Err("unexpected control frame".into());
                    }
                    let kind = kind_of(original_opcode).ok_or("continuation without a start")?;
                    match (frame_info.opcode, self.kind) {
                        (Opcode::Continuation, Some(_)) => {}
                        (Opcode::Continuation, None) => return Err("orphan continuation".into()),
                        (_, Some(_)) => return Err("new message inside a fragmented one".into()),
                        (_, None) => {
                            self.kind = Some(kind);
                            self.message.clear();
                        }
                    }
                    self.frame_len = frame_info.payload_length;
                    self.frame_fin = frame_info.fin;
                    self.delivered = false;
                }
                Some(WebsocketFrameEvent::PayloadChunk { .. }) => {
                    let whole = self.frame_fin
                        && self.message.is_empty()
                        && r.consumed_bytes as u64 == self.frame_len;
                    if whole {
                        let kind = self.kind.ok_or("payload outside a message")?;
                        deliver(kind, &buf[chunk], c)?;
                        self.delivered = true;
                    } else {
                        self.message.extend_from_slice(&buf[chunk]);
                    }
                }
                Some(WebsocketFrameEvent::End { frame_info, .. }) if frame_info.fin => {
                    let kind = self.kind.take().ok_or("end outside a message")?;
                    if !self.delivered {
                        deliver(kind, &self.message, c)?;
                    }
                    self.message.clear();
                    done += 1;
                }
                // A fragment ended; its message goes on.
                Some(WebsocketFrameEvent::End { .. }) => {}
            }
        }
    }
}

pub struct SioDecoder {
    receiver: Receiver,
    /// The read buffer the payload is unmasked in.
    buf: Vec<u8>,
}

impl Decoder for SioDecoder {
    fn decode<C: Consume>(
        &mut self,
        input: &Shared,
        count: usize,
        c: &mut C,
    ) -> Result<(), String> {
        let mut input = input.borrow_mut();
        let mut got = 0;
        while got < count {
            let n = input.read_into(&mut self.buf);
            if n == 0 {
                return Err(format!("input ended after {got} of {count} messages"));
            }
            got += self.receiver.feed(&mut self.buf[..n], c)?;
        }
        Ok(())
    }
}

pub fn decoder(msgs: Rc<Messages>, input: Shared) -> Box<dyn Bench> {
    let subject = SioDecoder {
        receiver: Receiver::default(),
        buf: vec![0; MAX_IO],
    };
    DecodeBench::boxed(subject, msgs, input)
}

pub struct SioEncoder {
    encoder: WebsocketFrameEncoder,
    keys: Option<OsRandom>,
    output: Vec<u8>,
}

impl SioEncoder {
    fn send(&mut self, kind: Kind, payload: &[u8]) {
        let mask = self.keys.as_mut().map(|keys| {
            let mut key = [0u8; 4];
            keys.fill(&mut key);
            key
        });
        let info = FrameInfo {
            opcode: match kind {
                Kind::Text => Opcode::Text,
                Kind::Binary => Opcode::Binary,
            },
            payload_length: payload.len() as u64,
            mask,
            fin: true,
            reserved: 0,
        };
        let header = self.encoder.start_frame(&info);
        self.output.extend_from_slice(&header);
        let start = self.output.len();
        self.output.extend_from_slice(payload);
        self.encoder
            .transform_frame_payload(&mut self.output[start..]);
    }
}

impl Encoder for SioEncoder {
    fn encode(&mut self, msgs: &Messages, out: &Shared) -> Result<(), String> {
        let mut out = out.borrow_mut();
        for payload in &msgs.payloads {
            self.send(msgs.kind, payload);
            if self.output.len() >= MAX_IO {
                out.write_all(&self.output);
                self.output.clear();
            }
        }
        out.write_all(&self.output);
        self.output.clear();
        Ok(())
    }
}

pub fn encoder(msgs: Rc<Messages>, out: Shared, client: bool) -> Box<dyn Bench> {
    let subject = SioEncoder {
        encoder: WebsocketFrameEncoder::new(),
        keys: client.then(OsRandom::new),
        output: Vec::new(),
    };
    EncodeBench::boxed(subject, msgs, out, client)
}

/// What a connection keeps while idle: the codec states and the message buffer. The read
/// buffer is not per connection: payload is handled as it is read, so one buffer serves
/// every connection of a thread.
struct SioIdle {
    receiver: Receiver,
    encoder: SioEncoder,
}

impl Idle for SioIdle {
    /// What a user of the codec would do: let the message and output buffers go.
    fn release(&mut self) -> bool {
        self.receiver.message = Vec::new();
        self.encoder.output = Vec::new();
        true
    }
}

pub const IDLE_CONFIGS: [&str; 1] = ["plain"];

pub fn idle(config: &str, setup: &IdleSetup) -> Result<Box<dyn Idle>, String> {
    if config != "plain" {
        return Err(format!("no idle configuration {config}"));
    }
    let mut input = ByteQueue::with_data(setup.input_for(config).to_vec());
    let mut receiver = Receiver::default();
    let mut buf = vec![0; MAX_IO];
    let mut got = crate::data::Collect::default();
    let mut ended = 0;
    while ended == 0 {
        let n = input.read_into(&mut buf);
        if n == 0 {
            return Err("idle setup: input ended".into());
        }
        ended += receiver.feed(&mut buf[..n], &mut got)?;
    }
    setup.check_received(&got.messages)?;
    let mut encoder = SioEncoder {
        encoder: WebsocketFrameEncoder::new(),
        keys: None,
        output: Vec::new(),
    };
    let mut out = ByteQueue::default();
    encoder.send(Kind::Text, setup.text.as_bytes());
    out.write_all(&encoder.output);
    encoder.output.clear();
    check_reply(&out.data, &setup.text, false)?;
    Ok(Box::new(SioIdle { receiver, encoder }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Collect;

    /// A masked frame with the given first byte (FIN and opcode), built by hand.
    fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let key = [1, 2, 3, 4];
        let mut f = vec![first, 0x80 | payload.len() as u8];
        f.extend_from_slice(&key);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        f
    }

    #[test]
    fn fragments_are_assembled_whatever_the_reads() {
        let text = "déjà vu 日本語";
        // Split inside a character: the halves are not UTF-8 on their own.
        let (a, b) = text.as_bytes().split_at(2);
        let mut wire = frame(0x01, a);
        wire.extend(frame(0x80, b));
        wire.extend(frame(0x81, b"whole"));
        for step in [wire.len(), 1, 3] {
            let mut receiver = Receiver::default();
            let mut got = Collect::default();
            let mut ended = 0;
            for piece in wire.clone().chunks_mut(step) {
                ended += receiver.feed(piece, &mut got).unwrap();
            }
            assert_eq!(ended, 2, "step {step}");
            assert_eq!(got.messages[0], (Kind::Text, text.as_bytes().to_vec()));
            assert_eq!(got.messages[1], (Kind::Text, b"whole".to_vec()));
        }
    }

    #[test]
    fn unmasked_and_invalid_frames_are_refused() {
        let mut unmasked = vec![0x81, 2, b'o', b'k'];
        assert!(
            Receiver::default()
                .feed(&mut unmasked, &mut Collect::default())
                .is_err()
        );
        let mut invalid = frame(0x81, &[b'a', 0xFF]);
        assert!(
            Receiver::default()
                .feed(&mut invalid, &mut Collect::default())
                .is_err()
        );
    }
}
