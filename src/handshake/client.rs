//! The client's side of the opening handshake (RFC 6455 §4.1).

use alloc::{borrow::ToOwned, boxed::Box, format, string::String, string::ToString, vec, vec::Vec};
use core::fmt;
use core::time::Duration;

use base64::Engine as _;

use super::body::{BodyLength, BodyReader};
use super::connect::connection_specific_field;
use super::head::{
    DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADERS, HeadReader, HeadStatus, MAX_EMPTY_LINES,
};
use super::parts::{HttpVersion, field_name};
use super::url::{UrlError, WsUrl};
use super::{
    HandshakeTimer, Headers, accept_key, check_extra_headers, is_token, open_connection,
    push_field, trim_ows,
};
use crate::connection::{Config, Connection, Role};
use crate::deflate::{DeflateConfig, DeflateNegotiationError, DeflateParams, PERMESSAGE_DEFLATE};
use crate::error::UsageError;
use crate::extensions::{Extension, ExtensionsSyntaxError};
use crate::keys::KeySource;

/// Default most body bytes kept from a response that refused the upgrade: 64 KiB.
const DEFAULT_MAX_REJECTION_BODY: usize = 64 * 1024;

/// What a client asks for.
///
/// ```
/// use wswire::ClientConfig;
/// let config = ClientConfig::new("wss://example.com/chat")?
///     .origin("https://example.com")
///     .protocol("chat.v2")
///     .header("Authorization", "Bearer abc");
/// # Ok::<(), wswire::UrlError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    url: WsUrl,
    origin: Option<String>,
    protocols: Vec<String>,
    headers: Vec<(String, String)>,
    deflate: Option<DeflateConfig>,
    pub(crate) connection: Config,
    max_head_bytes: usize,
    max_headers: usize,
    max_rejection_body: usize,
    handshake_timeout: Option<Duration>,
}

impl ClientConfig {
    /// A request for `url` (`ws://` or `wss://`; TLS is the caller's transport).
    pub fn new(url: &str) -> Result<Self, UrlError> {
        Ok(Self::from_url(WsUrl::parse(url)?))
    }

    /// A request for an already parsed URL.
    pub fn from_url(url: WsUrl) -> Self {
        Self {
            url,
            origin: None,
            protocols: Vec::new(),
            headers: Vec::new(),
            deflate: None,
            connection: Config::new(),
            max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
            max_rejection_body: DEFAULT_MAX_REJECTION_BODY,
            handshake_timeout: None,
        }
    }

    /// The URL.
    pub fn url(&self) -> &WsUrl {
        &self.url
    }

    /// Sends `Origin` (RFC 6455 §4.1, item 8: required of browser clients).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Offers a subprotocol; earlier ones are preferred.
    pub fn protocol(mut self, name: impl Into<String>) -> Self {
        self.protocols.push(name.into());
        self
    }

    /// Adds a header field to the request (cookies, authorization, ...).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Offers permessage-deflate (RFC 7692) on these terms. Off by default.
    pub fn deflate(mut self, config: DeflateConfig) -> Self {
        self.deflate = Some(config);
        self
    }

    /// Settings of the connection once established.
    pub fn connection(mut self, config: Config) -> Self {
        self.connection = config;
        self
    }

    /// How long the response may take to arrive whole (a refusal's body included), on the
    /// caller's clock ([`ClientHandshake::handle_timeout`]), counted from the first time
    /// given; past it the handshake fails with [`ResponseError::Timeout`]. Off by default
    /// (Python `websockets`' `open_timeout`, 10 s, is the precedent).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = Some(timeout);
        self
    }

    /// The largest response head, 16 KiB by default.
    pub fn max_head_bytes(mut self, bytes: usize) -> Self {
        self.max_head_bytes = bytes;
        self
    }

    /// The most response header fields, 128 by default.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    /// The most body bytes kept from a refusal, 64 KiB by default.
    pub fn max_rejection_body(mut self, bytes: usize) -> Self {
        self.max_rejection_body = bytes;
        self
    }
}

/// A response that refused the upgrade: everything a caller needs to follow a redirect,
/// answer a `401`, or report the error page of a server that does not speak WebSocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The status code.
    pub status: u16,
    /// The reason phrase, as sent.
    pub reason: String,
    /// The header fields.
    pub headers: Headers,
    /// The body, up to the configured limit.
    pub body: Vec<u8>,
    /// The body was longer than the limit, or its framing broke, or the connection closed
    /// before it was complete.
    pub body_truncated: bool,
}

/// Why the server's response does not complete the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The server answered with something other than `101`.
    Rejected(Box<Rejection>),
    /// The head passed the size limit before it ended.
    HeadTooLarge,
    /// More header fields than the limit.
    TooManyHeaders,
    /// Not parseable as an HTTP/1.x response, or a refusal whose body length cannot be
    /// known (an invalid `Content-Length`: RFC 9112 §6.3 item 5 has the client discard
    /// the response).
    Malformed(String),
    /// RFC 6455 §4.1: a `101` over HTTP/1.0 is not a valid upgrade.
    HttpVersion,
    /// `Upgrade` is not `websocket`, alone (RFC 6455 §4.1, item 2).
    UpgradeNotWebSocket,
    /// `Connection` does not contain `upgrade` (RFC 6455 §4.1, item 3).
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Accept` is missing or appears more than once (item 4).
    AcceptCount,
    /// `Sec-WebSocket-Accept` is not the value derived from our key (item 4).
    AcceptMismatch,
    /// The server selected a subprotocol that was not offered (item 6).
    ProtocolNotOffered(String),
    /// `Sec-WebSocket-Protocol` is not one token on one field line: empty, a list, or sent
    /// twice (RFC 6455 §4.2.2, §4.3).
    InvalidProtocol(String),
    /// The server accepted an extension that was not offered (item 5).
    ExtensionNotOffered(String),
    /// `Sec-WebSocket-Extensions` breaks its grammar.
    InvalidExtensions(ExtensionsSyntaxError),
    /// The server's permessage-deflate parameters cannot be used (RFC 7692 §7.1).
    Deflate(DeflateNegotiationError),
    /// The connection closed before the response was complete.
    Closed,
    /// The response did not arrive whole within [`ClientConfig::handshake_timeout`].
    Timeout,
    /// HTTP/2, HTTP/3: the response carries a connection-specific field (RFC 9113
    /// §8.2.2, RFC 9114 §4.2).
    ConnectionSpecificField(String),
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(r) => write!(f, "server refused the upgrade: {} {}", r.status, r.reason),
            Self::HeadTooLarge => f.write_str("response head too large"),
            Self::TooManyHeaders => f.write_str("too many response header fields"),
            Self::Malformed(e) => write!(f, "malformed HTTP response: {e}"),
            Self::HttpVersion => f.write_str("upgrade response is not HTTP/1.1"),
            Self::UpgradeNotWebSocket => f.write_str("response Upgrade is not websocket"),
            Self::ConnectionNotUpgrade => f.write_str("response Connection lacks upgrade"),
            Self::AcceptCount => f.write_str("response needs exactly one Sec-WebSocket-Accept"),
            Self::AcceptMismatch => f.write_str("Sec-WebSocket-Accept does not match the key"),
            Self::ProtocolNotOffered(p) => write!(f, "server chose subprotocol {p:?}, not offered"),
            Self::InvalidProtocol(p) => write!(f, "malformed Sec-WebSocket-Protocol {p:?}"),
            Self::ExtensionNotOffered(e) => write!(f, "server accepted extension {e}, not offered"),
            Self::InvalidExtensions(e) => e.fmt(f),
            Self::Deflate(e) => e.fmt(f),
            Self::Closed => f.write_str("connection closed during the handshake"),
            Self::Timeout => f.write_str("the response did not arrive in time"),
            Self::ConnectionSpecificField(name) => {
                write!(
                    f,
                    "response field {name} is not allowed in HTTP/2 and HTTP/3"
                )
            }
        }
    }
}

impl core::error::Error for ResponseError {}

/// A completed handshake.
#[derive(Debug)]
pub struct Accepted {
    /// The connection, holding any frames that arrived with the response.
    pub connection: Connection,
    /// The `101` response's header fields (`Set-Cookie`, ...).
    pub headers: Headers,
    /// The extensions the server accepted.
    pub extensions: Vec<Extension>,
}

/// A client's side of the opening handshake whose HTTP another stack carries: the request
/// as parts for it to send, and the check of the response it received.
///
/// Over HTTP/1.1 the request is a `GET` with `Upgrade: websocket` and a fresh
/// `Sec-WebSocket-Key`, and the response must be the `101` RFC 6455 §4.1 describes; over
/// HTTP/2 and HTTP/3 it is an extended CONNECT (RFC 8441 §4-5, RFC 9220 §3) and the
/// response a `2xx`. Either way the response's subprotocol and extensions are checked by
/// the same code as [`ClientHandshake`]'s, which is built on this type.
///
/// ```
/// use wswire::{ClientConfig, ClientRequest, Headers, HttpVersion, SeededKeys};
/// let config = ClientConfig::new("wss://server.example.com/chat")?.protocol("chat");
/// let request = ClientRequest::with_keys(config, HttpVersion::Http2, SeededKeys::new(1))?;
/// assert_eq!(request.method(), "CONNECT");
/// assert_eq!(
///     request.headers()[..5],
///     [
///         (":method".to_owned(), "CONNECT".to_owned()),
///         (":protocol".to_owned(), "websocket".to_owned()),
///         (":scheme".to_owned(), "https".to_owned()),
///         (":path".to_owned(), "/chat".to_owned()),
///         (":authority".to_owned(), "server.example.com".to_owned()),
///     ]
/// );
/// // The stack sends the request and hands back the response's status and fields.
/// let response: Headers = [("sec-websocket-protocol", "chat")].into_iter().collect();
/// let accepted = request.check_response(200, &response)?;
/// assert_eq!(accepted.connection.protocol(), Some("chat"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientRequest {
    config: ClientConfig,
    version: HttpVersion,
    /// Moved into the connection once the response is accepted.
    keys: Option<Box<dyn KeySource>>,
    /// The `Sec-WebSocket-Accept` the server must send (HTTP/1.1).
    expected_accept: Option<String>,
    headers: Vec<(String, String)>,
}

impl fmt::Debug for ClientRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRequest")
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl ClientRequest {
    /// A request over `version` whose key, and the connection's masking keys, come from
    /// the operating system.
    #[cfg(feature = "getrandom")]
    pub fn new(config: ClientConfig, version: HttpVersion) -> Result<Self, UsageError> {
        Self::with_keys(config, version, crate::keys::OsRandom::new())
    }

    /// A request over `version` whose key, and the connection's masking keys, come from
    /// `keys`.
    ///
    /// Refused: HTTP/1.0 ([`UsageError::UnsupportedHttpVersion`]), subprotocol names that
    /// are not tokens, and extra header fields the handshake writes itself, that are not
    /// valid HTTP, or that HTTP/2 and HTTP/3 forbid.
    pub fn with_keys(
        config: ClientConfig,
        version: HttpVersion,
        keys: impl KeySource + 'static,
    ) -> Result<Self, UsageError> {
        Self::build(config, version, Box::new(keys))
    }

    fn build(
        config: ClientConfig,
        version: HttpVersion,
        mut keys: Box<dyn KeySource>,
    ) -> Result<Self, UsageError> {
        if version == HttpVersion::Http10 {
            return Err(UsageError::UnsupportedHttpVersion(version));
        }
        check_extra_headers(&config.headers, RESERVED_REQUEST, version)?;
        if let Some(bad) = config.protocols.iter().find(|p| !is_token(p.as_bytes())) {
            return Err(UsageError::InvalidProtocol(bad.clone()));
        }
        if let Some(origin) = &config.origin {
            if !super::is_field_value(origin.as_bytes()) {
                return Err(UsageError::InvalidHeader("Origin".to_owned()));
            }
        }
        // RFC 6455 §4.1, item 7: a random 16-byte nonce, base64-encoded. RFC 8441 §5: none
        // in an extended CONNECT.
        let key = (!version.is_extended_connect()).then(|| {
            let mut nonce = [0u8; 16];
            keys.fill(&mut nonce);
            base64::engine::general_purpose::STANDARD.encode(nonce)
        });
        let headers = request_fields(&config, version, key.as_deref());
        Ok(Self {
            expected_accept: key.map(accept_key),
            config,
            version,
            keys: Some(keys),
            headers,
        })
    }

    /// The HTTP version the request is for.
    pub fn version(&self) -> HttpVersion {
        self.version
    }

    /// The method: `GET` over HTTP/1.1, `CONNECT` over HTTP/2 and HTTP/3.
    pub fn method(&self) -> &'static str {
        if self.version.is_extended_connect() {
            "CONNECT"
        } else {
            "GET"
        }
    }

    /// The request target: the URL's path and query.
    pub fn target(&self) -> &str {
        self.config.url.resource()
    }

    /// The URL.
    pub fn url(&self) -> &WsUrl {
        &self.config.url
    }

    /// The header fields to send, in order. Over HTTP/2 and HTTP/3 this is the whole
    /// field block: the pseudo-header fields `:method`, `:protocol`, `:scheme`, `:path`
    /// and `:authority` first (RFC 9113 §8.3), then lowercase regular fields.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Checks the response the HTTP stack received for this request: its final status and
    /// its header fields (no pseudo-header fields). On success, the connection is open with
    /// the subprotocol and permessage-deflate parameters the response states; it runs over
    /// the upgraded connection or the stream.
    ///
    /// A status other than `101` over HTTP/1.1, or other than `2xx` over HTTP/2 and HTTP/3,
    /// is [`ResponseError::Rejected`] with the status and fields; its body, if any, is the
    /// stack's to read.
    pub fn check_response(
        mut self,
        status: u16,
        headers: &Headers,
    ) -> Result<Accepted, ResponseError> {
        if !self.is_accepting(status) {
            return Err(ResponseError::Rejected(Box::new(Rejection {
                status,
                reason: super::parts::reason_phrase(status).to_owned(),
                headers: headers.clone(),
                body: Vec::new(),
                body_truncated: false,
            })));
        }
        self.accept_response(headers.clone())
    }

    /// Whether a response with `status` accepts the handshake: `101` over HTTP/1.1 (RFC
    /// 6455 §4.1), any `2xx` over HTTP/2 and HTTP/3 (RFC 9110 §9.3.6: "Any 2xx
    /// (Successful) response indicates that the sender (and all inbound proxies) will
    /// switch to tunnel mode").
    pub(crate) fn is_accepting(&self, status: u16) -> bool {
        if self.version.is_extended_connect() {
            (200..=299).contains(&status)
        } else {
            status == 101
        }
    }

    /// Checks an accepting response's fields and opens the connection: the one
    /// implementation behind [`check_response`](Self::check_response) and
    /// [`ClientHandshake::receive`].
    fn accept_response(&mut self, headers: Headers) -> Result<Accepted, ResponseError> {
        if self.version.is_extended_connect() {
            // RFC 8441 §5: no Sec-WebSocket-Accept to check ("that functionality has been
            // superseded by the :protocol pseudo-header field"); RFC 9113 §8.2.2, RFC 9114
            // §4.2: a connection-specific field makes the response malformed.
            if let Some(name) = connection_specific_field(headers.iter()) {
                return Err(ResponseError::ConnectionSpecificField(name.to_owned()));
            }
            if let Some((name, _)) = headers.iter().find(|(name, _)| name.starts_with(':')) {
                return Err(ResponseError::Malformed(format!(
                    "pseudo-header field {name} among the header fields"
                )));
            }
        } else {
            self.check_upgrade(&headers)?;
        }
        let (protocol, extensions, deflate) = self.check_negotiation(&headers)?;
        let connection = open_connection(
            Role::Client,
            &self.config.connection,
            self.config.deflate.as_ref(),
            deflate,
            protocol,
            self.keys.take(),
        )
        .map_err(|_| ResponseError::Deflate(DeflateNegotiationError::EightBitWindow))?;
        Ok(Accepted {
            connection,
            headers,
            extensions,
        })
    }

    /// RFC 6455 §4.1 items 2-4, the fields of a `101` over HTTP/1.1.
    fn check_upgrade(&self, headers: &Headers) -> Result<(), ResponseError> {
        // Item 2: the client fails the connection if Upgrade "contains a value that is not
        // an ASCII case-insensitive match for the value "websocket"": one protocol, on one
        // field line (a second line would add a value to the list, RFC 9110 §5.3).
        let mut upgrade = headers.list("Upgrade");
        let first = upgrade.next();
        let only_websocket =
            first.is_some_and(|p| p.eq_ignore_ascii_case(b"websocket")) && upgrade.next().is_none();
        if !only_websocket {
            return Err(ResponseError::UpgradeNotWebSocket);
        }
        // Item 3.
        if !headers.has_token("Connection", "upgrade") {
            return Err(ResponseError::ConnectionNotUpgrade);
        }
        // Item 4.
        let Some(accept) = headers.single("Sec-WebSocket-Accept") else {
            return Err(ResponseError::AcceptCount);
        };
        if Some(trim_ows(accept)) != self.expected_accept.as_deref().map(str::as_bytes) {
            return Err(ResponseError::AcceptMismatch);
        }
        Ok(())
    }

    /// RFC 6455 §4.1 items 5 and 6, over any version (RFC 8441 §5: the fields are "used in
    /// the CONNECT request and response header fields as defined in [RFC6455]"): the
    /// subprotocol, the extensions and permessage-deflate's parameters.
    fn check_negotiation(&self, headers: &Headers) -> Result<Negotiated, ResponseError> {
        // Item 6, and §4.2.2: the field is one token (`Sec-WebSocket-Protocol-Server =
        // token`, §4.3), on one line, "The empty string is not the same as the null value
        // ... and is not a legal value"; and one that was offered.
        let protocol = match headers.count("Sec-WebSocket-Protocol") {
            0 => None,
            1 => {
                let value = headers.get("Sec-WebSocket-Protocol").map(trim_ows);
                let value = value.unwrap_or_default();
                let text = String::from_utf8_lossy(value).into_owned();
                if !is_token(value) {
                    return Err(ResponseError::InvalidProtocol(text));
                }
                if !self.config.protocols.contains(&text) {
                    return Err(ResponseError::ProtocolNotOffered(text));
                }
                Some(text)
            }
            _ => {
                let all: Vec<_> = headers
                    .get_all("Sec-WebSocket-Protocol")
                    .map(String::from_utf8_lossy)
                    .collect();
                return Err(ResponseError::InvalidProtocol(all.join(", ")));
            }
        };
        // Item 5: only extensions that were offered, each at most once: here, a single
        // permessage-deflate if it was offered. Each field is `1#extension` (§9.1).
        let extensions = headers
            .extensions()
            .map_err(ResponseError::InvalidExtensions)?;
        let deflate = match (extensions.as_slice(), &self.config.deflate) {
            ([], _) => None,
            ([only], Some(config)) if only.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE) => Some(
                config
                    .check_response(only)
                    .map_err(ResponseError::Deflate)?,
            ),
            ([only], _) => return Err(ResponseError::ExtensionNotOffered(only.name().to_owned())),
            ([_, second, ..], _) => {
                return Err(ResponseError::ExtensionNotOffered(second.name().to_owned()));
            }
        };
        Ok((protocol, extensions, deflate))
    }
}

/// The subprotocol, the extensions and the permessage-deflate parameters a response
/// agreed to.
type Negotiated = (Option<String>, Vec<Extension>, Option<DeflateParams>);

#[derive(Debug)]
enum State {
    AwaitingHead,
    /// Reading the body of a refusal.
    RejectionBody(Box<Rejection>, BodyReader),
    Failed(ResponseError),
    Done,
}

/// The client's side of the opening handshake.
///
/// Write [`request`](Self::request), then feed the response with
/// [`receive`](Self::receive) until it returns the [`Accepted`] connection or an error.
///
/// It writes and reads HTTP/1.1 bytes around a [`ClientRequest`]: the request's fields
/// and the checks of the response are the same as for a request another HTTP stack
/// carries.
///
/// ```
/// use wswire::{ClientConfig, ClientHandshake, SeededKeys};
/// let config = ClientConfig::new("ws://127.0.0.1:9001/chat").unwrap();
/// let mut handshake = ClientHandshake::with_keys(config, SeededKeys::new(0)).unwrap();
/// let request = std::str::from_utf8(handshake.request()).unwrap();
/// assert!(request.starts_with("GET /chat HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n"));
/// ```
pub struct ClientHandshake {
    inner: ClientRequest,
    request: Vec<u8>,
    head: HeadReader,
    state: State,
    timer: HandshakeTimer,
}

impl fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("config", &self.inner.config)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl ClientHandshake {
    /// A handshake whose key, and the connection's masking keys, come from the operating
    /// system.
    #[cfg(feature = "getrandom")]
    pub fn new(config: ClientConfig) -> Result<Self, UsageError> {
        Self::with_keys(config, crate::keys::OsRandom::new())
    }

    /// A handshake whose key, and the connection's masking keys, come from `keys`.
    pub fn with_keys(
        config: ClientConfig,
        keys: impl KeySource + 'static,
    ) -> Result<Self, UsageError> {
        let inner = ClientRequest::build(config, HttpVersion::Http11, Box::new(keys))?;
        // RFC 6455 §4.1: the opening handshake request.
        let mut request = Vec::with_capacity(256);
        request.extend_from_slice(b"GET ");
        request.extend_from_slice(inner.target().as_bytes());
        request.extend_from_slice(b" HTTP/1.1\r\n");
        for (name, value) in inner.headers() {
            push_field(&mut request, name, value.as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        Ok(Self {
            timer: HandshakeTimer::new(inner.config.handshake_timeout),
            inner,
            request,
            head: HeadReader::default(),
            state: State::AwaitingHead,
        })
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next, on the caller's clock:
    /// `None` without a [`ClientConfig::handshake_timeout`] or once the response is
    /// complete; `Some(Duration::ZERO)` until the handshake has been given the time once.
    pub fn poll_timeout(&self) -> Option<Duration> {
        match self.state {
            State::AwaitingHead | State::RejectionBody(..) => self.timer.next(),
            _ => None,
        }
    }

    /// Gives the handshake the time (a `Duration` since an epoch of the caller's choosing).
    /// Once the response has not arrived whole within [`ClientConfig::handshake_timeout`]
    /// of the first call, the handshake fails with [`ResponseError::Timeout`].
    pub fn handle_timeout(&mut self, now: Duration) -> Result<(), ResponseError> {
        match &self.state {
            State::AwaitingHead | State::RejectionBody(..) if self.timer.expired(now) => {
                Err(self.fail(ResponseError::Timeout))
            }
            _ => Ok(()),
        }
    }

    /// The request bytes to write to the transport.
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Feeds bytes of the response. Returns `Ok(None)` until it is complete.
    ///
    /// A refusal is reported once its body is complete (or the body limit is reached); a
    /// body that runs until the server closes is reported by [`receive_eof`](Self::receive_eof).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Option<Accepted>, ResponseError> {
        match &mut self.state {
            State::AwaitingHead => {}
            State::RejectionBody(_, body) => {
                body.push(bytes);
                return self.finish_rejection_if_done();
            }
            State::Failed(e) => return Err(e.clone()),
            State::Done => return Ok(None),
        }
        let mut input = bytes;
        loop {
            let (status, rest) = self.head.push(input, self.inner.config.max_head_bytes);
            match status {
                HeadStatus::Partial => return Ok(None),
                HeadStatus::TooLarge => return Err(self.fail(ResponseError::HeadTooLarge)),
                HeadStatus::TooManyEmptyLines => {
                    let e =
                        format!("more than {MAX_EMPTY_LINES} empty lines before the status line");
                    return Err(self.fail(ResponseError::Malformed(e)));
                }
                HeadStatus::Ended => {}
            }
            match self.parse() {
                Ok(Parsed::Interim) => {
                    // RFC 9110 §15.2: 1xx responses other than 101 are informational and
                    // precede the final one. Each is read once; together they count
                    // toward the head limit, so a stream of them ends.
                    self.head.next_head();
                    input = rest;
                }
                Ok(Parsed::Upgraded(mut accepted)) => {
                    self.head.finish();
                    accepted.connection.receive(rest);
                    self.state = State::Done;
                    return Ok(Some(*accepted));
                }
                Ok(Parsed::Refused(rejection, length)) => {
                    self.head.finish();
                    // The body is bounded by `max_rejection_body`; bytes past its end are
                    // not kept.
                    let mut body = BodyReader::new(length, self.inner.config.max_rejection_body);
                    body.push(rest);
                    self.state = State::RejectionBody(rejection, body);
                    return self.finish_rejection_if_done();
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    /// The server closed the transport. Completes a refusal whose body ran until then;
    /// otherwise the handshake fails with [`ResponseError::Closed`].
    pub fn receive_eof(&mut self) -> Result<Option<Accepted>, ResponseError> {
        match &mut self.state {
            State::RejectionBody(_, body) => {
                body.close();
                self.finish_rejection_if_done()
            }
            State::Failed(e) => Err(e.clone()),
            State::Done => Ok(None),
            State::AwaitingHead => Err(self.fail(ResponseError::Closed)),
        }
    }

    fn finish_rejection_if_done(&mut self) -> Result<Option<Accepted>, ResponseError> {
        let State::RejectionBody(_, body) = &self.state else {
            return Ok(None);
        };
        if !body.is_done() {
            return Ok(None);
        }
        let State::RejectionBody(mut rejection, body) =
            core::mem::replace(&mut self.state, State::Done)
        else {
            return Ok(None);
        };
        (rejection.body, rejection.body_truncated) = body.finish();
        Err(self.fail(ResponseError::Rejected(rejection)))
    }

    /// The head reader, for tests of its work.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn head_reader(&self) -> &HeadReader {
        &self.head
    }

    fn fail(&mut self, error: ResponseError) -> ResponseError {
        self.head.finish();
        self.state = State::Failed(error.clone());
        error
    }

    /// Parses a complete head, once.
    fn parse(&mut self) -> Result<Parsed, ResponseError> {
        let mut fields =
            vec![httparse::EMPTY_HEADER; self.head.header_slots(self.inner.config.max_headers)];
        let mut parsed = httparse::Response::new(&mut fields);
        match parsed.parse(self.head.head()) {
            Ok(httparse::Status::Complete(_)) => {}
            // The reader found the blank line that ends the head, after any empty lines:
            // a parser that still wants more has met something it cannot read.
            Ok(httparse::Status::Partial) => {
                return Err(ResponseError::Malformed(
                    "incomplete response head".to_owned(),
                ));
            }
            Err(httparse::Error::TooManyHeaders) => return Err(ResponseError::TooManyHeaders),
            Err(e) => return Err(ResponseError::Malformed(e.to_string())),
        }
        let status = parsed.code.unwrap_or_default();
        let reason = parsed.reason.unwrap_or_default().to_owned();
        let version = parsed.version.unwrap_or_default();
        let headers = Headers::from_httparse(parsed.headers);
        match status {
            101 => {}
            100..=199 => return Ok(Parsed::Interim),
            _ => {
                let length = body_length(status, version, &headers)?;
                let rejection = Rejection {
                    status,
                    reason,
                    headers,
                    body: Vec::new(),
                    body_truncated: false,
                };
                return Ok(Parsed::Refused(Box::new(rejection), length));
            }
        }
        // RFC 6455 §4.1: the 101 comes over HTTP/1.1.
        if version < 1 {
            return Err(ResponseError::HttpVersion);
        }
        let accepted = self.inner.accept_response(headers)?;
        Ok(Parsed::Upgraded(Box::new(accepted)))
    }
}

enum Parsed {
    /// A 1xx other than 101.
    Interim,
    Upgraded(Box<Accepted>),
    Refused(Box<Rejection>, BodyLength),
}

/// Header fields the handshake writes itself.
const RESERVED_REQUEST: &[&str] = &[
    "Host",
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Origin",
];

/// The request's fields: RFC 6455 §4.1 over HTTP/1.1; RFC 8441 §4-5 and RFC 9220 §3 over
/// HTTP/2 and HTTP/3, pseudo-header fields first (RFC 9113 §8.3), in the order of RFC
/// 8441 §5.1's example, then the same WebSocket fields, lowercase.
fn request_fields(
    config: &ClientConfig,
    version: HttpVersion,
    key: Option<&str>,
) -> Vec<(String, String)> {
    let mut fields: Vec<(&str, String)> = Vec::with_capacity(10 + config.headers.len());
    let url = &config.url;
    match key {
        _ if version.is_extended_connect() => {
            fields.push((":method", "CONNECT".to_owned()));
            fields.push((":protocol", "websocket".to_owned()));
            // RFC 8441 §5: "https" for wss, "http" for ws.
            let scheme = if url.is_secure() { "https" } else { "http" };
            fields.push((":scheme", scheme.to_owned()));
            fields.push((":path", url.resource().to_owned()));
            fields.push((":authority", url.host_header()));
        }
        key => {
            fields.push(("Host", url.host_header()));
            fields.push(("Upgrade", "websocket".to_owned()));
            fields.push(("Connection", "Upgrade".to_owned()));
            fields.push(("Sec-WebSocket-Key", key.unwrap_or_default().to_owned()));
        }
    }
    fields.push(("Sec-WebSocket-Version", "13".to_owned()));
    if let Some(origin) = &config.origin {
        fields.push(("Origin", origin.clone()));
    }
    if !config.protocols.is_empty() {
        fields.push(("Sec-WebSocket-Protocol", config.protocols.join(", ")));
    }
    if let Some(deflate) = &config.deflate {
        fields.push(("Sec-WebSocket-Extensions", deflate.offer().to_string()));
    }
    let extra = config.headers.iter().map(|(n, v)| (n.as_str(), v.clone()));
    fields
        .into_iter()
        .chain(extra)
        .map(|(name, value)| (field_name(version, name), value))
        .collect()
}

/// RFC 9112 §6.3: how long the body of a response refusing the upgrade is.
fn body_length(status: u16, version: u8, headers: &Headers) -> Result<BodyLength, ResponseError> {
    // Item 1: no body in 1xx (interim, read before), 204 and 304, whatever the fields say.
    if matches!(status, 204 | 304) {
        return Ok(BodyLength::None);
    }
    if headers.get("Transfer-Encoding").is_some() {
        // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; item 3: chunked
        // only as the final coding, otherwise the body runs until the server closes. It
        // overrides any Content-Length.
        let chunked_last = headers
            .list("Transfer-Encoding")
            .last()
            .is_some_and(|e| e.eq_ignore_ascii_case(b"chunked"));
        return Ok(if chunked_last && version >= 1 {
            BodyLength::Chunked
        } else {
            BodyLength::UntilClose
        });
    }
    // Item 5: an invalid Content-Length is an unrecoverable error, and "the user agent
    // MUST close the connection to the server and discard the received response".
    match headers.content_length() {
        Ok(Some(length)) => Ok(BodyLength::Fixed(length)),
        Ok(None) => Ok(BodyLength::UntilClose),
        Err(_) => Err(ResponseError::Malformed(
            "invalid Content-Length".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededKeys;

    // Interim responses, empty lines and long heads, whole and byte by byte: the client's
    // reader does a few units of work per byte fed.
    #[test]
    fn client_work_is_linear_in_the_bytes_fed() {
        let config = || {
            ClientConfig::new("ws://a/")
                .unwrap()
                .max_head_bytes(1 << 20)
                .max_headers(1 << 16)
        };
        let shapes: [fn(usize) -> Vec<u8>; 3] = [
            |n| b"HTTP/1.1 100 Continue\r\n\r\n".repeat(n / 25),
            |n| b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\r\n".repeat(n / 40),
            |n| {
                let mut wire = b"HTTP/1.1 101 Switching Protocols\r\n".to_vec();
                while wire.len() < n {
                    wire.extend_from_slice(b"X-A: b\r\n");
                }
                wire
            },
        ];
        for make in shapes {
            for n in [1 << 10, 1 << 13, 1 << 16] {
                let wire = make(n);
                for step in [1, 5, wire.len()] {
                    let mut handshake = ClientHandshake::with_keys(config(), SeededKeys::new(1))
                        .expect("valid configuration");
                    for piece in wire.chunks(step) {
                        let _ = handshake.receive(piece);
                    }
                    let work = handshake.head_reader().work();
                    assert!(
                        work <= 4 * wire.len() as u64,
                        "{} bytes in steps of {step}: work {work}",
                        wire.len()
                    );
                }
            }
        }
    }
}
