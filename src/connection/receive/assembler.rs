//! Messages out of frames: reassembly, UTF-8, inflation and chunked delivery.
//!
//! Theory of operation. The assembler sits on the frame decoder and turns the payload of
//! data frames into messages. What a message needs depends on how it arrives and how it is
//! delivered, and that is decided once, from its first frame, into one [`Assembly`] state:
//!
//! - `InPlace`: whole-message delivery of a message that is one frame. Its payload stays in
//!   the input buffer until the frame is complete and the event borrows it there: no copy.
//!   Binary waits there however many reads it takes; text does only if it is complete when
//!   its header is read, and is otherwise collected as it arrives (next item), so that
//!   each byte is validated once.
//! - `Collecting`: whole-message delivery of a fragmented message, or of text arriving over
//!   several reads. Binary is appended to the message buffer as it arrives. Text is
//!   validated as it arrives and appended to a `String`, so the event borrows it without
//!   validating again (without `unsafe`, only validating makes a `&str`): the copy costs a
//!   quarter of a second validation.
//! - `Streaming`: chunked delivery. Whatever payload has arrived is reported at once and
//!   consumed, so memory stays constant whatever the message size. Text chunks end on a
//!   character boundary: a character cut by the end of the input waits in the input buffer
//!   for its other bytes; one cut by the end of a frame waits in a [`SplitChar`].
//! - `Inflating`: a message compressed by permessage-deflate, in either delivery mode. Its
//!   payload is inflated into the message buffer as it arrives, never past the message size
//!   limit (RFC 7692 §8.1 warns of decompression bombs).
//!
//! Text is checked as it arrives (fail-fast, see [`crate::utf8`]) and validated once: a
//! message in place when the event borrows it, collected text as it is appended, a chunk
//! when its event borrows it. Only compressed text is looked at twice (as it inflates, and
//! whole), which inflating itself dwarfs.

use crate::buffer::MessageBuffer;
use crate::connection::config::{Config, Delivery};
use crate::connection::event::MessageKind;
use crate::deflate::{INFLATE_STEP, Inflated, Inflater};
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode, RSV1, apply_mask};
use crate::utf8::{self, Completion, SplitChar};
use alloc::string::String;

use super::decoder::FrameDecoder;
use super::{Ready, Source, Step};

/// Message storage larger than this is given back when the connection idles.
const IDLE_KEEP: usize = 1024;

/// The data message being received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assembly {
    /// Between messages.
    Idle,
    /// One frame, delivered whole from the input buffer.
    InPlace { kind: MessageKind },
    /// Binary appended to the message buffer, or text to `text`. `size`: payload bytes
    /// announced so far.
    Collecting { kind: MessageKind, size: u64 },
    /// Reported as it arrives.
    Streaming { kind: MessageKind, size: u64 },
    /// Compressed, inflated into the message buffer. `inflated`: bytes inflated so far,
    /// counted against the message size limit; `validated`: bytes of the buffer known to
    /// be valid text.
    Inflating {
        kind: MessageKind,
        inflated: u64,
        validated: usize,
    },
}

#[derive(Debug)]
pub(crate) struct Assembler {
    state: Assembly,
    /// Reassembled or inflated message data.
    buf: MessageBuffer,
    /// Collected text, validated.
    text: String,
    /// `text` holds a message already reported; cleared at the next step.
    text_reported: bool,
    /// Bytes at the front of `buf` already reported; dropped at the next step.
    reported: usize,
    split: SplitChar,
    /// Present when permessage-deflate was negotiated.
    inflater: Option<Inflater>,
}

impl Default for Assembler {
    fn default() -> Self {
        Self {
            state: Assembly::Idle,
            buf: MessageBuffer::default(),
            text: String::new(),
            text_reported: false,
            reported: 0,
            split: SplitChar::default(),
            inflater: None,
        }
    }
}

impl Assembler {
    pub(crate) fn enable_inflate(&mut self, inflater: Inflater) {
        self.inflater = Some(inflater);
    }

    pub(crate) fn inflates(&self) -> bool {
        self.inflater.is_some()
    }

    /// Drops what the last event reported.
    #[inline]
    pub(crate) fn release_reported(&mut self) {
        if self.reported > 0 {
            self.buf.drain_front(self.reported);
            self.reported = 0;
        }
        if self.text_reported {
            self.text.clear();
            self.text_reported = false;
        }
    }

    /// The collected text a [`Source::Text`] names.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Whether no message is being received.
    pub(crate) fn is_idle(&self) -> bool {
        self.state == Assembly::Idle
    }

    /// Whether a binary message is being collected whole: the payload still to arrive can
    /// be read straight into the message buffer.
    pub(crate) fn collects_binary(&self) -> bool {
        matches!(
            self.state,
            Assembly::Collecting {
                kind: MessageKind::Binary,
                ..
            }
        )
    }

    /// Whether a binary single-frame message waits in the input buffer until complete.
    pub(crate) fn in_place_binary(&self) -> bool {
        self.state
            == Assembly::InPlace {
                kind: MessageKind::Binary,
            }
    }

    /// Space in the message buffer for a read of payload bytes: at least `want` bytes
    /// (`want` fits within the message size limit: the frame's header was checked).
    pub(crate) fn direct_space(&mut self, want: usize, config: &Config) -> &mut [u8] {
        self.buf.space(want, config.max_message_size)
    }

    /// Adds `n` payload bytes read into [`direct_space`](Self::direct_space), unmasking them
    /// with `key`.
    pub(crate) fn direct_commit(&mut self, n: usize, key: Option<[u8; 4]>) {
        if let Some(key) = key {
            let start = self.buf.len();
            apply_mask(&mut self.buf.space(n, start + n)[..n], key, 0);
        }
        self.buf.commit(n);
    }

    /// The bytes a [`Source`] names, other than the input buffer's.
    pub(crate) fn bytes(&self, source: &Source) -> &[u8] {
        match source {
            Source::MessageBuf { len } => &self.buf.data()[..*len],
            Source::SplitChar => self.split.as_str().as_bytes(),
            Source::Text => self.text.as_bytes(),
            Source::Input(_) => &[],
        }
    }

    /// Checks a data frame's header against the message in progress and the limits, and
    /// starts or continues the message. The header's mask and reserved bits are checked.
    pub(crate) fn begin_frame(
        &mut self,
        header: &FrameHeader,
        config: &Config,
    ) -> Result<(), ProtocolError> {
        if header.payload_len > config.max_frame_size as u64 {
            return Err(ProtocolError::FrameTooLarge {
                len: header.payload_len,
                max: config.max_frame_size,
            });
        }
        let too_large = |size: u64| size > config.max_message_size as u64;
        let kind = match header.opcode {
            OpCode::Text => MessageKind::Text,
            OpCode::Binary => MessageKind::Binary,
            // RFC 6455 §5.4: fragments of one message are not interleaved with another's.
            _ => {
                return match &mut self.state {
                    Assembly::Idle => Err(ProtocolError::UnexpectedContinuation),
                    Assembly::Collecting { size, .. } | Assembly::Streaming { size, .. } => {
                        // Checked before a byte of the payload is buffered (RFC 6455 §10.4).
                        *size = size.saturating_add(header.payload_len);
                        if too_large(*size) {
                            return Err(ProtocolError::MessageTooLarge {
                                max: config.max_message_size,
                            });
                        }
                        Ok(())
                    }
                    // Held to the limit as it inflates: its wire size says nothing of its
                    // real size.
                    Assembly::Inflating { .. } => Ok(()),
                    // A single-frame message ends with its frame.
                    Assembly::InPlace { .. } => Err(ProtocolError::UnexpectedContinuation),
                };
            }
        };
        if self.state != Assembly::Idle {
            return Err(ProtocolError::ExpectedContinuation);
        }
        let size = header.payload_len;
        let compressed = header.rsv & RSV1 != 0;
        if !compressed && too_large(size) {
            return Err(ProtocolError::MessageTooLarge {
                max: config.max_message_size,
            });
        }
        self.split.clear();
        // A message needs one of the two buffers, `text` for uncompressed text and `buf` for
        // the rest (binary, and whatever is inflated, text included): the other gives back
        // what an earlier message left in it, so a connection never holds two messages'
        // worth.
        if kind == MessageKind::Text && !compressed {
            if self.buf.capacity() > IDLE_KEEP {
                self.buf.release();
            }
        } else if self.text.capacity() > IDLE_KEEP {
            self.text = String::new();
        }
        self.state = if compressed {
            Assembly::Inflating {
                kind,
                inflated: 0,
                validated: 0,
            }
        } else if config.delivery == Delivery::Chunks {
            Assembly::Streaming { kind, size }
        } else if header.fin {
            Assembly::InPlace { kind }
        } else {
            Assembly::Collecting { kind, size }
        };
        Ok(())
    }

    /// Works through the payload of the current data frame that has arrived.
    #[inline]
    pub(crate) fn step(
        &mut self,
        decoder: &mut FrameDecoder,
        config: &Config,
    ) -> Result<Step, ProtocolError> {
        match self.state {
            Assembly::InPlace { kind } => self.in_place(decoder, kind, config),
            Assembly::Collecting {
                kind: MessageKind::Binary,
                ..
            } => self.collect_binary(decoder, config),
            Assembly::Collecting {
                kind: MessageKind::Text,
                ..
            } => self.collect_text(decoder, config),
            Assembly::Streaming { kind, .. } => self.streaming(decoder, kind),
            Assembly::Inflating {
                kind,
                inflated,
                validated,
            } => self.inflating(decoder, kind, inflated, validated, config),
            // A data frame always belongs to a message: `begin_frame` saw to it.
            Assembly::Idle => Ok(Step::NeedInput),
        }
    }

    #[inline]
    fn in_place(
        &mut self,
        decoder: &mut FrameDecoder,
        kind: MessageKind,
        config: &Config,
    ) -> Result<Step, ProtocolError> {
        let arrived = decoder.arrived();
        if arrived.complete {
            let range = decoder.payload_range(arrived.len);
            decoder.consume(arrived.len);
            self.state = Assembly::Idle;
            return Ok(Step::Deliver(Ready::Message {
                kind,
                source: Source::Input(range),
            }));
        }
        if kind == MessageKind::Binary {
            // A large one is collected instead, so that the rest of it is read straight into
            // the message buffer rather than moved about in the input buffer.
            let remaining = decoder.frame().map_or(0, |f| f.remaining());
            if remaining > 2 * config.read_size as u64 {
                self.state = Assembly::Collecting {
                    kind,
                    size: remaining,
                };
                self.buf.reserve_total(
                    usize::try_from(remaining).unwrap_or(usize::MAX),
                    config.max_message_size,
                );
                return self.collect_binary(decoder, config);
            }
            return Ok(Step::NeedInput);
        }
        // Text validated as it arrives, to fail fast, is kept validated.
        let size = decoder.frame().map_or(0, |f| f.remaining());
        self.state = Assembly::Collecting { kind, size };
        self.collect_text(decoder, config)
    }

    fn collect_binary(
        &mut self,
        decoder: &mut FrameDecoder,
        config: &Config,
    ) -> Result<Step, ProtocolError> {
        let arrived = decoder.arrived();
        let fin = decoder.frame().is_some_and(|f| f.fin);
        self.buf
            .extend(&decoder.payload()[..arrived.len], config.max_message_size);
        if !decoder.consume(arrived.len) {
            return Ok(Step::NeedInput);
        }
        if !fin {
            return Ok(Step::Continue);
        }
        self.state = Assembly::Idle;
        self.reported = self.buf.len();
        Ok(Step::Deliver(Ready::Message {
            kind: MessageKind::Binary,
            source: Source::MessageBuf { len: self.reported },
        }))
    }

    /// Appends the text that has arrived, validated, to `text`; the start of a character
    /// cut by the end of the input waits there for its other bytes, one cut by the end of a
    /// frame in the split character.
    fn collect_text(
        &mut self,
        decoder: &mut FrameDecoder,
        config: &Config,
    ) -> Result<Step, ProtocolError> {
        let arrived = decoder.arrived();
        let fin = decoder.frame().is_some_and(|f| f.fin);
        let (len, complete) = (arrived.len, arrived.complete);
        let payload = &decoder.payload()[..len];
        let mut used = 0;
        if self.split.is_pending() {
            match self.split.complete(payload)? {
                Completion::Complete(n) => {
                    self.text.push_str(self.split.as_str());
                    used = n;
                }
                Completion::Incomplete if complete && fin => {
                    return Err(ProtocolError::InvalidUtf8);
                }
                // The bytes live in the split character now.
                Completion::Incomplete => {
                    return Ok(if decoder.consume(len) {
                        Step::Continue
                    } else {
                        Step::NeedInput
                    });
                }
            }
        }
        let valid = utf8::valid_prefix_str(&payload[used..])?;
        grow_text(&mut self.text, valid.len(), config.max_message_size);
        self.text.push_str(valid);
        let taken = used + valid.len();
        if !complete {
            decoder.consume(taken);
            return Ok(Step::NeedInput);
        }
        if taken < len {
            if fin {
                return Err(ProtocolError::InvalidUtf8);
            }
            // Its remaining bytes are in the next frame.
            self.split.hold(&payload[taken..]);
        }
        decoder.consume(len);
        if !fin {
            return Ok(Step::Continue);
        }
        self.state = Assembly::Idle;
        self.text_reported = true;
        Ok(Step::Deliver(Ready::Message {
            kind: MessageKind::Text,
            source: Source::Text,
        }))
    }

    fn streaming(
        &mut self,
        decoder: &mut FrameDecoder,
        kind: MessageKind,
    ) -> Result<Step, ProtocolError> {
        let arrived = decoder.arrived();
        let fin = decoder.frame().is_some_and(|f| f.fin);
        let (len, complete) = (arrived.len, arrived.complete);
        let start = decoder.payload_range(0).start;
        if kind == MessageKind::Binary {
            if len == 0 && !(complete && fin) {
                return Ok(if complete && decoder.consume(0) {
                    Step::Continue
                } else {
                    Step::NeedInput
                });
            }
            let last = decoder.consume(len) && fin;
            if last {
                self.state = Assembly::Idle;
            }
            return Ok(Step::Deliver(Ready::Chunk {
                kind,
                source: Source::Input(start..start + len),
                last,
            }));
        }
        if self.split.is_pending() {
            // A character began in an earlier frame: finish it from this one.
            return match self.split.complete(&decoder.payload()[..len])? {
                Completion::Complete(used) => {
                    let last = decoder.consume(used) && fin;
                    if last {
                        self.state = Assembly::Idle;
                    }
                    Ok(Step::Deliver(Ready::Chunk {
                        kind,
                        source: Source::SplitChar,
                        last,
                    }))
                }
                Completion::Incomplete if complete && fin => Err(ProtocolError::InvalidUtf8),
                // The bytes live in the split character now.
                Completion::Incomplete => Ok(if decoder.consume(len) {
                    Step::Continue
                } else {
                    Step::NeedInput
                }),
            };
        }
        let payload = &decoder.payload()[..len];
        // The event validates what is delivered; the held-back start of a character is
        // checked here, so that a sequence already impossible fails now.
        let deliverable = len - utf8::incomplete_tail(payload)?;
        if complete && deliverable < len {
            if fin {
                return Err(ProtocolError::InvalidUtf8);
            }
            // Its remaining bytes are in the next frame.
            self.split.hold(&payload[deliverable..]);
        }
        if deliverable == 0 && !(complete && fin) {
            return Ok(if complete && decoder.consume(len) {
                Step::Continue
            } else {
                Step::NeedInput
            });
        }
        let last = decoder.consume(if complete { len } else { deliverable }) && fin;
        if last {
            self.state = Assembly::Idle;
        }
        Ok(Step::Deliver(Ready::Chunk {
            kind,
            source: Source::Input(start..start + deliverable),
            last,
        }))
    }

    /// A frame of a compressed message (RFC 7692 §7.2.2): its payload is inflated as it
    /// arrives into the message buffer, never past the message size limit (plus one byte,
    /// to tell that the limit was passed), so a small message that would inflate to
    /// gigabytes fails with 1009 having used at most the limit. Streaming, at most about
    /// `INFLATE_STEP` bytes are inflated per event.
    fn inflating(
        &mut self,
        decoder: &mut FrameDecoder,
        kind: MessageKind,
        inflated: u64,
        validated: usize,
        config: &Config,
    ) -> Result<Step, ProtocolError> {
        let arrived = decoder.arrived();
        let fin = decoder.frame().is_some_and(|f| f.fin);
        // RSV1 is refused unless inflating was enabled.
        let inflater = self
            .inflater
            .as_mut()
            .ok_or(ProtocolError::ReservedBits(RSV1))?;
        let streaming = config.delivery == Delivery::Chunks;
        let max = config.max_message_size;
        let before = self.buf.len();
        let cap = if streaming {
            before + INFLATE_STEP
        } else {
            max.saturating_add(1)
        };
        let text = kind == MessageKind::Text;
        // Bytes this message may still inflate to.
        let allowed = max.saturating_sub(usize::try_from(inflated).unwrap_or(max));
        let fault =
            |buf: &[u8], error| first_fault(buf, text, validated, before, allowed, max, error);
        let input = &decoder.payload()[..arrived.len];
        let (taken, how) = match inflater.inflate(input, &mut self.buf, cap) {
            Ok(done) => done,
            Err(_) => return Err(fault(self.buf.data(), ProtocolError::InvalidCompressedData)),
        };
        // With output still pending in the inflater the frame stays open, even when all
        // its payload has been taken.
        let frame_done = arrived.complete && taken == arrived.len && how != Inflated::OutputFull;
        let message_ends = frame_done && fin;
        if message_ends {
            // RFC 7692 §7.2.2: append 00 00 ff ff and inflate that too; it completes at
            // most the last few symbols, and must leave the stream on a block boundary.
            let tail_cap = if streaming {
                self.buf.len() + 1024
            } else {
                cap
            };
            let error = match inflater.finish_message(&mut self.buf, tail_cap) {
                Ok(Inflated::OutputFull) => Some(ProtocolError::MessageTooLarge { max }),
                Ok(_) => None,
                Err(_) => Some(ProtocolError::InvalidCompressedData),
            };
            if let Some(error) = error {
                return Err(fault(self.buf.data(), error));
            }
        }
        let produced = self.buf.len() - before;
        if produced > allowed {
            return Err(fault(
                self.buf.data(),
                ProtocolError::MessageTooLarge { max },
            ));
        }
        decoder.take(taken);
        if frame_done {
            decoder.end_frame();
        }
        let inflated = inflated + produced as u64;
        let more_now = if frame_done || how == Inflated::OutputFull {
            Step::Continue
        } else {
            Step::NeedInput
        };
        if !streaming {
            if message_ends {
                self.state = Assembly::Idle;
                self.reported = self.buf.len();
                return Ok(Step::Deliver(Ready::Message {
                    kind,
                    source: Source::MessageBuf { len: self.reported },
                }));
            }
            let validated = if text {
                validated + utf8::valid_prefix(&self.buf.data()[validated..])?
            } else {
                validated
            };
            self.state = Assembly::Inflating {
                kind,
                inflated,
                validated,
            };
            return Ok(more_now);
        }
        self.state = Assembly::Inflating {
            kind,
            inflated,
            validated: 0,
        };
        let pending = if text {
            utf8::incomplete_tail(self.buf.data())?
        } else {
            0
        };
        if message_ends && pending > 0 {
            return Err(ProtocolError::InvalidUtf8);
        }
        let deliverable = self.buf.len() - pending;
        if deliverable == 0 && !message_ends {
            return Ok(more_now);
        }
        if message_ends {
            self.state = Assembly::Idle;
        }
        self.reported = deliverable;
        Ok(Step::Deliver(Ready::Chunk {
            kind,
            source: Source::MessageBuf { len: deliverable },
            last: message_ends,
        }))
    }

    /// Releases memory a connection about to idle does not need: the message buffer once
    /// no message is in progress, and a decompression context the next message will not
    /// use.
    pub(crate) fn shrink(&mut self) {
        if self.state == Assembly::Idle {
            if self.reported == self.buf.len() {
                self.buf.clear();
                self.buf.release();
                self.reported = 0;
            }
            if self.text_reported || self.text.is_empty() {
                self.text = String::new();
                self.text_reported = false;
            }
            if let Some(inflater) = &mut self.inflater {
                inflater.release();
            }
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity() + self.text.capacity()
    }
}

/// Makes room for `additional` more bytes of text in a message limited to `limit` bytes:
/// geometric growth by half, never past the limit, so the text's storage stays about its
/// size.
fn grow_text(text: &mut String, additional: usize, limit: usize) {
    let needed = text.len() + additional;
    if needed > text.capacity() {
        let target = (text.capacity() + text.capacity() / 2)
            .min(limit)
            .max(needed);
        text.reserve_exact(target - text.len());
    }
}

/// The error a compressed step ends with when something failed in it: the first fault in
/// the order of the message's bytes, so that the error does not depend on how the input
/// was cut (fed whole, one inflate call may produce invalid text, pass the size limit and
/// reach a broken deflate stream; fed in pieces, each fault shows in its own step). That
/// is invalid text within the `allowed` bytes produced since `before`, then the size limit,
/// then `error`. `validated`: the bytes at the front of `buf` already known valid.
fn first_fault(
    buf: &[u8],
    text: bool,
    validated: usize,
    before: usize,
    allowed: usize,
    max: usize,
    error: ProtocolError,
) -> ProtocolError {
    let produced = buf.len() - before;
    let within = &buf[validated.min(before)..before + produced.min(allowed)];
    if text && utf8::valid_prefix(within).is_err() {
        return ProtocolError::InvalidUtf8;
    }
    if produced > allowed {
        return ProtocolError::MessageTooLarge { max };
    }
    error
}
