//! The limits the subjects are compared with.
//!
//! - `memcpy`: the socket copy alone. Decode: the client's wire bytes read in pieces of at
//!   most 64 KiB into a 64 KiB buffer; encode: the expected wire bytes written in pieces of
//!   at most 64 KiB. No parsing, no per-message work.
//! - `zlib-rs`: flate2 with the zlib-rs backend, on the same messages with the same
//!   settings as permessage-deflate uses (raw deflate, 15-bit window, context takeover,
//!   sync flush with the `00 00 ff ff` tail removed and restored), including the socket
//!   copy of the compressed bytes, and nothing else: no framing, masking or UTF-8 check.

use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::{Bench, Inspect, RoundTrip, RoundTripBench};
use crate::data::{Consume, Kind, Messages};
use crate::io::{ByteQueue, MAX_IO, Shared, shared};

pub struct MemcpyDecode {
    input: Shared,
    buf: Vec<u8>,
}

impl MemcpyDecode {
    fn copy_all(&mut self, mut each: impl FnMut(&[u8])) {
        let mut input = self.input.borrow_mut();
        input.rewind();
        loop {
            let n = input.read_into(&mut self.buf);
            if n == 0 {
                break;
            }
            each(&self.buf[..n]);
        }
    }
}

impl Bench for MemcpyDecode {
    fn verify(&mut self) -> Result<(), String> {
        let mut copy = Vec::new();
        self.copy_all(|chunk| copy.extend_from_slice(chunk));
        if copy != self.input.borrow().data {
            return Err("the copy differs from the input".into());
        }
        Ok(())
    }

    fn run(&mut self) -> Duration {
        let mut acc = 0u64;
        let start = Instant::now();
        self.copy_all(|chunk| acc = acc.wrapping_add(u64::from(chunk[chunk.len() - 1])));
        let took = start.elapsed();
        black_box(acc);
        took
    }
}

pub fn memcpy_decoder(input: Shared) -> Box<dyn Bench> {
    Box::new(MemcpyDecode {
        input,
        buf: vec![0; MAX_IO],
    })
}

pub struct MemcpyEncode {
    wire: Vec<u8>,
    out: Shared,
}

impl Bench for MemcpyEncode {
    fn verify(&mut self) -> Result<(), String> {
        self.run();
        if self.out.borrow().data != self.wire {
            return Err("the copy differs from the wire bytes".into());
        }
        Ok(())
    }

    fn run(&mut self) -> Duration {
        let mut out = self.out.borrow_mut();
        out.clear();
        let start = Instant::now();
        out.write_all(&self.wire);
        let took = start.elapsed();
        black_box(&out.data);
        took
    }
}

/// `wire`: the bytes the subjects are expected to write.
pub fn memcpy_encoder(wire: Vec<u8>) -> Box<dyn Bench> {
    let out = shared(ByteQueue::default());
    out.borrow_mut().data.reserve(wire.len());
    Box::new(MemcpyEncode { wire, out })
}

/// RFC 7692 §7.2.1: the tail of a sync flush.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

pub struct Zlib {
    compress: Compress,
    decompress: Decompress,
    /// The sender's compressed message.
    compressed: Vec<u8>,
    /// The receiver's read buffer.
    received: Vec<u8>,
    /// The receiver's inflated message.
    inflated: Vec<u8>,
}

impl Zlib {
    fn deflate(&mut self, input: &[u8]) -> Result<(), String> {
        self.compressed.clear();
        let mut rest = input;
        loop {
            self.compressed.reserve(rest.len() + rest.len() / 1024 + 64);
            let before = self.compress.total_in();
            let status = self
                .compress
                .compress_vec(rest, &mut self.compressed, FlushCompress::Sync)
                .map_err(|e| e.to_string())?;
            rest = &rest[(self.compress.total_in() - before) as usize..];
            let flushed = self.compressed.len() < self.compressed.capacity();
            if status == Status::StreamEnd || (rest.is_empty() && flushed) {
                break;
            }
        }
        if self.compressed.ends_with(&TAIL) {
            self.compressed.truncate(self.compressed.len() - TAIL.len());
        }
        Ok(())
    }
}

impl RoundTrip for Zlib {
    fn round_trip<C: Consume, I: Inspect>(
        &mut self,
        msgs: &Messages,
        wire: &Shared,
        c: &mut C,
        inspect: &mut I,
    ) -> Result<(), String> {
        let mut wire = wire.borrow_mut();
        for text in &msgs.texts {
            self.deflate(text.as_bytes())?;
            wire.write_all(&self.compressed);
            inspect.sent(&wire.data);
            // The receiver: read it all, restore the tail, inflate.
            let mut filled = 0;
            loop {
                if self.received.len() < filled + MAX_IO {
                    self.received.resize(filled + MAX_IO, 0);
                }
                let n = wire.read_into(&mut self.received[filled..]);
                if n == 0 {
                    break;
                }
                filled += n;
            }
            self.received[filled..filled + 4].copy_from_slice(&TAIL);
            self.inflated.clear();
            self.inflated.reserve(text.len() + 64);
            let before = self.decompress.total_in();
            self.decompress
                .decompress_vec(
                    &self.received[..filled + 4],
                    &mut self.inflated,
                    FlushDecompress::Sync,
                )
                .map_err(|e| e.to_string())?;
            if (self.decompress.total_in() - before) as usize != filled + 4 {
                return Err("inflate left input".into());
            }
            c.message(Kind::Text, &self.inflated);
            wire.clear();
        }
        Ok(())
    }
}

pub fn zlib(
    msgs: Rc<Messages>,
    level: u32,
    wire_bytes: Rc<std::cell::Cell<usize>>,
) -> Box<dyn Bench> {
    let subject = Zlib {
        compress: Compress::new(Compression::new(level), false),
        decompress: Decompress::new(false),
        compressed: Vec::new(),
        received: Vec::new(),
        inflated: Vec::new(),
    };
    let wire = shared(ByteQueue::default());
    RoundTripBench::boxed(subject, msgs, wire, false, wire_bytes)
}
