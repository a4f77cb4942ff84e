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
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode, apply_mask};
use crate::utf8::{Completion, Utf8Validator};

/// Where the bytes of a reported payload are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A range of the input buffer's storage (see `InputBuffer::raw`).
    Input(Range<usize>),
    /// The whole of the reassembled message.
    MessageBuf,
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
    /// The frame ended with nothing to report; go on to the next header.
    NextFrame,
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
}

#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub(crate) input: InputBuffer,
    frame: Option<InFrame>,
    message: Option<InMessage>,
    pub(crate) message_buf: Vec<u8>,
    /// `message_buf` holds a message already reported; empty it on the next call.
    message_reported: bool,
    pub(crate) utf8: Utf8Validator,
    /// The validator's pending bytes were consumed with an earlier frame.
    carried: bool,
    /// Reserved bits an extension allows on the first frame of a data message.
    rsv_allowed: u8,
}

impl Reader {
    /// Processes buffered input until there is something to report or more input is needed.
    pub(crate) fn advance(
        &mut self,
        role: Role,
        config: &Config,
    ) -> Result<Option<Ready>, ProtocolError> {
        if self.message_reported {
            self.message_buf.clear();
            self.message_reported = false;
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
                let kind = self
                    .message
                    .as_ref()
                    .map_or(MessageKind::Binary, |m| m.kind);
                match config.delivery {
                    Delivery::WholeMessages => self.whole_message_step(kind)?,
                    Delivery::Chunks => self.chunk_step(kind)?,
                }
            };
            match step {
                Step::Deliver(ready) => return Ok(Some(ready)),
                Step::NeedInput => return Ok(None),
                Step::NextFrame => {}
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
                    })
                }
            };
            // Checked before a byte of the payload is buffered (RFC 6455 §10.4).
            message.size += header.payload_len;
            if message.size > config.max_message_size as u64 {
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
        self.input.consume(n);
        let Some(frame) = &mut self.frame else {
            return false;
        };
        frame.remaining -= n as u64;
        frame.consumed += n as u64;
        frame.unmasked = frame.unmasked.saturating_sub(n);
        frame.processed = frame.processed.saturating_sub(n);
        if frame.remaining > 0 {
            return false;
        }
        let fin = frame.fin;
        self.frame = None;
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
            self.message_reported = true;
            Step::Deliver(Ready::Message {
                kind,
                source: Source::MessageBuf,
            })
        } else if complete {
            Step::NextFrame
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
            return Step::NextFrame;
        }
        if self.carried {
            // The bytes live in the validator now.
            self.consume_payload(taken);
        } else if let Some(frame) = &mut self.frame {
            frame.processed = taken;
        }
        Step::NeedInput
    }

    /// The bytes a [`Source`] names.
    pub(crate) fn bytes(&self, source: &Source) -> &[u8] {
        match source {
            Source::Input(range) => &self.input.raw()[range.clone()],
            Source::MessageBuf => &self.message_buf,
            Source::CompletedChar => self.utf8.completed_char().as_bytes(),
        }
    }

    /// How many more bytes the frame being read needs, for sizing reads.
    pub(crate) fn frame_bytes_missing(&self) -> u64 {
        self.frame
            .as_ref()
            .map_or(0, |f| f.remaining.saturating_sub(self.input.len() as u64))
    }

    pub(crate) fn shrink(&mut self) {
        self.input.shrink();
        if !self.message_reported {
            self.message_buf.shrink_to_fit();
        }
    }
}
