//! The opening handshake (RFC 6455 §4): an HTTP/1.1 Upgrade request and its response.
//!
//! Both sides read the HTTP head through [`head`], which finds the end of the head in one
//! pass over the bytes as they arrive and parses it once, within configured limits. The
//! server side lives in [`server`], the client side in [`client`]; the header grammar they
//! share (comma lists, tokens, `Sec-WebSocket-Extensions`) is here and in [`extensions`].

pub(crate) mod body;
pub(crate) mod client;
pub(crate) mod extensions;
pub(crate) mod head;
pub(crate) mod server;
pub(crate) mod url;

use std::fmt;

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
/// are bytes: HTTP allows non-UTF-8 octets in them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, Vec<u8>)>,
}

impl Headers {
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
        self.get_all(name)
            .flat_map(|v| v.split(|&b| b == b','))
            .map(trim_ows)
            .filter(|e| !e.is_empty())
    }

    /// Whether a list header contains `token`, compared case-insensitively.
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.list(name)
            .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
    }
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
fn is_tchar(b: u8) -> bool {
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

/// Checks caller-supplied extra header fields: valid syntax, and none of the fields the
/// handshake itself writes.
fn check_extra_headers(
    headers: &[(String, String)],
    reserved: &[&str],
) -> Result<(), crate::UsageError> {
    for (name, value) in headers {
        if !is_token(name.as_bytes()) || !is_field_value(value.as_bytes()) {
            return Err(crate::UsageError::InvalidHeader(name.clone()));
        }
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Err(crate::UsageError::ReservedHeader(name.clone()));
        }
    }
    Ok(())
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
    fn field_value_refuses_line_breaks() {
        assert!(is_field_value(b"a b\tc\x80"));
        assert!(!is_field_value(b"a\r\nX-Evil: 1"));
        assert!(!is_field_value(b"a\0"));
    }
}
