//! The `http` crate's types (feature `http`): what hyper, axum, h2, h3, reqwest and tower
//! hand over and take back.
//!
//! Nothing here decides anything: each conversion builds the crate's own parts and calls
//! the same checks as the other paths ([`ServerConfig::check_request`],
//! [`ServerConfig::check_extended_connect`], [`ClientRequest::check_response`]).
//!
//! The `:protocol` pseudo-header field of an extended CONNECT has no type in the `http`
//! crate: each stack carries it as an extension of its own (`hyper::ext::Protocol`,
//! `h2::ext::Protocol`, `h3::ext::Protocol`). A server passes its value in; a client
//! inserts its stack's extension into the request this module builds.

use super::Headers;
use super::client::{Accepted, ClientRequest, ResponseError};
use super::parts::{HttpVersion, ResponseParts};
use super::server::{Refusal, Request, ServerConfig};
use alloc::{borrow::ToOwned, format, string::ToString, vec::Vec};

impl From<http::Version> for HttpVersion {
    /// HTTP/0.9 counts as HTTP/1.0: both are too old for a handshake.
    fn from(version: http::Version) -> Self {
        match version {
            http::Version::HTTP_09 | http::Version::HTTP_10 => Self::Http10,
            http::Version::HTTP_2 => Self::Http2,
            http::Version::HTTP_3 => Self::Http3,
            _ => Self::Http11,
        }
    }
}

impl From<HttpVersion> for http::Version {
    fn from(version: HttpVersion) -> Self {
        match version {
            HttpVersion::Http10 => Self::HTTP_10,
            HttpVersion::Http11 => Self::HTTP_11,
            HttpVersion::Http2 => Self::HTTP_2,
            HttpVersion::Http3 => Self::HTTP_3,
        }
    }
}

impl From<&http::HeaderMap> for Headers {
    /// Every field, duplicates kept in their order (a `HeaderMap` keeps the fields of one
    /// name together).
    fn from(map: &http::HeaderMap) -> Self {
        map.iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect()
    }
}

impl ServerConfig {
    /// Checks an `http::Request` (any body type, by reference) with the same rules as
    /// [`check_request`](Self::check_request) over HTTP/1.x and
    /// [`check_extended_connect`](Self::check_extended_connect) over HTTP/2 and HTTP/3.
    ///
    /// `protocol` is the `:protocol` pseudo-header field, which the `http` crate has no
    /// type for: with hyper, `request.extensions().get::<hyper::ext::Protocol>()` (its
    /// `as_str()`); with h3, `h3::ext::Protocol`. It is ignored over HTTP/1.x. Over HTTP/2
    /// and HTTP/3 the other pseudo-header fields come from the method and the URI, which
    /// the stack built from them.
    ///
    /// ```
    /// use wswire::{Accept, ServerConfig};
    /// let request = http::Request::builder()
    ///     .method(http::Method::CONNECT)
    ///     .version(http::Version::HTTP_2)
    ///     .uri("https://server.example.com/chat")
    ///     .header("sec-websocket-version", "13")
    ///     .body(())
    ///     .unwrap();
    /// let request = ServerConfig::new()
    ///     .check_http_request(&request, Some("websocket"))
    ///     .unwrap();
    /// let handover = request.accept(Accept::new()).unwrap();
    /// let response: http::Response<Vec<u8>> = handover.response.to_http();
    /// assert_eq!(response.status(), http::StatusCode::OK);
    /// ```
    pub fn check_http_request<B>(
        &self,
        request: &http::Request<B>,
        protocol: Option<&str>,
    ) -> Result<Request, Refusal> {
        let version = HttpVersion::from(request.version());
        let headers = Headers::from(request.headers());
        if !version.is_extended_connect() {
            // The request target as received: the origin-form, or the absolute-form.
            let target = request.uri().to_string();
            return self.check_request(request.method().as_str(), &target, version, headers);
        }
        let uri = request.uri();
        let mut fields = Headers::new();
        fields.push(":method", request.method().as_str());
        if let Some(protocol) = protocol {
            fields.push(":protocol", protocol);
        }
        if let Some(scheme) = uri.scheme_str() {
            fields.push(":scheme", scheme);
        }
        if let Some(path) = uri.path_and_query() {
            fields.push(":path", path.as_str());
        }
        if let Some(authority) = uri.authority() {
            fields.push(":authority", authority.as_str());
        }
        fields.extend(headers.iter());
        self.check_extended_connect(version, fields)
    }
}

impl ResponseParts {
    /// The response as an `http::Response`, for the stack to send (map the body into the
    /// stack's type, e.g. `.map(http_body_util::Full::from)` with hyper).
    ///
    /// Parts from this crate always convert whole; in parts built by hand, a status
    /// outside 100–999 becomes 500 and fields the `http` crate cannot represent are left
    /// out.
    pub fn to_http(&self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body.clone());
        *response.status_mut() = http::StatusCode::from_u16(self.status)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        response
    }
}

impl ClientRequest {
    /// The request as an `http::Request<()>`: `GET` with the target and every field over
    /// HTTP/1.1; over HTTP/2 and HTTP/3, `CONNECT` with the absolute URI (the stack derives
    /// `:scheme`, `:authority` and `:path` from it) and the regular fields.
    ///
    /// For HTTP/2 and HTTP/3, insert your stack's `:protocol` extension before sending:
    /// `request.extensions_mut().insert(hyper::ext::Protocol::from_static("websocket"))`.
    ///
    /// Fails if the `http` crate refuses a part: its URI grammar is narrower than the
    /// one [`WsUrl`](crate::WsUrl) accepts (a `` ` `` in a path, for one).
    ///
    /// ```
    /// use wswire::{ClientConfig, ClientRequest, HttpVersion, SeededKeys};
    /// let config = ClientConfig::new("ws://127.0.0.1:9001/chat")?;
    /// let request = ClientRequest::with_keys(config, HttpVersion::Http2, SeededKeys::new(1))?;
    /// let http_request = request.to_http()?;
    /// assert_eq!(http_request.method(), http::Method::CONNECT);
    /// assert_eq!(http_request.uri(), "http://127.0.0.1:9001/chat");
    /// assert_eq!(http_request.headers()["sec-websocket-version"], "13");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_http(&self) -> Result<http::Request<()>, http::Error> {
        let url = self.url();
        let uri = if self.version().is_extended_connect() {
            let scheme = if url.is_secure() { "https" } else { "http" };
            format!("{scheme}://{}{}", url.host_header(), url.resource())
        } else {
            url.resource().to_owned()
        };
        let mut builder = http::Request::builder()
            .method(self.method())
            .uri(uri)
            .version(self.version().into());
        for (name, value) in self.headers() {
            if !name.starts_with(':') {
                builder = builder.header(name, value);
            }
        }
        builder.body(())
    }

    /// Checks the `http::Response` the stack received (any body type, by reference), as
    /// [`check_response`](Self::check_response) does; an accepting response must also
    /// come over the request's HTTP version (RFC 6455 §4.1: a `101` over HTTP/1.1).
    pub fn check_http_response<B>(
        self,
        response: &http::Response<B>,
    ) -> Result<Accepted, ResponseError> {
        let status = response.status().as_u16();
        if self.is_accepting(status) && HttpVersion::from(response.version()) != self.version() {
            return Err(ResponseError::HttpVersion);
        }
        self.check_response(status, &Headers::from(response.headers()))
    }
}
