//! The sending half: frames appended to the output buffer, masked by a client.

use crate::buffer::{OutputBuffer, SharedPayload};
use crate::close::CloseCode;
use crate::deflate::Deflater;
use crate::frame::{
    EncodedHeader, FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, OpCode, RSV1, apply_mask,
    mask_into,
};
use crate::keys::KeySource;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Past this much unwritten output, a new automatic Pong replaces an unwritten one at the
/// tail instead of adding to it, so a peer that floods Pings without reading cannot grow the
/// buffer (RFC 6455 §5.5.3 allows answering only the most recent Ping).
const PONG_COALESCE_THRESHOLD: usize = 64 * 1024;

pub(crate) struct Writer {
    output: OutputBuffer,
    /// Present for a client, which masks every frame (RFC 6455 §5.3).
    keys: Option<Box<dyn KeySource>>,
    /// Length of the automatic Pong at the tail of the output, while it is unwritten.
    tail_auto_pong: Option<usize>,
    /// Present when permessage-deflate was negotiated.
    deflater: Option<Deflater>,
}

impl core::fmt::Debug for Writer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Writer")
            .field("output", &self.output)
            .field("masking", &self.keys.is_some())
            .field("deflater", &self.deflater)
            .finish_non_exhaustive()
    }
}

impl Writer {
    pub(crate) fn new(keys: Option<Box<dyn KeySource>>) -> Self {
        Self {
            output: OutputBuffer::default(),
            keys,
            tail_auto_pong: None,
            deflater: None,
        }
    }

    /// Appends one frame carrying `payload`.
    pub(crate) fn frame(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) {
        self.tail_auto_pong = None;
        append_frame(&mut self.output, &mut self.keys, opcode, fin, rsv, payload);
    }

    /// Compresses messages with `deflater` from now on (permessage-deflate).
    pub(crate) fn enable_deflate(&mut self, deflater: Deflater) {
        self.deflater = Some(deflater);
    }

    /// Queues bytes that are not a frame: a handshake's response.
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.output.append(bytes);
    }

    /// The output, for reading what is pending.
    pub(crate) fn output(&self) -> &OutputBuffer {
        &self.output
    }

    /// Takes `n` written bytes off the output.
    pub(crate) fn consume(&mut self, n: usize) {
        self.output.consume(n);
    }

    /// Gives back what an idle connection does not need: the output's storage if nothing
    /// is pending, and a compression context the next message will not use.
    pub(crate) fn release_idle(&mut self) {
        self.output.release_if_empty();
        if let Some(deflater) = &mut self.deflater {
            deflater.release();
        }
    }

    /// Gives back the output's storage beyond what is pending, and, unless a fragmented
    /// message is being compressed, a compression context the next message will not use.
    pub(crate) fn shrink(&mut self, in_message: bool) {
        self.output.shrink();
        if !in_message {
            if let Some(deflater) = &mut self.deflater {
                deflater.release();
            }
        }
    }

    /// Whether this end masks what it sends (a client).
    pub(crate) fn masks(&self) -> bool {
        self.keys.is_some()
    }

    /// Appends the header of an unmasked, uncompressed single-frame message and its
    /// payload, shared rather than copied.
    pub(crate) fn shared_frame(&mut self, opcode: OpCode, payload: SharedPayload) {
        debug_assert!(self.keys.is_none());
        let len = (*payload).as_ref().len();
        self.shared_header(opcode, None, len);
        self.output.append_shared(payload);
    }

    /// Appends the header of an uncompressed single-frame message and its payload, taken
    /// over rather than copied: a client masks it in place (RFC 6455 §5.3).
    pub(crate) fn owned_frame(&mut self, opcode: OpCode, mut payload: Vec<u8>) {
        let mask = draw_mask(&mut self.keys);
        if let Some(key) = mask {
            apply_mask(&mut payload, key, 0);
        }
        self.shared_header(opcode, mask, payload.len());
        self.output.append_shared(Box::new(payload));
    }

    fn shared_header(&mut self, opcode: OpCode, mask: Option<[u8; 4]>, len: usize) {
        self.tail_auto_pong = None;
        let space = self.output.space_at(0, MAX_HEADER_LEN);
        let at = write_header(space, first_byte(opcode, true, 0), mask, len);
        self.output.commit(at);
    }

    /// Whether a message of `len` bytes is to be compressed.
    pub(crate) fn compresses(&self, len: usize) -> bool {
        self.deflater
            .as_ref()
            .is_some_and(|d| len >= d.min_compress_size)
    }

    /// Appends a frame of a data message, compressing it if `compressed` (which the caller
    /// decided for the whole message with [`compresses`](Self::compresses)).
    pub(crate) fn data_frame(
        &mut self,
        opcode: OpCode,
        fin: bool,
        compressed: bool,
        payload: &[u8],
    ) {
        self.tail_auto_pong = None;
        match &mut self.deflater {
            Some(deflater) if compressed => {
                // RFC 7692 §6: RSV1 marks the first frame of a compressed message only.
                let rsv = if opcode == OpCode::Continuation {
                    0
                } else {
                    RSV1
                };
                // Compressed straight into the output, after room for the header its
                // bound would need; moved up in the rare case the header comes out shorter.
                let masked = self.keys.is_some();
                let room = header_len(Deflater::bound(payload.len()), masked);
                let len = deflater.compress_into(payload, fin, &mut self.output, room);
                let mask = draw_mask(&mut self.keys);
                let at = header_len(len, masked);
                let space = self.output.space_at(0, room.max(at) + len);
                if at != room {
                    space.copy_within(room..room + len, at);
                }
                write_header(space, first_byte(opcode, fin, rsv), mask, len);
                if let Some(key) = mask {
                    apply_mask(&mut space[at..at + len], key, 0);
                }
                self.output.commit(at + len);
            }
            _ => append_frame(&mut self.output, &mut self.keys, opcode, fin, 0, payload),
        }
    }

    /// A header for a payload the caller writes itself, masking it in place for a client.
    pub(crate) fn unbuffered(&mut self, opcode: OpCode, payload: &mut [u8]) -> EncodedHeader {
        let mask = draw_mask(&mut self.keys);
        if let Some(key) = mask {
            apply_mask(payload, key, 0);
        }
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        }
        .encode()
    }

    pub(crate) fn auto_pong(&mut self, payload: &[u8]) {
        if let Some(len) = self.tail_auto_pong {
            if self.output.len() >= PONG_COALESCE_THRESHOLD {
                self.output.truncate_tail(len);
            }
        }
        let before = self.output.len();
        self.frame(OpCode::Pong, true, 0, payload);
        self.tail_auto_pong = Some(self.output.len() - before);
    }

    /// Appends a Close frame; `code` `None` sends an empty body. The caller has checked that
    /// the reason fits.
    pub(crate) fn close(&mut self, code: Option<CloseCode>, reason: &str) {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let len = match code {
            None => 0,
            Some(code) => {
                let reason = &reason.as_bytes()[..reason.len().min(MAX_CONTROL_PAYLOAD - 2)];
                payload[..2].copy_from_slice(&code.as_u16().to_be_bytes());
                payload[2..2 + reason.len()].copy_from_slice(reason);
                2 + reason.len()
            }
        };
        self.frame(OpCode::Close, true, 0, &payload[..len]);
    }
}

/// The length of the header of a frame carrying `len` bytes (RFC 6455 §5.2).
#[inline]
fn header_len(len: usize, masked: bool) -> usize {
    let base = match len {
        0..=125 => 2,
        126..=0xFFFF => 4,
        _ => 10,
    };
    if masked { base + 4 } else { base }
}

/// A fresh masking key for a client's frame (RFC 6455 §5.3), none for a server's.
#[inline]
fn draw_mask(keys: &mut Option<Box<dyn KeySource>>) -> Option<[u8; 4]> {
    keys.as_mut().map(|keys| {
        let mut key = [0u8; 4];
        keys.fill(&mut key);
        key
    })
}

/// Writes a header in its shortest form (RFC 6455 §5.2) at the start of `out`, which has
/// room for it; returns its length. Fixed-size stores, no intermediate copy: on small
/// messages the header is a good part of the work.
#[inline]
fn write_header(out: &mut [u8], first_byte: u8, mask: Option<[u8; 4]>, len: usize) -> usize {
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    out[0] = first_byte;
    let mut at = match len {
        0..=125 => {
            out[1] = mask_bit | len as u8;
            2
        }
        126..=0xFFFF => {
            out[1] = mask_bit | 126;
            out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        }
        _ => {
            out[1] = mask_bit | 127;
            out[2..10].copy_from_slice(&(len as u64).to_be_bytes());
            10
        }
    };
    if let Some(key) = mask {
        out[at..at + 4].copy_from_slice(&key);
        at += 4;
    }
    at
}

/// The first byte of a header: FIN, the reserved bits, the opcode.
#[inline]
fn first_byte(opcode: OpCode, fin: bool, rsv: u8) -> u8 {
    (u8::from(fin) << 7) | rsv | opcode.bits()
}

/// Appends header and payload, masking the payload as it is copied for a client.
#[inline]
fn append_frame(
    output: &mut OutputBuffer,
    keys: &mut Option<Box<dyn KeySource>>,
    opcode: OpCode,
    fin: bool,
    rsv: u8,
    payload: &[u8],
) {
    let mask = draw_mask(keys);
    let len = payload.len();
    let total = header_len(len, mask.is_some()) + len;
    let space = output.space_at(0, total);
    let at = write_header(space, first_byte(opcode, fin, rsv), mask, len);
    let body = &mut space[at..at + len];
    match mask {
        Some(key) => mask_into(body, payload, key),
        None => body.copy_from_slice(payload),
    }
    output.commit(at + len);
}
