//! The server's side of the opening handshake (RFC 6455 §4.2).

use std::fmt;

use base64::Engine as _;

use super::head::{
    DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADERS, HeadReader, HeadStatus, MAX_EMPTY_LINES,
};
use super::{Headers, accept_key, check_extra_headers, is_token, push_field, trim_ows, uri};
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

    /// The request target, as sent: `/chat?room=1`, or an absolute `http://` or `https://`
    /// URI (RFC 9112 §3.2.2).
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
    /// The request target is neither `/path?query` nor an absolute `http`/`https` URI, or
    /// breaks the URI grammar (400; RFC 9112 §3.2, RFC 6455 §4.1 item 3).
    InvalidTarget,
    /// No `Host`, more than one, or one whose value is not `host [":" port]` (400;
    /// RFC 9112 §3.2).
    Host,
    /// The request announces a body (`Transfer-Encoding`, or a `Content-Length` other than
    /// 0), or its `Content-Length` is invalid (400). Its bytes would otherwise be read as
    /// frames.
    Body,
    /// `Upgrade` does not contain the token `websocket` (400).
    UpgradeNotWebSocket,
    /// `Connection` does not contain the token `upgrade` (400).
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Version` is missing, not 13, or sent more than once (426, with
    /// `Upgrade: websocket` and `Sec-WebSocket-Version: 13`; RFC 6455 §4.4).
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
        // RFC 9110 §15.5.22: a 426 "MUST send an Upgrade header field"; RFC 6455 §4.4: and
        // the versions the server speaks.
        let version = [
            ("Upgrade".to_owned(), "websocket".to_owned()),
            ("Sec-WebSocket-Version".to_owned(), "13".to_owned()),
        ];
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
/// blank line are kept, up to [`ServerConfig::max_pre_accept_bytes`]: they are the first
/// frames.
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
            State::Received { .. } => {
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
                self.state = State::Received {
                    key: request.key.clone(),
                    offered: request.protocols.clone(),
                    chosen: request.chosen_protocol.clone(),
                    deflate: request.deflate,
                };
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
        let version = parsed.version.unwrap_or_default();
        let headers = Headers::from_httparse(parsed.headers);
        validate(method, path, version, headers, &self.config)
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
        if !matches!(self.state, State::Received { .. }) {
            return Err(UsageError::NoRequest);
        }
        if !(200..=599).contains(&status) {
            return Err(UsageError::InvalidStatus(status));
        }
        if !body.is_empty() && matches!(status, 204 | 205 | 304) {
            return Err(UsageError::BodyNotAllowed(status));
        }
        let mut headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        check_extra_headers(&headers, RESERVED_REJECTION)?;
        // RFC 9110 §15.5.22: "The server MUST send an Upgrade header field in a 426
        // response to indicate the required protocol(s)".
        if status == 426
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("Upgrade"))
        {
            headers.insert(0, ("Upgrade".to_owned(), "websocket".to_owned()));
        }
        self.state = State::Done;
        self.rest = Vec::new();
        Ok(rejection(status, &headers, body))
    }
}

/// RFC 9110 §7.8: `protocol = protocol-name ["/" protocol-version]`, both tokens.
fn is_upgrade_protocol(element: &[u8]) -> bool {
    element.splitn(2, |&b| b == b'/').all(is_token)
}

/// Applies RFC 6455 §4.2.1, and the HTTP rules it rests on, to a parsed request.
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
    // RFC 6455 §4.1 item 3, §4.2.1 item 1: a resource name or an absolute http(s) URI;
    // RFC 9112 §3.2: no fragment, and not the asterisk- or authority-form.
    if !uri::is_request_target(path.as_bytes()) {
        return Err(RequestError::InvalidTarget);
    }
    // RFC 9112 §3.2: "a server MUST respond with a 400 (Bad Request) status code to any
    // HTTP/1.1 request message that lacks a Host header field and to any request message
    // that contains more than one Host header field line or a Host header field with an
    // invalid field value."
    match headers.single("Host") {
        Some(host) if uri::is_authority(trim_ows(host)) => {}
        _ => return Err(RequestError::Host),
    }
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
    // RFC 6455 §4.4: a version the server does not speak gets 426 naming the ones it does.
    // Checked before the key: a client of an older draft is told what to speak. The field
    // is one `version` (§4.3); a second field line or a list names no version this server
    // can pick, and the answer that helps such a client is the same: what to send.
    if headers.single("Sec-WebSocket-Version").map(trim_ows) != Some(b"13") {
        return Err(RequestError::UnsupportedVersion);
    }
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

/// A complete non-101 response, closing the connection (RFC 9112 §9.6). `Content-Length`
/// marks the body's end, except in 204 and 304, which have no body and must not announce
/// one (RFC 9110 §8.6, §15.4.5); the caller has checked their body is empty. A response
/// that sends `Upgrade` lists `upgrade` in `Connection` too (RFC 9110 §7.8).
fn rejection(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + body.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    let upgrade = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("Upgrade"));
    let connection: &[u8] = if upgrade { b"Upgrade, close" } else { b"close" };
    push_field(&mut out, "Connection", connection);
    if !matches!(status, 204 | 304) {
        push_field(
            &mut out,
            "Content-Length",
            body.len().to_string().as_bytes(),
        );
    }
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
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
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
