//! WebSockets over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220): the extended CONNECT.
//!
//! ```text
//! :method = CONNECT                      :status = 200
//! :protocol = websocket                  sec-websocket-protocol = chat
//! :scheme = https
//! :path = /chat
//! :authority = server.example.com
//! sec-websocket-protocol = chat, superchat
//! sec-websocket-extensions = permessage-deflate
//! sec-websocket-version = 13
//! origin = http://www.example.com
//! ```
//!
//! (RFC 8441 §5.1.) The request replaces the HTTP/1.1 `GET`: `:protocol` takes the place
//! of `Upgrade`, `:authority` of `Host`, and the stream's own framing of the key's proof,
//! so there is no `Sec-WebSocket-Key` and no `Sec-WebSocket-Accept` (RFC 8441 §5).
//! `Origin`, `Sec-WebSocket-Version`, `Sec-WebSocket-Protocol` and
//! `Sec-WebSocket-Extensions` keep their RFC 6455 meaning, and are checked by the same
//! code as over HTTP/1.1. HTTP/3 uses the same request (RFC 9220 §3).
//!
//! This module holds the rules of the field block that differ from HTTP/1.1: the
//! pseudo-header fields (RFC 9113 §8.3, RFC 9114 §4.3) and the fields HTTP/2 and HTTP/3
//! forbid (RFC 9113 §8.2.2, RFC 9114 §4.2). Rules of the field encoding itself (name
//! characters, lowercase names, HPACK/QPACK) belong to the HTTP/2 or HTTP/3 stack.

use super::server::RequestError;
use super::{Headers, trim_ows, uri};
use alloc::{borrow::ToOwned, string::String};

/// RFC 9113 §8.2.2 (and RFC 9114 §4.2, which lists the same): "Connection" and the fields
/// with connection-specific semantics (RFC 9110 §7.6.1) make a message malformed.
pub(crate) const CONNECTION_SPECIFIC: &[&str] = &[
    "Connection",
    "Upgrade",
    "Keep-Alive",
    "Proxy-Connection",
    "Transfer-Encoding",
];

/// The first field of `headers` that HTTP/2 and HTTP/3 forbid, if any: a field of
/// [`CONNECTION_SPECIFIC`], or `TE` with a value other than `trailers` (RFC 9113 §8.2.2:
/// "The only exception to this is the TE header field, which MAY be present in an HTTP/2
/// request; when it is, it MUST NOT contain any value other than "trailers"").
pub(crate) fn connection_specific_field<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Option<&'a str> {
    headers.into_iter().find_map(|(name, value)| {
        let forbidden = CONNECTION_SPECIFIC
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
            || name.eq_ignore_ascii_case("TE")
                && !trim_ows(value).eq_ignore_ascii_case(b"trailers");
        forbidden.then_some(name)
    })
}

/// The pseudo-header fields of a request's field block (RFC 9113 §8.3.1, RFC 8441 §4).
#[derive(Debug, Default)]
struct Pseudo<'a> {
    method: Option<&'a [u8]>,
    protocol: Option<&'a [u8]>,
    scheme: Option<&'a [u8]>,
    authority: Option<&'a [u8]>,
    path: Option<&'a [u8]>,
}

/// An extended CONNECT request that passed the rules of this module.
#[derive(Debug)]
pub(crate) struct ConnectRequest {
    /// `:path`.
    pub(crate) path: String,
    /// `:authority`.
    pub(crate) authority: String,
    /// The regular fields, in order.
    pub(crate) headers: Headers,
}

/// Splits a request's field block into its pseudo-header fields and the regular fields.
///
/// RFC 9113 §8.3 (RFC 9114 §4.3 alike): pseudo-header fields come before every regular
/// field, each at most once, and only those defined for requests; anything else makes the
/// request malformed.
fn split(fields: &Headers) -> Result<(Pseudo<'_>, Headers), RequestError> {
    let mut pseudo = Pseudo::default();
    let mut regular = Headers::new();
    for (name, value) in fields.iter() {
        if !name.starts_with(':') {
            regular.push(name, value);
            continue;
        }
        // "All pseudo-header fields MUST appear in a field block before all regular field
        // lines."
        if !regular.is_empty() {
            return Err(RequestError::PseudoHeaderAfterField(name.to_owned()));
        }
        // "Endpoints MUST treat a request or response that contains undefined or invalid
        // pseudo-header fields as malformed"; ":protocol" is RFC 8441 §4's. A response's
        // ":status" is undefined in a request. Names are lowercase (RFC 9113 §8.2.1).
        let slot = match name {
            ":method" => &mut pseudo.method,
            ":protocol" => &mut pseudo.protocol,
            ":scheme" => &mut pseudo.scheme,
            ":authority" => &mut pseudo.authority,
            ":path" => &mut pseudo.path,
            _ => return Err(RequestError::UnknownPseudoHeader(name.to_owned())),
        };
        // "The same pseudo-header field name MUST NOT appear more than once in a field
        // block."
        if slot.replace(value).is_some() {
            return Err(RequestError::RepeatedPseudoHeader(name.to_owned()));
        }
    }
    Ok((pseudo, regular))
}

/// The rules of an extended CONNECT that opens a WebSocket (RFC 8441 §4-5, RFC 9220 §3),
/// in the order they are checked. The WebSocket fields (version, origin, subprotocols,
/// extensions) are checked afterwards by the code shared with HTTP/1.1.
pub(crate) fn check_request(fields: &Headers) -> Result<ConnectRequest, RequestError> {
    let (pseudo, headers) = split(fields)?;
    // RFC 9113 §8.3.1: every request has exactly one :method; RFC 8441 §4: the extended
    // CONNECT is a CONNECT.
    match pseudo.method {
        None => return Err(RequestError::MissingPseudoHeader(":method")),
        Some(b"CONNECT") => {}
        Some(_) => return Err(RequestError::MethodNotConnect),
    }
    // RFC 8441 §5: ":protocol ... MUST be included in the CONNECT request, and it MUST have
    // a value of "websocket"". Upgrade tokens compare case-insensitively, as RFC 6455
    // §4.2.1 item 3 compares the Upgrade field's "websocket".
    match pseudo.protocol {
        Some(protocol) if protocol.eq_ignore_ascii_case(b"websocket") => {}
        _ => return Err(RequestError::ProtocolNotWebSocket),
    }
    // RFC 8441 §4: "On requests that contain the :protocol pseudo-header field, the :scheme
    // and :path pseudo-header fields of the target URI MUST also be included."
    let scheme = pseudo
        .scheme
        .ok_or(RequestError::MissingPseudoHeader(":scheme"))?;
    let path = pseudo
        .path
        .ok_or(RequestError::MissingPseudoHeader(":path"))?;
    // RFC 8441 §5: the scheme "MUST be "https" for "wss"-schemed WebSockets and "http" for
    // "ws"-schemed WebSockets" (schemes compare case-insensitively, RFC 3986 §3.1).
    if !scheme.eq_ignore_ascii_case(b"https") && !scheme.eq_ignore_ascii_case(b"http") {
        return Err(RequestError::InvalidScheme);
    }
    // RFC 8441 §5: "The remainder of the target URI is the same as the WebSocket URI":
    // a resource name. RFC 9113 §8.3.1: :path is not empty and, for http(s), starts with
    // "/" (the origin-form).
    if !uri::is_origin_form(path) {
        return Err(RequestError::InvalidTarget);
    }
    // RFC 8441 §5: "The Host information is conveyed as part of the :authority
    // pseudo-header field, which is required on every HTTP/2 transaction." Its value is
    // `host [":" port]`, with no user information (RFC 9113 §8.3.1).
    let authority = match pseudo.authority {
        None => return Err(RequestError::MissingPseudoHeader(":authority")),
        Some(authority) if uri::is_authority(authority) => authority,
        Some(_) => return Err(RequestError::Host),
    };
    // RFC 9113 §8.3.1: "A server SHOULD treat a request as malformed if it contains a Host
    // header field that identifies an entity that differs from the entity in the
    // :authority pseudo-header field."
    if headers.count("Host") > 0
        && !headers
            .get_all("Host")
            .all(|host| trim_ows(host).eq_ignore_ascii_case(authority))
    {
        return Err(RequestError::Host);
    }
    // RFC 8441 §5: Connection and Upgrade "MUST NOT be included in the CONNECT request";
    // RFC 9113 §8.2.2, RFC 9114 §4.2: no connection-specific field at all.
    if let Some(name) = connection_specific_field(headers.iter()) {
        return Err(RequestError::ConnectionSpecificField(name.to_owned()));
    }
    // RFC 9110 §9.3.6: "A CONNECT request message does not have content"; bytes on the
    // stream after the request are frames.
    if !matches!(headers.content_length(), Ok(None | Some(0))) {
        return Err(RequestError::Body);
    }
    // RFC 8441 §5: Sec-WebSocket-Key is not processed: "that functionality has been
    // superseded by the :protocol pseudo-header field". One sent anyway is ignored.
    Ok(ConnectRequest {
        // Only ASCII passes the grammars above.
        path: String::from_utf8_lossy(path).into_owned(),
        authority: String::from_utf8_lossy(authority).into_owned(),
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn te_trailers_is_the_one_exception() {
        let field = |name: &'static str, value: &'static [u8]| [(name, value)];
        assert_eq!(connection_specific_field(field("te", b"trailers")), None);
        assert_eq!(connection_specific_field(field("te", b" Trailers ")), None);
        assert_eq!(connection_specific_field(field("te", b"gzip")), Some("te"));
        assert_eq!(
            connection_specific_field(field("keep-alive", b"5")),
            Some("keep-alive")
        );
        assert_eq!(connection_specific_field(field("x-upgrade", b"1")), None);
    }
}
