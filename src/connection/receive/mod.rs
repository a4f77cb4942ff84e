//! The receiving half: bytes from the transport in, events out.
//!
//! Theory of operation. Two layers, each with its own small state: the [`FrameDecoder`]
//! reads frame headers and unmasks payloads in place as they arrive; the [`Assembler`]
//! turns data frames into messages (see its module for the four ways a message is
//! assembled). Control frames (at most 125 bytes, RFC 6455 §5.5) are reported once whole,
//! also between the fragments of a message (§5.4).
//!
//! Nothing is parsed when bytes arrive; each [`Receiver::advance`] works through the
//! buffered input only until it has one thing to report, so events come out in wire order
//! and an error in frame N+1 is found only after the caller has taken (and answered) frame N
//! (RFC 6455 §7.1.7 asks for no more, and Autobahn checks exactly this). What `advance`
//! reports is located, not borrowed ([`Ready`]); [`Receiver::event`] borrows it, validating
//! text, so one validation makes the `&str`.

mod assembler;
mod decoder;

use core::ops::Range;

use crate::close::{CloseCode, parse_close_payload};
use crate::connection::Role;
use crate::connection::config::{Config, Delivery};
use crate::connection::event::{Event, MessageKind};
use crate::deflate::Inflater;
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode, RSV1, apply_mask};
use crate::utf8;

use assembler::Assembler;
use decoder::FrameDecoder;

/// Where the bytes of a reported payload are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A range of the input buffer's storage.
    Input(Range<usize>),
    /// The first `len` bytes of the message buffer (reassembled or inflated data).
    MessageBuf { len: usize },
    /// The character a split was holding, just completed.
    SplitChar,
    /// The collected text, validated already.
    Text,
}

/// Something ready to report, located but not yet borrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ready {
    Message {
        kind: MessageKind,
        source: Source,
    },
    Chunk {
        kind: MessageKind,
        source: Source,
        last: bool,
    },
    Ping(Range<usize>),
    Pong(Range<usize>),
    Close(Range<usize>),
}

/// How a step through a frame ended.
pub(crate) enum Step {
    Deliver(Ready),
    NeedInput,
    /// Nothing to report yet, but buffered input remains to be processed (the next frame,
    /// or more of this one).
    Continue,
}

/// The least an idle connection's reads are offered, and the most it keeps between them.
const MIN_READ_HINT: usize = 1024;

/// Which storage the space lent by `Receiver::input_space` is in, and its length.
#[derive(Debug, Clone, Copy)]
enum Lent {
    Input(usize),
    MessageBuffer(usize),
}

#[derive(Debug)]
pub(crate) struct Receiver {
    decoder: FrameDecoder,
    assembler: Assembler,
    /// How much space the next read is likely to fill, from how the last ones went.
    read_hint: usize,
    lent: Lent,
}

impl Default for Receiver {
    fn default() -> Self {
        Self {
            decoder: FrameDecoder::default(),
            assembler: Assembler::default(),
            read_hint: 4 * MIN_READ_HINT,
            lent: Lent::Input(0),
        }
    }
}

impl Receiver {
    /// Processes buffered input until there is something to report or more input is needed.
    #[inline]
    pub(crate) fn advance(
        &mut self,
        role: Role,
        config: &Config,
    ) -> Result<Option<Ready>, ProtocolError> {
        self.assembler.release_reported();
        if let Some(ready) = self.whole_small_frame(role, config) {
            return Ok(Some(ready));
        }
        loop {
            let Some(frame) = self.decoder.frame() else {
                let Some(header) = self.decoder.next_header()? else {
                    return Ok(None);
                };
                self.begin_frame(&header, role, config)?;
                continue;
            };
            let step = if frame.opcode.is_control() {
                self.control_frame()
            } else {
                self.assembler.step(&mut self.decoder, config)?
            };
            match step {
                Step::Deliver(ready) => return Ok(Some(ready)),
                Step::NeedInput => return Ok(None),
                Step::Continue => {}
            }
        }
    }

    /// The fast path for the commonest case: between messages, a whole single-frame
    /// message with a 7- or 16-bit length is buffered, to be delivered whole. It is
    /// unmasked and located without touching the decoder's or the assembler's state.
    /// Anything else, including every frame that breaks a rule, is left to the general
    /// path, so this one never decides an error.
    #[inline]
    fn whole_small_frame(&mut self, role: Role, config: &Config) -> Option<Ready> {
        if self.decoder.frame().is_some()
            || !self.assembler.is_idle()
            || config.delivery != Delivery::WholeMessages
        {
            return None;
        }
        let data = self.decoder.input.data();
        let (&b0, &b1) = (data.first()?, data.get(1)?);
        // FIN set, no reserved bits, text or binary.
        let kind = match b0 {
            0x81 => MessageKind::Text,
            0x82 => MessageKind::Binary,
            _ => return None,
        };
        // RFC 6455 §5.1: a client masks every frame, a server none.
        let masked = b1 & 0x80 != 0;
        if masked != (role == Role::Server) {
            return None;
        }
        let (len, mut at) = match b1 & 0x7F {
            len @ 0..=125 => (usize::from(len), 2),
            126 => (
                usize::from(u16::from_be_bytes([*data.get(2)?, *data.get(3)?])),
                4,
            ),
            _ => return None,
        };
        if len > config.max_frame_size || len > config.max_message_size {
            return None;
        }
        let key = if masked {
            let key: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
            at += 4;
            Some(key)
        } else {
            None
        };
        if data.len() < at + len {
            return None;
        }
        if let Some(key) = key {
            apply_mask(&mut self.decoder.input.data_mut()[at..at + len], key, 0);
        }
        let start = self.decoder.input.offset() + at;
        self.decoder.input.consume(at + len);
        Some(Ready::Message {
            kind,
            source: Source::Input(start..start + len),
        })
    }

    /// Checks a header against the role and the negotiated extensions and starts its
    /// frame; data frames are checked against the message in progress too.
    fn begin_frame(
        &mut self,
        header: &FrameHeader,
        role: Role,
        config: &Config,
    ) -> Result<(), ProtocolError> {
        // RFC 6455 §5.1: "a server MUST close the connection upon receiving a frame that is
        // not masked" and "a client MUST close a connection if it detects a masked frame".
        match (role, header.mask) {
            (Role::Server, None) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, Some(_)) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        // RFC 6455 §5.2: reserved bits MUST be 0 unless an extension defines them; RFC 7692
        // §6: permessage-deflate's RSV1 only on the first frame of a data message.
        let first_data_frame = matches!(header.opcode, OpCode::Text | OpCode::Binary);
        let allowed = if first_data_frame && self.assembler.inflates() {
            RSV1
        } else {
            0
        };
        if header.rsv & !allowed != 0 {
            return Err(ProtocolError::ReservedBits(header.rsv & !allowed));
        }
        if header.opcode.is_control() {
            return Ok(());
        }
        self.assembler.begin_frame(header, config)
    }

    /// A control frame is reported once whole; it is at most 125 bytes.
    fn control_frame(&mut self) -> Step {
        let arrived = self.decoder.arrived();
        if !arrived.complete {
            return Step::NeedInput;
        }
        let opcode = self.decoder.frame().map(|f| f.opcode);
        let range = self.decoder.payload_range(arrived.len);
        self.decoder.consume(arrived.len);
        Step::Deliver(match opcode {
            Some(OpCode::Ping) => Ready::Ping(range),
            Some(OpCode::Pong) => Ready::Pong(range),
            _ => Ready::Close(range),
        })
    }

    /// Borrows what `advance` located as an event: text is validated here, whole, and a
    /// Close payload parsed (RFC 6455 §5.5.1).
    #[inline]
    pub(crate) fn event(&self, ready: Ready) -> Result<Event<'_>, ProtocolError> {
        let text = |source: &Source| match source {
            Source::Text => Ok(self.assembler.text()),
            other => utf8::validate(self.bytes(other)).map_err(ProtocolError::from),
        };
        let input = self.decoder.input.raw();
        Ok(match ready {
            Ready::Message {
                kind: MessageKind::Text,
                source,
            } => Event::Text(text(&source)?),
            Ready::Message {
                kind: MessageKind::Binary,
                source,
            } => Event::Binary(self.bytes(&source)),
            Ready::Chunk {
                kind: MessageKind::Text,
                source,
                last,
            } => Event::TextChunk {
                data: text(&source)?,
                last,
            },
            Ready::Chunk {
                kind: MessageKind::Binary,
                source,
                last,
            } => Event::BinaryChunk {
                data: self.bytes(&source),
                last,
            },
            Ready::Ping(range) => Event::Ping(&input[range]),
            Ready::Pong(range) => Event::Pong(&input[range]),
            Ready::Close(range) => match parse_close_payload(&input[range])? {
                Some((code, reason)) => Event::Close { code, reason },
                None => Event::Close {
                    code: CloseCode::NO_STATUS,
                    reason: "",
                },
            },
        })
    }

    /// The bytes a [`Source`] names.
    #[inline]
    fn bytes(&self, source: &Source) -> &[u8] {
        match source {
            Source::Input(range) => &self.decoder.input.raw()[range.clone()],
            other => self.assembler.bytes(other),
        }
    }

    // ---- input ----

    /// Buffers received bytes. They go where a read lent by `input_space` would have gone,
    /// so that space is taken back.
    pub(crate) fn receive(&mut self, bytes: &[u8]) {
        self.lent = Lent::Input(0);
        self.decoder.input.extend(bytes);
    }

    /// Free space to read into (see `Connection::input_buffer` for the policy). Once the
    /// connection takes no more input (`accepting` false), the space is in the input buffer,
    /// which drops what is committed.
    pub(crate) fn input_space(&mut self, config: &Config, accepting: bool) -> &mut [u8] {
        let missing = usize::try_from(self.decoder.bytes_missing()).unwrap_or(usize::MAX);
        let hint = self
            .read_hint
            .clamp(MIN_READ_HINT, config.read_size.max(MIN_READ_HINT));
        // The rest of a large binary frame goes straight where its message is assembled.
        // Not after a failure: the frame whose header failed was started, and reading "the
        // rest" of it into the message buffer would keep bytes that are to be dropped, up
        // to the message limit, and then offer no space at all.
        if accepting
            && self.decoder.input.len() == 0
            && missing >= hint
            && self.assembler.collects_binary()
        {
            // Never past the frame's end: what follows is the next frame's header.
            let want = missing.min(hint.max(config.read_size));
            let space = self.assembler.direct_space(want, config);
            let len = want.min(space.len());
            let space = &mut space[..len];
            self.lent = Lent::MessageBuffer(space.len());
            return space;
        }
        // A binary frame delivered in place must fit whole.
        let frame = if accepting && self.assembler.in_place_binary() {
            missing
        } else {
            0
        };
        let space = self.decoder.input.space(hint.max(frame));
        self.lent = Lent::Input(space.len());
        space
    }

    /// Marks `n` bytes of the space lent by `input_space` as received.
    pub(crate) fn commit(&mut self, n: usize, config: &Config) {
        let (Lent::Input(offered) | Lent::MessageBuffer(offered)) = self.lent;
        assert!(
            n <= offered,
            "commit_input({n}) exceeds the {offered} bytes of space offered"
        );
        match self.lent {
            Lent::Input(_) => self.decoder.input.commit(n),
            Lent::MessageBuffer(_) => {
                let key = self.decoder.take_direct(n);
                self.assembler.direct_commit(n, key);
            }
        }
        // Reads that fill the space ask for more next time; short ones for less, down to
        // what an idle connection keeps.
        self.read_hint = if n == offered {
            2 * offered
        } else {
            (self.read_hint / 2).max((2 * n).next_power_of_two())
        }
        .clamp(MIN_READ_HINT, config.read_size.max(MIN_READ_HINT));
        self.lent = Lent::Input(0);
    }

    /// Whether input is buffered or a message partly received: not the moment to give
    /// buffers back.
    pub(crate) fn busy(&self) -> bool {
        self.decoder.input.len() > 0 || self.decoder.frame().is_some() || !self.assembler.is_idle()
    }

    /// Drops all buffered input (the connection no longer processes any).
    pub(crate) fn discard_input(&mut self) {
        let len = self.decoder.input.len();
        self.decoder.input.consume(len);
    }

    /// Turns on inflation of messages with RSV1 set (permessage-deflate).
    pub(crate) fn enable_inflate(&mut self, inflater: Inflater) {
        self.assembler.enable_inflate(inflater);
    }

    /// Gives back buffer memory, the space lent for a read with it: a read committed into
    /// it after this would claim bytes that are gone, which `commit` refuses.
    pub(crate) fn shrink(&mut self) {
        self.lent = Lent::Input(0);
        self.decoder.input.shrink();
        self.assembler.shrink();
    }

    pub(crate) fn input_capacity(&self) -> usize {
        self.decoder.input.capacity()
    }

    pub(crate) fn message_capacity(&self) -> usize {
        self.assembler.capacity()
    }
}
