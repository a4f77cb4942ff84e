//! The server's side of the opening handshake (RFC 6455 §4.2): every check on the request,
//! with its status code and `RequestError`, the limits, subprotocol and origin policy, and
//! the exact bytes of the answers.

mod common;

use common::{FIN, TEXT, masked};
use wswire::{
    Accept, Config, Delivery, Event, Extension, OriginPolicy, OwnedEvent, Request, RequestError,
    ServerConfig, ServerHandshake, UsageError,
};

/// The header fields of a valid request, with the RFC 6455 §1.3 sample key.
const VALID: &[(&str, &str)] = &[
    ("Host", "server.example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", "13"),
];

/// A request head: `request_line`, then `fields`, then the blank line.
fn head(request_line: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("{request_line}\r\n");
    for (name, value) in fields {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A valid `GET /chat` request with `changes` applied: a field named in `changes` replaces
/// every valid field of that name (an empty value removes it), other fields are appended.
fn request_with(changes: &[(&str, &str)]) -> Vec<u8> {
    let mut fields: Vec<(&str, &str)> = VALID
        .iter()
        .filter(|(name, _)| !changes.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
        .copied()
        .collect();
    fields.extend(changes.iter().filter(|(_, v)| !v.is_empty()));
    head("GET /chat HTTP/1.1", &fields)
}

/// A valid request whose Origin is `origin`, which need not be UTF-8.
fn with_origin_bytes(origin: &[u8]) -> Vec<u8> {
    let placeholder = request_with(&[("Origin", "ORIGIN")]);
    let at = placeholder.windows(6).position(|w| w == b"ORIGIN").unwrap();
    [&placeholder[..at], origin, &placeholder[at + 6..]].concat()
}

fn valid_request() -> Vec<u8> {
    request_with(&[])
}

/// Feeds `bytes` whole to a new handshake.
fn receive(config: ServerConfig, bytes: &[u8]) -> Result<Option<Request>, RequestError> {
    ServerHandshake::new(config).receive(bytes)
}

/// Feeds `bytes` one at a time until the handshake has an answer: the index of the byte
/// that brought it, and the answer. Panics if none comes.
fn receive_bytewise(config: ServerConfig, bytes: &[u8]) -> (usize, Result<Request, RequestError>) {
    let mut handshake = ServerHandshake::new(config);
    for (i, b) in bytes.iter().enumerate() {
        match handshake.receive(std::slice::from_ref(b)) {
            Ok(None) => {}
            Ok(Some(request)) => return (i, Ok(request)),
            Err(e) => return (i, Err(e)),
        }
    }
    panic!("no answer after all {} bytes", bytes.len());
}

fn accept(config: ServerConfig, request: &[u8], accept: Accept) -> wswire::Connection {
    let mut handshake = ServerHandshake::new(config);
    handshake
        .receive(request)
        .expect("valid request")
        .expect("complete request");
    handshake.accept(accept).expect("accepted")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The 101 response to a request carrying the sample key, before any extra fields.
const ACCEPT_HEAD: &str = "HTTP/1.1 101 Switching Protocols\r\n\
    Upgrade: websocket\r\n\
    Connection: Upgrade\r\n\
    Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";

// RFC 6455 §4.2.1 items 1-6 and §4.4: each refusal with its error, status and status line;
// fed whole and byte by byte alike.
#[test]
fn invalid_requests_are_refused_with_the_right_status() {
    let cases: Vec<(&str, Vec<u8>, RequestError, &str)> = vec![
        (
            "method POST",
            head("POST /chat HTTP/1.1", VALID),
            RequestError::MethodNotGet,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "HTTP/1.0",
            head("GET /chat HTTP/1.0", VALID),
            RequestError::HttpVersion,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "Host missing",
            request_with(&[("Host", "")]),
            RequestError::Host,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "Host twice",
            request_with(&[("Host", "a.example"), ("Host", "b.example")]),
            RequestError::Host,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "Upgrade missing",
            request_with(&[("Upgrade", "")]),
            RequestError::UpgradeNotWebSocket,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "Upgrade without websocket",
            request_with(&[("Upgrade", "h2c")]),
            RequestError::UpgradeNotWebSocket,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "Connection missing",
            request_with(&[("Connection", "")]),
            RequestError::ConnectionNotUpgrade,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "Connection without upgrade",
            request_with(&[("Connection", "keep-alive")]),
            RequestError::ConnectionNotUpgrade,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "key missing",
            request_with(&[("Sec-WebSocket-Key", "")]),
            RequestError::KeyCount,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "key twice",
            request_with(&[
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ]),
            RequestError::KeyCount,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "key not base64",
            request_with(&[("Sec-WebSocket-Key", "not*base64*at*all*here")]),
            RequestError::InvalidKey,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "key of 15 bytes",
            request_with(&[("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA")]),
            RequestError::InvalidKey,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "key of 17 bytes",
            request_with(&[("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA=")]),
            RequestError::InvalidKey,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "subprotocol not a token",
            request_with(&[("Sec-WebSocket-Protocol", "chat, super chat")]),
            RequestError::InvalidProtocols,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "extensions off the grammar",
            request_with(&[("Sec-WebSocket-Extensions", "permessage-deflate;")]),
            RequestError::InvalidExtensions(wswire::ExtensionsSyntaxError { at: 19 }),
            "HTTP/1.1 400 Bad Request\r\n",
        ),
        (
            "version missing",
            request_with(&[("Sec-WebSocket-Version", "")]),
            RequestError::UnsupportedVersion,
            "HTTP/1.1 426 Upgrade Required\r\n",
        ),
        (
            "version 8",
            request_with(&[("Sec-WebSocket-Version", "8")]),
            RequestError::UnsupportedVersion,
            "HTTP/1.1 426 Upgrade Required\r\n",
        ),
        (
            "Origin not text",
            with_origin_bytes(b"http://\xff\xfe"),
            RequestError::InvalidOrigin,
            "HTTP/1.1 400 Bad Request\r\n",
        ),
    ];
    for (name, request, expected, status_line) in cases {
        let (at, bytewise) = receive_bytewise(ServerConfig::new(), &request);
        assert_eq!(
            at,
            request.len() - 1,
            "{name}: answered before the head ended"
        );
        for result in [
            receive(ServerConfig::new(), &request).map(|_| ()),
            bytewise.map(|_| ()),
        ] {
            let error = result.expect_err(name);
            assert_eq!(error, expected, "{name}");
            let status: u16 = status_line[9..12].parse().unwrap();
            assert_eq!(error.status(), status, "{name}");
            let response = text(&error.response());
            assert!(
                response.starts_with(status_line),
                "{name}: response {response:?}"
            );
            assert!(response.contains("\r\n\r\n"), "{name}: no end of head");
        }
    }
}

// RFC 6455 §4.4: "the server MUST ... include a |Sec-WebSocket-Version| header field
// indicating the version(s) the server is capable of understanding".
#[test]
fn unsupported_version_response_names_version_13() {
    let error = receive(
        ServerConfig::new(),
        &request_with(&[("Sec-WebSocket-Version", "8")]),
    )
    .unwrap_err();
    let response = text(&error.response());
    assert!(
        response.contains("\r\nSec-WebSocket-Version: 13\r\n"),
        "{response:?}"
    );
    // RFC 9110 §15.5.22: "The server MUST send an Upgrade header field in a 426
    // response"; RFC 9110 §7.8: a sender of Upgrade lists "upgrade" in Connection.
    assert!(
        response.starts_with(
            "HTTP/1.1 426 Upgrade Required\r\n\
             Connection: Upgrade, close\r\n\
             Content-Length: 33\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Upgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\n\
             \r\n"
        ),
        "{response:?}"
    );
}

// A refusal is final: later input gets the same error, and there is nothing to accept.
#[test]
fn refusal_is_sticky() {
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    let request = head("POST /chat HTTP/1.1", VALID);
    assert_eq!(
        handshake.receive(&request).unwrap_err(),
        RequestError::MethodNotGet
    );
    assert_eq!(
        handshake.receive(&valid_request()).unwrap_err(),
        RequestError::MethodNotGet
    );
    assert_eq!(
        handshake.accept(Accept::new()).unwrap_err(),
        UsageError::NoRequest
    );
}

// RFC 6455 §4.2.1 items 3-4: tokens are compared case-insensitively and may sit in a list.
#[test]
fn upgrade_and_connection_tokens_are_case_insensitive_list_members() {
    for changes in [
        [
            ("Connection", "keep-alive, Upgrade"),
            ("Upgrade", "websocket"),
        ],
        [("Connection", "UPGRADE"), ("Upgrade", "WebSocket")],
        [("Connection", "upgrade"), ("Upgrade", "WEBSOCKET")],
    ] {
        let request = request_with(&changes);
        let result = receive(ServerConfig::new(), &request);
        assert!(matches!(result, Ok(Some(_))), "{changes:?}: {result:?}");
    }
}

/// A valid request with the given extra fields and an `X-Pad` field sized so that the
/// head is exactly `total` bytes.
fn padded_request(extra: &[(&str, &str)], total: usize) -> Vec<u8> {
    let mut fields = VALID.to_vec();
    fields.extend_from_slice(extra);
    let base = head("GET /chat HTTP/1.1", &fields).len();
    // "X-Pad: " and "\r\n" add 9 bytes around the value.
    let pad = "p".repeat(total - base - 9);
    fields.push(("X-Pad", &pad));
    let request = head("GET /chat HTTP/1.1", &fields);
    assert_eq!(request.len(), total);
    request
}

// The head limit (16 KiB by default) is answered 431; a head of exactly the limit passes.
#[test]
fn head_over_16_kib_is_refused_with_431() {
    let exact = padded_request(&[], 16 * 1024);
    assert!(matches!(receive(ServerConfig::new(), &exact), Ok(Some(_))));

    let over = padded_request(&[], 16 * 1024 + 1);
    let (at, bytewise) = receive_bytewise(ServerConfig::new(), &over);
    // Refused as soon as the limit is reached without an end.
    assert_eq!(at, 16 * 1024 - 1);
    for result in [
        receive(ServerConfig::new(), &over).map(|_| ()),
        bytewise.map(|_| ()),
    ] {
        let error = result.unwrap_err();
        assert_eq!(error, RequestError::HeadTooLarge);
        assert_eq!(error.status(), 431);
        assert!(text(&error.response()).starts_with("HTTP/1.1 431 "));
    }
}

// A head that never ends is refused once the limit is reached, not buffered forever.
#[test]
fn endless_head_is_refused_at_the_limit() {
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    let mut bytes = b"GET /chat HTTP/1.1\r\nX-Endless: ".to_vec();
    bytes.resize(16 * 1024 - 1, b'a');
    assert!(matches!(handshake.receive(&bytes), Ok(None)));
    assert_eq!(
        handshake.receive(b"a").unwrap_err(),
        RequestError::HeadTooLarge
    );
}

#[test]
fn configured_head_limit_applies() {
    let request = valid_request();
    let len = request.len();
    let config = |limit| ServerConfig::new().max_head_bytes(limit);
    assert!(matches!(receive(config(len), &request), Ok(Some(_))));
    assert_eq!(
        receive(config(len - 1), &request).unwrap_err(),
        RequestError::HeadTooLarge
    );
    assert_eq!(
        receive(config(100), &request).unwrap_err(),
        RequestError::HeadTooLarge
    );
}

// More than 128 header fields are answered 431; exactly 128 pass.
#[test]
fn more_than_128_headers_is_refused_with_431() {
    let names: Vec<String> = (0..124).map(|i| format!("X-Filler-{i}")).collect();
    let fields = |extra: usize| {
        let mut fields = VALID.to_vec();
        fields.extend(names[..extra].iter().map(|n| (n.as_str(), "1")));
        fields
    };
    let at_limit = head("GET /chat HTTP/1.1", &fields(123));
    let request = receive(ServerConfig::new(), &at_limit).unwrap().unwrap();
    assert_eq!(request.headers().len(), 128);

    let over = head("GET /chat HTTP/1.1", &fields(124));
    let error = receive(ServerConfig::new(), &over).unwrap_err();
    assert_eq!(error, RequestError::TooManyHeaders);
    assert_eq!(error.status(), 431);
}

/// Everything a `Request` exposes, for comparing two of them.
fn summary(request: &Request) -> String {
    format!(
        "{} {} {:?} {} {:?} {:?} {:?} {:?}",
        request.method(),
        request.path(),
        request.headers(),
        request.key(),
        request.protocols(),
        request.extensions(),
        request.origin(),
        request.chosen_protocol()
    )
}

// The request split in two at every byte gives the same `Request`, and the frame sent
// right behind it is the connection's first event.
#[test]
fn request_split_at_every_byte_gives_the_same_request() {
    let request = request_with(&[
        ("Origin", "http://example.com"),
        ("Sec-WebSocket-Protocol", "chat, superchat"),
        (
            "Sec-WebSocket-Extensions",
            "permessage-deflate; client_max_window_bits",
        ),
    ]);
    let mut wire = request.clone();
    wire.extend_from_slice(&masked(FIN | TEXT, b"first"));
    let config = || ServerConfig::new().protocol("superchat");
    let whole = receive(config(), &request).unwrap().unwrap();
    for cut in 0..=wire.len() {
        let mut handshake = ServerHandshake::new(config());
        let first = handshake.receive(&wire[..cut]).unwrap();
        let parsed = match first {
            Some(parsed) => {
                assert!(cut >= request.len(), "complete before the blank line ended");
                handshake.receive(&wire[cut..]).unwrap();
                parsed
            }
            None => {
                assert!(cut < request.len(), "incomplete at {cut}");
                handshake.receive(&wire[cut..]).unwrap().unwrap()
            }
        };
        assert_eq!(summary(&parsed), summary(&whole), "cut at {cut}");
        let mut conn = handshake.accept(Accept::new()).unwrap();
        assert_eq!(
            conn.poll_event().unwrap(),
            Some(Event::Text("first")),
            "cut at {cut}"
        );
    }
}

// RFC 6455 §4.2.1: a client may send frames right after its request; they are the
// connection's first input.
#[test]
fn bytes_after_the_blank_line_are_the_first_frames() {
    let frame = masked(FIN | TEXT, b"Hello");
    let mut wire = valid_request();
    wire.extend_from_slice(&frame);

    let mut conn = accept(ServerConfig::new(), &wire, Accept::new());
    assert_eq!(conn.poll_event().unwrap(), Some(Event::Text("Hello")));
    assert_eq!(conn.poll_event().unwrap(), None);

    // The same bytes arriving one at a time, some before and some after the request is
    // returned, but all before it is accepted.
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    let mut request = None;
    for b in &wire {
        if let Some(r) = handshake.receive(std::slice::from_ref(b)).unwrap() {
            request = Some(r);
        }
    }
    assert_eq!(request.unwrap().path(), "/chat");
    let mut conn = handshake.accept(Accept::new()).unwrap();
    assert_eq!(conn.poll_event().unwrap(), Some(Event::Text("Hello")));
}

// CVE-2023-43669: a head sent byte by byte must not be re-parsed on every byte. 16 KiB of
// header fields fed one byte at a time completes, with `Ok(None)` until the final byte.
#[test]
fn sixteen_kib_head_fed_bytewise_completes() {
    let names: Vec<String> = (0..119).map(|i| format!("X-Field-{i:03}")).collect();
    let value = "v".repeat(120);
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), value.as_str())).collect();
    let request = padded_request(&fields, 16 * 1024);

    let (at, parsed) = receive_bytewise(ServerConfig::new(), &request);
    assert_eq!(at, request.len() - 1, "complete on the last byte");
    let parsed = parsed.unwrap();
    assert_eq!(parsed.headers().len(), 5 + 119 + 1);
}

// RFC 6455 §4.2.2 item 5: the server picks one of the client's subprotocols; this server's
// own order of preference decides.
#[test]
fn server_preference_selects_the_subprotocol() {
    let config = || ServerConfig::new().protocol("b").protocol("a");
    let request = request_with(&[("Sec-WebSocket-Protocol", "a, b")]);
    let conn = accept(config(), &request, Accept::new());
    assert_eq!(
        text(conn.pending_output()),
        format!("{ACCEPT_HEAD}Sec-WebSocket-Protocol: b\r\n\r\n")
    );
    assert_eq!(conn.protocol(), Some("b"));
}

// RFC 6455 §4.2.2: with no subprotocol agreed, no Sec-WebSocket-Protocol field is sent.
#[test]
fn no_protocol_field_without_agreement() {
    let none_offered = valid_request();
    let none_shared = request_with(&[("Sec-WebSocket-Protocol", "x, y")]);
    for request in [none_offered, none_shared] {
        let conn = accept(
            ServerConfig::new().protocol("b").protocol("a"),
            &request,
            Accept::new(),
        );
        assert_eq!(text(conn.pending_output()), format!("{ACCEPT_HEAD}\r\n"));
        assert_eq!(conn.protocol(), None);
    }
    // And when the application declines the one configured.
    let request = request_with(&[("Sec-WebSocket-Protocol", "a")]);
    let conn = accept(
        ServerConfig::new().protocol("a"),
        &request,
        Accept::new().no_protocol(),
    );
    assert_eq!(text(conn.pending_output()), format!("{ACCEPT_HEAD}\r\n"));
}

// RFC 6455 §4.2.2: the subprotocol chosen must be one the client offered.
#[test]
fn accept_with_a_protocol_not_offered_is_a_usage_error() {
    let request = request_with(&[("Sec-WebSocket-Protocol", "a, b")]);
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    handshake.receive(&request).unwrap().unwrap();
    assert_eq!(
        handshake.accept(Accept::new().protocol("c")).unwrap_err(),
        UsageError::ProtocolNotOffered("c".into())
    );
    // The refusal changed nothing: a valid choice still succeeds.
    let conn = handshake.accept(Accept::new().protocol("a")).unwrap();
    assert_eq!(
        text(conn.pending_output()),
        format!("{ACCEPT_HEAD}Sec-WebSocket-Protocol: a\r\n\r\n")
    );
}

// RFC 6455 §4.2.2: extra fields go into the 101 response.
#[test]
fn accept_adds_extra_headers() {
    let conn = accept(
        ServerConfig::new(),
        &valid_request(),
        Accept::new().header("Set-Cookie", "session=1"),
    );
    assert_eq!(
        text(conn.pending_output()),
        format!("{ACCEPT_HEAD}Set-Cookie: session=1\r\n\r\n")
    );
}

// RFC 6455 §10.2: an origin outside the allow list gets 403; the comparison ignores ASCII
// case; a request without Origin passes.
#[test]
fn origin_allow_list() {
    let config = || {
        ServerConfig::new()
            .origin_policy(OriginPolicy::AllowList(vec!["https://example.com".into()]))
    };

    let evil = request_with(&[("Origin", "https://evil.example")]);
    let error = receive(config(), &evil).unwrap_err();
    assert_eq!(
        error,
        RequestError::OriginNotAllowed("https://evil.example".into())
    );
    assert_eq!(error.status(), 403);
    assert!(text(&error.response()).starts_with("HTTP/1.1 403 Forbidden\r\n"));

    let shouting = request_with(&[("Origin", "HTTPS://EXAMPLE.COM")]);
    let request = receive(config(), &shouting).unwrap().unwrap();
    assert_eq!(request.origin(), Some("HTTPS://EXAMPLE.COM"));

    let absent = receive(config(), &valid_request()).unwrap().unwrap();
    assert_eq!(absent.origin(), None);
}

// A refusal chosen by the application: status line, Connection: close, Content-Length,
// the caller's fields, the body.
#[test]
fn reject_gives_exact_bytes() {
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    handshake.receive(&valid_request()).unwrap().unwrap();
    let response = handshake
        .reject(404, &[("Content-Type", "text/html")], b"<h1>no</h1>")
        .unwrap();
    assert_eq!(
        text(&response),
        "HTTP/1.1 404 Not Found\r\n\
         Connection: close\r\n\
         Content-Length: 11\r\n\
         Content-Type: text/html\r\n\
         \r\n\
         <h1>no</h1>"
    );
    // Answered once.
    assert_eq!(
        handshake.reject(404, &[], b"").unwrap_err(),
        UsageError::NoRequest
    );
}

#[test]
fn reject_refuses_bad_status_and_reserved_fields() {
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    handshake.receive(&valid_request()).unwrap().unwrap();
    assert_eq!(
        handshake.reject(101, &[], b"").unwrap_err(),
        UsageError::InvalidStatus(101)
    );
    assert_eq!(
        handshake
            .reject(400, &[("Content-Length", "0")], b"")
            .unwrap_err(),
        UsageError::ReservedHeader("Content-Length".into())
    );
    assert_eq!(
        handshake
            .reject(400, &[("X-A", "1\r\nX-Injected: 1")], b"")
            .unwrap_err(),
        UsageError::InvalidHeader("X-A".into())
    );
    // None of the refused calls used up the request.
    let response = handshake.reject(401, &[], b"").unwrap();
    assert_eq!(
        text(&response),
        "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
}

// What the application sees of a request: method, target with query, fields, offered
// subprotocols and extensions (parsed), origin.
#[test]
fn request_exposes_what_the_client_sent() {
    let request = head(
        "GET /chat?room=1&x=2 HTTP/1.1",
        &[
            ("Host", "server.example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13"),
            ("Origin", "http://example.com"),
            ("Sec-WebSocket-Protocol", "chat, superchat"),
            ("Sec-WebSocket-Protocol", "v3"),
            (
                "Sec-WebSocket-Extensions",
                "permessage-deflate; client_max_window_bits",
            ),
            ("Sec-WebSocket-Extensions", "x-foo; level=\"2\""),
            ("Cookie", "a=b"),
        ],
    );
    let request = receive(ServerConfig::new(), &request).unwrap().unwrap();
    assert_eq!(request.method(), "GET");
    assert_eq!(request.path(), "/chat?room=1&x=2");
    assert_eq!(request.headers().len(), 11);
    assert_eq!(request.headers().get("COOKIE"), Some(&b"a=b"[..]));
    assert_eq!(
        request
            .headers()
            .get_all("sec-websocket-protocol")
            .collect::<Vec<_>>(),
        [&b"chat, superchat"[..], b"v3"]
    );
    assert_eq!(request.protocols(), ["chat", "superchat", "v3"]);
    assert_eq!(
        request.extensions(),
        [
            Extension::new("permessage-deflate").with_param("client_max_window_bits", None),
            Extension::new("x-foo").with_param("level", Some("2".into())),
        ]
    );
    assert_eq!(request.origin(), Some("http://example.com"));
    assert_eq!(request.chosen_protocol(), None);
}

// The accepted connection uses the configured connection settings.
#[test]
fn accepted_connection_uses_the_configured_settings() {
    let config = ServerConfig::new().connection(Config::new().delivery(Delivery::Chunks));
    let mut wire = valid_request();
    wire.extend_from_slice(&masked(FIN | TEXT, b"Hi"));
    let mut conn = accept(config, &wire, Accept::new());
    let events = common::drain(&mut conn).ok();
    assert_eq!(
        events,
        [OwnedEvent::TextChunk {
            data: "Hi".into(),
            last: true
        }]
    );
}

// RFC 9110 §15.5.22, §7.8: an application's 426 gets `Upgrade: websocket` too.
#[test]
fn reject_426_carries_upgrade() {
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    handshake.receive(&valid_request()).unwrap().unwrap();
    assert_eq!(
        text(&handshake.reject(426, &[], b"").unwrap()),
        "HTTP/1.1 426 Upgrade Required\r\n\
         Connection: Upgrade, close\r\n\
         Content-Length: 0\r\n\
         Upgrade: websocket\r\n\
         \r\n"
    );
}

// RFC 9110 §15.3.5, §15.3.6, §15.4.5, §8.6: 204, 205 and 304 carry no body, and 204 and
// 304 no Content-Length; a body given with them is refused, changing nothing. 1xx are not
// final responses and 101 is what `accept` sends: neither can refuse.
#[test]
fn reject_writes_only_valid_responses() {
    let received = || {
        let mut handshake = ServerHandshake::new(ServerConfig::new());
        handshake.receive(&valid_request()).unwrap().unwrap();
        handshake
    };
    let mut handshake = received();
    for status in [0, 99, 100, 101, 103, 199, 600, 999] {
        assert_eq!(
            handshake.reject(status, &[], b"").unwrap_err(),
            UsageError::InvalidStatus(status)
        );
    }
    for status in [204, 205, 304] {
        assert_eq!(
            handshake.reject(status, &[], b"x").unwrap_err(),
            UsageError::BodyNotAllowed(status)
        );
    }
    // Nothing was used up by the refused calls.
    assert_eq!(
        text(&handshake.reject(204, &[("X-A", "1")], b"").unwrap()),
        "HTTP/1.1 204 No Content\r\nConnection: close\r\nX-A: 1\r\n\r\n"
    );
    assert_eq!(
        text(&received().reject(304, &[("ETag", "\"v1\"")], b"").unwrap()),
        "HTTP/1.1 304 Not Modified\r\nConnection: close\r\nETag: \"v1\"\r\n\r\n"
    );
    assert_eq!(
        text(&received().reject(205, &[], b"").unwrap()),
        "HTTP/1.1 205 Reset Content\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(
        text(&received().reject(200, &[], b"ok").unwrap()),
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nok"
    );
}

// RFC 6455 §4.1: a client waits for the 101 before sending frames. What arrives before the
// answer is kept up to `max_pre_accept_bytes` (4 KiB by default), whether it came with the
// request or after it; one byte more is a 400 and the request can no longer be accepted.
#[test]
fn bytes_before_accept_are_bounded() {
    let with_early = |n: usize| {
        let mut wire = valid_request();
        wire.resize(wire.len() + n, 0x81);
        wire
    };
    // With the request.
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    assert!(handshake.receive(&with_early(4096)).unwrap().is_some());
    let error = receive(ServerConfig::new(), &with_early(4097)).unwrap_err();
    assert_eq!(error, RequestError::EarlyDataTooLarge);
    assert_eq!(error.status(), 400);
    assert!(text(&error.response()).starts_with("HTTP/1.1 400 Bad Request\r\n"));

    // After it, in pieces: the piece that passes the cap is refused, and so is all that
    // follows.
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    handshake.receive(&valid_request()).unwrap().unwrap();
    for _ in 0..4 {
        assert!(matches!(handshake.receive(&[0x81; 1024]), Ok(None)));
    }
    assert_eq!(
        handshake.receive(&[0x81]).unwrap_err(),
        RequestError::EarlyDataTooLarge
    );
    assert_eq!(
        handshake.receive(b"").unwrap_err(),
        RequestError::EarlyDataTooLarge
    );
    assert_eq!(
        handshake.accept(Accept::new()).unwrap_err(),
        UsageError::NoRequest
    );
    assert_eq!(
        handshake.reject(404, &[], b"").unwrap_err(),
        UsageError::NoRequest
    );

    // A configured cap, zero included.
    let config = |cap| ServerConfig::new().max_pre_accept_bytes(cap);
    assert!(receive(config(0), &valid_request()).unwrap().is_some());
    assert_eq!(
        receive(config(0), &with_early(1)).unwrap_err(),
        RequestError::EarlyDataTooLarge
    );
    let wire = with_early(100_000);
    assert!(receive(config(100_000), &wire).unwrap().is_some());

    // 64 MiB fed in 64 KiB pieces is refused at the first piece that passes the cap.
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    handshake.receive(&valid_request()).unwrap().unwrap();
    let piece = vec![0x82; 64 * 1024];
    let refused_at = (0..1024).position(|_| handshake.receive(&piece).is_err());
    assert_eq!(refused_at, Some(0));
}
