//! The receiving half: frames out of the input buffer, messages out of frames.
//!
//! Theory of operation. Nothing is parsed when bytes arrive; each `advance` call works
//! through the buffered input only until it has one thing to report, so events come out in
//! wire order and an error in frame N+1 is found only after the caller has taken (and
//! answered) frame N (RFC 6455 §7.1.7 asks for no more, and Autobahn checks exactly this).
//!
//! A frame's payload is unmasked in place, in the input buffer, as its bytes arrive; text is
//! validated in the same pass, so invalid UTF-8 fails the connection as soon as the byte
//! that proves it has arrived. What happens next depends on the delivery mode:
//!
//! - whole messages: a message that is a single frame stays in the input buffer until the
//!   frame is complete and the event borrows it there (no copy); the frames of a fragmented
//!   message are moved into `message_buf` as they arrive.
//! - chunks: whatever payload has arrived is handed out at once and consumed, so memory
//!   stays constant whatever the message size. Text chunks end on a character boundary: the
//!   bytes of a character cut by the end of the input stay in the buffer, and a character
//!   cut by the end of a frame is completed from the next frame and reported on its own.
//!
//! Control frames may arrive between the fragments of a message (RFC 6455 §5.4); they are
//! at most 125 bytes and reported once whole.

use std::ops::Range;

use crate::buffer::InputBuffer;
use crate::connection::Role;
use crate::connection::config::{Config, Delivery};
use crate::connection::event::MessageKind;
use crate::deflate::{INFLATE_STEP, Inflated, Inflater};
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode, RSV1, apply_mask};
use crate::utf8::{Completion, Utf8Validator};

/// Where the bytes of a reported payload are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A range of the input buffer's storage (see `InputBuffer::raw`).
    Input(Range<usize>),
    /// The first `len` bytes of the message buffer (reassembled or inflated data).
    MessageBuf { len: usize },
    /// The character the UTF-8 validator has just completed.
    CompletedChar,
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

/// How a step through a data frame ended.
enum Step {
    Deliver(Ready),
    NeedInput,
    /// Nothing to report yet, but buffered input remains to be processed (the next frame,
    /// or more of this one).
    Continue,
}

/// The frame whose payload is being read.
#[derive(Debug, Clone)]
struct InFrame {
    opcode: OpCode,
    fin: bool,
    mask: Option<[u8; 4]>,
    /// Payload bytes not yet consumed from the input buffer.
    remaining: u64,
    /// Payload bytes already consumed (to rotate the mask key).
    consumed: u64,
    /// Bytes at the front of the input already unmasked but not consumed.
    unmasked: usize,
    /// Of those, the bytes already validated (text) or otherwise looked at.
    processed: usize,
}

/// The data message being received.
#[derive(Debug, Clone)]
struct InMessage {
    kind: MessageKind,
    /// Payload bytes announced so far, counted against the message size limit.
    size: u64,
    /// The message is exactly one frame (its first frame has FIN set).
    single_frame: bool,
    /// RSV1 was set on its first frame: permessage-deflate compressed it.
    compressed: bool,
    /// Bytes inflated so far, counted against the message size limit.
    inflated: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub(crate) input: InputBuffer,
    frame: Option<InFrame>,
    message: Option<InMessage>,
    pub(crate) message_buf: Vec<u8>,
    /// Bytes at the front of `message_buf` already reported; dropped on the next call.
    reported: usize,
    pub(crate) utf8: Utf8Validator,
    /// The validator's pending bytes were consumed with an earlier frame.
    carried: bool,
    /// Reserved bits an extension allows on the first frame of a data message.
    rsv_allowed: u8,
    /// Present when permessage-deflate was negotiated.
    pub(crate) inflater: Option<Inflater>,
}

impl Reader {
    /// Processes buffered input until there is something to report or more input is needed.
    pub(crate) fn advance(
        &mut self,
        role: Role,
        config: &Config,
    ) -> Result<Option<Ready>, ProtocolError> {
        if self.reported > 0 {
            self.message_buf.drain(..self.reported);
            self.reported = 0;
        }
        loop {
            let Some(frame) = &self.frame else {
                let Some((header, len)) = FrameHeader::decode(self.input.data())? else {
                    return Ok(None);
                };
                self.begin_frame(&header, role, config)?;
                self.input.consume(len);
                continue;
            };
            let step = if frame.opcode.is_control() {
                self.control_frame()
            } else {
                let (kind, compressed) = self
                    .message
                    .as_ref()
                    .map_or((MessageKind::Binary, false), |m| (m.kind, m.compressed));
                match config.delivery {
                    _ if compressed => self.compressed_step(kind, config)?,
                    Delivery::WholeMessages => self.whole_message_step(kind)?,
                    Delivery::Chunks => self.chunk_step(kind)?,
                }
            };
            match step {
                Step::Deliver(ready) => return Ok(Some(ready)),
                Step::NeedInput => return Ok(None),
                Step::Continue => {}
            }
        }
    }

    /// Checks a header against the connection's state and limits and starts its frame.
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
        let kind = match header.opcode {
            OpCode::Text => Some(MessageKind::Text),
            OpCode::Binary => Some(MessageKind::Binary),
            _ => None,
        };
        // RFC 6455 §5.2: reserved bits MUST be 0 unless an extension defines them; RFC 7692
        // §6: permessage-deflate's RSV1 only on the first frame of a data message.
        let allowed = if kind.is_some() { self.rsv_allowed } else { 0 };
        if header.rsv & !allowed != 0 {
            return Err(ProtocolError::ReservedBits(header.rsv & !allowed));
        }
        if !header.opcode.is_control() {
            if header.payload_len > config.max_frame_size as u64 {
                return Err(ProtocolError::FrameTooLarge {
                    len: header.payload_len,
                    max: config.max_frame_size,
                });
            }
            // RFC 6455 §5.4: fragments of one message are not interleaved with another's.
            let message = match (kind, &mut self.message) {
                (None, None) => return Err(ProtocolError::UnexpectedContinuation),
                (Some(_), Some(_)) => return Err(ProtocolError::ExpectedContinuation),
                (None, Some(message)) => message,
                (Some(kind), slot @ None) => {
                    self.utf8.reset();
                    self.carried = false;
                    slot.insert(InMessage {
                        kind,
                        size: 0,
                        single_frame: header.fin,
                        compressed: header.rsv & RSV1 != 0,
                        inflated: 0,
                    })
                }
            };
            // Checked before a byte of the payload is buffered (RFC 6455 §10.4). A
            // compressed message is held to the limit as it inflates instead: its wire
            // size says nothing of its real size, and it is never buffered whole.
            message.size = message.size.saturating_add(header.payload_len);
            if !message.compressed && message.size > config.max_message_size as u64 {
                return Err(ProtocolError::MessageTooLarge {
                    max: config.max_message_size,
                });
            }
        }
        self.frame = Some(InFrame {
            opcode: header.opcode,
            fin: header.fin,
            mask: header.mask,
            remaining: header.payload_len,
            consumed: 0,
            unmasked: 0,
            processed: 0,
        });
        Ok(())
    }

    /// A control frame is reported once whole; it is at most 125 bytes.
    fn control_frame(&mut self) -> Step {
        let Some(frame) = self
            .frame
            .take_if(|f| self.input.len() as u64 >= f.remaining)
        else {
            return Step::NeedInput;
        };
        let len = frame.remaining as usize;
        if let Some(key) = frame.mask {
            apply_mask(&mut self.input.data_mut()[..len], key, 0);
        }
        let range = self.input.offset()..self.input.offset() + len;
        self.input.consume(len);
        Step::Deliver(match frame.opcode {
            OpCode::Ping => Ready::Ping(range),
            OpCode::Pong => Ready::Pong(range),
            _ => Ready::Close(range),
        })
    }

    /// Unmasks the payload bytes that arrived since the last call; returns how many payload
    /// bytes of the current frame are in the buffer and whether that is all of them.
    fn unmask_arrived(&mut self) -> (usize, bool) {
        let Some(frame) = &mut self.frame else {
            return (0, false);
        };
        let available = (self.input.len() as u64).min(frame.remaining) as usize;
        if let Some(key) = frame.mask {
            let offset = (frame.consumed % 4) as usize + frame.unmasked;
            apply_mask(
                &mut self.input.data_mut()[frame.unmasked..available],
                key,
                offset,
            );
        }
        frame.unmasked = available;
        (available, available as u64 == frame.remaining)
    }

    /// Consumes `n` payload bytes of the current frame; ends the frame (and, after its
    /// final frame, the message) when none remain. Returns whether the message ended.
    fn consume_payload(&mut self, n: usize) -> bool {
        self.take_payload(n);
        match &self.frame {
            Some(frame) if frame.remaining == 0 => self.end_frame(),
            _ => false,
        }
    }

    /// Consumes `n` payload bytes of the current frame without ending it.
    fn take_payload(&mut self, n: usize) {
        self.input.consume(n);
        if let Some(frame) = &mut self.frame {
            frame.remaining -= n as u64;
            frame.consumed += n as u64;
            frame.unmasked = frame.unmasked.saturating_sub(n);
            frame.processed = frame.processed.saturating_sub(n);
        }
    }

    /// Ends the current frame and, if it was the final one, its message. Returns whether
    /// the message ended.
    fn end_frame(&mut self) -> bool {
        let fin = self.frame.take().is_some_and(|f| f.fin);
        if fin {
            self.message = None;
        }
        fin
    }

    fn whole_message_step(&mut self, kind: MessageKind) -> Result<Step, ProtocolError> {
        let (available, complete) = self.unmask_arrived();
        let single_frame = self.message.as_ref().is_some_and(|m| m.single_frame);
        let Some(frame) = &mut self.frame else {
            return Ok(Step::NeedInput);
        };
        if single_frame {
            if !complete {
                // Validated now to fail fast; the event validates the whole again, which a
                // `&str` without `unsafe` requires.
                if kind == MessageKind::Text {
                    self.utf8
                        .feed(&self.input.data()[frame.processed..available])?;
                }
                frame.processed = available;
                return Ok(Step::NeedInput);
            }
            let range = self.input.offset()..self.input.offset() + available;
            self.consume_payload(available);
            return Ok(Step::Deliver(Ready::Message {
                kind,
                source: Source::Input(range),
            }));
        }
        let arrived = &self.input.data()[..available];
        let fin = frame.fin;
        // The message's last bytes are validated with the whole, when the event is built.
        if kind == MessageKind::Text && !(complete && fin) {
            self.utf8.feed(arrived)?;
        }
        self.message_buf.extend_from_slice(arrived);
        let message_done = self.consume_payload(available);
        Ok(if message_done {
            self.reported = self.message_buf.len();
            Step::Deliver(Ready::Message {
                kind,
                source: Source::MessageBuf { len: self.reported },
            })
        } else if complete {
            Step::Continue
        } else {
            Step::NeedInput
        })
    }

    fn chunk_step(&mut self, kind: MessageKind) -> Result<Step, ProtocolError> {
        let (available, complete) = self.unmask_arrived();
        let Some(frame) = &self.frame else {
            return Ok(Step::NeedInput);
        };
        let (fin, processed) = (frame.fin, frame.processed);
        let start = self.input.offset();
        if kind == MessageKind::Binary {
            if available == 0 && !(complete && fin) {
                return Ok(self.frame_step_without_event(0, complete));
            }
            let last = self.consume_payload(available);
            return Ok(Step::Deliver(Ready::Chunk {
                kind,
                source: Source::Input(start..start + available),
                last,
            }));
        }
        if self.carried && self.utf8.pending_len() > 0 {
            // A character began in an earlier frame: finish it from this one.
            return match self
                .utf8
                .complete_pending(&self.input.data()[..available])?
            {
                Completion::Complete(used) => {
                    self.carried = false;
                    let last = self.consume_payload(used);
                    Ok(Step::Deliver(Ready::Chunk {
                        kind,
                        source: Source::CompletedChar,
                        last,
                    }))
                }
                Completion::Incomplete if complete && fin => Err(ProtocolError::InvalidUtf8),
                Completion::Incomplete => Ok(self.frame_step_without_event(available, complete)),
            };
        }
        self.utf8.feed(&self.input.data()[processed..available])?;
        // The pending bytes of an unfinished character are the last ones that arrived.
        let pending = self.utf8.pending_len();
        let deliverable = available - pending;
        if complete && pending > 0 {
            if fin {
                return Err(ProtocolError::InvalidUtf8);
            }
            // Its remaining bytes are in the next frame; the validator keeps these.
            self.carried = true;
        }
        if deliverable == 0 && !(complete && fin) {
            return Ok(self.frame_step_without_event(available, complete));
        }
        let last = if complete {
            self.consume_payload(available)
        } else {
            self.consume_payload(deliverable);
            if let Some(frame) = &mut self.frame {
                frame.processed = pending;
            }
            false
        };
        Ok(Step::Deliver(Ready::Chunk {
            kind,
            source: Source::Input(start..start + deliverable),
            last,
        }))
    }

    /// Ends a step that reports nothing: consumes what the validator took (`taken`) when
    /// the frame is complete, or marks it processed and waits.
    fn frame_step_without_event(&mut self, taken: usize, complete: bool) -> Step {
        if complete {
            self.consume_payload(taken);
            return Step::Continue;
        }
        if self.carried {
            // The bytes live in the validator now.
            self.consume_payload(taken);
        } else if let Some(frame) = &mut self.frame {
            frame.processed = taken;
        }
        Step::NeedInput
    }

    /// A frame of a compressed message (RFC 7692 §7.2.2): its payload is inflated as it
    /// arrives into `message_buf`, never past the message size limit (plus one byte, to
    /// tell that the limit was passed), so a small message that would inflate to gigabytes
    /// fails with 1009 having used at most the limit. Streaming, at most `INFLATE_STEP`
    /// bytes are inflated per event.
    fn compressed_step(
        &mut self,
        kind: MessageKind,
        config: &Config,
    ) -> Result<Step, ProtocolError> {
        let (available, complete) = self.unmask_arrived();
        let (Some(frame), Some(message), Some(inflater)) =
            (&self.frame, &mut self.message, &mut self.inflater)
        else {
            // RSV1 is refused unless inflating was enabled.
            return Err(ProtocolError::ReservedBits(RSV1));
        };
        let streaming = config.delivery == Delivery::Chunks;
        let max = config.max_message_size;
        let before = self.message_buf.len();
        let cap = if streaming {
            before + INFLATE_STEP
        } else {
            max.saturating_add(1)
        };
        let input = &self.input.data()[..available];
        let text = kind == MessageKind::Text;
        // Bytes this message may still inflate to.
        let allowed = max.saturating_sub(usize::try_from(message.inflated).unwrap_or(max));
        let Ok((taken, how)) = inflater.inflate(input, &mut self.message_buf, cap) else {
            let produced = &self.message_buf[before..];
            let error = ProtocolError::InvalidCompressedData;
            return Err(first_fault(
                &mut self.utf8,
                text,
                produced,
                allowed,
                max,
                error,
            ));
        };
        // With output still pending in the inflater the frame stays open, even when all
        // its payload has been taken.
        let frame_done = complete && taken == available && how != Inflated::OutputFull;
        let message_ends = frame_done && frame.fin;
        if message_ends {
            // RFC 7692 §7.2.2: append 00 00 ff ff and inflate that too. It completes at
            // most the last few symbols.
            let tail_cap = if streaming {
                self.message_buf.len() + 1024
            } else {
                cap
            };
            let error = match inflater.finish_message(&mut self.message_buf, tail_cap) {
                Ok(Inflated::OutputFull) => Some(ProtocolError::MessageTooLarge { max }),
                Ok(_) => None,
                Err(_) => Some(ProtocolError::InvalidCompressedData),
            };
            if let Some(error) = error {
                let produced = &self.message_buf[before..];
                return Err(first_fault(
                    &mut self.utf8,
                    text,
                    produced,
                    allowed,
                    max,
                    error,
                ));
            }
        }
        let produced = self.message_buf.len() - before;
        if produced > allowed {
            let produced = &self.message_buf[before..];
            let error = ProtocolError::MessageTooLarge { max };
            return Err(first_fault(
                &mut self.utf8,
                text,
                produced,
                allowed,
                max,
                error,
            ));
        }
        message.inflated += produced as u64;
        if kind == MessageKind::Text && (streaming || !message_ends) {
            self.utf8.feed(&self.message_buf[before..])?;
        }
        self.take_payload(taken);
        if frame_done {
            self.end_frame();
        }
        let more_now = if frame_done || how == Inflated::OutputFull {
            Step::Continue
        } else {
            Step::NeedInput
        };
        if !streaming {
            if !message_ends {
                return Ok(more_now);
            }
            self.reported = self.message_buf.len();
            return Ok(Step::Deliver(Ready::Message {
                kind,
                source: Source::MessageBuf { len: self.reported },
            }));
        }
        let pending = if kind == MessageKind::Text {
            self.utf8.pending_len()
        } else {
            0
        };
        if message_ends && pending > 0 {
            return Err(ProtocolError::InvalidUtf8);
        }
        let deliverable = self.message_buf.len() - pending;
        if deliverable == 0 && !message_ends {
            return Ok(more_now);
        }
        self.reported = deliverable;
        Ok(Step::Deliver(Ready::Chunk {
            kind,
            source: Source::MessageBuf { len: deliverable },
            last: message_ends,
        }))
    }

    /// The bytes a [`Source`] names.
    pub(crate) fn bytes(&self, source: &Source) -> &[u8] {
        match source {
            Source::Input(range) => &self.input.raw()[range.clone()],
            Source::MessageBuf { len } => &self.message_buf[..*len],
            Source::CompletedChar => self.utf8.completed_char().as_bytes(),
        }
    }

    /// How many more bytes the frame being read needs, for sizing reads.
    pub(crate) fn frame_bytes_missing(&self) -> u64 {
        self.frame
            .as_ref()
            .map_or(0, |f| f.remaining.saturating_sub(self.input.len() as u64))
    }

    /// Allows RSV1 on first frames and inflates messages that set it.
    pub(crate) fn enable_inflate(&mut self, inflater: Inflater) {
        self.rsv_allowed = RSV1;
        self.inflater = Some(inflater);
    }

    pub(crate) fn shrink(&mut self) {
        self.input.shrink();
        if self.message.is_none() {
            if self.reported == self.message_buf.len() {
                self.message_buf = Vec::new();
                self.reported = 0;
            }
            if let Some(inflater) = &mut self.inflater {
                inflater.release();
            }
        }
    }
}

/// The error a compressed step ends with when something failed in it: the first fault in
/// the order of the message's bytes, so that the error does not depend on how the input
/// was cut (fed whole, one inflate call may produce invalid text, pass the size limit and
/// reach a broken deflate stream; fed in pieces, each fault shows in its own step). That
/// is invalid text within the `allowed` bytes, then the size limit, then `error`.
fn first_fault(
    utf8: &mut Utf8Validator,
    text: bool,
    produced: &[u8],
    allowed: usize,
    max: usize,
    error: ProtocolError,
) -> ProtocolError {
    let within = &produced[..produced.len().min(allowed)];
    if text && utf8.feed(within).is_err() {
        return ProtocolError::InvalidUtf8;
    }
    if produced.len() > allowed {
        return ProtocolError::MessageTooLarge { max };
    }
    error
}
