//! The compressor and decompressor of one connection (RFC 7692 §7.2).
//!
//! Sending: each message (or fragment) is deflated with a sync flush, which ends the
//! output on a byte boundary with an empty stored block, `00 00 ff ff`; the message's last
//! four bytes are those and are left off (§7.2.1). Receiving: the payload is inflated as it
//! arrives and the four bytes are put back at the message's end (§7.2.2).
//!
//! Without context takeover a context is reset after each message and may be dropped while
//! the connection idles ([`Deflater::release`], [`Inflater::release`]); it is re-created on
//! the next message.

use zlib_rs::{
    Deflate, DeflateConfig, DeflateFlush, Inflate, InflateFlush, Method, Status, Strategy,
};

use crate::buffer::{MessageBuffer, OutputBuffer};

/// RFC 7692 §7.2.1: the tail of a sync flush, removed by the sender, restored by the
/// receiver.
pub(crate) const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// A whole empty stored block, non-final, starting on a byte boundary: BFINAL 0, BTYPE 00,
/// padding, LEN 0, NLEN 0xffff (RFC 1951 §3.2.4).
const EMPTY_STORED_BLOCK: [u8; 5] = [0x00, 0x00, 0x00, 0xff, 0xff];

/// The output granted to one inflate call: the unit in which a decompression bomb is
/// caught and in which streamed messages are delivered.
pub(crate) const INFLATE_STEP: usize = 32 * 1024;

pub(crate) struct Deflater {
    context: Option<Deflate>,
    window_bits: u8,
    level: u32,
    mem_level: u8,
    /// Reset after each message: this end agreed not to take context over.
    no_context_takeover: bool,
    pub(crate) min_compress_size: usize,
}

impl core::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Deflater")
            .field("window_bits", &self.window_bits)
            .field("level", &self.level)
            .field("mem_level", &self.mem_level)
            .field("no_context_takeover", &self.no_context_takeover)
            .field("allocated", &self.context.is_some())
            .finish_non_exhaustive()
    }
}

impl Deflater {
    pub(crate) fn new(
        window_bits: u8,
        level: u32,
        mem_level: u8,
        no_context_takeover: bool,
        min_compress_size: usize,
    ) -> Self {
        Self {
            context: None,
            window_bits: window_bits.clamp(9, 15),
            level,
            mem_level: mem_level.clamp(1, 9),
            no_context_takeover,
            min_compress_size,
        }
    }

    /// Space that compressing `len` bytes with a sync flush fits in.
    pub(crate) fn bound(len: usize) -> usize {
        // zlib's bound for a whole stream, plus the sync flush's empty stored block and
        // the bits of a block still open.
        zlib_rs::compress_bound(len) + 16
    }

    /// Compresses the next piece of a message with a sync flush, so the piece can be sent
    /// now, into the output's free space `offset` bytes past what is pending (not marked
    /// pending: the caller puts a header before it). Returns the compressed length. `end`
    /// marks the message's last piece: its tail is removed and the context reset if this
    /// end takes no context over.
    pub(crate) fn compress_into(
        &mut self,
        data: &[u8],
        end: bool,
        out: &mut OutputBuffer,
        offset: usize,
    ) -> usize {
        let (level, mem_level, window_bits) = (self.level, self.mem_level, self.window_bits);
        let context = self.context.get_or_insert_with(|| {
            Deflate::new_with_config(DeflateConfig {
                level: level as i32,
                method: Method::Deflated,
                // Negative: a raw deflate stream, no zlib header (RFC 7692 §7.2.1).
                window_bits: -i32::from(window_bits),
                mem_level: i32::from(mem_level),
                strategy: Strategy::Default,
            })
        });
        let mut input = data;
        let mut len = 0;
        loop {
            let space = out.space_at(offset + len, Self::bound(input.len()));
            let room = space.len();
            let (in_before, out_before) = (context.total_in(), context.total_out());
            let status = context.compress(input, space, DeflateFlush::SyncFlush);
            input = &input[(context.total_in() - in_before) as usize..];
            let produced = (context.total_out() - out_before) as usize;
            len += produced;
            // Done once all input is taken and the flush fitted (room was left over).
            if status.is_err() || (input.is_empty() && produced < room) {
                break;
            }
        }
        if end {
            let written = &mut out.space_at(offset, len)[..len];
            if written.ends_with(&TAIL) {
                len -= TAIL.len();
            }
            if len == 0 {
                // zlib refuses a second flush in a row, so a message with nothing new to
                // say (an empty one, or an empty last fragment) yields no bytes at all, and
                // the receiver's 00 00 ff ff would then be misread. A lone 0x00 is the
                // start of an empty stored block that those bytes complete (RFC 7692
                // §7.2.3.6 shows this very form).
                out.space_at(offset, 1)[0] = 0x00;
                len = 1;
            }
            if self.no_context_takeover {
                context.reset();
            }
        }
        len
    }

    /// Frees the context if the next message will not need it.
    pub(crate) fn release(&mut self) {
        if self.no_context_takeover {
            self.context = None;
        }
    }
}

/// Why inflating stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inflated {
    /// All input was taken.
    InputDone,
    /// The output reached the size it was allowed; more input remains.
    OutputFull,
    /// The stream ended (a block with BFINAL set): the rest of the message is ignored.
    StreamEnd,
}

/// The input was not a valid deflate stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidDeflateStream;

pub(crate) struct Inflater {
    context: Option<Inflate>,
    /// Reset after each message: the peer takes no context over.
    no_context_takeover: bool,
    /// The current message's stream ended early (BFINAL).
    ended: bool,
}

impl core::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Inflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("allocated", &self.context.is_some())
            .finish_non_exhaustive()
    }
}

impl Inflater {
    pub(crate) fn new(no_context_takeover: bool) -> Self {
        Self {
            context: None,
            no_context_takeover,
            ended: false,
        }
    }

    /// Inflates `input` onto the end of `out`, never letting `out` grow past `max_len`.
    /// Returns how much input was taken and why it stopped. After the stream ends, input
    /// is taken and ignored.
    pub(crate) fn inflate(
        &mut self,
        input: &[u8],
        out: &mut MessageBuffer,
        max_len: usize,
    ) -> Result<(usize, Inflated), InvalidDeflateStream> {
        self.inflate_with(input, out, max_len, InflateFlush::NoFlush)
    }

    fn inflate_with(
        &mut self,
        input: &[u8],
        out: &mut MessageBuffer,
        max_len: usize,
        flush: InflateFlush,
    ) -> Result<(usize, Inflated), InvalidDeflateStream> {
        if self.ended {
            return Ok((input.len(), Inflated::StreamEnd));
        }
        // Always the largest window: correct whatever window the peer compresses with.
        let context = self.context.get_or_insert_with(|| Inflate::new(false, 15));
        let mut taken = 0;
        loop {
            // Space for about what the input is likely to give; the buffer offers all it
            // has initialised already, and grows by half when short.
            let want = (input.len() - taken)
                .saturating_mul(4)
                .clamp(1024, INFLATE_STEP);
            let space = out.space(want, max_len);
            if space.is_empty() {
                return Ok((taken, Inflated::OutputFull));
            }
            let room = space.len();
            let (in_before, out_before) = (context.total_in(), context.total_out());
            let status = context.decompress(&input[taken..], space, flush);
            let produced = (context.total_out() - out_before) as usize;
            out.commit(produced);
            taken += (context.total_in() - in_before) as usize;
            match status {
                Err(_) => return Err(InvalidDeflateStream),
                Ok(Status::StreamEnd) => {
                    self.ended = true;
                    return Ok((input.len(), Inflated::StreamEnd));
                }
                Ok(_) if flush == InflateFlush::Block && produced < room => {
                    return Ok((taken, Inflated::InputDone));
                }
                Ok(_) if taken == input.len() && produced < room => {
                    return Ok((taken, Inflated::InputDone));
                }
                // No progress with input left: zlib wants more than it was given.
                Ok(_) if produced == 0 && in_before == context.total_in() => {
                    return Err(InvalidDeflateStream);
                }
                Ok(_) => {}
            }
        }
    }

    /// Ends a message: inflates the restored tail onto `out` (within `max_len`) and resets
    /// the context if the peer takes no context over or its stream ended.
    ///
    /// RFC 7692 §7.2.2: the payload with `00 00 ff ff` appended is a deflate stream that
    /// ends on a block boundary (§7.2.1: the sender's data ends with an empty stored
    /// block, whose last four bytes those are). A payload that stopped anywhere else
    /// (inside a stored block's data, a block header or a Huffman-coded block) fails here,
    /// not in the next message: inflating tail and a probe, an empty stored block, with
    /// zlib's `Z_BLOCK` flush, which stops at each block boundary, must stop exactly after
    /// the tail. At a boundary the probe is never read.
    pub(crate) fn finish_message(
        &mut self,
        out: &mut MessageBuffer,
        max_len: usize,
    ) -> Result<Inflated, InvalidDeflateStream> {
        let mut tail_and_probe = [0u8; TAIL.len() + EMPTY_STORED_BLOCK.len()];
        tail_and_probe[..TAIL.len()].copy_from_slice(&TAIL);
        tail_and_probe[TAIL.len()..].copy_from_slice(&EMPTY_STORED_BLOCK);
        let before = out.len();
        let mut taken = 0;
        let how = loop {
            let step =
                self.inflate_with(&tail_and_probe[taken..], out, max_len, InflateFlush::Block);
            let (n, how) = match step {
                Ok(done) => done,
                Err(e) => {
                    // What the tail produced is not the peer's data: it was read as part
                    // of a block the payload left open.
                    out.truncate(before);
                    return Err(e);
                }
            };
            taken += n;
            match how {
                Inflated::OutputFull => return Ok(how),
                Inflated::StreamEnd => break how,
                Inflated::InputDone if taken == TAIL.len() => break how,
                Inflated::InputDone if taken < TAIL.len() && n > 0 => {}
                Inflated::InputDone => {
                    out.truncate(before);
                    return Err(InvalidDeflateStream);
                }
            }
        };
        if self.ended || self.no_context_takeover {
            if let Some(context) = &mut self.context {
                context.reset(false);
            }
        }
        self.ended = false;
        Ok(how)
    }

    /// Frees the context if the next message will not need it.
    pub(crate) fn release(&mut self) {
        if self.no_context_takeover {
            self.context = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate_message(inflater: &mut Inflater, payload: &[u8]) -> Vec<u8> {
        let mut out = MessageBuffer::default();
        inflater.inflate(payload, &mut out, 1 << 20).unwrap();
        inflater.finish_message(&mut out, 1 << 20).unwrap();
        out.data().to_vec()
    }

    fn compress(deflater: &mut Deflater, data: &[u8], end: bool) -> Vec<u8> {
        let mut out = OutputBuffer::default();
        let len = deflater.compress_into(data, end, &mut out, 0);
        out.commit(len);
        out.pending().to_vec()
    }

    #[test]
    fn rfc7692_hello_forms() {
        // RFC 7692 §7.2.3.1, §7.2.3.3, §7.2.3.4.
        for payload in [
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00][..],
            &[
                0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
            ],
            &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00],
        ] {
            let mut inflater = Inflater::new(false);
            assert_eq!(
                inflate_message(&mut inflater, payload),
                b"Hello",
                "{payload:02x?}"
            );
            // The context is still usable for a next message.
            assert_eq!(
                inflate_message(&mut inflater, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
                b"Hello"
            );
        }
    }

    #[test]
    fn compresses_hello_as_the_rfc_shows() {
        // RFC 7692 §7.2.3.1 and §7.2.3.2 (context takeover: the second reuses the first).
        let mut deflater = Deflater::new(15, 6, 8, false, 0);
        assert_eq!(
            compress(&mut deflater, b"Hello", true),
            [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
        );
        assert_eq!(
            compress(&mut deflater, b"Hello", true),
            [0xf2, 0x00, 0x11, 0x00, 0x00]
        );
    }

    #[test]
    fn empty_messages_round_trip_with_context_takeover() {
        let mut deflater = Deflater::new(15, 6, 8, false, 0);
        let mut inflater = Inflater::new(false);
        for message in [&b"abc"[..], b"", b"", b"abcabc", b""] {
            let payload = compress(&mut deflater, message, true);
            assert_eq!(inflate_message(&mut inflater, &payload), message);
        }
    }

    #[test]
    fn output_never_exceeds_the_limit() {
        let mut deflater = Deflater::new(15, 9, 8, false, 0);
        let payload = compress(&mut deflater, &vec![0u8; 1 << 20], true);
        let mut inflater = Inflater::new(false);
        let mut out = MessageBuffer::default();
        let (taken, how) = inflater.inflate(&payload, &mut out, 1000).unwrap();
        assert_eq!((out.len(), how), (1000, Inflated::OutputFull));
        assert!(taken < payload.len());
        assert!(out.capacity() <= 1000);
    }

    #[test]
    fn garbage_is_an_error() {
        let mut inflater = Inflater::new(false);
        let mut out = MessageBuffer::default();
        assert_eq!(
            inflater.inflate(&[0xff; 16], &mut out, 1 << 20),
            Err(InvalidDeflateStream)
        );
    }

    #[test]
    fn a_message_must_end_on_a_block_boundary() {
        // A stored block announcing 16 bytes, 2 sent: the tail would be taken as data.
        let mut inflater = Inflater::new(false);
        let mut out = MessageBuffer::default();
        inflater
            .inflate(
                &[0x00, 0x10, 0x00, 0xef, 0xff, b'a', b'b'],
                &mut out,
                1 << 20,
            )
            .unwrap();
        assert_eq!(
            inflater.finish_message(&mut out, 1 << 20),
            Err(InvalidDeflateStream)
        );
        // A fixed Huffman block without its end-of-block code: "Hello" cut before the end.
        let mut inflater = Inflater::new(false);
        let mut out = MessageBuffer::default();
        inflater
            .inflate(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9], &mut out, 1 << 20)
            .unwrap();
        assert_eq!(
            inflater.finish_message(&mut out, 1 << 20),
            Err(InvalidDeflateStream)
        );
    }
}
