//! WebSocket URIs (RFC 6455 §3).
//!
//! ```text
//! ws-URI  = "ws:"  "//" host [ ":" port ] path [ "?" query ]
//! wss-URI = "wss:" "//" host [ ":" port ] path [ "?" query ]
//! ```
//!
//! No user information, no fragment ("Fragment identifiers are meaningless in the context of
//! WebSocket URIs and MUST NOT be used"). Path and query are kept as given, so they must
//! already be percent-encoded: anything that could break the request line is refused.

use alloc::{borrow::ToOwned, format, string::String};
use core::fmt;
use core::net::Ipv6Addr;

/// A parsed `ws://` or `wss://` URL.
///
/// ```
/// use wswire::WsUrl;
/// let url = WsUrl::parse("wss://[::1]:8443/chat?room=1").unwrap();
/// assert!(url.is_secure());
/// assert_eq!((url.host(), url.port()), ("::1", 8443));
/// assert_eq!(url.host_header(), "[::1]:8443");
/// assert_eq!(url.resource(), "/chat?room=1");
/// assert_eq!(WsUrl::parse("ws://example.com:80").unwrap().host_header(), "example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUrl {
    secure: bool,
    /// The host as written, with brackets for an IPv6 literal.
    host: String,
    port: u16,
    resource: String,
}

/// Why a string is not a WebSocket URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The scheme is not `ws` or `wss`.
    UnsupportedScheme,
    /// The URL has a `#fragment` (RFC 6455 §3).
    Fragment,
    /// The URL has `user@` information, which RFC 6455 §3 does not allow.
    UserInfo,
    /// There is no host.
    MissingHost,
    /// The host is neither a registered name, an IPv4 address nor a bracketed IPv6 one.
    InvalidHost,
    /// The port is not a number from 1 to 65535.
    InvalidPort,
    /// A character that must be percent-encoded (space, control, non-ASCII).
    InvalidCharacter,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnsupportedScheme => "URL scheme must be ws or wss",
            Self::Fragment => "WebSocket URLs cannot have a fragment",
            Self::UserInfo => "WebSocket URLs cannot have user information",
            Self::MissingHost => "URL has no host",
            Self::InvalidHost => "URL host is invalid",
            Self::InvalidPort => "URL port is invalid",
            Self::InvalidCharacter => "URL has a character that must be percent-encoded",
        })
    }
}

impl core::error::Error for UrlError {}

impl WsUrl {
    /// Parses a `ws://` or `wss://` URL.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let (scheme, rest) = url.split_once("://").ok_or(UrlError::UnsupportedScheme)?;
        let secure = if scheme.eq_ignore_ascii_case("wss") {
            true
        } else if scheme.eq_ignore_ascii_case("ws") {
            false
        } else {
            return Err(UrlError::UnsupportedScheme);
        };
        if rest.contains('#') {
            return Err(UrlError::Fragment);
        }
        if !rest.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UrlError::InvalidCharacter);
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(split);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = split_host_port(authority)?;
        let default_port = if secure { 443 } else { 80 };
        let port = match port {
            None | Some("") => default_port,
            Some(digits) => parse_port(digits)?,
        };
        let resource = match resource.chars().next() {
            None => "/".to_owned(),
            Some('?') => format!("/{resource}"),
            Some(_) => resource.to_owned(),
        };
        Ok(Self {
            secure,
            host: host.to_owned(),
            port,
            resource,
        })
    }

    /// `wss`: the caller runs TLS under the connection.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The host to connect to: a name, an IPv4 address, or an IPv6 address without
    /// brackets.
    pub fn host(&self) -> &str {
        self.host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host)
    }

    /// The port to connect to (80 or 443 unless given).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Host` header value: the port is left out when it is the scheme's default.
    pub fn host_header(&self) -> String {
        let default_port = if self.secure { 443 } else { 80 };
        if self.port == default_port {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Path and query, for the request line: `/` at the least.
    pub fn resource(&self) -> &str {
        &self.resource
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    if authority.is_empty() {
        return Err(UrlError::MissingHost);
    }
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or(UrlError::InvalidHost)?;
        let (host, after) = authority.split_at(close + 1);
        host[1..close]
            .parse::<Ipv6Addr>()
            .map_err(|_| UrlError::InvalidHost)?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(UrlError::InvalidHost),
        };
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(UrlError::MissingHost);
    }
    // RFC 3986 §3.2.2 reg-name (which also covers IPv4 addresses).
    if !super::uri::is_reg_name(host.as_bytes()) {
        return Err(UrlError::InvalidHost);
    }
    Ok((host, port))
}

fn parse_port(digits: &str) -> Result<u16, UrlError> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::InvalidPort);
    }
    match digits.parse::<u16>() {
        Ok(0) | Err(_) => Err(UrlError::InvalidPort),
        Ok(port) => Ok(port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let cases = [
            ("ws://example.com", "example.com", 80, "example.com", "/"),
            (
                "WS://Example.com:8080/a/b?c=d&e",
                "Example.com",
                8080,
                "Example.com:8080",
                "/a/b?c=d&e",
            ),
            (
                "wss://example.com:443/x",
                "example.com",
                443,
                "example.com",
                "/x",
            ),
            (
                "wss://example.com:80/",
                "example.com",
                80,
                "example.com:80",
                "/",
            ),
            (
                "ws://127.0.0.1:9001?q",
                "127.0.0.1",
                9001,
                "127.0.0.1:9001",
                "/?q",
            ),
            ("ws://[::1]/", "::1", 80, "[::1]", "/"),
            (
                "ws://[2001:db8::1]:9001/p",
                "2001:db8::1",
                9001,
                "[2001:db8::1]:9001",
                "/p",
            ),
            ("ws://host:/", "host", 80, "host", "/"),
        ];
        for (input, host, port, host_header, resource) in cases {
            let url = WsUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.host(), host, "{input}");
            assert_eq!(url.port(), port, "{input}");
            assert_eq!(url.host_header(), host_header, "{input}");
            assert_eq!(url.resource(), resource, "{input}");
        }
    }

    #[test]
    fn refused_forms() {
        let cases = [
            ("http://example.com/", UrlError::UnsupportedScheme),
            ("example.com", UrlError::UnsupportedScheme),
            ("ws://example.com/#frag", UrlError::Fragment),
            ("ws://user:pw@example.com/", UrlError::UserInfo),
            ("ws:///path", UrlError::MissingHost),
            ("ws://:80/", UrlError::MissingHost),
            ("ws://[::1/", UrlError::InvalidHost),
            ("ws://[nothex]/", UrlError::InvalidHost),
            ("ws://[::1]x/", UrlError::InvalidHost),
            ("ws://exa<mple.com/", UrlError::InvalidHost),
            ("ws://exa%zzmple.com/", UrlError::InvalidHost),
            ("ws://example.com:65536/", UrlError::InvalidPort),
            ("ws://example.com:0/", UrlError::InvalidPort),
            ("ws://example.com:8a/", UrlError::InvalidPort),
            ("ws://example.com/a b", UrlError::InvalidCharacter),
            ("ws://example.com/\r\nX: y", UrlError::InvalidCharacter),
            ("ws://exämple.com/", UrlError::InvalidCharacter),
        ];
        for (input, expected) in cases {
            assert_eq!(WsUrl::parse(input), Err(expected), "{input:?}");
        }
    }
}
