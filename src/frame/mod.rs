//! The frame codec (RFC 6455 §5.2): header parsing and encoding, and masking.
//!
//! The codec knows nothing of connection state. It enforces only the rules a header breaks
//! on its own (a reserved opcode, a fragmented or oversized control frame, a length with its
//! top bit set); which role must mask and which reserved bits an extension allows are the
//! connection's business.

mod mask;

pub use mask::apply_mask;
pub(crate) use mask::mask_into;

use core::fmt;

/// A frame's opcode (RFC 6455 §5.2, §11.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// 0x0: a continuation of a fragmented data message.
    Continuation,
    /// 0x1: the first frame of a text message.
    Text,
    /// 0x2: the first frame of a binary message.
    Binary,
    /// 0x8: a Close control frame.
    Close,
    /// 0x9: a Ping control frame.
    Ping,
    /// 0xA: a Pong control frame.
    Pong,
}

impl OpCode {
    /// Decodes the low four bits of a frame's first byte; `None` for the reserved values
    /// 0x3–0x7 and 0xB–0xF.
    pub const fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    /// The four-bit wire value.
    pub const fn bits(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// RFC 6455 §5.5: control frames have opcodes whose most significant bit is 1.
    pub const fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }
}

/// The first reserved bit, claimed by permessage-deflate (RFC 7692 §6).
pub const RSV1: u8 = 0x40;
/// The second reserved bit.
pub const RSV2: u8 = 0x20;
/// The third reserved bit.
pub const RSV3: u8 = 0x10;

/// The longest possible header: 2 bytes, an 8-byte extended length and a 4-byte mask key.
pub const MAX_HEADER_LEN: usize = 14;

/// RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The FIN bit: this is the final fragment of its message.
    pub fin: bool,
    /// The reserved bits as they sit in the first byte (a combination of [`RSV1`],
    /// [`RSV2`] and [`RSV3`]).
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, present when the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// The payload length in bytes.
    pub payload_len: u64,
}

/// A header that breaks RFC 6455 §5.2 or §5.5 regardless of connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The opcode is one of the reserved values 0x3–0x7 or 0xB–0xF.
    ReservedOpcode(u8),
    /// A control frame without the FIN bit (RFC 6455 §5.5).
    FragmentedControl,
    /// A control frame whose payload is longer than 125 bytes (RFC 6455 §5.5).
    ControlTooLong,
    /// A 64-bit length with its most significant bit set (RFC 6455 §5.2).
    LengthOverflow,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedOpcode(bits) => write!(f, "reserved opcode {bits:#x}"),
            Self::FragmentedControl => f.write_str("fragmented control frame"),
            Self::ControlTooLong => f.write_str("control frame payload longer than 125 bytes"),
            Self::LengthOverflow => f.write_str("64-bit payload length with its top bit set"),
        }
    }
}

impl core::error::Error for FrameError {}

impl FrameHeader {
    /// Decodes a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` while `buf` holds too few bytes to tell, and otherwise the header
    /// and its encoded length. Fails as soon as the bytes seen prove the header invalid, so a
    /// control frame announcing 126 bytes is refused after two bytes, not fourteen.
    ///
    /// Lengths not in their shortest form are accepted: RFC 6455 §5.2 binds the sender, and
    /// refusing them would buy nothing but interoperability trouble.
    ///
    /// ```
    /// use wswire::frame::{FrameHeader, OpCode};
    /// // RFC 6455 §5.7: a single-frame unmasked text message "Hello".
    /// let (header, len) = FrameHeader::decode(b"\x81\x05Hello").unwrap().unwrap();
    /// assert_eq!((header.opcode, header.fin, header.payload_len, len), (OpCode::Text, true, 5, 2));
    /// assert_eq!(FrameHeader::decode(b"\x81").unwrap(), None);
    /// ```
    pub fn decode(buf: &[u8]) -> Result<Option<(Self, usize)>, FrameError> {
        let [b0, b1, ..] = *buf else {
            return Ok(None);
        };
        let fin = b0 & 0x80 != 0;
        let opcode = OpCode::from_bits(b0 & 0x0F).ok_or(FrameError::ReservedOpcode(b0 & 0x0F))?;
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            if !fin {
                return Err(FrameError::FragmentedControl);
            }
            if usize::from(len7) > MAX_CONTROL_PAYLOAD {
                return Err(FrameError::ControlTooLong);
            }
        }
        let len_bytes = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let header_len = 2 + len_bytes + if masked { 4 } else { 0 };
        if buf.len() < header_len {
            return Ok(None);
        }
        let payload_len = match len_bytes {
            2 => u64::from(u16::from_be_bytes([buf[2], buf[3]])),
            8 => {
                let mut be = [0u8; 8];
                be.copy_from_slice(&buf[2..10]);
                let len = u64::from_be_bytes(be);
                if len >> 63 != 0 {
                    return Err(FrameError::LengthOverflow);
                }
                len
            }
            _ => u64::from(len7),
        };
        let mask = masked.then(|| {
            let at = 2 + len_bytes;
            [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]
        });
        let header = Self {
            fin,
            rsv: b0 & (RSV1 | RSV2 | RSV3),
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, header_len)))
    }

    /// Encodes the header in its shortest form.
    ///
    /// ```
    /// use wswire::frame::{FrameHeader, OpCode};
    /// let header = FrameHeader { fin: true, rsv: 0, opcode: OpCode::Binary, mask: None, payload_len: 256 };
    /// // RFC 6455 §5.7: a 256-byte binary message in a single unmasked frame.
    /// assert_eq!(header.encode().as_bytes(), &[0x82, 0x7E, 0x01, 0x00]);
    /// ```
    pub fn encode(&self) -> EncodedHeader {
        let mut bytes = [0u8; MAX_HEADER_LEN];
        bytes[0] = (u8::from(self.fin) << 7) | self.rsv | self.opcode.bits();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut len = 2;
        match self.payload_len {
            n @ 0..=125 => bytes[1] = mask_bit | n as u8,
            n @ 126..=0xFFFF => {
                bytes[1] = mask_bit | 126;
                bytes[2..4].copy_from_slice(&(n as u16).to_be_bytes());
                len = 4;
            }
            n => {
                bytes[1] = mask_bit | 127;
                bytes[2..10].copy_from_slice(&n.to_be_bytes());
                len = 10;
            }
        }
        if let Some(key) = self.mask {
            bytes[len..len + 4].copy_from_slice(&key);
            len += 4;
        }
        EncodedHeader {
            bytes,
            len: len as u8,
        }
    }
}

/// An encoded frame header, held on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EncodedHeader {
    bytes: [u8; MAX_HEADER_LEN],
    len: u8,
}

impl EncodedHeader {
    /// The header's bytes, ready to be written before the payload.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for EncodedHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EncodedHeader")
            .field(&self.as_bytes())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_opcodes_are_refused() {
        for bits in (0x3..=0x7).chain(0xB..=0xF) {
            assert_eq!(
                FrameHeader::decode(&[0x80 | bits, 0]),
                Err(FrameError::ReservedOpcode(bits))
            );
        }
    }

    #[test]
    fn control_frame_rules_fail_after_two_bytes() {
        assert_eq!(
            FrameHeader::decode(&[0x09, 0x00]),
            Err(FrameError::FragmentedControl)
        );
        assert_eq!(
            FrameHeader::decode(&[0x89, 126]),
            Err(FrameError::ControlTooLong)
        );
        assert_eq!(
            FrameHeader::decode(&[0x88, 127]),
            Err(FrameError::ControlTooLong)
        );
        assert!(FrameHeader::decode(&[0x89, 125]).unwrap().is_some());
    }

    #[test]
    fn top_bit_of_64_bit_length_is_refused() {
        let mut buf = vec![0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(FrameHeader::decode(&buf), Err(FrameError::LengthOverflow));
        buf[2] = 0x7F;
        assert!(FrameHeader::decode(&buf).unwrap().is_some());
    }

    #[test]
    fn partial_headers_ask_for_more() {
        let full = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
        for cut in 0..full.len() {
            assert_eq!(FrameHeader::decode(&full[..cut]), Ok(None), "cut at {cut}");
        }
        let (header, len) = FrameHeader::decode(&full).unwrap().unwrap();
        assert_eq!(len, 14);
        assert_eq!(header.payload_len, 65536);
        assert_eq!(header.mask, Some([1, 2, 3, 4]));
    }

    #[test]
    fn encode_picks_the_shortest_length_form() {
        for (len, expected_header_len) in [
            (0, 2),
            (125, 2),
            (126, 4),
            (65535, 4),
            (65536, 10),
            (u64::MAX >> 1, 10),
        ] {
            let header = FrameHeader {
                fin: false,
                rsv: RSV1,
                opcode: OpCode::Continuation,
                mask: None,
                payload_len: len,
            };
            let encoded = header.encode();
            assert_eq!(encoded.as_bytes().len(), expected_header_len);
            let (decoded, n) = FrameHeader::decode(encoded.as_bytes()).unwrap().unwrap();
            assert_eq!((decoded, n), (header, expected_header_len));
        }
    }
}
