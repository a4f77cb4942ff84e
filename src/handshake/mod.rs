//! The opening handshake (RFC 6455 §4): an HTTP/1.1 Upgrade request and its response.
//!
//! Both sides read the HTTP head through [`head`], which finds the end of the head in one
//! pass over the bytes as they arrive and parses it once, within configured limits. The
//! server side lives in [`server`], the client side in [`client`]; the header grammar they
//! share (comma lists, tokens, `Sec-WebSocket-Extensions`) is here and in [`extensions`].

pub(crate) mod body;
pub(crate) mod client;
pub(crate) mod connect;
pub(crate) mod head;

use alloc::{borrow::ToOwned, boxed::Box, string::String, vec::Vec};
#[cfg(feature = "http")]
pub(crate) mod http;
pub(crate) mod parts;
pub(crate) mod server;
pub(crate) mod uri;
pub(crate) mod url;

use core::fmt;

use crate::extensions::{Extension, ExtensionsSyntaxError};
use parts::HttpVersion;

use base64::Engine as _;

/// RFC 6455 §1.3: the GUID appended to the key before hashing.
const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2): the
/// base64 of the SHA-1 of the key followed by the protocol's GUID.
///
/// ```
/// // RFC 6455 §1.3
/// assert_eq!(wswire::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: impl AsRef<[u8]>) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key.as_ref());
    sha1.update(WEBSOCKET_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha1.digest().bytes())
}

/// The header fields of an HTTP head, in the order received.
///
/// Names keep the case they had on the wire and are looked up case-insensitively. Values
/// are bytes: HTTP allows non-UTF-8 octets in them. Duplicates are kept, in order: the
/// handshake's rules count them.
///
/// The handshakes fill one from the bytes they read; a caller whose HTTP stack parsed the
/// head builds one from the stack's fields, with [`push`](Self::push) or by collecting
/// `(name, value)` pairs:
///
/// ```
/// use wswire::Headers;
/// let headers: Headers = [("Host", "example.com"), ("Upgrade", "websocket")]
///     .into_iter()
///     .collect();
/// assert_eq!(headers.get("host"), Some(&b"example.com"[..]));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, Vec<u8>)>,
}

impl Headers {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a field, after those already there.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) {
        self.fields.push((name.into(), value.into()));
    }

    pub(crate) fn from_httparse(headers: &[httparse::Header<'_>]) -> Self {
        Self {
            fields: headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
        }
    }

    /// The value of the first field named `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The value of the only field named `name`; `None` when there are none or several.
    fn single(&self, name: &str) -> Option<&[u8]> {
        match self.count(name) {
            1 => self.get(name),
            _ => None,
        }
    }

    /// The values of every field named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Every field as `(name, value)`, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn count(&self, name: &str) -> usize {
        self.get_all(name).count()
    }

    /// The elements of a comma-separated list header (RFC 9110 §5.6.1) over all of its
    /// fields, trimmed, empty elements skipped.
    fn list<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get_all(name).flat_map(list_elements)
    }

    /// Whether a list header contains `token`, compared case-insensitively.
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.list(name)
            .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
    }

    /// Whether every field line named `name` is a `1#element` list (RFC 9110 §5.6.1): at
    /// least one non-empty element each, every element passing `element`. Empty elements
    /// between them are ignored, as that section asks of a recipient.
    fn is_list_of(&self, name: &str, element: impl Fn(&[u8]) -> bool) -> bool {
        self.get_all(name).all(|value| {
            let mut elements = list_elements(value).peekable();
            elements.peek().is_some() && elements.all(&element)
        })
    }

    /// Every `Sec-WebSocket-Extensions` field parsed, in order. Each field is `1#extension`
    /// (RFC 6455 §9.1): an empty one is not the absence of one (§4.2.2, "The empty string
    /// is not the same as the null value"), and breaks the grammar at its end.
    fn extensions(&self) -> Result<Vec<Extension>, ExtensionsSyntaxError> {
        let mut all = Vec::new();
        for value in self.get_all("Sec-WebSocket-Extensions") {
            let list = Extension::parse_list(value)?;
            if list.is_empty() {
                return Err(ExtensionsSyntaxError { at: value.len() });
            }
            all.extend(list);
        }
        Ok(all)
    }

    /// The body length `Content-Length` announces (RFC 9110 §8.6, RFC 9112 §6.3 item 5):
    /// `None` without the field; an error unless every element of every field line is
    /// `1*DIGIT`, fits in a `u64`, and all are the same number.
    fn content_length(&self) -> Result<Option<u64>, InvalidContentLength> {
        let mut length = None;
        for value in self.get_all("Content-Length") {
            let mut elements = list_elements(value).peekable();
            if elements.peek().is_none() {
                return Err(InvalidContentLength);
            }
            for element in elements {
                let n = parse_decimal(element).ok_or(InvalidContentLength)?;
                if length.is_some_and(|l| l != n) {
                    return Err(InvalidContentLength);
                }
                length = Some(n);
            }
        }
        Ok(length)
    }
}

impl<N: Into<String>, V: Into<Vec<u8>>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Self::new();
        headers.extend(iter);
        headers
    }
}

impl<N: Into<String>, V: Into<Vec<u8>>> Extend<(N, V)> for Headers {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, iter: I) {
        for (name, value) in iter {
            self.push(name, value);
        }
    }
}

/// `Content-Length` is not one valid decimal length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InvalidContentLength;

/// The non-empty elements of one list field value, trimmed (RFC 9110 §5.6.1).
fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

/// `1*DIGIT` as a `u64`: no sign, no space, no overflow (`str::parse` takes a "+").
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.fields
                    .iter()
                    .map(|(n, v)| (n, String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

/// Strips optional white space (spaces and tabs) from both ends.
fn trim_ows(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !matches!(b, b' ' | b'\t'));
    let Some(start) = start else {
        return &[];
    };
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(start);
    &bytes[start..=end]
}

/// RFC 9110 §5.6.2: `tchar`.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 9110 §5.6.2: `token = 1*tchar`.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().copied().all(is_tchar)
}

/// A field value a caller may send: visible characters, spaces, tabs and obs-text, no CR,
/// LF or NUL (RFC 9110 §5.5), so that it cannot inject another header.
fn is_field_value(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || b >= 0x20 && b != 0x7F)
}

/// Appends `name: value\r\n`.
fn push_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Checks caller-supplied extra header fields: valid syntax, none of the fields the
/// handshake itself writes, and over HTTP/2 and HTTP/3 none of the fields they forbid
/// (RFC 9113 §8.2.2, RFC 9114 §4.2).
fn check_extra_headers(
    headers: &[(String, String)],
    reserved: &[&str],
    version: HttpVersion,
) -> Result<(), crate::UsageError> {
    for (name, value) in headers {
        if !is_token(name.as_bytes()) || !is_field_value(value.as_bytes()) {
            return Err(crate::UsageError::InvalidHeader(name.clone()));
        }
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Err(crate::UsageError::ReservedHeader(name.clone()));
        }
        if version.is_extended_connect()
            && connect::connection_specific_field([(name.as_str(), value.as_bytes())]).is_some()
        {
            return Err(crate::UsageError::InvalidHeader(name.clone()));
        }
    }
    Ok(())
}

/// A connection in the open state with what a handshake agreed: the subprotocol and the
/// permessage-deflate parameters, applied with this end's own deflate settings.
fn open_connection(
    role: crate::connection::Role,
    config: &crate::connection::Config,
    local_deflate: Option<&crate::deflate::DeflateConfig>,
    agreed: Option<crate::deflate::DeflateParams>,
    protocol: Option<String>,
    keys: Option<Box<dyn crate::keys::KeySource>>,
) -> Result<crate::Connection, crate::UsageError> {
    let mut connection = crate::Connection::new(role, config.clone(), keys);
    if let (Some(params), Some(local)) = (agreed, local_deflate) {
        connection = connection.with_deflate(local, params)?;
    }
    connection.set_protocol(protocol);
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_rfc_vector() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn list_headers_span_fields_and_skip_empty_elements() {
        let headers = Headers {
            fields: vec![
                ("Connection".into(), b"keep-alive, ,".to_vec()),
                ("connection".into(), b"\tUpgrade ".to_vec()),
            ],
        };
        assert!(headers.has_token("CONNECTION", "upgrade"));
        assert!(!headers.has_token("Connection", "close"));
        assert_eq!(headers.list("Connection").count(), 2);
    }

    #[test]
    fn content_length_grammar() {
        let length = |values: &[&str]| {
            Headers {
                fields: values
                    .iter()
                    .map(|v| ("Content-Length".to_owned(), v.as_bytes().to_vec()))
                    .collect(),
            }
            .content_length()
        };
        assert_eq!(length(&[]), Ok(None));
        assert_eq!(length(&["0"]), Ok(Some(0)));
        assert_eq!(length(&[" 42 "]), Ok(Some(42)));
        assert_eq!(length(&["007"]), Ok(Some(7)));
        assert_eq!(length(&["3, 3"]), Ok(Some(3)));
        assert_eq!(length(&["3", "3"]), Ok(Some(3)));
        assert_eq!(
            length(&["18446744073709551615"]),
            Ok(Some(18_446_744_073_709_551_615))
        );
        for bad in [
            &["+3"][..],
            &["-3"],
            &[""],
            &[" , "],
            &["3 4"],
            &["0x10"],
            &["3", "4"],
            &["3, 4"],
            &["18446744073709551616"],
            &["1e3"],
            &["\u{661}"],
        ] {
            assert_eq!(length(bad), Err(InvalidContentLength), "{bad:?}");
        }
    }

    #[test]
    fn one_or_more_elements_per_field_line() {
        let headers = |values: &[&str]| Headers {
            fields: values
                .iter()
                .map(|v| ("X-List".to_owned(), v.as_bytes().to_vec()))
                .collect(),
        };
        assert!(headers(&[]).is_list_of("X-List", is_token));
        assert!(headers(&["a, ,b", "c"]).is_list_of("x-list", is_token));
        for bad in [&[""][..], &[" , , "], &["a", ""], &["a b"]] {
            assert!(!headers(bad).is_list_of("X-List", is_token), "{bad:?}");
        }
    }

    #[test]
    fn field_value_refuses_line_breaks() {
        assert!(is_field_value(b"a b\tc\x80"));
        assert!(!is_field_value(b"a\r\nX-Evil: 1"));
        assert!(!is_field_value(b"a\0"));
    }
}

/// A handshake's deadline: off unless configured, counted from the first time the caller
/// gives (the handshake, like the connection, never reads a clock).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HandshakeTimer {
    timeout: Option<core::time::Duration>,
    started: Option<core::time::Duration>,
}

impl HandshakeTimer {
    pub(crate) fn new(timeout: Option<core::time::Duration>) -> Self {
        Self {
            timeout,
            started: None,
        }
    }

    /// The deadline; zero until the time is known, to ask for it.
    pub(crate) fn next(&self) -> Option<core::time::Duration> {
        let timeout = self.timeout?;
        Some(
            self.started
                .map_or(core::time::Duration::ZERO, |at| at.saturating_add(timeout)),
        )
    }

    /// Takes the time; whether the deadline has passed.
    pub(crate) fn expired(&mut self, now: core::time::Duration) -> bool {
        let Some(timeout) = self.timeout else {
            return false;
        };
        let started = *self.started.get_or_insert(now);
        now >= started.saturating_add(timeout)
    }
}
