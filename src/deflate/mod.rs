//! permessage-deflate (RFC 7692): its settings, the parameters two ends agree on, and the
//! compressor and decompressor that apply them.
//!
//! The two directions are independent. Each has a window size (the LZ77 distance the
//! sender's compressor may reach back) and a context-takeover flag (whether the sender may
//! refer to earlier messages). The receiving end must keep a window at least as large as
//! the sender's; this crate always inflates with the largest window, 2^15 bytes, which is
//! safe whatever the peer uses, and limits only what it compresses with.
//!
//! zlib cannot produce a raw deflate stream with an 8-bit window: asked for 8 it silently
//! uses 9, and a peer that took us at our word would misread our references. So this crate
//! never agrees to compress with an 8-bit window: a server declines an offer that demands
//! it, and a client fails a handshake whose response demands it.

use alloc::string::ToString;
mod codec;
mod negotiate;

pub(crate) use codec::{Deflater, INFLATE_STEP, Inflated, Inflater};
pub use negotiate::DeflateNegotiationError;

use crate::extensions::Extension;

/// The extension's registered name (RFC 7692 §7).
pub const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// What one end of a connection wants from permessage-deflate.
///
/// On a client it shapes the offer; on a server it decides which offers to accept and what
/// to answer. The compression level and the size threshold are local choices and never
/// appear on the wire.
///
/// ```
/// use wswire::DeflateConfig;
/// // A client asking for small, stateless compression in both directions.
/// let config = DeflateConfig::new()
///     .client_no_context_takeover(true)
///     .server_no_context_takeover(true)
///     .client_max_window_bits(10)
///     .server_max_window_bits(10);
/// assert_eq!(
///     config.offer().to_string(),
///     "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
///      server_max_window_bits=10; client_max_window_bits=10"
/// );
/// // The default offer is what browsers send.
/// assert_eq!(DeflateConfig::new().offer().to_string(), "permessage-deflate; client_max_window_bits");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflateConfig {
    pub(crate) server_no_context_takeover: bool,
    pub(crate) client_no_context_takeover: bool,
    pub(crate) server_max_window_bits: u8,
    pub(crate) client_max_window_bits: u8,
    pub(crate) level: u32,
    pub(crate) mem_level: u8,
    pub(crate) min_compress_size: usize,
}

impl DeflateConfig {
    /// Context takeover and 15-bit windows both ways, compression level 6, every message
    /// compressed.
    pub fn new() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
            level: 6,
            mem_level: 8,
            min_compress_size: 0,
        }
    }

    /// The server compresses each message on its own (RFC 7692 §7.1.1.1). A client asks
    /// for it; a server always declares it. Lets the server drop its compressor between
    /// messages.
    pub fn server_no_context_takeover(mut self, on: bool) -> Self {
        self.server_no_context_takeover = on;
        self
    }

    /// The client compresses each message on its own (RFC 7692 §7.1.1.2). A client
    /// declares it; a server asks for it.
    pub fn client_no_context_takeover(mut self, on: bool) -> Self {
        self.client_no_context_takeover = on;
        self
    }

    /// The largest window the server compresses with, 9 to 15 (clamped): a client asks for
    /// it, a server uses at most this (RFC 7692 §7.1.2.1).
    pub fn server_max_window_bits(mut self, bits: u8) -> Self {
        self.server_max_window_bits = bits.clamp(9, 15);
        self
    }

    /// The largest window the client compresses with, 9 to 15 (clamped): a client declares
    /// it, a server asks for it when the client allows (RFC 7692 §7.1.2.2).
    pub fn client_max_window_bits(mut self, bits: u8) -> Self {
        self.client_max_window_bits = bits.clamp(9, 15);
        self
    }

    /// The zlib compression level, 0 (store) to 9 (smallest); 6 by default.
    pub fn level(mut self, level: u32) -> Self {
        self.level = level.min(9);
        self
    }

    /// zlib's memory level, 1 to 9 (clamped), 8 by default: how much memory the compressor
    /// uses for finding matches (its hash tables take `2^(level + 9)` bytes). Lower saves
    /// memory per connection at some cost in compression ratio; it never appears on the
    /// wire.
    pub fn memory_level(mut self, level: u8) -> Self {
        self.mem_level = level.clamp(1, 9);
        self
    }

    /// Messages shorter than this are sent uncompressed (RFC 7692 §6.1 lets a sender choose
    /// per message). 0 by default: everything is compressed.
    pub fn min_compress_size(mut self, bytes: usize) -> Self {
        self.min_compress_size = bytes;
        self
    }
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// The parameters both ends agreed on: what the server's response said.
///
/// A window of `None` means the response did not name one: 15 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server compresses each message on its own.
    pub server_no_context_takeover: bool,
    /// The client compresses each message on its own.
    pub client_no_context_takeover: bool,
    /// The server's largest window, if the response named one.
    pub server_max_window_bits: Option<u8>,
    /// The client's largest window, if the response named one.
    pub client_max_window_bits: Option<u8>,
}

impl DeflateParams {
    /// The extension as the server's response states it.
    ///
    /// ```
    /// use wswire::DeflateParams;
    /// let params = DeflateParams {
    ///     server_no_context_takeover: true,
    ///     client_no_context_takeover: false,
    ///     server_max_window_bits: None,
    ///     client_max_window_bits: Some(12),
    /// };
    /// assert_eq!(
    ///     params.to_extension().to_string(),
    ///     "permessage-deflate; server_no_context_takeover; client_max_window_bits=12"
    /// );
    /// ```
    pub fn to_extension(&self) -> Extension {
        let mut extension = Extension::new(PERMESSAGE_DEFLATE);
        if self.server_no_context_takeover {
            extension = extension.with_param("server_no_context_takeover", None);
        }
        if self.client_no_context_takeover {
            extension = extension.with_param("client_no_context_takeover", None);
        }
        if let Some(bits) = self.server_max_window_bits {
            extension = extension.with_param("server_max_window_bits", Some(bits.to_string()));
        }
        if let Some(bits) = self.client_max_window_bits {
            extension = extension.with_param("client_max_window_bits", Some(bits.to_string()));
        }
        extension
    }
}
