//! The URI grammar (RFC 3986) the handshake checks: the request target (RFC 9112 §3.2),
//! the `Host` field (RFC 9110 §7.2), `Origin` (RFC 6454 §7.1), and the host of a
//! `ws://` URL (RFC 6455 §3).
//!
//! ```text
//! origin-form   = absolute-path [ "?" query ]                     RFC 9112 §3.2.1
//! absolute-form = absolute-URI                                    RFC 9112 §3.2.2
//! Host          = uri-host [ ":" port ]                           RFC 9110 §7.2
//! uri-host      = IP-literal / IPv4address / reg-name             RFC 3986 §3.2.2
//! IP-literal    = "[" ( IPv6address / IPvFuture ) "]"
//! IPvFuture     = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
//! reg-name      = *( unreserved / pct-encoded / sub-delims )
//! port          = *DIGIT
//! serialized-origin = scheme "://" host [ ":" port ]              RFC 6454 §7.1
//! ```
//!
//! Every check walks its input once.

use core::net::Ipv6Addr;

/// RFC 3986 §2.3: `unreserved`.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// RFC 3986 §2.2: `sub-delims`.
fn is_sub_delim(b: u8) -> bool {
    b"!$&'()*+,;=".contains(&b)
}

/// RFC 3986 §3.3: `pchar`, less `pct-encoded` (checked by [`is_encoded`]).
fn is_pchar(b: u8) -> bool {
    is_unreserved(b) || is_sub_delim(b) || b == b':' || b == b'@'
}

/// Printable characters RFC 3986 leaves out of paths and queries but that browsers send
/// unencoded (the WHATWG URL standard's path and query percent-encode sets omit them), so
/// `new WebSocket("wss://host/?q={1}")` reaches the server as `/?q={1}`. None of them has
/// a meaning in an HTTP request target; `"`, `<`, `>`, `#`, space, controls and non-ASCII
/// (which browsers do encode) stay refused.
fn is_tolerated(b: u8) -> bool {
    b"[\\]^`{|}".contains(&b)
}

/// Whether every byte is `allowed` or starts a `pct-encoded` triplet ("%" HEXDIG HEXDIG).
fn is_encoded(s: &[u8], allowed: impl Fn(u8) -> bool) -> bool {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = s.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
        } else if allowed(s[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// RFC 3986 §3.2.2: `reg-name`, which also covers `IPv4address`.
pub(crate) fn is_reg_name(s: &[u8]) -> bool {
    is_encoded(s, |b| is_unreserved(b) || is_sub_delim(b))
}

/// RFC 3986 §3.2.2: `IP-literal`, brackets included.
fn is_ip_literal(s: &[u8]) -> bool {
    let Some(inner) = s.strip_prefix(b"[").and_then(|s| s.strip_suffix(b"]")) else {
        return false;
    };
    if let Some(future) = inner
        .strip_prefix(b"v")
        .or_else(|| inner.strip_prefix(b"V"))
    {
        // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        let Some(dot) = future.iter().position(|&b| b == b'.') else {
            return false;
        };
        let (version, rest) = (&future[..dot], &future[dot + 1..]);
        return !version.is_empty()
            && version.iter().all(u8::is_ascii_hexdigit)
            && !rest.is_empty()
            && rest
                .iter()
                .all(|&b| is_unreserved(b) || is_sub_delim(b) || b == b':');
    }
    core::str::from_utf8(inner).is_ok_and(|ip| ip.parse::<Ipv6Addr>().is_ok())
}

/// RFC 3986 §3.2.2 `host`, not empty: a WebSocket server always has a name or address
/// (RFC 6455 §3; RFC 9110 §4.2.1, "A sender MUST NOT generate an "http" URI with an empty
/// host identifier").
pub(crate) fn is_host(s: &[u8]) -> bool {
    match s.first() {
        None => false,
        Some(b'[') => is_ip_literal(s),
        Some(_) => is_reg_name(s),
    }
}

/// `host [ ":" port ]` with `port = *DIGIT` (RFC 3986 §3.2.3): a `Host` field value
/// (RFC 9110 §7.2) or the authority of an http(s) URI without user information.
pub(crate) fn is_authority(s: &[u8]) -> bool {
    // A reg-name has no ":", and an IP-literal ends at "]": the port starts after either.
    let host_end = if s.first() == Some(&b'[') {
        s.iter().position(|&b| b == b']').map_or(s.len(), |i| i + 1)
    } else {
        s.iter().position(|&b| b == b':').unwrap_or(s.len())
    };
    let (host, port) = s.split_at(host_end);
    let port_ok = match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    };
    is_host(host) && port_ok
}

/// A path and query, `*( pchar / "/" ) [ "?" *( pchar / "/" / "?" ) ]`: since "?" may
/// appear anywhere in a query, one set of characters covers both.
fn is_path_and_query(s: &[u8]) -> bool {
    is_encoded(s, |b| {
        is_pchar(b) || b == b'/' || b == b'?' || is_tolerated(b)
    })
}

/// The scheme's length if `s` starts with `http://` or `https://`, in any case.
fn http_scheme(s: &[u8]) -> Option<usize> {
    ["http://", "https://"].into_iter().find_map(|prefix| {
        let head = s.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix.as_bytes())
            .then_some(prefix.len())
    })
}

/// A request target a WebSocket server accepts (RFC 6455 §4.1 item 3, §4.2.1 item 1): the
/// origin-form `/path?query` (RFC 9112 §3.2.1), or the absolute-form of an http or https
/// URI (RFC 9112 §3.2.2) with a host, no user information (RFC 9110 §4.2.4: "treat its
/// presence as an error") and an optional path and query.
///
/// Refused: the asterisk-form `*` (OPTIONS only, RFC 9112 §3.2.4), the authority-form
/// `host:port` (CONNECT only, RFC 9112 §3.2.3), any other scheme, and a fragment (RFC 9112
/// §3.2: no form has one; RFC 6455 §3: "Fragment identifiers are meaningless").
pub(crate) fn is_request_target(s: &[u8]) -> bool {
    if s.first() == Some(&b'/') {
        return is_path_and_query(s);
    }
    let Some(scheme) = http_scheme(s) else {
        return false;
    };
    let rest = &s[scheme..];
    let end = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    is_authority(authority) && is_path_and_query(path)
}

/// The origin-form alone, `absolute-path [ "?" query ]` (RFC 9112 §3.2.1): the `:path` of
/// an HTTP/2 or HTTP/3 request for an `http` or `https` URI (RFC 9113 §8.3.1, RFC 9114
/// §4.3.1), which is never empty and never the absolute-form.
pub(crate) fn is_origin_form(s: &[u8]) -> bool {
    s.first() == Some(&b'/') && is_path_and_query(s)
}

/// RFC 3986 §3.1: `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_alphabetic)
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// An `Origin` value as RFC 6455 §4.1 item 8 has a client send it: the serialization of one
/// origin, `scheme "://" host [ ":" port ]`, or `null` (RFC 6454 §6.2, §7.1).
pub(crate) fn is_origin(s: &[u8]) -> bool {
    if s == b"null" {
        return true;
    }
    let Some(sep) = s.windows(3).position(|w| w == b"://") else {
        return false;
    };
    is_scheme(&s[..sep]) && is_authority(&s[sep + 3..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets() {
        for good in [
            "/",
            "/chat",
            "/chat?room=1&x=2",
            "//double/slash",
            "/a%20b?c=%7e",
            "/?q={x}",
            "/a|b^c`d\\e[f]",
            "/:@!$&'()*+,;=-._~?/?",
            "http://example.com",
            "http://example.com/chat?x",
            "HTTPS://example.com:443/chat",
            "http://example.com?x",
            "http://[::1]:9001/",
            "http://127.0.0.1/",
        ] {
            assert!(is_request_target(good.as_bytes()), "{good:?} refused");
        }
        for bad in [
            "",
            "*",
            "example.com:80",
            "example.com",
            "chat",
            "?x",
            "/chat#frag",
            "/chat?x#frag",
            "/a b",
            "/a\"b",
            "/a<b>",
            "/%",
            "/%2",
            "/%zz",
            "/caf\u{e9}",
            "/a\x7f",
            "ws://example.com/chat",
            "ftp://example.com/",
            "http:/example.com/",
            "http://",
            "http:///chat",
            "http://user@example.com/",
            "http://example.com:8a/",
            "http://exa mple.com/",
            "http://example.com/#x",
        ] {
            assert!(!is_request_target(bad.as_bytes()), "{bad:?} accepted");
        }
    }

    #[test]
    fn authorities() {
        for good in [
            "example.com",
            "example.com:80",
            "example.com:",
            "EXAMPLE.com:00080",
            "127.0.0.1",
            "999.1.1.1",
            "[::1]",
            "[::1]:9001",
            "[2001:db8::ffff:1.2.3.4]",
            "[v1.fe80::a+en1]",
            "xn--bcher-kva.example",
            "a%2Db.example",
            "a!$&'()*+,;=-._~",
        ] {
            assert!(is_authority(good.as_bytes()), "{good:?} refused");
        }
        for bad in [
            "",
            ":80",
            "example.com:8a",
            "example.com:80:81",
            "example.com/",
            "user@example.com",
            "exa mple.com",
            "exa%zzmple.com",
            "[::1",
            "::1",
            "[::g]",
            "[::1]x",
            "[::1]:8a",
            "[v.x]",
            "[v1.]",
            "[vz.x]",
            "caf\u{e9}.example",
            "a,b\tc",
        ] {
            assert!(!is_authority(bad.as_bytes()), "{bad:?} accepted");
        }
    }

    #[test]
    fn origins() {
        for good in [
            "null",
            "http://example.com",
            "https://example.com:8443",
            "chrome-extension://abcdef",
            "http://[::1]:9001",
        ] {
            assert!(is_origin(good.as_bytes()), "{good:?} refused");
        }
        for bad in [
            "",
            "NULL",
            "example.com",
            "http://",
            "http://example.com/",
            "http://example.com http://other.example",
            "1http://example.com",
            "http://exa mple.com",
            "http://example.com:x",
        ] {
            assert!(!is_origin(bad.as_bytes()), "{bad:?} accepted");
        }
    }
}
