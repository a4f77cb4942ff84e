//! The request and response grammar, rule by rule: each case is the literal bytes on the
//! wire and the literal answer (a status, or a `ResponseError`), fed whole, byte by byte
//! and followed by a frame. Every refusal the server writes is then read back as HTTP/1.1.

use wswire::{
    ClientConfig, ClientHandshake, RequestError, ResponseError, SeededKeys, ServerConfig,
    ServerHandshake,
};

/// The fields of a valid request after `Host`, with the RFC 6455 §1.3 sample key.
macro_rules! rest {
    () => {
        "Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n"
    };
}

/// A valid request line and `Host`.
macro_rules! start {
    () => {
        "GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"
    };
}

/// RFC 6455 §5.7: a masked "Hello" frame from a client.
const MASKED_HELLO: &[u8] = &[
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];

/// What a server makes of `wire`: 101 for an accepted request (nothing else is written
/// until the application accepts), else the refusal's status; `None` if it wants more.
fn server_status(wire: &[u8], pieces: usize) -> Option<Result<u16, RequestError>> {
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    for piece in wire.chunks(pieces.max(1)) {
        match handshake.receive(piece) {
            Ok(None) => {}
            Ok(Some(_)) => return Some(Ok(101)),
            Err(error) => {
                check_refusal(&error);
                return Some(Err(error));
            }
        }
    }
    None
}

/// A refusal is one valid HTTP/1.1 response: its status line names its status, its
/// `Content-Length` is its body's, it closes the connection, a 426 carries `Upgrade` and
/// every version refusal `Sec-WebSocket-Version: 13`.
fn check_refusal(error: &RequestError) {
    let response = error.response();
    let mut fields = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Response::new(&mut fields);
    let head_len = match parsed.parse(&response) {
        Ok(httparse::Status::Complete(n)) => n,
        other => panic!("{error:?}: {other:?} for {response:?}"),
    };
    assert_eq!(parsed.version, Some(1));
    assert_eq!(parsed.code, Some(error.status()));
    let field = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| std::str::from_utf8(h.value).unwrap())
    };
    let length: usize = field("Content-Length").unwrap().parse().unwrap();
    assert_eq!(length, response.len() - head_len, "{error:?}");
    assert!(field("Connection").unwrap().contains("close"));
    if error.status() == 426 {
        assert_eq!(field("Upgrade"), Some("websocket"));
        assert_eq!(field("Connection"), Some("Upgrade, close"));
        assert_eq!(field("Sec-WebSocket-Version"), Some("13"));
    }
}

/// Runs one request case whole, byte by byte, in pieces of 7, and with a frame behind it.
fn assert_server(name: &str, request: &str, status: u16) {
    let wire = request.as_bytes();
    let mut with_frame = wire.to_vec();
    with_frame.extend_from_slice(MASKED_HELLO);
    for (how, bytes, step) in [
        ("whole", wire, wire.len()),
        ("bytewise", wire, 1),
        ("in 7s", wire, 7),
        ("with a frame", &with_frame[..], with_frame.len()),
    ] {
        let got = server_status(bytes, step).unwrap_or_else(|| panic!("{name} {how}: no answer"));
        assert_eq!(
            got.as_ref().map_or_else(RequestError::status, |s| *s),
            status,
            "{name} ({how}): {got:?}"
        );
    }
}

// RFC 9112 §3.2, RFC 6455 §4.1 item 3, §4.2.1 item 1: origin-form, or absolute-form with an
// http or https URI; never asterisk-form, authority-form or a fragment.
#[test]
fn request_target_forms() {
    let cases: &[(&str, &str, u16)] = &[
        ("origin-form", concat!(start!(), rest!(), "\r\n"), 101),
        (
            "origin-form with a query browsers send unencoded",
            concat!("GET /chat?q={1}|x HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            101,
        ),
        (
            "absolute-form http",
            concat!(
                "GET http://server.example.com/chat HTTP/1.1\r\nHost: server.example.com\r\n",
                rest!(),
                "\r\n"
            ),
            101,
        ),
        (
            "absolute-form https without a path",
            concat!(
                "GET https://server.example.com HTTP/1.1\r\nHost: server.example.com\r\n",
                rest!(),
                "\r\n"
            ),
            101,
        ),
        (
            "asterisk-form",
            concat!(
                "GET * HTTP/1.1\r\nHost: server.example.com\r\n",
                rest!(),
                "\r\n"
            ),
            400,
        ),
        (
            "authority-form",
            concat!(
                "GET server.example.com:80 HTTP/1.1\r\nHost: server.example.com\r\n",
                rest!(),
                "\r\n"
            ),
            400,
        ),
        (
            "fragment",
            concat!("GET /chat#frag HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "fragment after a query",
            concat!("GET /chat?x#frag HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "relative path",
            concat!("GET chat HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "query alone",
            concat!("GET ?x HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "broken percent-encoding",
            concat!("GET /chat%zz HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "non-ASCII",
            concat!("GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "other scheme",
            concat!("GET ftp://a/chat HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "ws scheme (RFC 6455 §4.1 item 3 names http and https)",
            concat!("GET ws://a/chat HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "absolute-form without a host",
            concat!("GET http:///chat HTTP/1.1\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "absolute-form with user information",
            concat!(
                "GET http://user@a/chat HTTP/1.1\r\nHost: a\r\n",
                rest!(),
                "\r\n"
            ),
            400,
        ),
    ];
    for &(name, request, status) in cases {
        assert_server(name, request, status);
    }
}

// RFC 9112 §3.2: exactly one Host, whose value is `uri-host [":" port]` (RFC 9110 §7.2,
// RFC 3986 §3.2.2): a reg-name, IPv4 address or bracketed IP literal, and port digits.
#[test]
fn host_field() {
    let cases: &[(&str, &str, u16)] = &[
        (
            "name and port",
            concat!(
                "GET / HTTP/1.1\r\nHost: server.example.com:8080\r\n",
                rest!(),
                "\r\n"
            ),
            101,
        ),
        (
            "IPv4",
            concat!(
                "GET / HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n",
                rest!(),
                "\r\n"
            ),
            101,
        ),
        (
            "IPv6",
            concat!("GET / HTTP/1.1\r\nHost: [::1]:9001\r\n", rest!(), "\r\n"),
            101,
        ),
        (
            "IPvFuture",
            concat!(
                "GET / HTTP/1.1\r\nHost: [v1.fe80::a+en1]\r\n",
                rest!(),
                "\r\n"
            ),
            101,
        ),
        (
            "percent-encoded name",
            concat!("GET / HTTP/1.1\r\nHost: a%2Db.example\r\n", rest!(), "\r\n"),
            101,
        ),
        (
            "missing",
            concat!("GET / HTTP/1.1\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "twice, same value",
            concat!("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "twice, as a list",
            concat!("GET / HTTP/1.1\r\nHost: a, b\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "empty",
            concat!("GET / HTTP/1.1\r\nHost: \r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "space inside",
            concat!("GET / HTTP/1.1\r\nHost: exa mple.com\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "port not digits",
            concat!("GET / HTTP/1.1\r\nHost: a:8a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "two ports",
            concat!("GET / HTTP/1.1\r\nHost: a:80:81\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "a path",
            concat!("GET / HTTP/1.1\r\nHost: a/chat\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "user information",
            concat!("GET / HTTP/1.1\r\nHost: user@a\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "unclosed IPv6",
            concat!("GET / HTTP/1.1\r\nHost: [::1\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "IPv6 without brackets",
            concat!("GET / HTTP/1.1\r\nHost: ::1\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "bad IPv6",
            concat!("GET / HTTP/1.1\r\nHost: [::g]\r\n", rest!(), "\r\n"),
            400,
        ),
        (
            "broken percent-encoding",
            concat!("GET / HTTP/1.1\r\nHost: a%zz\r\n", rest!(), "\r\n"),
            400,
        ),
    ];
    for &(name, request, status) in cases {
        assert_server(name, request, status);
    }
}

// RFC 9112 §6.3: a request with Transfer-Encoding or a non-zero Content-Length has a body,
// which the server would read as frames; an invalid Content-Length is a 400 (item 5).
#[test]
fn requests_announcing_a_body() {
    let cases: &[(&str, &str, u16)] = &[
        (
            "Content-Length: 0",
            concat!(start!(), rest!(), "Content-Length: 0\r\n\r\n"),
            101,
        ),
        (
            "Content-Length: 0, twice",
            concat!(
                start!(),
                rest!(),
                "Content-Length: 0\r\nContent-Length: 0\r\n\r\n"
            ),
            101,
        ),
        (
            "Content-Length: 5",
            concat!(start!(), rest!(), "Content-Length: 5\r\n\r\nHello"),
            400,
        ),
        (
            "Content-Length: +0",
            concat!(start!(), rest!(), "Content-Length: +0\r\n\r\n"),
            400,
        ),
        (
            "Content-Length: 0, 5",
            concat!(start!(), rest!(), "Content-Length: 0, 5\r\n\r\n"),
            400,
        ),
        (
            "Content-Length not a number",
            concat!(start!(), rest!(), "Content-Length: zero\r\n\r\n"),
            400,
        ),
        (
            "Content-Length empty",
            concat!(start!(), rest!(), "Content-Length: \r\n\r\n"),
            400,
        ),
        (
            "Transfer-Encoding: chunked",
            concat!(
                start!(),
                rest!(),
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            ),
            400,
        ),
        (
            "Transfer-Encoding: identity",
            concat!(start!(), rest!(), "Transfer-Encoding: identity\r\n\r\n"),
            400,
        ),
        (
            "Transfer-Encoding empty",
            concat!(start!(), rest!(), "Transfer-Encoding: \r\n\r\n"),
            400,
        ),
    ];
    for &(name, request, status) in cases {
        assert_server(name, request, status);
    }
}

// RFC 6455 §4.1 item 10: `Sec-WebSocket-Protocol` is `1#token`, names unique; §9.1:
// `Sec-WebSocket-Extensions` is `1#extension`. Empty elements between others are ignored
// (RFC 9110 §5.6.1), an empty field is not a list of one or more.
#[test]
fn subprotocol_and_extension_lists() {
    let cases: &[(&str, &str, u16)] = &[
        (
            "protocols with an empty element",
            concat!(
                start!(),
                rest!(),
                "Sec-WebSocket-Protocol: chat, , superchat\r\n\r\n"
            ),
            101,
        ),
        (
            "protocols over two lines",
            concat!(
                start!(),
                rest!(),
                "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: superchat\r\n\r\n"
            ),
            101,
        ),
        (
            "protocol empty",
            concat!(start!(), rest!(), "Sec-WebSocket-Protocol: \r\n\r\n"),
            400,
        ),
        (
            "protocol list of nothing",
            concat!(start!(), rest!(), "Sec-WebSocket-Protocol: , ,\r\n\r\n"),
            400,
        ),
        (
            "protocol line empty beside another",
            concat!(
                start!(),
                rest!(),
                "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol:\r\n\r\n"
            ),
            400,
        ),
        (
            "protocol named twice",
            concat!(
                start!(),
                rest!(),
                "Sec-WebSocket-Protocol: chat, chat\r\n\r\n"
            ),
            400,
        ),
        (
            "protocol named twice over two lines",
            concat!(
                start!(),
                rest!(),
                "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
            ),
            400,
        ),
        (
            "protocol not a token",
            concat!(start!(), rest!(), "Sec-WebSocket-Protocol: chat/1\r\n\r\n"),
            400,
        ),
        (
            "extensions with an empty element",
            concat!(
                start!(),
                rest!(),
                "Sec-WebSocket-Extensions: , x-foo, \r\n\r\n"
            ),
            101,
        ),
        (
            "extensions list of nothing",
            concat!(start!(), rest!(), "Sec-WebSocket-Extensions: , ,\r\n\r\n"),
            400,
        ),
        (
            "extensions empty",
            concat!(start!(), rest!(), "Sec-WebSocket-Extensions: \r\n\r\n"),
            400,
        ),
    ];
    for &(name, request, status) in cases {
        assert_server(name, request, status);
    }
}

// Fields the handshake relies on, sent more than once: list fields (Upgrade, Connection)
// combine (RFC 9110 §5.3); Sec-WebSocket-Key is one value (RFC 6455 §4.2.1 item 5); Origin
// is sent at most once (RFC 6454 §7.3) as one serialized origin; Sec-WebSocket-Version is
// one `version` (§4.3), and any other answer gets 426 naming 13 (§4.4).
#[test]
fn repeated_fields() {
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let version = "Sec-WebSocket-Version: 13\r\n";
    let request = |upgrade: &str, connection: &str, key: &str, version: &str, more: &str| {
        format!("{}{upgrade}{connection}{key}{version}{more}\r\n", start!())
    };
    let cases = [
        (
            "Upgrade over two lines",
            request(
                "Upgrade: h2c\r\nUpgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "",
            ),
            101,
        ),
        (
            "Upgrade list",
            request(
                "Upgrade: websocket, h2c/2\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "",
            ),
            101,
        ),
        (
            "Upgrade element not a protocol",
            request(
                "Upgrade: websocket, h2 c\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "",
            ),
            400,
        ),
        (
            "Connection over two lines",
            request(
                "Upgrade: websocket\r\n",
                "Connection: keep-alive\r\nConnection: Upgrade\r\n",
                key,
                version,
                "",
            ),
            101,
        ),
        (
            "Connection element not a token",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade, keep alive\r\n",
                key,
                version,
                "",
            ),
            400,
        ),
        (
            "key twice, same value",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                &key.repeat(2),
                version,
                "",
            ),
            400,
        ),
        (
            "version twice, both 13",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                &version.repeat(2),
                "",
            ),
            426,
        ),
        (
            "version list",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                "Sec-WebSocket-Version: 13, 8\r\n",
                "",
            ),
            426,
        ),
        (
            "version with a leading zero",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                "Sec-WebSocket-Version: 013\r\n",
                "",
            ),
            426,
        ),
        (
            "Origin once",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "Origin: https://example.com\r\n",
            ),
            101,
        ),
        (
            "Origin null",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "Origin: null\r\n",
            ),
            101,
        ),
        (
            "Origin twice",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "Origin: https://example.com\r\nOrigin: https://example.com\r\n",
            ),
            400,
        ),
        (
            "Origin list",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "Origin: https://a.example https://b.example\r\n",
            ),
            400,
        ),
        (
            "Origin with a path",
            request(
                "Upgrade: websocket\r\n",
                "Connection: Upgrade\r\n",
                key,
                version,
                "Origin: https://example.com/\r\n",
            ),
            400,
        ),
    ];
    for (name, request, status) in &cases {
        assert_server(name, request, *status);
    }
}

// RFC 9112 §2.2: a server "SHOULD ignore at least one empty line (CRLF) received prior to
// the request-line"; a few are ignored, more are refused rather than read at length.
#[test]
fn empty_lines_before_the_request_line() {
    let request = concat!(start!(), rest!(), "\r\n");
    for (lines, status) in [(1, 101), (2, 101), (8, 101), (9, 400), (16_000, 400)] {
        let wire = format!("{}{request}", "\r\n".repeat(lines));
        assert_server(&format!("{lines} CRLFs"), &wire, status);
        let wire = format!("{}{request}", "\n".repeat(lines));
        assert_server(&format!("{lines} LFs"), &wire, status);
    }
}

/// A client handshake for `ws://server.example.com/chat` with the sample nonce, offering
/// `chat` and permessage-deflate.
fn client() -> ClientHandshake {
    struct Sample;
    impl wswire::KeySource for Sample {
        fn fill(&mut self, buf: &mut [u8]) {
            // RFC 6455 §1.3: the nonce "the sample nonce" encodes to.
            let nonce = b"the sample nonce";
            for (i, b) in buf.iter_mut().enumerate() {
                *b = nonce[i % nonce.len()];
            }
        }
    }
    let config = ClientConfig::new("ws://server.example.com/chat")
        .unwrap()
        .protocol("chat")
        .deflate(wswire::DeflateConfig::new());
    let handshake = ClientHandshake::with_keys(config, Sample).unwrap();
    let request = String::from_utf8_lossy(handshake.request()).into_owned();
    assert!(request.contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    handshake
}

/// What the client makes of `wire` fed in pieces of `step` bytes then the end of input:
/// `Ok(status)` for a connection (101) or a refusal (its status), else the error.
fn client_outcome(wire: &[u8], step: usize) -> Result<u16, ResponseError> {
    let mut handshake = client();
    for piece in wire.chunks(step.max(1)) {
        match handshake.receive(piece) {
            Ok(None) => {}
            Ok(Some(_)) => return Ok(101),
            Err(ResponseError::Rejected(r)) => return Ok(r.status),
            Err(e) => return Err(e),
        }
    }
    match handshake.receive_eof() {
        Ok(_) => panic!("no answer"),
        Err(ResponseError::Rejected(r)) => Ok(r.status),
        Err(e) => Err(e),
    }
}

/// The fields of a valid 101 to the sample nonce, after `Upgrade`.
macro_rules! accept {
    () => {
        "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    };
}

fn assert_client(name: &str, response: &str, expected: Result<u16, ResponseError>) {
    let wire = response.as_bytes();
    // RFC 6455 §5.7: an unmasked "Hello" from the server.
    let mut with_frame = wire.to_vec();
    with_frame.extend_from_slice(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    for (how, bytes, step) in [
        ("whole", wire, wire.len()),
        ("bytewise", wire, 1),
        ("with a frame", &with_frame[..], with_frame.len()),
    ] {
        let got = client_outcome(bytes, step);
        // A refusal body of until-close length takes the frame bytes too: same status.
        assert_eq!(got, expected, "{name} ({how})");
    }
}

// RFC 6455 §4.1 item 2: "If the response lacks an |Upgrade| header field or the |Upgrade|
// header field contains a value that is not an ASCII case-insensitive match for the value
// "websocket", the client MUST _Fail the WebSocket Connection_."
#[test]
fn response_upgrade_is_websocket_alone() {
    let head = "HTTP/1.1 101 Switching Protocols\r\n";
    let cases: &[(&str, String, Result<u16, ResponseError>)] = &[
        (
            "websocket",
            format!("{head}Upgrade: websocket\r\n{}\r\n", accept!()),
            Ok(101),
        ),
        (
            "WebSocket",
            format!("{head}Upgrade: WebSocket\r\n{}\r\n", accept!()),
            Ok(101),
        ),
        (
            "websocket, h2c",
            format!("{head}Upgrade: websocket, h2c\r\n{}\r\n", accept!()),
            Err(ResponseError::UpgradeNotWebSocket),
        ),
        (
            "a second Upgrade: h2c",
            format!(
                "{head}Upgrade: websocket\r\nUpgrade: h2c\r\n{}\r\n",
                accept!()
            ),
            Err(ResponseError::UpgradeNotWebSocket),
        ),
        (
            "websocket twice",
            format!(
                "{head}Upgrade: websocket\r\nUpgrade: websocket\r\n{}\r\n",
                accept!()
            ),
            Err(ResponseError::UpgradeNotWebSocket),
        ),
        (
            "websocket/13",
            format!("{head}Upgrade: websocket/13\r\n{}\r\n", accept!()),
            Err(ResponseError::UpgradeNotWebSocket),
        ),
        (
            "empty",
            format!("{head}Upgrade: \r\n{}\r\n", accept!()),
            Err(ResponseError::UpgradeNotWebSocket),
        ),
    ];
    for (name, response, expected) in cases {
        assert_client(name, response, expected.clone());
    }
}

// RFC 6455 §4.1 items 4-6, §4.2.2 and §4.3: one Sec-WebSocket-Accept; a
// Sec-WebSocket-Protocol that is one offered token on one line (the empty string "is not a
// legal value"); Sec-WebSocket-Extensions as `1#extension`.
#[test]
fn response_single_valued_fields() {
    let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n";
    let cases: &[(&str, String, Result<u16, ResponseError>)] = &[
        (
            "Accept twice",
            format!(
                "{head}{}Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                accept!()
            ),
            Err(ResponseError::AcceptCount),
        ),
        (
            "protocol chosen",
            format!("{head}{}Sec-WebSocket-Protocol: chat\r\n\r\n", accept!()),
            Ok(101),
        ),
        (
            "protocol empty",
            format!("{head}{}Sec-WebSocket-Protocol: \r\n\r\n", accept!()),
            Err(ResponseError::InvalidProtocol(String::new())),
        ),
        (
            "protocol twice on one line",
            format!(
                "{head}{}Sec-WebSocket-Protocol: chat, chat\r\n\r\n",
                accept!()
            ),
            Err(ResponseError::InvalidProtocol("chat, chat".into())),
        ),
        (
            "protocol on two lines",
            format!(
                "{head}{}Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
                accept!()
            ),
            Err(ResponseError::InvalidProtocol("chat, chat".into())),
        ),
        (
            "protocol not offered",
            format!(
                "{head}{}Sec-WebSocket-Protocol: superchat\r\n\r\n",
                accept!()
            ),
            Err(ResponseError::ProtocolNotOffered("superchat".into())),
        ),
        (
            "extension accepted",
            format!(
                "{head}{}Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
                accept!()
            ),
            Ok(101),
        ),
        (
            "extensions empty",
            format!("{head}{}Sec-WebSocket-Extensions: \r\n\r\n", accept!()),
            Err(ResponseError::InvalidExtensions(
                wswire::ExtensionsSyntaxError { at: 0 },
            )),
        ),
        (
            "extensions list of nothing",
            format!("{head}{}Sec-WebSocket-Extensions: , ,\r\n\r\n", accept!()),
            Err(ResponseError::InvalidExtensions(
                wswire::ExtensionsSyntaxError { at: 3 },
            )),
        ),
        (
            "extension twice",
            format!(
                "{head}{}Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n\r\n",
                accept!()
            ),
            Err(ResponseError::ExtensionNotOffered(
                "permessage-deflate".into(),
            )),
        ),
    ];
    for (name, response, expected) in cases {
        assert_client(name, response, expected.clone());
    }
}

/// A refusal's body and whether it was cut short, or the error instead of a refusal.
type BodyOutcome = Result<(Vec<u8>, bool), ResponseError>;

/// The refusal `wire` read whole and byte by byte: its body and whether it was cut short.
fn refusal_body(wire: &[u8]) -> BodyOutcome {
    let mut results = Vec::new();
    for step in [wire.len(), 1] {
        let mut handshake = client();
        let mut outcome = None;
        for piece in wire.chunks(step) {
            if let Err(e) = handshake.receive(piece) {
                outcome = Some(e);
                break;
            }
        }
        let error = match outcome {
            Some(e) => e,
            None => handshake.receive_eof().map(|_| ()).unwrap_err(),
        };
        results.push(match error {
            ResponseError::Rejected(r) => Ok((r.body, r.body_truncated)),
            e => Err(e),
        });
    }
    assert_eq!(results[0], results[1], "whole and bytewise differ");
    results.pop().unwrap()
}

// RFC 9112 §6.3: how long a refusal's body is. Content-Length is `1*DIGIT`, repeated only
// with the same value, within a u64; otherwise the response is discarded (item 5). 204 and
// 304 have no body whatever their fields say (item 1). Chunked framing follows §7.1.
#[test]
fn refusal_body_framing() {
    let malformed = || Err(ResponseError::Malformed("invalid Content-Length".into()));
    let cases: &[(&str, &[u8], BodyOutcome)] = &[
        (
            "Content-Length: 3",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nabcdef",
            Ok((b"abc".to_vec(), false)),
        ),
        (
            "Content-Length: 3, 3",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 3, 3\r\n\r\nabcdef",
            Ok((b"abc".to_vec(), false)),
        ),
        (
            "Content-Length: +3",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: +3\r\n\r\nabcdef",
            malformed(),
        ),
        (
            "Content-Length: -3",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: -3\r\n\r\nabcdef",
            malformed(),
        ),
        (
            "Content-Length: 3, 4",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 3, 4\r\n\r\nabcdef",
            malformed(),
        ),
        (
            "Content-Length 3 then 4",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcdef",
            malformed(),
        ),
        (
            "Content-Length overflowing u64",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 18446744073709551616\r\n\r\nabc",
            malformed(),
        ),
        (
            "Content-Length empty",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: \r\n\r\nabc",
            malformed(),
        ),
        (
            "Content-Length: 0x3",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0x3\r\n\r\nabc",
            malformed(),
        ),
        (
            "204 with Content-Length",
            b"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc",
            Ok((vec![], false)),
        ),
        (
            "304 with Content-Length",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\nabc",
            Ok((vec![], false)),
        ),
        (
            "204 with Transfer-Encoding",
            b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\nabc",
            Ok((vec![], false)),
        ),
        (
            "chunked over a bad Content-Length (RFC 9112 §6.3 item 3)",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n\
              3\r\nabc\r\n0\r\n\r\n",
            Ok((b"abc".to_vec(), false)),
        ),
        (
            "chunked with extensions",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n\
              3 ; a=b;c=\"d e\"\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n",
            Ok((b"abc".to_vec(), false)),
        ),
        (
            "chunk size with a sign",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n",
            Ok((vec![], true)),
        ),
        (
            "chunk size followed by junk",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n",
            Ok((vec![], true)),
        ),
        (
            "chunk size in 0x form",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
            Ok((vec![], true)),
        ),
        (
            "chunk data not followed by CRLF",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
            Ok((b"abc".to_vec(), true)),
        ),
        (
            "trailer that is not a field",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nno colon\r\n\r\n",
            Ok((b"abc".to_vec(), true)),
        ),
    ];
    for (name, wire, expected) in cases {
        assert_eq!(&refusal_body(wire), expected, "{name}");
    }
}

// RFC 9110 §15.2: interim responses before the final one; each is read once, and together
// they count toward the head limit, so an endless stream of them ends the handshake.
#[test]
fn interim_responses() {
    let final_101 = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n{}\r\n",
        accept!()
    );
    let two = format!(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n{final_101}"
    );
    assert_client("two interim responses", &two, Ok(101));
    let endless = "HTTP/1.1 100 Continue\r\n\r\n".repeat(1000);
    for step in [endless.len(), 1] {
        assert_eq!(
            client_outcome(endless.as_bytes(), step),
            Err(ResponseError::HeadTooLarge)
        );
    }
    let lines = format!("{}{final_101}", "\r\n".repeat(9));
    assert!(matches!(
        client_outcome(lines.as_bytes(), 1),
        Err(ResponseError::Malformed(_))
    ));
}

#[test]
fn seeded_keys_are_still_accepted() {
    // The grammar checks do not refuse what this crate's own client sends.
    let mut client = ClientHandshake::with_keys(
        ClientConfig::new("ws://[::1]:9001/a?b").unwrap(),
        SeededKeys::new(3),
    )
    .unwrap();
    let mut server = ServerHandshake::new(ServerConfig::new());
    let request = server.receive(client.request()).unwrap().unwrap();
    assert_eq!(request.path(), "/a?b");
    let mut conn = server.accept(wswire::Accept::new()).unwrap();
    let response = conn.pending_output().to_vec();
    conn.consume_output(response.len());
    assert!(client.receive(&response).unwrap().is_some());
}
