//! Frames out of the input buffer: headers decoded, payloads unmasked in place as they
//! arrive.
//!
//! The decoder knows frames, not messages: it reports a header, then how much of that
//! frame's payload is buffered, and takes payload bytes off the front of the input when the
//! layer above has used them. Each payload byte is unmasked once, when it first arrives, so
//! the layer above can look at what has arrived while the rest is still on its way.

use core::ops::Range;

use crate::buffer::InputBuffer;
use crate::frame::{FrameError, FrameHeader, OpCode, apply_mask};

/// The frame whose payload is arriving.
#[derive(Debug, Clone)]
pub(crate) struct InFrame {
    pub(crate) opcode: OpCode,
    pub(crate) fin: bool,
    /// The masking key as seen from the first payload byte not yet consumed.
    key: Option<[u8; 4]>,
    /// Payload bytes not yet consumed.
    remaining: u64,
    /// Of the buffered bytes, how many at the front are this frame's payload, unmasked.
    unmasked: usize,
}

impl InFrame {
    /// Payload bytes not yet consumed.
    pub(crate) fn remaining(&self) -> u64 {
        self.remaining
    }
}

/// Where the decoder stands.
#[derive(Debug, Clone)]
enum State {
    /// The next bytes are a frame header.
    Header,
    /// The payload of this frame is arriving.
    Payload(InFrame),
}

/// How much of the current frame's payload is buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arrived {
    /// Payload bytes buffered and unmasked, at the front of the input.
    pub(crate) len: usize,
    /// They are all the frame's remaining payload.
    pub(crate) complete: bool,
}

#[derive(Debug)]
pub(crate) struct FrameDecoder {
    pub(crate) input: InputBuffer,
    state: State,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self {
            input: InputBuffer::default(),
            state: State::Header,
        }
    }
}

impl FrameDecoder {
    /// The frame whose payload is arriving, if a header has been read.
    #[inline]
    pub(crate) fn frame(&self) -> Option<&InFrame> {
        match &self.state {
            State::Header => None,
            State::Payload(frame) => Some(frame),
        }
    }

    /// Decodes the next header once it has arrived whole and starts its frame.
    ///
    /// Call only between frames ([`frame`](Self::frame) is `None`).
    #[inline]
    pub(crate) fn next_header(&mut self) -> Result<Option<FrameHeader>, FrameError> {
        debug_assert!(self.frame().is_none());
        let Some((header, len)) = FrameHeader::decode(self.input.data())? else {
            return Ok(None);
        };
        self.input.consume(len);
        self.state = State::Payload(InFrame {
            opcode: header.opcode,
            fin: header.fin,
            key: header.mask,
            remaining: header.payload_len,
            unmasked: 0,
        });
        Ok(Some(header))
    }

    /// Unmasks the payload bytes that arrived since the last call and says how many are
    /// buffered.
    #[inline]
    pub(crate) fn arrived(&mut self) -> Arrived {
        let State::Payload(frame) = &mut self.state else {
            return Arrived {
                len: 0,
                complete: false,
            };
        };
        let buffered = self.input.len();
        let len = if (buffered as u64) < frame.remaining {
            buffered
        } else {
            frame.remaining as usize
        };
        if len > frame.unmasked {
            if let Some(key) = frame.key {
                apply_mask(
                    &mut self.input.data_mut()[frame.unmasked..len],
                    key,
                    frame.unmasked,
                );
            }
            frame.unmasked = len;
        }
        Arrived {
            len,
            complete: len as u64 == frame.remaining,
        }
    }

    /// The unmasked payload bytes buffered (as of the last [`arrived`](Self::arrived)).
    #[inline]
    pub(crate) fn payload(&self) -> &[u8] {
        match &self.state {
            State::Payload(frame) => &self.input.data()[..frame.unmasked],
            State::Header => &[],
        }
    }

    /// Where the first `len` buffered payload bytes sit in the input's storage; the range
    /// stays valid after [`consume`](Self::consume) until more input is accepted.
    #[inline]
    pub(crate) fn payload_range(&self, len: usize) -> Range<usize> {
        let start = self.input.offset();
        start..start + len
    }

    /// Takes `n` unmasked payload bytes off the front of the input. Returns whether that
    /// ended the frame, after which the next bytes are a header again.
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) -> bool {
        self.take(n);
        let exhausted = matches!(&self.state, State::Payload(frame) if frame.remaining == 0);
        if exhausted {
            self.state = State::Header;
        }
        exhausted
    }

    /// Takes `n` unmasked payload bytes off the front of the input, keeping the frame open
    /// even when none remain (an inflater may still hold output for it).
    #[inline]
    pub(crate) fn take(&mut self, n: usize) {
        let State::Payload(frame) = &mut self.state else {
            return;
        };
        debug_assert!(n <= frame.unmasked);
        self.input.consume(n);
        frame.remaining -= n as u64;
        frame.unmasked -= n;
        if let Some(key) = &mut frame.key {
            key.rotate_left(n & 3);
        }
    }

    /// Accounts for `n` payload bytes the caller read straight into the message buffer
    /// (the input buffer holds none of this frame); returns the key they are to be
    /// unmasked with, as seen from their first byte.
    pub(crate) fn take_direct(&mut self, n: usize) -> Option<[u8; 4]> {
        let State::Payload(frame) = &mut self.state else {
            return None;
        };
        debug_assert!(self.input.len() == 0 && n as u64 <= frame.remaining);
        let key = frame.key;
        frame.remaining -= n as u64;
        if let Some(key) = &mut frame.key {
            key.rotate_left(n & 3);
        }
        key
    }

    /// Ends the current frame, whose payload has all been taken.
    pub(crate) fn end_frame(&mut self) {
        debug_assert!(self.frame().is_some_and(|f| f.remaining == 0));
        self.state = State::Header;
    }

    /// How many more bytes the frame being read needs, for sizing reads.
    pub(crate) fn bytes_missing(&self) -> u64 {
        self.frame()
            .map_or(0, |f| f.remaining.saturating_sub(self.input.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmasks_a_payload_arriving_in_pieces() {
        // RFC 6455 §5.7: a single-frame masked text message "Hello".
        let wire = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
        let mut decoder = FrameDecoder::default();
        decoder.input.extend(&wire[..8]);
        let header = decoder.next_header().unwrap().unwrap();
        assert_eq!(header.payload_len, 5);
        assert_eq!(
            decoder.arrived(),
            Arrived {
                len: 2,
                complete: false
            }
        );
        assert_eq!(decoder.payload(), b"He");
        assert!(!decoder.consume(1));
        decoder.input.extend(&wire[8..]);
        assert_eq!(
            decoder.arrived(),
            Arrived {
                len: 4,
                complete: true
            }
        );
        assert_eq!(decoder.payload(), b"ello");
        assert!(decoder.consume(4));
        assert!(decoder.frame().is_none());
    }
}
