//! The server's side of the opening handshake (RFC 6455 §4.2).

use std::fmt;

use base64::Engine as _;

use super::extensions::{Extension, ExtensionsSyntaxError};
use super::head::{DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADERS, HeadReader, HeadStatus};
use super::{Headers, accept_key, check_extra_headers, is_token, push_field, trim_ows};
use crate::connection::{Config, Connection, Role};
use crate::deflate::{DeflateConfig, DeflateParams};
use crate::error::UsageError;

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
}

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
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// A valid WebSocket upgrade request, for the application to accept or reject.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    path: String,
    headers: Headers,
    key: String,
    protocols: Vec<String>,
    extensions: Vec<Extension>,
    origin: Option<String>,
    chosen_protocol: Option<String>,
    deflate: Option<DeflateParams>,
}

impl Request {
    /// The method: always `GET` for a request that reached the application.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target, as sent (`/chat?room=1`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Every header field.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The `Sec-WebSocket-Key` value.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The subprotocols the client offered, in its order of preference.
    pub fn protocols(&self) -> &[String] {
        &self.protocols
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
        self.chosen_protocol.as_deref()
    }

    /// The permessage-deflate parameters the server's configuration agrees to, which
    /// [`Accept::new`] uses; `None` if not configured, not offered, or no offer was
    /// acceptable.
    pub fn deflate(&self) -> Option<&DeflateParams> {
        self.deflate.as_ref()
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
    /// Not parseable as HTTP/1.x (400).
    Malformed(String),
    /// RFC 6455 §4.1: the method must be GET (400).
    MethodNotGet,
    /// RFC 6455 §4.1: HTTP/1.1 or later (400).
    HttpVersion,
    /// No `Host`, or more than one (400; RFC 9112 §3.2).
    Host,
    /// `Upgrade` does not contain the token `websocket` (400).
    UpgradeNotWebSocket,
    /// `Connection` does not contain the token `upgrade` (400).
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Version` is missing or not 13 (426, with `Sec-WebSocket-Version: 13`,
    /// RFC 6455 §4.4).
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` is missing or appears more than once (400).
    KeyCount,
    /// `Sec-WebSocket-Key` is not the base64 of 16 bytes (400; RFC 6455 §4.1).
    InvalidKey,
    /// `Sec-WebSocket-Protocol` is not a list of tokens (400).
    InvalidProtocols,
    /// `Sec-WebSocket-Extensions` breaks its grammar (400).
    InvalidExtensions(ExtensionsSyntaxError),
    /// `Origin` is not text (400).
    InvalidOrigin,
    /// The origin policy refuses this `Origin` (403).
    OriginNotAllowed(String),
}

impl RequestError {
    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        match self {
            Self::HeadTooLarge | Self::TooManyHeaders => 431,
            Self::UnsupportedVersion => 426,
            Self::OriginNotAllowed(_) => 403,
            _ => 400,
        }
    }

    /// The complete response to write before closing the connection.
    pub fn response(&self) -> Vec<u8> {
        let version = [("Sec-WebSocket-Version".to_owned(), "13".to_owned())];
        let extra: &[(String, String)] = match self {
            Self::UnsupportedVersion => &version,
            _ => &[],
        };
        let body = format!("{self}\n");
        rejection(self.status(), extra, body.as_bytes())
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HeadTooLarge => f.write_str("request head too large"),
            Self::TooManyHeaders => f.write_str("too many header fields"),
            Self::Malformed(e) => write!(f, "malformed HTTP request: {e}"),
            Self::MethodNotGet => f.write_str("a WebSocket upgrade must use GET"),
            Self::HttpVersion => f.write_str("a WebSocket upgrade needs HTTP/1.1 or later"),
            Self::Host => f.write_str("exactly one Host header is required"),
            Self::UpgradeNotWebSocket => f.write_str("Upgrade header must contain websocket"),
            Self::ConnectionNotUpgrade => f.write_str("Connection header must contain upgrade"),
            Self::UnsupportedVersion => f.write_str("Sec-WebSocket-Version must be 13"),
            Self::KeyCount => f.write_str("exactly one Sec-WebSocket-Key header is required"),
            Self::InvalidKey => f.write_str("Sec-WebSocket-Key must be 16 bytes in base64"),
            Self::InvalidProtocols => f.write_str("malformed Sec-WebSocket-Protocol"),
            Self::InvalidExtensions(e) => e.fmt(f),
            Self::InvalidOrigin => f.write_str("malformed Origin"),
            Self::OriginNotAllowed(origin) => write!(f, "origin {origin} is not allowed"),
        }
    }
}

impl std::error::Error for RequestError {}

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

    /// Adds a header field to the `101` response.
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

#[derive(Debug)]
enum State {
    Reading,
    Received {
        key: String,
        offered: Vec<String>,
        chosen: Option<String>,
        deflate: Option<DeflateParams>,
    },
    Failed(RequestError),
    Done,
}

/// The server's side of the opening handshake.
///
/// Feed the request with [`receive`](Self::receive) in pieces of any size until it
/// returns the [`Request`] (or a [`RequestError`] whose response to send), then
/// [`accept`](Self::accept) or [`reject`](Self::reject) it. Bytes after the request's
/// blank line are kept: they are the first frames.
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
}

impl ServerHandshake {
    /// A handshake waiting for the request.
    pub fn new(config: ServerConfig) -> Self {
        Self {
            config,
            head: HeadReader::default(),
            rest: Vec::new(),
            state: State::Reading,
        }
    }

    /// Feeds bytes of the request. Returns `Ok(None)` until the head is complete, then the
    /// validated request once. Bytes fed after the request and before
    /// [`accept`](Self::accept) are kept as the connection's first frames; once the request
    /// is answered, feed the [`Connection`] instead (bytes given here are then ignored).
    ///
    /// On `Err`, write [`RequestError::response`] and close the transport; later calls
    /// return the same error.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Option<Request>, RequestError> {
        match &self.state {
            State::Reading => {}
            State::Received { .. } => {
                self.rest.extend_from_slice(bytes);
                return Ok(None);
            }
            // Answered: bytes now belong to the connection, not here.
            State::Done => return Ok(None),
            State::Failed(e) => return Err(e.clone()),
        }
        let mut status = self.head.push(bytes, self.config.max_head_bytes);
        loop {
            let end = match status {
                HeadStatus::Partial => return Ok(None),
                HeadStatus::TooLarge => return Err(self.fail(RequestError::HeadTooLarge)),
                HeadStatus::Ended(end) => end,
            };
            match self.parse(end) {
                Ok(Some(request)) => {
                    self.rest = self.head.take_rest(end);
                    self.state = State::Received {
                        key: request.key.clone(),
                        offered: request.protocols.clone(),
                        chosen: request.chosen_protocol.clone(),
                        deflate: request.deflate,
                    };
                    return Ok(Some(request));
                }
                Ok(None) => {
                    // Empty lines before the request line: the blank line found was not
                    // the end.
                    self.head.continue_after(end);
                    status = self.head.find_end(self.config.max_head_bytes);
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    fn fail(&mut self, error: RequestError) -> RequestError {
        self.state = State::Failed(error.clone());
        error
    }

    fn parse(&self, end: usize) -> Result<Option<Request>, RequestError> {
        let mut fields = vec![httparse::EMPTY_HEADER; self.config.max_headers];
        let mut parsed = httparse::Request::new(&mut fields);
        match parsed.parse(&self.head.bytes()[..end]) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => return Err(RequestError::TooManyHeaders),
            Err(e) => return Err(RequestError::Malformed(e.to_string())),
        }
        let method = parsed.method.unwrap_or_default();
        let path = parsed.path.unwrap_or_default();
        let version = parsed.version.unwrap_or_default();
        let headers = Headers::from_httparse(parsed.headers);
        validate(method, path, version, headers, &self.config).map(Some)
    }

    /// Accepts the request: returns the connection with the `101` response queued as its
    /// first output and any bytes received after the request as its first input.
    pub fn accept(&mut self, accept: Accept) -> Result<Connection, UsageError> {
        let State::Received {
            key,
            offered,
            chosen,
            deflate,
        } = &self.state
        else {
            return Err(UsageError::NoRequest);
        };
        let protocol = match accept.protocol {
            ProtocolChoice::Configured => chosen.clone(),
            ProtocolChoice::None => None,
            ProtocolChoice::Named(name) if offered.contains(&name) => Some(name),
            ProtocolChoice::Named(name) => return Err(UsageError::ProtocolNotOffered(name)),
        };
        check_extra_headers(&accept.headers, RESERVED_101)?;

        // RFC 6455 §4.2.2, step 5.
        let mut response = Vec::with_capacity(256);
        response.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
        push_field(&mut response, "Upgrade", b"websocket");
        push_field(&mut response, "Connection", b"Upgrade");
        push_field(
            &mut response,
            "Sec-WebSocket-Accept",
            accept_key(key).as_bytes(),
        );
        if let Some(protocol) = &protocol {
            push_field(&mut response, "Sec-WebSocket-Protocol", protocol.as_bytes());
        }
        let deflate = deflate.filter(|_| !accept.no_deflate);
        if let Some(params) = &deflate {
            let extension = params.to_extension().to_string();
            push_field(
                &mut response,
                "Sec-WebSocket-Extensions",
                extension.as_bytes(),
            );
        }
        for (name, value) in &accept.headers {
            push_field(&mut response, name, value.as_bytes());
        }
        response.extend_from_slice(b"\r\n");

        let mut connection = Connection::new(Role::Server, self.config.connection.clone(), None);
        if let (Some(params), Some(config)) = (deflate, &self.config.deflate) {
            connection = connection.with_deflate(config, params)?;
        }
        connection.set_protocol(protocol);
        connection.queue_raw_output(&response);
        connection.receive(&std::mem::take(&mut self.rest));
        self.state = State::Done;
        Ok(connection)
    }

    /// Refuses the request with a response of the application's choosing: a status from
    /// 200 to 599 (a redirect, `401`, `404`, ...), extra header fields and a body.
    /// `Content-Length` and `Connection: close` are added. Returns the bytes to write
    /// before closing the transport.
    pub fn reject(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<u8>, UsageError> {
        if !matches!(self.state, State::Received { .. }) {
            return Err(UsageError::NoRequest);
        }
        if !(200..=599).contains(&status) {
            return Err(UsageError::InvalidStatus(status));
        }
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        check_extra_headers(&headers, RESERVED_REJECTION)?;
        self.state = State::Done;
        Ok(rejection(status, &headers, body))
    }
}

/// Applies RFC 6455 §4.2.1 to a parsed request.
fn validate(
    method: &str,
    path: &str,
    version: u8,
    headers: Headers,
    config: &ServerConfig,
) -> Result<Request, RequestError> {
    // RFC 6455 §4.1: "The method of the request MUST be GET, and the HTTP version MUST be
    // at least 1.1."
    if method != "GET" {
        return Err(RequestError::MethodNotGet);
    }
    if version < 1 {
        return Err(RequestError::HttpVersion);
    }
    if headers.count("Host") != 1 {
        return Err(RequestError::Host);
    }
    if !headers.has_token("Upgrade", "websocket") {
        return Err(RequestError::UpgradeNotWebSocket);
    }
    if !headers.has_token("Connection", "upgrade") {
        return Err(RequestError::ConnectionNotUpgrade);
    }
    // RFC 6455 §4.4: a version the server does not speak gets 426 naming the ones it does.
    // Checked before the key: a client of an older draft is told what to speak.
    if headers.single("Sec-WebSocket-Version").map(trim_ows) != Some(b"13") {
        return Err(RequestError::UnsupportedVersion);
    }
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

    let origin = match headers.get("Origin") {
        None => None,
        Some(origin) => Some(
            std::str::from_utf8(trim_ows(origin))
                .map_err(|_| RequestError::InvalidOrigin)?
                .to_owned(),
        ),
    };
    let mut protocols = Vec::new();
    for element in headers.list("Sec-WebSocket-Protocol") {
        if !is_token(element) {
            return Err(RequestError::InvalidProtocols);
        }
        protocols.push(String::from_utf8_lossy(element).into_owned());
    }
    let mut extensions = Vec::new();
    for value in headers.get_all("Sec-WebSocket-Extensions") {
        extensions.extend(Extension::parse_list(value).map_err(RequestError::InvalidExtensions)?);
    }
    if let Some(origin) = &origin {
        if !config.origin.allows(origin) {
            return Err(RequestError::OriginNotAllowed(origin.clone()));
        }
    }
    // The server's preference decides, among what the client offered.
    let chosen_protocol = config
        .protocols
        .iter()
        .find(|p| protocols.contains(p))
        .cloned();
    let deflate = config
        .deflate
        .as_ref()
        .and_then(|d| d.accept_offers(&extensions));
    Ok(Request {
        deflate,
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        key,
        protocols,
        extensions,
        origin,
        chosen_protocol,
    })
}

/// A complete non-101 response with a body, closing the connection.
fn rejection(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + body.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    push_field(&mut out, "Connection", b"close");
    push_field(
        &mut out,
        "Content-Length",
        body.len().to_string().as_bytes(),
    );
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
        && !body.is_empty()
    {
        push_field(&mut out, "Content-Type", b"text/plain; charset=utf-8");
    }
    for (name, value) in headers {
        push_field(&mut out, name, value.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}
