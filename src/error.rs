//! Errors after the handshake: what the peer did wrong, and what the caller did wrong.
//!
//! The two are different types on purpose (as h11 separates remote from local protocol
//! errors): a [`ProtocolError`] ends the connection with a close code sent to the peer, a
//! [`UsageError`] refuses one call and leaves the connection as it was.

use alloc::string::String;
use core::fmt;

use crate::close::CloseCode;
use crate::frame::FrameError;

/// The peer broke RFC 6455 (or an extension's rules); the connection has been failed.
///
/// When this is returned, the Close frame carrying [`close_code`](Self::close_code) is
/// already queued behind everything queued before it (RFC 6455 §7.1.7), and every later
/// `poll_event` returns the same error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A header broke a rule of its own (RFC 6455 §5.2, §5.5).
    InvalidFrame(FrameError),
    /// A client sent an unmasked frame (RFC 6455 §5.1).
    UnmaskedFrame,
    /// A server sent a masked frame (RFC 6455 §5.1).
    MaskedFrame,
    /// Reserved bits were set that no negotiated extension defines (RFC 6455 §5.2), or an
    /// extension's bit was set on a frame it does not apply to (RFC 7692 §6).
    ReservedBits(u8),
    /// A continuation frame arrived with no fragmented message in progress (RFC 6455 §5.4).
    UnexpectedContinuation,
    /// A new text or binary frame arrived inside a fragmented message (RFC 6455 §5.4).
    ExpectedContinuation,
    /// A text message (or close reason) was not valid UTF-8 (RFC 6455 §8.1).
    InvalidUtf8,
    /// A Close frame carried one byte of payload (RFC 6455 §5.5.1).
    OneByteClosePayload,
    /// A Close frame carried a code that may not be sent (RFC 6455 §7.4).
    InvalidCloseCode(u16),
    /// A frame's payload was longer than the configured maximum.
    FrameTooLarge {
        /// The length the frame announced.
        len: u64,
        /// The configured limit.
        max: usize,
    },
    /// A message grew past the configured maximum (for a compressed message, counted
    /// after decompression).
    MessageTooLarge {
        /// The configured limit.
        max: usize,
    },
    /// A compressed message could not be decompressed (RFC 7692 §6.2).
    InvalidCompressedData,
    /// No Pong or other data arrived within the pong timeout after a keep-alive Ping
    /// (`Config::pong_timeout`); the Close carries 1011, as Python `websockets` sends.
    PongTimeout,
    /// The transport ended (`Connection::receive_eof`) before the closing handshake did:
    /// RFC 6455 §7.1.5 calls this an abnormal closure, 1006, a code never sent.
    AbnormalClosure,
    /// After this end's Close, the peer's did not arrive within `Config::close_timeout`;
    /// the connection gives up waiting (1006, never sent: a Close is already out).
    CloseTimeout,
}

impl ProtocolError {
    /// The status code sent to the peer in the Close frame (RFC 6455 §7.4.1).
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::InvalidFrame(_)
            | Self::UnmaskedFrame
            | Self::MaskedFrame
            | Self::ReservedBits(_)
            | Self::UnexpectedContinuation
            | Self::ExpectedContinuation
            | Self::OneByteClosePayload
            | Self::InvalidCloseCode(_) => CloseCode::PROTOCOL_ERROR,
            Self::InvalidUtf8 | Self::InvalidCompressedData => CloseCode::INVALID_PAYLOAD,
            Self::FrameTooLarge { .. } | Self::MessageTooLarge { .. } => CloseCode::TOO_BIG,
            Self::PongTimeout => CloseCode::INTERNAL_ERROR,
            Self::AbnormalClosure | Self::CloseTimeout => CloseCode::ABNORMAL,
        }
    }

    /// The reason sent with the close code: short, fixed text that never echoes peer data.
    pub(crate) fn close_reason(&self) -> &'static str {
        match self {
            Self::InvalidFrame(FrameError::ReservedOpcode(_)) => "reserved opcode",
            Self::InvalidFrame(FrameError::FragmentedControl) => "fragmented control frame",
            Self::InvalidFrame(FrameError::ControlTooLong) => "control frame too long",
            Self::InvalidFrame(FrameError::LengthOverflow) => "invalid payload length",
            Self::UnmaskedFrame => "unmasked frame",
            Self::MaskedFrame => "masked frame",
            Self::ReservedBits(_) => "reserved bits set",
            Self::UnexpectedContinuation => "unexpected continuation frame",
            Self::ExpectedContinuation => "expected continuation frame",
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::OneByteClosePayload => "invalid close payload",
            Self::InvalidCloseCode(_) => "invalid close code",
            Self::FrameTooLarge { .. } => "frame too large",
            Self::MessageTooLarge { .. } => "message too large",
            Self::InvalidCompressedData => "invalid compressed data",
            Self::PongTimeout => "keepalive ping timeout",
            // Never sent: 1006 does not appear on the wire.
            Self::AbnormalClosure | Self::CloseTimeout => "",
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidFrame(e) => write!(f, "peer sent an invalid frame: {e}"),
            Self::UnmaskedFrame => f.write_str("client sent an unmasked frame"),
            Self::MaskedFrame => f.write_str("server sent a masked frame"),
            Self::ReservedBits(bits) => {
                write!(
                    f,
                    "peer set reserved bits {bits:#04x} that no extension defines"
                )
            }
            Self::UnexpectedContinuation => {
                f.write_str("peer sent a continuation frame outside a fragmented message")
            }
            Self::ExpectedContinuation => {
                f.write_str("peer started a new message inside a fragmented message")
            }
            Self::InvalidUtf8 => f.write_str("peer sent text that is not valid UTF-8"),
            Self::OneByteClosePayload => f.write_str("peer sent a one-byte close payload"),
            Self::InvalidCloseCode(code) => write!(f, "peer sent invalid close code {code}"),
            Self::FrameTooLarge { len, max } => {
                write!(
                    f,
                    "peer sent a {len}-byte frame, more than the {max}-byte limit"
                )
            }
            Self::MessageTooLarge { max } => {
                write!(f, "peer sent a message larger than the {max}-byte limit")
            }
            Self::InvalidCompressedData => {
                f.write_str("peer sent a compressed message that does not inflate")
            }
            Self::PongTimeout => f.write_str("peer did not answer a keep-alive Ping in time"),
            Self::AbnormalClosure => f.write_str("the transport ended without a closing handshake"),
            Self::CloseTimeout => f.write_str("peer did not finish the closing handshake in time"),
        }
    }
}

impl core::error::Error for ProtocolError {}

impl From<crate::utf8::InvalidUtf8> for ProtocolError {
    fn from(_: crate::utf8::InvalidUtf8) -> Self {
        Self::InvalidUtf8
    }
}

impl From<FrameError> for ProtocolError {
    fn from(e: FrameError) -> Self {
        Self::InvalidFrame(e)
    }
}

/// The caller asked for something the connection cannot do; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// A Close frame has been sent (or the connection has ended): RFC 6455 §5.5.1, "the
    /// application MUST NOT send any more data frames".
    Closing,
    /// The connection has failed; see the [`ProtocolError`] that `poll_event` returned.
    Failed,
    /// Control frames carry at most 125 bytes (RFC 6455 §5.5).
    ControlPayloadTooLong(usize),
    /// The code may not be sent in a Close frame (RFC 6455 §7.4).
    InvalidCloseCode(u16),
    /// A close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5.1).
    CloseReasonTooLong(usize),
    /// A fragmented message is being sent; finish it before starting another.
    MessageInProgress,
    /// A fragment's kind differs from the message it continues.
    FragmentKindMismatch,
    /// An unbuffered message needs the pending output written first, or it would be sent
    /// out of order.
    OutputPending,
    /// The handshake has no request to answer: none has arrived yet, or it was already
    /// answered or refused.
    NoRequest,
    /// The subprotocol chosen was not among those the client offered (RFC 6455 §4.2.2).
    ProtocolNotOffered(String),
    /// A subprotocol name to offer is not a token (RFC 6455 §4.1).
    InvalidProtocol(String),
    /// A refusal's status must be a final one, from 200 to 599.
    InvalidStatus(u16),
    /// A refusal with this status cannot carry a body (204, 205, 304: RFC 9110 §15.3.5,
    /// §15.3.6, §15.4.5).
    BodyNotAllowed(u16),
    /// A header field name is not a token, or its value holds CR, LF or NUL; or, over
    /// HTTP/2 and HTTP/3, a field they forbid (RFC 9113 §8.2.2, RFC 9114 §4.2).
    InvalidHeader(String),
    /// A header field the handshake writes itself.
    ReservedHeader(String),
    /// permessage-deflate parameters that would have this end compress with a window
    /// zlib cannot produce (8 bits, or outside 8–15).
    UnsupportedWindowBits(u8),
    /// The message would take the pending output past `Config::max_pending_output`:
    /// nothing was queued. Write what is pending first.
    OutputFull {
        /// Bytes pending when the message was refused.
        pending: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A WebSocket handshake needs HTTP/1.1 or later (RFC 6455 §4.1).
    UnsupportedHttpVersion(crate::HttpVersion),
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closing => f.write_str("a Close frame has already been sent"),
            Self::Failed => f.write_str("the connection has failed"),
            Self::ControlPayloadTooLong(n) => {
                write!(f, "control frame payload of {n} bytes exceeds 125")
            }
            Self::InvalidCloseCode(code) => write!(f, "close code {code} may not be sent"),
            Self::CloseReasonTooLong(n) => write!(f, "close reason of {n} bytes exceeds 123"),
            Self::MessageInProgress => f.write_str("a fragmented message is still being sent"),
            Self::FragmentKindMismatch => {
                f.write_str("fragment kind differs from the message in progress")
            }
            Self::OutputPending => f.write_str("pending output must be written first"),
            Self::NoRequest => f.write_str("there is no request to answer"),
            Self::ProtocolNotOffered(p) => write!(f, "subprotocol {p:?} was not offered"),
            Self::InvalidProtocol(p) => write!(f, "subprotocol {p:?} is not a token"),
            Self::InvalidStatus(s) => write!(f, "status {s} cannot refuse an upgrade"),
            Self::BodyNotAllowed(s) => write!(f, "a {s} response cannot have a body"),
            Self::InvalidHeader(n) => write!(f, "invalid header field {n:?}"),
            Self::ReservedHeader(n) => write!(f, "header field {n:?} is set by the handshake"),
            Self::UnsupportedWindowBits(b) => write!(f, "cannot compress with {b} window bits"),
            Self::OutputFull { pending, limit } => write!(
                f,
                "{pending} bytes are pending, the message would pass the {limit}-byte limit"
            ),
            Self::UnsupportedHttpVersion(v) => write!(f, "no WebSocket handshake over {v:?}"),
        }
    }
}

impl core::error::Error for UsageError {}
