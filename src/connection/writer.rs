//! The sending half: frames appended to the output buffer, masked by a client.

use crate::buffer::OutputBuffer;
use crate::close::CloseCode;
use crate::deflate::Deflater;
use crate::frame::{
    EncodedHeader, FrameHeader, MAX_CONTROL_PAYLOAD, OpCode, RSV1, apply_mask, mask_into,
};
use crate::keys::KeySource;

/// Past this much unwritten output, a new automatic Pong replaces an unwritten one at the
/// tail instead of adding to it, so a peer that floods Pings without reading cannot grow the
/// buffer (RFC 6455 §5.5.3 allows answering only the most recent Ping).
const PONG_COALESCE_THRESHOLD: usize = 64 * 1024;

pub(crate) struct Writer {
    pub(crate) output: OutputBuffer,
    /// Present for a client, which masks every frame (RFC 6455 §5.3).
    keys: Option<Box<dyn KeySource>>,
    /// Length of the automatic Pong at the tail of the output, while it is unwritten.
    tail_auto_pong: Option<usize>,
    /// Present when permessage-deflate was negotiated.
    pub(crate) deflater: Option<Deflater>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
                let (header, mask) = frame_header(&mut self.keys, opcode, fin, rsv, len);
                let header = header.as_bytes();
                let space = self.output.space_at(0, room.max(header.len()) + len);
                if header.len() != room {
                    space.copy_within(room..room + len, header.len());
                }
                space[..header.len()].copy_from_slice(header);
                if let Some(key) = mask {
                    apply_mask(&mut space[header.len()..header.len() + len], key, 0);
                }
                self.output.commit(header.len() + len);
            }
            _ => append_frame(&mut self.output, &mut self.keys, opcode, fin, 0, payload),
        }
    }

    /// A header for a payload the caller writes itself, masking it in place for a client.
    pub(crate) fn unbuffered(&mut self, opcode: OpCode, payload: &mut [u8]) -> EncodedHeader {
        let (header, mask) = frame_header(&mut self.keys, opcode, true, 0, payload.len());
        if let Some(key) = mask {
            apply_mask(payload, key, 0);
        }
        header
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

/// Encodes a header, drawing a fresh mask key for a client.
fn frame_header(
    keys: &mut Option<Box<dyn KeySource>>,
    opcode: OpCode,
    fin: bool,
    rsv: u8,
    len: usize,
) -> (EncodedHeader, Option<[u8; 4]>) {
    let mask = keys.as_mut().map(|keys| {
        let mut key = [0u8; 4];
        keys.fill(&mut key);
        key
    });
    let header = FrameHeader {
        fin,
        rsv,
        opcode,
        mask,
        payload_len: len as u64,
    };
    (header.encode(), mask)
}

/// The length of the header of a frame carrying `len` bytes (RFC 6455 §5.2).
fn header_len(len: usize, masked: bool) -> usize {
    let base = match len {
        0..=125 => 2,
        126..=0xFFFF => 4,
        _ => 10,
    };
    if masked { base + 4 } else { base }
}

/// Appends header and payload, masking the payload as it is copied for a client.
fn append_frame(
    output: &mut OutputBuffer,
    keys: &mut Option<Box<dyn KeySource>>,
    opcode: OpCode,
    fin: bool,
    rsv: u8,
    payload: &[u8],
) {
    let (header, mask) = frame_header(keys, opcode, fin, rsv, payload.len());
    let header = header.as_bytes();
    let total = header.len() + payload.len();
    let space = &mut output.space_at(0, total)[..total];
    let (head, body) = space.split_at_mut(header.len());
    head.copy_from_slice(header);
    match mask {
        Some(key) => mask_into(body, payload, key),
        None => body.copy_from_slice(payload),
    }
    output.commit(total);
}
