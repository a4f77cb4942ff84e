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

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// RFC 7692 §7.2.1: the tail of a sync flush, removed by the sender, restored by the
/// receiver.
pub(crate) const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The output granted to one inflate call: the unit in which a decompression bomb is
/// caught and in which streamed messages are delivered.
pub(crate) const INFLATE_STEP: usize = 32 * 1024;

pub(crate) struct Deflater {
    context: Option<Compress>,
    window_bits: u8,
    level: u32,
    /// Reset after each message: this end agreed not to take context over.
    no_context_takeover: bool,
    pub(crate) min_compress_size: usize,
    /// The compressed form of the message being sent, reused for every message.
    pub(crate) output: Vec<u8>,
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflater")
            .field("window_bits", &self.window_bits)
            .field("level", &self.level)
            .field("no_context_takeover", &self.no_context_takeover)
            .field("allocated", &self.context.is_some())
            .finish_non_exhaustive()
    }
}

impl Deflater {
    pub(crate) fn new(
        window_bits: u8,
        level: u32,
        no_context_takeover: bool,
        min_compress_size: usize,
    ) -> Self {
        Self {
            context: None,
            window_bits: window_bits.clamp(9, 15),
            level,
            no_context_takeover,
            min_compress_size,
            output: Vec::new(),
        }
    }

    /// Compresses the next piece of a message into `self.output`, with a sync flush so the
    /// piece can be sent now. `end` marks the message's last piece: its tail is removed and
    /// the context reset if this end takes no context over.
    pub(crate) fn compress(&mut self, data: &[u8], end: bool) {
        let (window_bits, level) = (self.window_bits, self.level);
        let context = self.context.get_or_insert_with(|| {
            Compress::new_with_window_bits(Compression::new(level), false, window_bits)
        });
        self.output.clear();
        let mut input = data;
        loop {
            // Deflate's worst case is a few bytes per 16 KiB block over the input.
            self.output.reserve(input.len() + input.len() / 1024 + 64);
            let before = context.total_in();
            let status = context.compress_vec(input, &mut self.output, FlushCompress::Sync);
            input = &input[(context.total_in() - before) as usize..];
            // Done once all input is taken and the flush fitted (room was left over).
            let flushed = self.output.len() < self.output.capacity();
            if matches!(status, Err(_) | Ok(Status::StreamEnd)) || (input.is_empty() && flushed) {
                break;
            }
        }
        if end {
            if self.output.ends_with(&TAIL) {
                self.output.truncate(self.output.len() - TAIL.len());
            }
            if self.output.is_empty() {
                // zlib refuses a second flush in a row, so a message with nothing new to
                // say (an empty one, or an empty last fragment) yields no bytes at all, and
                // the receiver's 00 00 ff ff would then be misread. A lone 0x00 is the
                // start of an empty stored block that those bytes complete (RFC 7692
                // §7.2.3.6 shows this very form).
                self.output.push(0x00);
            }
            if self.no_context_takeover {
                context.reset();
            }
        }
    }

    /// Frees the context if the next message will not need it.
    pub(crate) fn release(&mut self) {
        if self.no_context_takeover {
            self.context = None;
        }
        self.output = Vec::new();
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
    context: Option<Decompress>,
    /// Reset after each message: the peer takes no context over.
    no_context_takeover: bool,
    /// The current message's stream ended early (BFINAL).
    ended: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
        out: &mut Vec<u8>,
        max_len: usize,
    ) -> Result<(usize, Inflated), InvalidDeflateStream> {
        if self.ended {
            return Ok((input.len(), Inflated::StreamEnd));
        }
        // Always the largest window: correct whatever window the peer compresses with.
        let context = self.context.get_or_insert_with(|| Decompress::new(false));
        let mut taken = 0;
        // Output space offered per call: starts near what the input is likely to give and
        // doubles while the output keeps filling it, so the zeroing below stays in
        // proportion to the output even when input trickles in.
        let mut step = (input.len() * 4).clamp(1024, INFLATE_STEP);
        loop {
            let room = max_len.saturating_sub(out.len()).min(step);
            if room == 0 {
                return Ok((taken, Inflated::OutputFull));
            }
            // Inflate into zeroed space of exactly `room` bytes: `decompress_vec` would
            // fill whatever spare capacity the vector has. Growth is geometric but capped
            // at `max_len`, so a decompression bomb never gets more than the limit.
            let start = out.len();
            if start + room > out.capacity() {
                let target = (out.capacity() * 2).max(start + room).min(max_len);
                out.reserve_exact(target - start);
            }
            out.resize(start + room, 0);
            let (in_before, out_before) = (context.total_in(), context.total_out());
            let status =
                context.decompress(&input[taken..], &mut out[start..], FlushDecompress::None);
            let produced = (context.total_out() - out_before) as usize;
            out.truncate(start + produced);
            taken += (context.total_in() - in_before) as usize;
            match status {
                Err(_) => return Err(InvalidDeflateStream),
                Ok(Status::StreamEnd) => {
                    self.ended = true;
                    return Ok((input.len(), Inflated::StreamEnd));
                }
                Ok(_) if taken == input.len() && produced < room => {
                    return Ok((taken, Inflated::InputDone));
                }
                // No progress with input left: zlib wants more than it was given.
                Ok(_)
                    if produced == 0 && taken < input.len() && in_before == context.total_in() =>
                {
                    return Err(InvalidDeflateStream);
                }
                Ok(_) => step = (step * 2).min(INFLATE_STEP),
            }
        }
    }

    /// Ends a message: inflates the restored tail onto `out` (within `max_len`) and resets
    /// the context if the peer takes no context over or its stream ended.
    pub(crate) fn finish_message(
        &mut self,
        out: &mut Vec<u8>,
        max_len: usize,
    ) -> Result<Inflated, InvalidDeflateStream> {
        let (_, how) = self.inflate(&TAIL, out, max_len)?;
        if how != Inflated::OutputFull {
            if self.ended || self.no_context_takeover {
                if let Some(context) = &mut self.context {
                    context.reset(false);
                }
            }
            self.ended = false;
        }
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
        let mut out = Vec::new();
        inflater.inflate(payload, &mut out, 1 << 20).unwrap();
        inflater.finish_message(&mut out, 1 << 20).unwrap();
        out
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
        let mut deflater = Deflater::new(15, 6, false, 0);
        deflater.compress(b"Hello", true);
        assert_eq!(deflater.output, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        deflater.compress(b"Hello", true);
        assert_eq!(deflater.output, [0xf2, 0x00, 0x11, 0x00, 0x00]);
    }

    #[test]
    fn empty_messages_round_trip_with_context_takeover() {
        let mut deflater = Deflater::new(15, 6, false, 0);
        let mut inflater = Inflater::new(false);
        for message in [&b"abc"[..], b"", b"", b"abcabc", b""] {
            deflater.compress(message, true);
            assert_eq!(inflate_message(&mut inflater, &deflater.output), message);
        }
    }

    #[test]
    fn output_never_exceeds_the_limit() {
        let mut deflater = Deflater::new(15, 9, false, 0);
        deflater.compress(&vec![0u8; 1 << 20], true);
        let mut inflater = Inflater::new(false);
        let mut out = Vec::new();
        let (taken, how) = inflater.inflate(&deflater.output, &mut out, 1000).unwrap();
        assert_eq!((out.len(), how), (1000, Inflated::OutputFull));
        assert!(taken < deflater.output.len());
        assert!(out.capacity() < 40 * 1024);
    }

    #[test]
    fn garbage_is_an_error() {
        let mut inflater = Inflater::new(false);
        let mut out = Vec::new();
        assert_eq!(
            inflater.inflate(&[0xff; 16], &mut out, 1 << 20),
            Err(InvalidDeflateStream)
        );
    }
}
