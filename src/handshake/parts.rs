//! HTTP messages as parts: the version a handshake runs over, and a response as status,
//! header fields and body.
//!
//! A server behind an HTTP stack (hyper, axum, h2, an HTTP/3 library) never writes bytes
//! of its own: the stack parses the request and writes the response. The handshake's
//! answers therefore exist first as [`ResponseParts`]; [`ServerHandshake`], which owns the
//! transport, writes the same parts as HTTP/1.1 bytes.
//!
//! [`ServerHandshake`]: crate::ServerHandshake

use super::push_field;
use alloc::{borrow::ToOwned, format, string::String, string::ToString, vec::Vec};

/// The HTTP version a handshake runs over; it decides the shape of the handshake.
///
/// - HTTP/1.1: a `GET` with `Upgrade: websocket` answered by `101 Switching Protocols`
///   (RFC 6455 §4); the connection then carries the frames.
/// - HTTP/2 and HTTP/3: an extended `CONNECT` with `:protocol` `websocket` answered by a
///   `2xx` (RFC 8441 §4-5, RFC 9220 §3); one stream then carries the frames, and other
///   streams of the same connection go on serving requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpVersion {
    /// HTTP/1.0 or older: refused, as RFC 6455 §4.1 needs HTTP/1.1.
    Http10,
    /// HTTP/1.1.
    Http11,
    /// HTTP/2 (RFC 8441).
    Http2,
    /// HTTP/3 (RFC 9220).
    Http3,
}

impl HttpVersion {
    /// Whether the handshake is an extended CONNECT on one stream of a multiplexed
    /// connection (HTTP/2, HTTP/3) rather than an Upgrade of the whole connection.
    pub fn is_extended_connect(self) -> bool {
        matches!(self, Self::Http2 | Self::Http3)
    }
}

/// A response as an HTTP stack takes it: status, header fields in order, body.
///
/// Header names are as HTTP/1.1 spells them (`Sec-WebSocket-Protocol`) for an HTTP/1.1
/// handshake, and lowercase for HTTP/2 and HTTP/3, where uppercase names are malformed
/// (RFC 9113 §8.2.1, RFC 9114 §4.2). Fields that frame the message (`Content-Length`,
/// `Transfer-Encoding`) are left to the stack, which knows how it sends the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseParts {
    /// The status code.
    pub status: u16,
    /// The header fields, in order.
    pub headers: Vec<(String, String)>,
    /// The body; empty for an accepted handshake.
    pub body: Vec<u8>,
}

impl ResponseParts {
    /// The value of the first field named `name`, compared case-insensitively.
    ///
    /// ```
    /// use wswire::ResponseParts;
    /// let response = ResponseParts {
    ///     status: 200,
    ///     headers: vec![("sec-websocket-protocol".into(), "chat".into())],
    ///     body: Vec::new(),
    /// };
    /// assert_eq!(response.header("Sec-WebSocket-Protocol"), Some("chat"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `101` as HTTP/1.1 bytes: the status line and the fields, nothing added.
    pub(crate) fn to_http1_upgrade(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.status_line(&mut out);
        for (name, value) in &self.headers {
            push_field(&mut out, name, value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// A refusal as complete HTTP/1.1 bytes, closing the connection (RFC 9112 §9.6):
    /// `Connection: close` (with `upgrade` when the response sends `Upgrade`, RFC 9110
    /// §7.8, replacing the parts' own `Connection`), and `Content-Length` to mark the
    /// body's end, except in 204 and 304, which have no body and must not announce one
    /// (RFC 9110 §8.6, §15.4.5).
    pub(crate) fn to_http1_closing(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.body.len());
        self.status_line(&mut out);
        let upgrade = self.header("Upgrade").is_some();
        let connection: &[u8] = if upgrade { b"Upgrade, close" } else { b"close" };
        push_field(&mut out, "Connection", connection);
        if !matches!(self.status, 204 | 304) {
            let length = self.body.len().to_string();
            push_field(&mut out, "Content-Length", length.as_bytes());
        }
        for (name, value) in &self.headers {
            if !name.eq_ignore_ascii_case("Connection") {
                push_field(&mut out, name, value.as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }

    fn status_line(&self, out: &mut Vec<u8>) {
        let line = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        out.extend_from_slice(line.as_bytes());
    }
}

/// A field name as `version` spells it: as given for HTTP/1.1, lowercase for HTTP/2 and
/// HTTP/3 (RFC 9113 §8.2.1, RFC 9114 §4.2).
pub(crate) fn field_name(version: HttpVersion, name: &str) -> String {
    if version.is_extended_connect() {
        name.to_ascii_lowercase()
    } else {
        name.to_owned()
    }
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        205 => "Reset Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}
