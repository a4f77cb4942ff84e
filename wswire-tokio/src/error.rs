//! One error type for the layer: the core's errors, and what the transport adds.

use std::fmt;
use std::io;

use wswire::{ProtocolError, RequestError, ResponseError, UrlError, UsageError};

/// What can go wrong with a WebSocket over tokio.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed (reset, broken pipe, ...).
    Io(io::Error),
    /// The peer broke RFC 6455, or a timer of the connection expired; the Close frame with
    /// [`ProtocolError::close_code`] has been queued and is sent while the stream is
    /// polled. `ProtocolError::AbnormalClosure` is the peer leaving without a Close.
    Protocol(ProtocolError),
    /// The application asked for something the connection cannot do (a second Close, data
    /// after a Close, a Ping over 125 bytes, ...); nothing was sent.
    Usage(UsageError),
    /// The connection has ended (closed or failed, and reported): nothing more can be sent
    /// or received.
    Closed,
    /// The client's upgrade request was invalid; it was answered with
    /// [`RequestError::status`] and the transport closed.
    Request(RequestError),
    /// The application rejected the upgrade request ([`Reject`](crate::Reject)) with this
    /// status.
    Rejected(u16),
    /// The server refused the upgrade or answered it wrongly
    /// ([`ResponseError::Rejected`] carries a refusal's status, headers and body).
    Response(ResponseError),
    /// The URL is not a `ws://` or `wss://` URL.
    Url(UrlError),
    /// A `wss://` URL without the `rustls` feature, which brings TLS.
    TlsNotEnabled,
    /// The TLS handshake failed: the server's certificate is not trusted, names another
    /// host, or the peers share no protocol version or cipher suite.
    Tls(io::Error),
    /// The opening handshake took longer than its timeout.
    HandshakeTimeout,
    /// The transport ended before the opening handshake did.
    HandshakeEof,
    /// A payload that had to be text was not UTF-8 ([`Message::into_text`](crate::Message::into_text)).
    NotUtf8,
}

impl Error {
    /// Whether this error says the connection is over, cleanly or not: sending or
    /// receiving again will not help.
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            Self::Closed | Self::Usage(UsageError::Closing | UsageError::Failed)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "transport error: {e}"),
            Self::Protocol(e) => write!(f, "WebSocket protocol error: {e}"),
            Self::Usage(e) => write!(f, "cannot do that now: {e}"),
            Self::Closed => f.write_str("the WebSocket connection has ended"),
            Self::Request(e) => write!(f, "invalid upgrade request ({}): {e}", e.status()),
            Self::Rejected(status) => write!(f, "upgrade rejected with status {status}"),
            Self::Response(e) => write!(f, "upgrade failed: {e}"),
            Self::Url(e) => write!(f, "bad WebSocket URL: {e}"),
            Self::TlsNotEnabled => {
                f.write_str("wss:// needs TLS: enable the `rustls` feature of wswire-tokio")
            }
            Self::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            Self::HandshakeTimeout => f.write_str("the opening handshake timed out"),
            Self::HandshakeEof => {
                f.write_str("the connection ended before the opening handshake completed")
            }
            Self::NotUtf8 => f.write_str("the payload is not UTF-8"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) | Self::Tls(e) => Some(e),
            Self::Protocol(e) => Some(e),
            Self::Usage(e) => Some(e),
            Self::Request(e) => Some(e),
            Self::Response(e) => Some(e),
            Self::Url(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Self::Usage(e)
    }
}

impl From<UrlError> for Error {
    fn from(e: UrlError) -> Self {
        Self::Url(e)
    }
}
