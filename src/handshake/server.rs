//! The server's side of the opening handshake (RFC 6455 §4.2).

use alloc::{borrow::ToOwned, boxed::Box, format, string::String, string::ToString, vec, vec::Vec};
use core::fmt;
use core::time::Duration;

use base64::Engine as _;

use super::connect;
use super::head::{
    DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADERS, HeadReader, HeadStatus, MAX_EMPTY_LINES,
};
use super::parts::{HttpVersion, ResponseParts, field_name};
use super::{
    HandshakeTimer, Headers, accept_key, check_extra_headers, is_token, open_connection, trim_ows,
    uri,
};
use crate::connection::{Config, Connection, Role};
use crate::deflate::{DeflateConfig, DeflateParams};
use crate::error::UsageError;
use crate::extensions::{Extension, ExtensionsSyntaxError};

/// Which `Origin` values a server admits (RFC 6455 §10.2).
///
/// A browser always sends `Origin`; other clients may leave it out or set it to anything,
/// so the check protects browser users from cross-site pages, not the server from clients.
/// A request without `Origin` passes, as it cannot come from a browser page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OriginPolicy {
    /// Every origin.
    #[default]
    Any,
    /// Only these serialized origins (`https://example.com`), compared ASCII
    /// case-insensitively; any other gets `403 Forbidden`.
    AllowList(Vec<String>),
}

impl OriginPolicy {
    fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Any => true,
            Self::AllowList(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }
}

/// What a server accepts and how it answers.
///
/// ```
/// use wswire::{OriginPolicy, ServerConfig};
/// let config = ServerConfig::new()
///     .protocol("chat.v2")
///     .protocol("chat.v1")
///     .origin_policy(OriginPolicy::AllowList(vec!["https://example.com".into()]));
/// ```
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(crate) connection: Config,
    protocols: Vec<String>,
    origin: OriginPolicy,
    deflate: Option<DeflateConfig>,
    max_head_bytes: usize,
    max_headers: usize,
    max_pre_accept_bytes: usize,
    handshake_timeout: Option<Duration>,
}

/// Default most bytes kept between the request and its answer: 4 KiB.
const DEFAULT_MAX_PRE_ACCEPT_BYTES: usize = 4 * 1024;

impl ServerConfig {
    /// No subprotocols, any origin, default limits.
    pub fn new() -> Self {
        Self {
            connection: Config::new(),
            protocols: Vec::new(),
            origin: OriginPolicy::Any,
            deflate: None,
            max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
            max_pre_accept_bytes: DEFAULT_MAX_PRE_ACCEPT_BYTES,
            handshake_timeout: None,
        }
    }

    /// Settings of the connection once accepted.
    pub fn connection(mut self, config: Config) -> Self {
        self.connection = config;
        self
    }

    /// Adds a supported subprotocol; earlier ones are preferred. The server picks the first
    /// of its own list that the client offered, whatever the client's order.
    pub fn protocol(mut self, name: impl Into<String>) -> Self {
        self.protocols.push(name.into());
        self
    }

    /// Accepts permessage-deflate (RFC 7692) when a client offers it, on these terms. Off
    /// by default: each connection that uses it holds zlib contexts (see `docs/deflate.md`).
    pub fn deflate(mut self, config: DeflateConfig) -> Self {
        self.deflate = Some(config);
        self
    }

    /// Which origins to admit.
    pub fn origin_policy(mut self, policy: OriginPolicy) -> Self {
        self.origin = policy;
        self
    }

    /// The largest request head (request line and headers), 16 KiB by default; a larger
    /// one is answered `431`.
    pub fn max_head_bytes(mut self, bytes: usize) -> Self {
        self.max_head_bytes = bytes;
        self
    }

    /// The most header fields, 128 by default; more are answered `431`.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    /// The most bytes kept that arrive after the request and before it is accepted or
    /// rejected, 4 KiB by default; more are answered `400`
    /// ([`RequestError::EarlyDataTooLarge`]).
    ///
    /// RFC 6455 §4.1 has a client "wait for a response from the server before sending any
    /// further data", so a conforming client sends none; the default still holds a small
    /// first message (or a Close) from a client that sends it right behind its request,
    /// while a handshake waiting for the application holds at most the head limit plus
    /// this.
    pub fn max_pre_accept_bytes(mut self, bytes: usize) -> Self {
        self.max_pre_accept_bytes = bytes;
        self
    }

    /// How long the request may take to arrive whole, on the caller's clock
    /// ([`ServerHandshake::handle_timeout`]), counted from the first time given; past it
    /// the handshake fails with [`RequestError::Timeout`], answered `408` (RFC 9110
    /// §15.5.9). Off by default. A client that sends its head a byte a minute holds a
    /// connection no longer than this (nginx's `client_header_timeout`, 60 s, is the
    /// precedent).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = Some(timeout);
        self
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerConfig {
    /// Checks an HTTP/1.x upgrade request that another HTTP stack parsed: the method, the
    /// request target as sent, the version, and every header field in order with
    /// duplicates kept. The rules, policies and choices are exactly those of
    /// [`ServerHandshake`] (RFC 6455 §4.2.1): it calls this after reading the head.
    ///
    /// An HTTP/2 or HTTP/3 request is refused with [`RequestError::HttpVersion`]: those
    /// are extended CONNECTs, for [`check_extended_connect`](Self::check_extended_connect).
    ///
    /// ```
    /// use wswire::{Accept, Headers, HttpVersion, ServerConfig};
    /// let headers: Headers = [
    ///     ("Host", "server.example.com"),
    ///     ("Upgrade", "websocket"),
    ///     ("Connection", "Upgrade"),
    ///     ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ///     ("Sec-WebSocket-Version", "13"),
    /// ]
    /// .into_iter()
    /// .collect();
    /// let request = ServerConfig::new()
    ///     .check_request("GET", "/chat", HttpVersion::Http11, headers)
    ///     .unwrap();
    /// let handover = request.accept(Accept::new()).unwrap();
    /// assert_eq!(handover.response.status, 101);
    /// assert_eq!(
    ///     handover.response.header("Sec-WebSocket-Accept"),
    ///     Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    /// );
    /// // Send the response with the stack, then drive `handover.connection` over the
    /// // upgraded connection.
    /// ```
    pub fn check_request(
        &self,
        method: &str,
        target: &str,
        version: HttpVersion,
        headers: Headers,
    ) -> Result<Request, Refusal> {
        validate_http1(method, target, version, headers, self).map_err(|error| Refusal {
            error,
            version: HttpVersion::Http11,
        })
    }

    /// Checks an extended CONNECT (RFC 8441 for HTTP/2, RFC 9220 for HTTP/3): the whole
    /// field block as the stack decoded it, pseudo-header fields first, regular fields in
    /// order with duplicates kept. The WebSocket fields are checked by the same code as
    /// over HTTP/1.1, with the same policies and choices.
    ///
    /// `version` must be [`HttpVersion::Http2`] or [`HttpVersion::Http3`]; an older one
    /// is refused with [`RequestError::HttpVersion`].
    ///
    /// ```
    /// use wswire::{Accept, DeflateConfig, Headers, HttpVersion, ServerConfig};
    /// // RFC 8441 §5.1
    /// let fields: Headers = [
    ///     (":method", "CONNECT"),
    ///     (":protocol", "websocket"),
    ///     (":scheme", "https"),
    ///     (":path", "/chat"),
    ///     (":authority", "server.example.com"),
    ///     ("sec-websocket-protocol", "chat, superchat"),
    ///     ("sec-websocket-extensions", "permessage-deflate"),
    ///     ("sec-websocket-version", "13"),
    ///     ("origin", "http://www.example.com"),
    /// ]
    /// .into_iter()
    /// .collect();
    /// let config = ServerConfig::new().protocol("chat").deflate(DeflateConfig::new());
    /// let request = config.check_extended_connect(HttpVersion::Http2, fields).unwrap();
    /// let handover = request.accept(Accept::new()).unwrap();
    /// assert_eq!(handover.response.status, 200);
    /// assert_eq!(
    ///     handover.response.headers,
    ///     [
    ///         ("sec-websocket-protocol".to_owned(), "chat".to_owned()),
    ///         ("sec-websocket-extensions".to_owned(), "permessage-deflate".to_owned()),
    ///     ]
    /// );
    /// assert!(handover.connection.deflate().is_some());
    /// ```
    pub fn check_extended_connect(
        &self,
        version: HttpVersion,
        fields: Headers,
    ) -> Result<Request, Refusal> {
        let answer_version = if version.is_extended_connect() {
            version
        } else {
            HttpVersion::Http11
        };
        validate_extended_connect(version, fields, self).map_err(|error| Refusal {
            error,
            version: answer_version,
        })
    }

    /// The local settings a connection opened by this configuration uses.
    fn local(&self) -> Local {
        Local {
            connection: self.connection.clone(),
            deflate: self.deflate.clone(),
        }
    }
}

/// What answering a request needs, kept by [`ServerHandshake`] between the request and
/// its answer and carried by [`Request`]: both answer through [`answer`].
#[derive(Debug, Clone)]
struct Terms {
    version: HttpVersion,
    /// `Sec-WebSocket-Key`; none in an extended CONNECT (RFC 8441 §5).
    key: Option<String>,
    /// The subprotocols the client offered.
    offered: Vec<String>,
    /// The one the configured list selects.
    chosen: Option<String>,
    /// The permessage-deflate parameters the configuration agrees to.
    deflate: Option<DeflateParams>,
}

/// This end's settings for the connection: from the [`ServerConfig`].
#[derive(Debug, Clone)]
struct Local {
    connection: Config,
    deflate: Option<DeflateConfig>,
}

/// A valid WebSocket request, for the application to accept or reject.
///
/// [`ServerHandshake::receive`] returns one for an HTTP/1.1 request it read;
/// [`ServerConfig::check_request`] and [`ServerConfig::check_extended_connect`] for a
/// request an HTTP stack parsed, which [`accept`](Self::accept) and
/// [`reject`](Self::reject) then answer as [`ResponseParts`] for that stack to send.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    path: String,
    authority: Option<String>,
    headers: Headers,
    extensions: Vec<Extension>,
    origin: Option<String>,
    terms: Terms,
    local: Local,
}

impl Request {
    /// The method: `GET` over HTTP/1.1, `CONNECT` over HTTP/2 and HTTP/3.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The HTTP version the request came over.
    pub fn version(&self) -> HttpVersion {
        self.terms.version
    }

    /// The request target, as sent: `/chat?room=1`, or over HTTP/1.1 an absolute
    /// `http://` or `https://` URI (RFC 9112 §3.2.2); over HTTP/2 and HTTP/3, `:path`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The authority the request names: `Host` over HTTP/1.1, `:authority` over HTTP/2
    /// and HTTP/3.
    pub fn authority(&self) -> Option<&str> {
        self.authority.as_deref()
    }

    /// Every header field (over HTTP/2 and HTTP/3, the regular fields: the pseudo-header
    /// fields are [`method`](Self::method), [`path`](Self::path) and
    /// [`authority`](Self::authority)).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The `Sec-WebSocket-Key` value; empty over HTTP/2 and HTTP/3, where the extended
    /// CONNECT has no key (RFC 8441 §5).
    pub fn key(&self) -> &str {
        self.terms.key.as_deref().unwrap_or_default()
    }

    /// The subprotocols the client offered, in its order of preference.
    pub fn protocols(&self) -> &[String] {
        &self.terms.offered
    }

    /// The extensions the client offered, in its order of preference.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The `Origin` header, if sent.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The subprotocol the server's configured list selects, which [`Accept::new`] uses.
    pub fn chosen_protocol(&self) -> Option<&str> {
        self.terms.chosen.as_deref()
    }

    /// The permessage-deflate parameters the server's configuration agrees to, which
    /// [`Accept::new`] uses; `None` if not configured, not offered, or no offer was
    /// acceptable.
    pub fn deflate(&self) -> Option<&DeflateParams> {
        self.terms.deflate.as_ref()
    }

    /// Accepts the request: the response for the HTTP stack to send (`101` with
    /// `Sec-WebSocket-Accept` over HTTP/1.1, `200` over HTTP/2 and HTTP/3), and the
    /// connection, open, with the subprotocol and permessage-deflate parameters that
    /// response states. Once the stack has sent the response, the connection runs over
    /// the upgraded connection or the stream.
    ///
    /// Refused, changing nothing, like [`ServerHandshake::accept`]: a subprotocol the
    /// client did not offer, and header fields the handshake writes itself, that are not
    /// valid HTTP, or that HTTP/2 and HTTP/3 forbid.
    pub fn accept(&self, accept: Accept) -> Result<Handover, UsageError> {
        answer(&self.terms, &self.local, accept)
    }

    /// Refuses the request with a response of the application's choosing, as
    /// [`ServerHandshake::reject`] does, but as parts for the HTTP stack to send: the
    /// stack frames the body and manages the connection, so neither `Connection: close`
    /// nor `Content-Length` is added. Over HTTP/1.1 a `426` gets `Upgrade: websocket`
    /// (and `Connection: upgrade`) unless the caller gives an `Upgrade` field (RFC 9110
    /// §15.5.22); over HTTP/2 and HTTP/3, which forbid `Upgrade`, it does not.
    pub fn reject(
        &self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<ResponseParts, UsageError> {
        refuse(self.terms.version, status, headers, body)
    }
}

/// An accepted request: the response to send, and the connection to drive once it is sent.
#[derive(Debug)]
pub struct Handover {
    /// The response, as status and header fields (no body): `101 Switching Protocols` over
    /// HTTP/1.1, `200` over HTTP/2 and HTTP/3.
    pub response: ResponseParts,
    /// The connection, open, in the server's role, with the agreed subprotocol and
    /// permessage-deflate parameters.
    pub connection: Connection,
}

/// A request refused by [`ServerConfig::check_request`] or
/// [`ServerConfig::check_extended_connect`]: why, and the response that says so.
///
/// The response depends on the HTTP version: an unsupported `Sec-WebSocket-Version` is
/// answered `426` with `Upgrade: websocket` over HTTP/1.1 (RFC 6455 §4.4, RFC 9110
/// §15.5.22), and `400` over HTTP/2 and HTTP/3, which have no `Upgrade` field; both
/// carry `Sec-WebSocket-Version: 13`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    error: RequestError,
    version: HttpVersion,
}

impl Refusal {
    /// Why the request was refused.
    pub fn error(&self) -> &RequestError {
        &self.error
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        refusal_status(&self.error, self.version)
    }

    /// The response to send: status, header fields and a short text body saying what was
    /// wrong.
    pub fn response(&self) -> ResponseParts {
        refusal_parts(&self.error, self.version)
    }

    /// The error, without the version.
    pub fn into_error(self) -> RequestError {
        self.error
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl core::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Why an upgrade request was refused; [`response`](Self::response) is the answer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The head passed the size limit before it ended (431).
    HeadTooLarge,
    /// More header fields than the limit (431).
    TooManyHeaders,
    /// The request did not arrive whole within [`ServerConfig::handshake_timeout`] (408).
    Timeout,
    /// Not parseable as HTTP/1.x (400).
    Malformed(String),
    /// RFC 6455 §4.1: the method must be GET (400).
    MethodNotGet,
    /// RFC 6455 §4.1: HTTP/1.1 or later (400); also an HTTP/2 or HTTP/3 request given to
    /// [`ServerConfig::check_request`], or an HTTP/1.x one to
    /// [`ServerConfig::check_extended_connect`].
    HttpVersion,
    /// The request target is neither `/path?query` nor an absolute `http`/`https` URI, or
    /// breaks the URI grammar (400; RFC 9112 §3.2, RFC 6455 §4.1 item 3); over HTTP/2 and
    /// HTTP/3, a `:path` that is not `/path?query` (RFC 9113 §8.3.1).
    InvalidTarget,
    /// No `Host`, more than one, or one whose value is not `host [":" port]` (400;
    /// RFC 9112 §3.2); over HTTP/2 and HTTP/3, an `:authority` that is not
    /// `host [":" port]`, or a `Host` that names another (RFC 9113 §8.3.1).
    Host,
    /// The request announces a body (`Transfer-Encoding`, or a `Content-Length` other than
    /// 0), or its `Content-Length` is invalid (400). Its bytes would otherwise be read as
    /// frames.
    Body,
    /// `Upgrade` does not contain the token `websocket` (400).
    UpgradeNotWebSocket,
    /// `Connection` does not contain the token `upgrade` (400).
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Version` is missing, not 13, or sent more than once (RFC 6455 §4.4:
    /// 426 with `Upgrade: websocket` and `Sec-WebSocket-Version: 13` over HTTP/1.1; 400
    /// with `Sec-WebSocket-Version: 13` over HTTP/2 and HTTP/3, which forbid `Upgrade`).
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` is missing or appears more than once (400).
    KeyCount,
    /// `Sec-WebSocket-Key` is not the base64 of 16 bytes (400; RFC 6455 §4.1).
    InvalidKey,
    /// A `Sec-WebSocket-Protocol` field is not a list of one or more tokens, or names one
    /// twice (400; RFC 6455 §4.1 item 10: `1#token`, "MUST all be unique strings").
    InvalidProtocols,
    /// A `Sec-WebSocket-Extensions` field breaks its grammar, `1#extension` (400; RFC 6455
    /// §9.1).
    InvalidExtensions(ExtensionsSyntaxError),
    /// `Origin` is sent more than once or is not one serialized origin (400; RFC 6454
    /// §7.1, RFC 6455 §4.1 item 8).
    InvalidOrigin,
    /// The origin policy refuses this `Origin` (403).
    OriginNotAllowed(String),
    /// More than [`ServerConfig::max_pre_accept_bytes`] arrived after the request, before
    /// it was answered (400; RFC 6455 §4.1: a client waits for the response).
    EarlyDataTooLarge,
    /// HTTP/2, HTTP/3: `:method` is not `CONNECT` (400; RFC 8441 §4).
    MethodNotConnect,
    /// HTTP/2, HTTP/3: `:protocol` is missing or not `websocket` (400; RFC 8441 §5).
    ProtocolNotWebSocket,
    /// HTTP/2, HTTP/3: `:scheme` is neither `https` nor `http` (400; RFC 8441 §5).
    InvalidScheme,
    /// HTTP/2, HTTP/3: a pseudo-header field the request needs is missing: `:method`
    /// (RFC 9113 §8.3.1), `:scheme` or `:path` (RFC 8441 §4), `:authority` (RFC 8441 §5)
    /// (400).
    MissingPseudoHeader(&'static str),
    /// HTTP/2, HTTP/3: a pseudo-header field not defined for requests (400; RFC 9113
    /// §8.3).
    UnknownPseudoHeader(String),
    /// HTTP/2, HTTP/3: a pseudo-header field given twice (400; RFC 9113 §8.3).
    RepeatedPseudoHeader(String),
    /// HTTP/2, HTTP/3: a pseudo-header field after a regular field (400; RFC 9113 §8.3).
    PseudoHeaderAfterField(String),
    /// HTTP/2, HTTP/3: a connection-specific field, `Connection`, `Upgrade`, `Keep-Alive`,
    /// `Proxy-Connection`, `Transfer-Encoding`, or `TE` other than `trailers` (400;
    /// RFC 8441 §5, RFC 9113 §8.2.2, RFC 9114 §4.2).
    ConnectionSpecificField(String),
}

impl RequestError {
    /// The HTTP status of the answer over HTTP/1.1 ([`Refusal::status`] gives it for any
    /// version).
    pub fn status(&self) -> u16 {
        refusal_status(self, HttpVersion::Http11)
    }

    /// The complete HTTP/1.1 response to write before closing the connection.
    pub fn response(&self) -> Vec<u8> {
        refusal_parts(self, HttpVersion::Http11).to_http1_closing()
    }
}

/// The status answering `error` over `version`.
fn refusal_status(error: &RequestError, version: HttpVersion) -> u16 {
    match error {
        RequestError::HeadTooLarge | RequestError::TooManyHeaders => 431,
        // RFC 9110 §15.5.9: "the server did not receive a complete request message within
        // the time that it was prepared to wait".
        RequestError::Timeout => 408,
        // RFC 9110 §15.5.22: a 426 "MUST send an Upgrade header field", which HTTP/2 and
        // HTTP/3 forbid (RFC 9113 §8.2.2): there, a plain 400 that names the version.
        RequestError::UnsupportedVersion if !version.is_extended_connect() => 426,
        RequestError::OriginNotAllowed(_) => 403,
        _ => 400,
    }
}

/// The response refusing a request for `error`: the status, the fields RFC 6455 §4.4
/// asks for, and the error as a text body.
fn refusal_parts(error: &RequestError, version: HttpVersion) -> ResponseParts {
    let mut fields = Vec::new();
    if *error == RequestError::UnsupportedVersion {
        // RFC 6455 §4.4: the versions the server speaks; RFC 9110 §15.5.22: a 426 names
        // the protocol to upgrade to.
        if !version.is_extended_connect() {
            fields.push(("Upgrade", "websocket"));
        }
        fields.push(("Sec-WebSocket-Version", "13"));
    }
    let body = format!("{error}\n");
    let status = refusal_status(error, version);
    refusal_response(version, status, &fields, body.into_bytes())
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HeadTooLarge => f.write_str("request head too large"),
            Self::TooManyHeaders => f.write_str("too many header fields"),
            Self::Timeout => f.write_str("the request did not arrive in time"),
            Self::Malformed(e) => write!(f, "malformed HTTP request: {e}"),
            Self::MethodNotGet => f.write_str("a WebSocket upgrade must use GET"),
            Self::HttpVersion => f.write_str("a WebSocket upgrade needs HTTP/1.1 or later"),
            Self::InvalidTarget => f.write_str("the request target must be /path?query"),
            Self::Host => f.write_str("exactly one valid Host header is required"),
            Self::Body => f.write_str("a WebSocket upgrade request cannot have a body"),
            Self::UpgradeNotWebSocket => f.write_str("Upgrade header must contain websocket"),
            Self::ConnectionNotUpgrade => f.write_str("Connection header must contain upgrade"),
            Self::UnsupportedVersion => f.write_str("Sec-WebSocket-Version must be 13"),
            Self::KeyCount => f.write_str("exactly one Sec-WebSocket-Key header is required"),
            Self::InvalidKey => f.write_str("Sec-WebSocket-Key must be 16 bytes in base64"),
            Self::InvalidProtocols => f.write_str("malformed Sec-WebSocket-Protocol"),
            Self::InvalidExtensions(e) => e.fmt(f),
            Self::InvalidOrigin => f.write_str("malformed Origin"),
            Self::OriginNotAllowed(origin) => write!(f, "origin {origin} is not allowed"),
            Self::EarlyDataTooLarge => {
                f.write_str("too much data sent before the handshake was answered")
            }
            Self::MethodNotConnect => f.write_str("a WebSocket over HTTP/2 or HTTP/3 is a CONNECT"),
            Self::ProtocolNotWebSocket => f.write_str(":protocol must be websocket"),
            Self::InvalidScheme => f.write_str(":scheme must be https or http"),
            Self::MissingPseudoHeader(name) => write!(f, "{name} is required"),
            Self::UnknownPseudoHeader(name) => write!(f, "unknown pseudo-header field {name}"),
            Self::RepeatedPseudoHeader(name) => write!(f, "{name} given more than once"),
            Self::PseudoHeaderAfterField(name) => {
                write!(f, "{name} comes after a regular header field")
            }
            Self::ConnectionSpecificField(name) => {
                write!(f, "{name} is not allowed in HTTP/2 and HTTP/3")
            }
        }
    }
}

impl core::error::Error for RequestError {}

/// How to accept a request.
///
/// ```
/// use wswire::Accept;
/// let accept = Accept::new().header("Set-Cookie", "session=1");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Accept {
    protocol: ProtocolChoice,
    headers: Vec<(String, String)>,
    no_deflate: bool,
}

#[derive(Debug, Clone, Default)]
enum ProtocolChoice {
    #[default]
    Configured,
    Named(String),
    None,
}

impl Accept {
    /// Accept with the subprotocol the configured list selects and no extra headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accept with this subprotocol instead; it must be one the client offered.
    pub fn protocol(mut self, name: impl Into<String>) -> Self {
        self.protocol = ProtocolChoice::Named(name.into());
        self
    }

    /// Accept with no subprotocol, whatever was offered.
    pub fn no_protocol(mut self) -> Self {
        self.protocol = ProtocolChoice::None;
        self
    }

    /// Accept without permessage-deflate, even if it was agreed.
    pub fn no_deflate(mut self) -> Self {
        self.no_deflate = true;
        self
    }

    /// Adds a header field to the response.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Header fields the handshake writes itself; a caller may not add them.
const RESERVED_101: &[&str] = &[
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Content-Length",
    "Transfer-Encoding",
];
const RESERVED_REJECTION: &[&str] = &["Connection", "Content-Length", "Transfer-Encoding"];

/// Accepts a request on `terms`: the response (RFC 6455 §4.2.2 step 5, RFC 8441 §5) and
/// the open connection. The one implementation behind [`Request::accept`] and
/// [`ServerHandshake::accept`].
fn answer(terms: &Terms, local: &Local, accept: Accept) -> Result<Handover, UsageError> {
    let protocol = match accept.protocol {
        ProtocolChoice::Configured => terms.chosen.clone(),
        ProtocolChoice::None => None,
        ProtocolChoice::Named(name) if terms.offered.contains(&name) => Some(name),
        ProtocolChoice::Named(name) => return Err(UsageError::ProtocolNotOffered(name)),
    };
    check_extra_headers(&accept.headers, RESERVED_101, terms.version)?;
    let deflate = terms.deflate.filter(|_| !accept.no_deflate);

    let mut fields: Vec<(&str, String)> = Vec::new();
    let status = match &terms.key {
        // RFC 8441 §5: a 2xx, without Sec-WebSocket-Accept.
        _ if terms.version.is_extended_connect() => 200,
        // RFC 6455 §4.2.2 step 5.
        key => {
            fields.push(("Upgrade", "websocket".to_owned()));
            fields.push(("Connection", "Upgrade".to_owned()));
            let key = key.as_deref().unwrap_or_default();
            fields.push(("Sec-WebSocket-Accept", accept_key(key)));
            101
        }
    };
    if let Some(protocol) = &protocol {
        fields.push(("Sec-WebSocket-Protocol", protocol.clone()));
    }
    if let Some(params) = &deflate {
        fields.push((
            "Sec-WebSocket-Extensions",
            params.to_extension().to_string(),
        ));
    }
    let mut headers: Vec<(String, String)> = fields
        .into_iter()
        .map(|(name, value)| (field_name(terms.version, name), value))
        .collect();
    headers.extend(
        accept
            .headers
            .into_iter()
            .map(|(name, value)| (field_name(terms.version, &name), value)),
    );
    let connection = open_connection(
        Role::Server,
        &local.connection,
        local.deflate.as_ref(),
        deflate,
        protocol,
        None,
    )?;
    Ok(Handover {
        response: ResponseParts {
            status,
            headers,
            body: Vec::new(),
        },
        connection,
    })
}

/// Checks an application's refusal and builds it: the one implementation behind
/// [`Request::reject`] and [`ServerHandshake::reject`].
fn refuse(
    version: HttpVersion,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<ResponseParts, UsageError> {
    if !(200..=599).contains(&status) {
        return Err(UsageError::InvalidStatus(status));
    }
    if !body.is_empty() && matches!(status, 204 | 205 | 304) {
        return Err(UsageError::BodyNotAllowed(status));
    }
    let given: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    check_extra_headers(&given, RESERVED_REJECTION, version)?;
    Ok(refusal_response(version, status, headers, body.to_vec()))
}

/// A refusal's parts: a `Content-Type` for a text body unless one is given, the fields,
/// and over HTTP/1.1 a 426's `Upgrade` (RFC 9110 §15.5.22: "The server MUST send an
/// Upgrade header field in a 426 response to indicate the required protocol(s)") with the
/// `Connection: upgrade` that goes with it (RFC 9110 §7.8).
fn refusal_response(
    version: HttpVersion,
    status: u16,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> ResponseParts {
    let mut fields: Vec<(String, String)> = Vec::with_capacity(headers.len() + 3);
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if !body.is_empty() && !has("Content-Type") {
        fields.push(("Content-Type".into(), "text/plain; charset=utf-8".into()));
    }
    let upgrade = status == 426 && !version.is_extended_connect();
    if upgrade && !has("Upgrade") {
        fields.push(("Upgrade".into(), "websocket".into()));
    }
    for (name, value) in headers {
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    if upgrade {
        fields.push(("Connection".into(), "upgrade".into()));
    }
    let headers = fields
        .into_iter()
        .map(|(name, value)| (field_name(version, &name), value))
        .collect();
    ResponseParts {
        status,
        headers,
        body,
    }
}

#[derive(Debug)]
enum State {
    Reading,
    Received(Box<Terms>),
    Failed(RequestError),
    Done,
}

/// The server's side of the opening handshake.
///
/// Feed the request with [`receive`](Self::receive) in pieces of any size until it
/// returns the [`Request`] (or a [`RequestError`] whose response to send), then
/// [`accept`](Self::accept) or [`reject`](Self::reject) it. Bytes after the request's
/// blank line are kept, up to [`ServerConfig::max_pre_accept_bytes`]: they are the first
/// frames.
///
/// It reads and writes HTTP/1.1 bytes around the checks of
/// [`ServerConfig::check_request`] and the answers of [`Request::accept`] and
/// [`Request::reject`]: the same rules as for a request another HTTP stack parsed.
///
/// ```
/// use wswire::{Accept, Event, ServerConfig, ServerHandshake};
/// let mut handshake = ServerHandshake::new(ServerConfig::new());
/// let request = handshake
///     .receive(b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
///                Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///                Sec-WebSocket-Version: 13\r\n\r\n")
///     .unwrap()
///     .expect("the whole request arrived");
/// assert_eq!(request.path(), "/chat");
/// let mut conn = handshake.accept(Accept::new()).unwrap();
/// let response = std::str::from_utf8(conn.pending_output()).unwrap();
/// assert!(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
/// assert!(response.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
/// ```
#[derive(Debug)]
pub struct ServerHandshake {
    config: ServerConfig,
    head: HeadReader,
    /// Bytes after the request head.
    rest: Vec<u8>,
    state: State,
    timer: HandshakeTimer,
}

impl ServerHandshake {
    /// A handshake waiting for the request.
    pub fn new(config: ServerConfig) -> Self {
        Self {
            timer: HandshakeTimer::new(config.handshake_timeout),
            config,
            head: HeadReader::default(),
            rest: Vec::new(),
            state: State::Reading,
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next, on the caller's clock:
    /// `None` without a [`ServerConfig::handshake_timeout`] or once the request has
    /// arrived; `Some(Duration::ZERO)` until the handshake has been given the time once.
    pub fn poll_timeout(&self) -> Option<Duration> {
        match self.state {
            State::Reading => self.timer.next(),
            _ => None,
        }
    }

    /// Gives the handshake the time (a `Duration` since an epoch of the caller's choosing).
    /// Once the request has not arrived whole within [`ServerConfig::handshake_timeout`]
    /// of the first call, the handshake fails with [`RequestError::Timeout`]: write its
    /// [`response`](RequestError::response) (`408`) and close the transport.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wswire::{RequestError, ServerConfig, ServerHandshake};
    /// let config = ServerConfig::new().handshake_timeout(Duration::from_secs(10));
    /// let mut handshake = ServerHandshake::new(config);
    /// handshake.handle_timeout(Duration::from_secs(100)).unwrap();
    /// handshake.receive(b"GET /chat HTTP/1.1\r\n").unwrap(); // then nothing
    /// assert_eq!(handshake.poll_timeout(), Some(Duration::from_secs(110)));
    /// let error = handshake.handle_timeout(Duration::from_secs(110)).unwrap_err();
    /// assert_eq!(error, RequestError::Timeout);
    /// assert!(error.response().starts_with(b"HTTP/1.1 408 "));
    /// ```
    pub fn handle_timeout(&mut self, now: Duration) -> Result<(), RequestError> {
        match &self.state {
            State::Reading if self.timer.expired(now) => Err(self.fail(RequestError::Timeout)),
            _ => Ok(()),
        }
    }

    /// Feeds bytes of the request. Returns `Ok(None)` until the head is complete, then the
    /// validated request once. Bytes fed after the request and before
    /// [`accept`](Self::accept) are kept as the connection's first frames, up to
    /// [`ServerConfig::max_pre_accept_bytes`] (past it, [`RequestError::EarlyDataTooLarge`],
    /// and the request can no longer be accepted); once the request is answered, feed the
    /// [`Connection`] instead (bytes given here are then ignored).
    ///
    /// On `Err`, write [`RequestError::response`] and close the transport; later calls
    /// return the same error.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Option<Request>, RequestError> {
        match &self.state {
            State::Reading => {}
            State::Received(_) => {
                // RFC 6455 §4.1: a client waits for the response before sending frames;
                // what one sends anyway is kept, within a bound.
                if self.rest.len() + bytes.len() > self.config.max_pre_accept_bytes {
                    return Err(self.fail(RequestError::EarlyDataTooLarge));
                }
                self.rest.extend_from_slice(bytes);
                return Ok(None);
            }
            // Answered: bytes now belong to the connection, not here.
            State::Done => return Ok(None),
            State::Failed(e) => return Err(e.clone()),
        }
        let (status, rest) = self.head.push(bytes, self.config.max_head_bytes);
        match status {
            HeadStatus::Partial => Ok(None),
            HeadStatus::TooLarge => Err(self.fail(RequestError::HeadTooLarge)),
            HeadStatus::TooManyEmptyLines => Err(self.fail(RequestError::Malformed(format!(
                "more than {MAX_EMPTY_LINES} empty lines before the request line"
            )))),
            HeadStatus::Ended => {
                let request = match self.parse() {
                    Ok(request) => request,
                    Err(e) => return Err(self.fail(e)),
                };
                if rest.len() > self.config.max_pre_accept_bytes {
                    return Err(self.fail(RequestError::EarlyDataTooLarge));
                }
                self.head.finish();
                self.rest = rest.to_vec();
                self.state = State::Received(Box::new(request.terms.clone()));
                Ok(Some(request))
            }
        }
    }

    /// The head reader, for tests of its work.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn head_reader(&self) -> &HeadReader {
        &self.head
    }

    fn fail(&mut self, error: RequestError) -> RequestError {
        // Nothing read so far is needed again.
        self.head.finish();
        self.rest = Vec::new();
        self.state = State::Failed(error.clone());
        error
    }

    /// Parses the complete head, once, and validates it.
    fn parse(&mut self) -> Result<Request, RequestError> {
        let mut fields =
            vec![httparse::EMPTY_HEADER; self.head.header_slots(self.config.max_headers)];
        let mut parsed = httparse::Request::new(&mut fields);
        match parsed.parse(self.head.head()) {
            Ok(httparse::Status::Complete(_)) => {}
            // The reader found the blank line that ends the head, after any empty lines:
            // a parser that still wants more has met something it cannot read.
            Ok(httparse::Status::Partial) => {
                return Err(RequestError::Malformed(
                    "incomplete request head".to_owned(),
                ));
            }
            Err(httparse::Error::TooManyHeaders) => return Err(RequestError::TooManyHeaders),
            Err(e) => return Err(RequestError::Malformed(e.to_string())),
        }
        let method = parsed.method.unwrap_or_default();
        let path = parsed.path.unwrap_or_default();
        let version = match parsed.version {
            Some(1) => HttpVersion::Http11,
            _ => HttpVersion::Http10,
        };
        let headers = Headers::from_httparse(parsed.headers);
        validate_http1(method, path, version, headers, &self.config)
    }

    /// Accepts the request: returns the connection with the `101` response queued as its
    /// first output and any bytes received after the request as its first input.
    pub fn accept(&mut self, accept: Accept) -> Result<Connection, UsageError> {
        let State::Received(terms) = &self.state else {
            return Err(UsageError::NoRequest);
        };
        let Handover {
            response,
            mut connection,
        } = answer(terms, &self.config.local(), accept)?;
        connection.queue_raw_output(&response.to_http1_upgrade());
        connection.receive(&core::mem::take(&mut self.rest));
        self.state = State::Done;
        Ok(connection)
    }

    /// Refuses the request with a response of the application's choosing: a final status
    /// from 200 to 599 (a redirect, `401`, `404`, ...), extra header fields and a body.
    /// `Connection: close` and `Content-Length` are added; a `426` also gets
    /// `Upgrade: websocket` unless the caller gives an `Upgrade` field (RFC 9110
    /// §15.5.22). Returns the bytes to write before closing the transport.
    ///
    /// Refused with a [`UsageError`], changing nothing: a status outside 200–599
    /// ([`UsageError::InvalidStatus`]; `101` is what [`accept`](Self::accept) sends, and
    /// other 1xx are not final), a body with 204, 205 or 304, which cannot carry one
    /// ([`UsageError::BodyNotAllowed`]; RFC 9110 §15.3.5, §15.3.6, §15.4.5), and header
    /// fields the handshake writes itself or that are not valid HTTP.
    pub fn reject(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<u8>, UsageError> {
        if !matches!(self.state, State::Received(_)) {
            return Err(UsageError::NoRequest);
        }
        let response = refuse(HttpVersion::Http11, status, headers, body)?;
        self.state = State::Done;
        self.rest = Vec::new();
        Ok(response.to_http1_closing())
    }
}

/// RFC 9110 §7.8: `protocol = protocol-name ["/" protocol-version]`, both tokens.
fn is_upgrade_protocol(element: &[u8]) -> bool {
    element.splitn(2, |&b| b == b'/').all(is_token)
}

/// Applies RFC 6455 §4.2.1, and the HTTP/1.1 rules it rests on, to a parsed request.
fn validate_http1(
    method: &str,
    path: &str,
    version: HttpVersion,
    headers: Headers,
    config: &ServerConfig,
) -> Result<Request, RequestError> {
    // RFC 6455 §4.1: "The method of the request MUST be GET, and the HTTP version MUST be
    // at least 1.1."
    if method != "GET" {
        return Err(RequestError::MethodNotGet);
    }
    if version != HttpVersion::Http11 {
        return Err(RequestError::HttpVersion);
    }
    // RFC 6455 §4.1 item 3, §4.2.1 item 1: a resource name or an absolute http(s) URI;
    // RFC 9112 §3.2: no fragment, and not the asterisk- or authority-form.
    if !uri::is_request_target(path.as_bytes()) {
        return Err(RequestError::InvalidTarget);
    }
    // RFC 9112 §3.2: "a server MUST respond with a 400 (Bad Request) status code to any
    // HTTP/1.1 request message that lacks a Host header field and to any request message
    // that contains more than one Host header field line or a Host header field with an
    // invalid field value."
    let authority = match headers.single("Host").map(trim_ows) {
        Some(host) if uri::is_authority(host) => String::from_utf8_lossy(host).into_owned(),
        _ => return Err(RequestError::Host),
    };
    // RFC 9112 §6.3: a request announces a body with Transfer-Encoding or a non-zero
    // Content-Length, and an invalid Content-Length "MUST" get a 400 (item 5). The
    // handshake has no body: its bytes would be read as frames.
    if headers.get("Transfer-Encoding").is_some()
        || !matches!(headers.content_length(), Ok(None | Some(0)))
    {
        return Err(RequestError::Body);
    }
    // RFC 9110 §7.8: Upgrade = 1#protocol; RFC 6455 §4.2.1 item 3: websocket among them.
    // A list sent on several field lines is one list (RFC 9110 §5.3).
    if !headers.is_list_of("Upgrade", is_upgrade_protocol)
        || !headers.has_token("Upgrade", "websocket")
    {
        return Err(RequestError::UpgradeNotWebSocket);
    }
    // RFC 9110 §7.6.1: Connection = 1#connection-option; RFC 6455 §4.2.1 item 4.
    if !headers.is_list_of("Connection", is_token) || !headers.has_token("Connection", "upgrade") {
        return Err(RequestError::ConnectionNotUpgrade);
    }
    // Checked before the key: a client of an older draft is told what to speak.
    check_websocket_version(&headers)?;
    // RFC 6455 §4.2.1 item 5: one key, the base64 of 16 bytes.
    let key = headers
        .single("Sec-WebSocket-Key")
        .map(trim_ows)
        .ok_or(RequestError::KeyCount)?;
    let mut decoded = [0u8; 18];
    match base64::engine::general_purpose::STANDARD.decode_slice(key, &mut decoded) {
        Ok(16) => {}
        _ => return Err(RequestError::InvalidKey),
    }
    let key = String::from_utf8_lossy(key).into_owned();
    let head = Head {
        version,
        method: method.to_owned(),
        path: path.to_owned(),
        authority,
        key: Some(key),
    };
    negotiate(head, headers, config)
}

/// Applies RFC 8441 §4-5 (HTTP/2) and RFC 9220 §3 (HTTP/3) to an extended CONNECT's
/// field block, then the WebSocket rules shared with HTTP/1.1.
fn validate_extended_connect(
    version: HttpVersion,
    fields: Headers,
    config: &ServerConfig,
) -> Result<Request, RequestError> {
    if !version.is_extended_connect() {
        return Err(RequestError::HttpVersion);
    }
    let request = connect::check_request(&fields)?;
    // RFC 8441 §5: Sec-WebSocket-Version is "used in the CONNECT request and response
    // header fields as defined in [RFC6455]".
    check_websocket_version(&request.headers)?;
    let head = Head {
        version,
        method: "CONNECT".to_owned(),
        path: request.path,
        authority: request.authority,
        key: None,
    };
    negotiate(head, request.headers, config)
}

/// RFC 6455 §4.4: a version the server does not speak is refused, naming the ones it
/// does. The field is one `version` (§4.3); a second field line or a list names no
/// version this server can pick, and the answer that helps such a client is the same:
/// what to send.
fn check_websocket_version(headers: &Headers) -> Result<(), RequestError> {
    if headers.single("Sec-WebSocket-Version").map(trim_ows) != Some(b"13") {
        return Err(RequestError::UnsupportedVersion);
    }
    Ok(())
}

/// What the version-specific checks established.
struct Head {
    version: HttpVersion,
    method: String,
    path: String,
    authority: String,
    key: Option<String>,
}

/// The WebSocket fields of a request, over any HTTP version (RFC 6455 §4.2.1 items 7-9,
/// RFC 8441 §5: "The Origin [RFC6454], Sec-WebSocket-Version, Sec-WebSocket-Protocol, and
/// Sec-WebSocket-Extensions header fields are used in the CONNECT request and response
/// header fields as defined in [RFC6455]"), then the server's policies and choices.
fn negotiate(head: Head, headers: Headers, config: &ServerConfig) -> Result<Request, RequestError> {
    // RFC 6454 §7.3: a user agent "MUST NOT include more than one Origin header field";
    // RFC 6455 §4.1 item 8: the value is one origin's serialization (RFC 6454 §7.1).
    let origin = match headers.count("Origin") {
        0 => None,
        1 => {
            let origin = headers.get("Origin").map(trim_ows).unwrap_or_default();
            if !uri::is_origin(origin) {
                return Err(RequestError::InvalidOrigin);
            }
            // Only ASCII passes the grammar.
            Some(String::from_utf8_lossy(origin).into_owned())
        }
        _ => return Err(RequestError::InvalidOrigin),
    };
    // RFC 6455 §4.1 item 10: each field is `1#token`, and the names "MUST all be unique".
    if !headers.is_list_of("Sec-WebSocket-Protocol", is_token) {
        return Err(RequestError::InvalidProtocols);
    }
    let protocols: Vec<String> = headers
        .list("Sec-WebSocket-Protocol")
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let mut unique: Vec<&String> = protocols.iter().collect();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != protocols.len() {
        return Err(RequestError::InvalidProtocols);
    }
    // RFC 6455 §9.1: each field is `1#extension`.
    let extensions = headers
        .extensions()
        .map_err(RequestError::InvalidExtensions)?;
    if let Some(origin) = &origin {
        if !config.origin.allows(origin) {
            return Err(RequestError::OriginNotAllowed(origin.clone()));
        }
    }
    // The server's preference decides, among what the client offered.
    let chosen = config
        .protocols
        .iter()
        .find(|p| protocols.contains(p))
        .cloned();
    let deflate = config
        .deflate
        .as_ref()
        .and_then(|d| d.accept_offers(&extensions));
    Ok(Request {
        method: head.method,
        path: head.path,
        authority: Some(head.authority),
        headers,
        extensions,
        origin,
        terms: Terms {
            version: head.version,
            key: head.key,
            offered: protocols,
            chosen,
            deflate,
        },
        local: config.local(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head reader's work for `wire` fed in pieces of `step` bytes, and whether the
    /// handshake answered.
    fn work(config: ServerConfig, wire: &[u8], step: usize) -> (u64, bool) {
        let mut handshake = ServerHandshake::new(config);
        let mut answered = false;
        for piece in wire.chunks(step) {
            answered |= !matches!(handshake.receive(piece), Ok(None));
        }
        (handshake.head_reader().work(), answered)
    }

    const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    // A run of empty lines before the request used to be re-parsed at every line feed: 16,000
    // of them cost 76 ms. Now they are refused past the cap and, like every other shape of
    // head, cost a few units of work per byte, in any split, with any head limit.
    #[test]
    fn server_work_is_linear_in_the_bytes_fed() {
        let config = || {
            ServerConfig::new()
                .max_head_bytes(1 << 20)
                .max_headers(1 << 16)
        };
        let shapes: [fn(usize) -> Vec<u8>; 4] = [
            |n| [b"\r\n".repeat(n / 2), REQUEST.to_vec()].concat(),
            |n| [b"\n".repeat(n), REQUEST.to_vec()].concat(),
            |n| {
                let mut wire = REQUEST[..REQUEST.len() - 2].to_vec();
                while wire.len() < n {
                    wire.extend_from_slice(b"X-A: b\r\n");
                }
                wire.extend_from_slice(b"\r\n");
                wire
            },
            |n| {
                let mut wire = b"GET / HTTP/1.1\r\nX: ".to_vec();
                wire.resize(n, b'v');
                wire
            },
        ];
        for make in shapes {
            for n in [1 << 10, 1 << 13, 1 << 16] {
                let wire = make(n);
                for step in [1, 5, wire.len()] {
                    let (work, _) = work(config(), &wire, step);
                    assert!(
                        work <= 4 * wire.len() as u64,
                        "{} bytes in steps of {step}: work {work}",
                        wire.len()
                    );
                }
            }
        }
        // The run of empty lines is refused early: its work does not grow with it.
        let wire = [b"\r\n".repeat(32_000), REQUEST.to_vec()].concat();
        let (work, answered) = work(config(), &wire, 1);
        assert!(answered);
        assert!(work < 64, "work {work}");
    }
}
