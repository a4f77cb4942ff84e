//! The HTTP/1.1 handshake as parts, for a stack that parses requests and writes responses
//! itself: the same rules as the byte handshakes, literal outcomes, and the byte
//! handshakes' answers shown to be the parts' answers written out.

mod common;

use common::FixedKeys;
use wswire::{
    Accept, ClientConfig, ClientHandshake, ClientRequest, DeflateConfig, Headers, HttpVersion,
    OriginPolicy, RequestError, ResponseError, ResponseParts, ServerConfig, ServerHandshake,
};

/// RFC 6455 §1.3's request.
const RFC_REQUEST: &[(&str, &str)] = &[
    ("Host", "server.example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Origin", "http://example.com"),
    ("Sec-WebSocket-Protocol", "chat, superchat"),
    ("Sec-WebSocket-Version", "13"),
];

fn headers(fields: &[(&str, &str)]) -> Headers {
    fields.iter().copied().collect()
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// A request head as bytes, written here without the crate.
fn head(line: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("{line}\r\n");
    for (name, value) in fields {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Parts written as HTTP/1.1 by hand: the status line and the fields.
fn written(status_line: &str, fields: &[(String, String)]) -> String {
    let mut out = format!("{status_line}\r\n");
    for (name, value) in fields {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out
}

// RFC 6455 §1.3 and §4.2.2: the request as parts, the 101 as parts, the connection open
// with the chosen subprotocol.
#[test]
fn the_rfc_6455_example_as_parts() {
    let config = ServerConfig::new().protocol("chat");
    let request = config
        .check_request("GET", "/chat", HttpVersion::Http11, headers(RFC_REQUEST))
        .unwrap();
    assert_eq!(request.version(), HttpVersion::Http11);
    assert_eq!(request.authority(), Some("server.example.com"));
    assert_eq!(request.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    let handover = request.accept(Accept::new()).unwrap();
    assert_eq!(
        handover.response,
        ResponseParts {
            status: 101,
            headers: owned(&[
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                ("Sec-WebSocket-Protocol", "chat"),
            ]),
            body: Vec::new(),
        }
    );
    assert_eq!(handover.connection.protocol(), Some("chat"));
    // Nothing is queued: the stack sends the response.
    assert_eq!(handover.connection.pending_output_len(), 0);
}

// The same requests through bytes and through parts: the same refusal, or the same 101,
// for every rule of RFC 6455 §4.2.1 and the policies.
#[test]
fn bytes_and_parts_agree() {
    let without = |name: &str| -> Vec<(&str, &str)> {
        RFC_REQUEST
            .iter()
            .copied()
            .filter(|(n, _)| *n != name)
            .collect()
    };
    let with = |name: &'static str, value: &'static str| -> Vec<(&str, &str)> {
        let mut fields = without(name);
        fields.push((name, value));
        fields
    };
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("GET /chat HTTP/1.1", RFC_REQUEST.to_vec()),
        ("POST /chat HTTP/1.1", RFC_REQUEST.to_vec()),
        ("GET /chat HTTP/1.0", RFC_REQUEST.to_vec()),
        ("GET chat HTTP/1.1", RFC_REQUEST.to_vec()),
        ("GET /chat HTTP/1.1", without("Host")),
        ("GET /chat HTTP/1.1", with("Content-Length", "5")),
        ("GET /chat HTTP/1.1", with("Upgrade", "h2c")),
        ("GET /chat HTTP/1.1", with("Connection", "keep-alive")),
        ("GET /chat HTTP/1.1", with("Sec-WebSocket-Version", "8")),
        ("GET /chat HTTP/1.1", without("Sec-WebSocket-Key")),
        ("GET /chat HTTP/1.1", with("Sec-WebSocket-Key", "c2hvcnQ=")),
        ("GET /chat HTTP/1.1", with("Sec-WebSocket-Protocol", "a, a")),
        ("GET /chat HTTP/1.1", with("Sec-WebSocket-Extensions", ";")),
        ("GET /chat HTTP/1.1", with("Origin", "https://evil.example")),
        ("GET /chat HTTP/1.1", with("Origin", "not an origin")),
        (
            "GET /chat HTTP/1.1",
            with("Sec-WebSocket-Extensions", "permessage-deflate"),
        ),
    ];
    let config = || {
        ServerConfig::new()
            .protocol("superchat")
            .deflate(DeflateConfig::new())
            .origin_policy(OriginPolicy::AllowList(vec!["http://example.com".into()]))
    };
    for (line, fields) in cases {
        let mut parts_of_line = line.split(' ');
        let (method, target, version) = (
            parts_of_line.next().unwrap(),
            parts_of_line.next().unwrap(),
            match parts_of_line.next().unwrap() {
                "HTTP/1.1" => HttpVersion::Http11,
                _ => HttpVersion::Http10,
            },
        );
        let from_parts = config().check_request(method, target, version, headers(&fields));
        let mut handshake = ServerHandshake::new(config());
        let from_bytes = handshake.receive(&head(line, &fields));
        match (from_bytes, from_parts) {
            (Err(bytes), Err(parts)) => {
                assert_eq!(&bytes, parts.error(), "{line} {fields:?}");
                assert_eq!(bytes.status(), parts.status());
            }
            (Ok(Some(_)), Ok(request)) => {
                let handover = request.accept(Accept::new()).unwrap();
                let connection = handshake.accept(Accept::new()).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(connection.pending_output()),
                    written(
                        "HTTP/1.1 101 Switching Protocols",
                        &handover.response.headers
                    )
                );
                assert_eq!(connection.deflate(), handover.connection.deflate());
                assert_eq!(connection.protocol(), handover.connection.protocol());
            }
            (bytes, parts) => panic!("{line} {fields:?}: {bytes:?} against {parts:?}"),
        }
    }
}

// RFC 6455 §4.4, RFC 9110 §15.5.22 and §7.8: the 426 as parts carries Upgrade with the
// Connection option that goes with it; the stack adds framing and keeps or closes the
// connection as it does for any response.
#[test]
fn refusals_as_parts() {
    let refusal = ServerConfig::new()
        .check_request(
            "GET",
            "/chat",
            HttpVersion::Http11,
            headers(&[
                ("Host", "a"),
                ("Upgrade", "websocket"),
                ("Connection", "upgrade"),
            ]),
        )
        .unwrap_err();
    assert_eq!(refusal.error(), &RequestError::UnsupportedVersion);
    assert_eq!(
        refusal.response(),
        ResponseParts {
            status: 426,
            headers: owned(&[
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Upgrade", "websocket"),
                ("Sec-WebSocket-Version", "13"),
                ("Connection", "upgrade"),
            ]),
            body: b"Sec-WebSocket-Version must be 13\n".to_vec(),
        }
    );
    let request = ServerConfig::new()
        .check_request("GET", "/", HttpVersion::Http11, headers(RFC_REQUEST))
        .unwrap();
    assert_eq!(
        request
            .reject(302, &[("Location", "https://example.com/")], b"")
            .unwrap(),
        ResponseParts {
            status: 302,
            headers: owned(&[("Location", "https://example.com/")]),
            body: Vec::new(),
        }
    );
    assert_eq!(
        request.reject(426, &[], b"").unwrap(),
        ResponseParts {
            status: 426,
            headers: owned(&[("Upgrade", "websocket"), ("Connection", "upgrade")]),
            body: Vec::new(),
        }
    );
}

// RFC 6455 §4.1: the client's request as parts over HTTP/1.1; ClientHandshake writes the
// same fields.
#[test]
fn client_request_as_parts() {
    let config = || {
        ClientConfig::new("ws://server.example.com/chat")
            .unwrap()
            .origin("http://example.com")
            .protocol("chat")
    };
    let request =
        ClientRequest::with_keys(config(), HttpVersion::Http11, FixedKeys::rfc()).unwrap();
    assert_eq!(request.method(), "GET");
    assert_eq!(
        request.headers(),
        owned(&[
            ("Host", "server.example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13"),
            ("Origin", "http://example.com"),
            ("Sec-WebSocket-Protocol", "chat"),
        ])
    );
    let handshake = ClientHandshake::with_keys(config(), FixedKeys::rfc()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(handshake.request()),
        written("GET /chat HTTP/1.1", request.headers())
    );
}

// RFC 6455 §4.1 items 1-6 on a response given as parts.
#[test]
fn client_response_as_parts() {
    let request = || {
        ClientRequest::with_keys(
            ClientConfig::new("ws://a/").unwrap().protocol("chat"),
            HttpVersion::Http11,
            FixedKeys::rfc(),
        )
        .unwrap()
    };
    let good = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ("Sec-WebSocket-Protocol", "chat"),
    ];
    let accepted = request().check_response(101, &headers(&good)).unwrap();
    assert_eq!(accepted.connection.protocol(), Some("chat"));
    let mut wrong = good;
    wrong[2].1 = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert_eq!(
        request().check_response(101, &headers(&wrong)).unwrap_err(),
        ResponseError::AcceptMismatch
    );
    assert_eq!(
        request()
            .check_response(101, &headers(&good[..2]))
            .unwrap_err(),
        ResponseError::AcceptCount
    );
    // A 200 does not upgrade an HTTP/1.1 connection.
    match request().check_response(200, &headers(&good)).unwrap_err() {
        ResponseError::Rejected(rejection) => assert_eq!(rejection.status, 200),
        other => panic!("{other:?}"),
    }
}
