//! The client's side of the opening handshake (RFC 6455 §4.1): the request it writes, the
//! URLs it accepts, and every check on the server's response, each a typed
//! `ResponseError`.

mod common;

use common::{FixedKeys, RFC_MASK};
use wswire::{
    Accept, Accepted, ClientConfig, ClientHandshake, Event, Rejection, ResponseError, ServerConfig,
    ServerHandshake, UrlError, UsageError,
};

/// A handshake whose nonce is the RFC 6455 §1.3 sample ("the sample nonce",
/// `dGhlIHNhbXBsZSBub25jZQ==`) and whose frames are masked with 37 fa 21 3d.
fn handshake(config: ClientConfig) -> ClientHandshake {
    ClientHandshake::with_keys(config, FixedKeys::rfc()).expect("valid configuration")
}

fn default_handshake() -> ClientHandshake {
    handshake(ClientConfig::new("ws://server.example.com/chat").unwrap())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A response head: the status line, then `fields`, then the blank line.
fn head(status_line: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("{status_line}\r\n");
    for (name, value) in fields {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// RFC 6455 §1.3: the accept value for the sample nonce.
const SAMPLE_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// The fields of a valid 101 answer to the sample nonce.
const VALID_101: &[(&str, &str)] = &[
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Accept", SAMPLE_ACCEPT),
];

/// A valid 101 response with `changes` applied: a field named in `changes` replaces every
/// valid field of that name (an empty value removes it), other fields are appended.
fn response_with(changes: &[(&str, &str)]) -> Vec<u8> {
    let mut fields: Vec<(&str, &str)> = VALID_101
        .iter()
        .filter(|(name, _)| !changes.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
        .copied()
        .collect();
    fields.extend(changes.iter().filter(|(_, v)| !v.is_empty()));
    head("HTTP/1.1 101 Switching Protocols", &fields)
}

fn expect_accepted(result: Result<Option<Accepted>, ResponseError>) -> Accepted {
    match result {
        Ok(Some(accepted)) => accepted,
        Ok(None) => panic!("response incomplete"),
        Err(e) => panic!("response refused: {e:?}"),
    }
}

fn expect_rejection(result: Result<Option<Accepted>, ResponseError>) -> Rejection {
    match result {
        Err(ResponseError::Rejected(rejection)) => *rejection,
        Err(e) => panic!("expected a rejection, got {e:?}"),
        Ok(Some(_)) => panic!("expected a rejection, got a connection"),
        Ok(None) => panic!("expected a rejection, response incomplete"),
    }
}

// RFC 6455 §4.1: the request line carries path and query, Host the authority, then the
// fixed fields, the key (base64 of the 16 nonce bytes), version 13, Origin, the offered
// subprotocols and the caller's fields.
#[test]
fn request_bytes_for_a_configured_client() {
    let config = ClientConfig::new("ws://example.com/chat?x=1")
        .unwrap()
        .origin("http://example.com")
        .protocol("chat")
        .protocol("superchat")
        .header("Authorization", "Bearer abc");
    let handshake = handshake(config);
    assert_eq!(
        text(handshake.request()),
        "GET /chat?x=1 HTTP/1.1\r\n\
         Host: example.com\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\
         Origin: http://example.com\r\n\
         Sec-WebSocket-Protocol: chat, superchat\r\n\
         Authorization: Bearer abc\r\n\
         \r\n"
    );
}

#[test]
fn request_bytes_without_options() {
    let nonce: [u8; 16] = std::array::from_fn(|i| i as u8);
    let handshake = ClientHandshake::with_keys(
        ClientConfig::new("wss://example.com").unwrap(),
        FixedKeys::handshake(nonce, RFC_MASK),
    )
    .unwrap();
    assert_eq!(
        text(handshake.request()),
        "GET / HTTP/1.1\r\n\
         Host: example.com\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n\
         Sec-WebSocket-Version: 13\r\n\
         \r\n"
    );
}

// RFC 6455 §4.1 item 4: Host carries the port only when it is not the scheme's default.
#[test]
fn host_field_omits_only_the_default_port() {
    let cases = [
        ("ws://example.com:80/", "example.com"),
        ("wss://example.com:443/", "example.com"),
        ("ws://example.com:8080/", "example.com:8080"),
        ("wss://example.com:80/", "example.com:80"),
        ("ws://example.com:443/", "example.com:443"),
        ("ws://[::1]:9001/", "[::1]:9001"),
        ("ws://[::1]/", "[::1]"),
        ("ws://127.0.0.1:9001", "127.0.0.1:9001"),
    ];
    for (url, host) in cases {
        let handshake = handshake(ClientConfig::new(url).unwrap());
        let request = text(handshake.request());
        let second_line = request.lines().nth(1).unwrap();
        assert_eq!(second_line, format!("Host: {host}"), "{url}");
    }
}

// RFC 6455 §3: only ws and wss, and "Fragment identifiers ... MUST NOT be used".
#[test]
fn url_errors() {
    let cases = [
        ("http://example.com/", UrlError::UnsupportedScheme),
        ("https://example.com/", UrlError::UnsupportedScheme),
        ("ws://example.com/chat#frag", UrlError::Fragment),
        ("ws://user@example.com/", UrlError::UserInfo),
        ("ws:///chat", UrlError::MissingHost),
        ("ws://example.com:0/", UrlError::InvalidPort),
        ("ws://example.com/a b", UrlError::InvalidCharacter),
    ];
    for (url, expected) in cases {
        assert_eq!(ClientConfig::new(url).unwrap_err(), expected, "{url}");
    }
}

// RFC 6455 §4.1 item 10: subprotocol names are tokens; the handshake's own fields cannot be
// overridden by extra headers.
#[test]
fn bad_configuration_is_a_usage_error() {
    let url = || ClientConfig::new("ws://example.com/").unwrap();
    let cases = [
        (
            url().protocol("not a token"),
            UsageError::InvalidProtocol("not a token".into()),
        ),
        (
            url().header("Host", "evil.example"),
            UsageError::ReservedHeader("Host".into()),
        ),
        (
            url().header("X-A", "1\r\nX-Injected: 1"),
            UsageError::InvalidHeader("X-A".into()),
        ),
    ];
    for (config, expected) in cases {
        assert_eq!(
            ClientHandshake::with_keys(config, FixedKeys::rfc()).unwrap_err(),
            expected
        );
    }
}

// RFC 6455 §4.1: a valid 101 completes the handshake.
#[test]
fn valid_response_gives_a_connection() {
    let mut handshake = handshake(
        ClientConfig::new("ws://server.example.com/chat")
            .unwrap()
            .protocol("chat")
            .protocol("superchat"),
    );
    let response = response_with(&[("Sec-WebSocket-Protocol", "chat"), ("Set-Cookie", "a=b")]);
    let accepted = expect_accepted(handshake.receive(&response));
    assert_eq!(accepted.connection.protocol(), Some("chat"));
    assert_eq!(accepted.headers.get("set-cookie"), Some(&b"a=b"[..]));
    assert!(accepted.extensions.is_empty());
    assert_eq!(accepted.connection.pending_output(), b"");
}

// RFC 6455 §4.1: "If the status code received from the server is not 101, the client
// handles the response per HTTP [RFC2616] procedures": the refusal is reported with its
// status, fields and body.
#[test]
fn non_101_with_content_length_is_rejected_with_its_body() {
    let mut response = head(
        "HTTP/1.1 404 Not Found",
        &[("Content-Length", "9"), ("Content-Type", "text/plain")],
    );
    response.extend_from_slice(b"not here!");
    let rejection = expect_rejection(default_handshake().receive(&response));
    assert_eq!(rejection.status, 404);
    assert_eq!(rejection.reason, "Not Found");
    assert_eq!(
        rejection.headers.get("content-type"),
        Some(&b"text/plain"[..])
    );
    assert_eq!(rejection.body, b"not here!");
    assert!(!rejection.body_truncated);
}

#[test]
fn redirect_is_rejected_with_its_location() {
    let response = head(
        "HTTP/1.1 302 Found",
        &[
            ("Location", "ws://elsewhere.example/"),
            ("Content-Length", "0"),
        ],
    );
    let rejection = expect_rejection(default_handshake().receive(&response));
    assert_eq!(rejection.status, 302);
    assert_eq!(
        rejection.headers.get("location"),
        Some(&b"ws://elsewhere.example/"[..])
    );
    assert_eq!(rejection.body, b"");
}

#[test]
fn chunked_refusal_body_is_decoded() {
    let mut response = head(
        "HTTP/1.1 401 Unauthorized",
        &[
            ("WWW-Authenticate", "Bearer"),
            ("Transfer-Encoding", "chunked"),
        ],
    );
    response.extend_from_slice(b"5\r\nlog i\r\nA\r\nn first!!!\r\n0\r\n\r\n");
    // Whole, and byte by byte: nothing is reported before the last chunk.
    let rejection = expect_rejection(default_handshake().receive(&response));
    assert_eq!(rejection.status, 401);
    assert_eq!(rejection.body, b"log in first!!!");
    assert!(!rejection.body_truncated);

    let mut handshake = default_handshake();
    let (last, most) = response.split_last().unwrap();
    for b in most {
        assert!(matches!(
            handshake.receive(std::slice::from_ref(b)),
            Ok(None)
        ));
    }
    let bytewise = expect_rejection(handshake.receive(std::slice::from_ref(last)));
    assert_eq!(bytewise, rejection);
}

// RFC 9112 §6.3: with no length given, the body runs until the server closes.
#[test]
fn refusal_body_until_eof() {
    let mut handshake = default_handshake();
    let mut response = head("HTTP/1.1 503 Service Unavailable", &[]);
    response.extend_from_slice(b"try later");
    assert!(matches!(handshake.receive(&response), Ok(None)));
    assert!(matches!(handshake.receive(b", please"), Ok(None)));
    let rejection = expect_rejection(handshake.receive_eof());
    assert_eq!(rejection.status, 503);
    assert_eq!(rejection.body, b"try later, please");
    assert!(!rejection.body_truncated);
}

// The transport closing before the response head is complete.
#[test]
fn eof_during_the_head_is_closed() {
    let mut handshake = default_handshake();
    assert!(matches!(
        handshake.receive(b"HTTP/1.1 101 Switching"),
        Ok(None)
    ));
    assert_eq!(handshake.receive_eof().unwrap_err(), ResponseError::Closed);
}

// RFC 6455 §4.1, the client's checks of a 101, items 1-6: each failure is typed.
#[test]
fn invalid_101_responses_are_refused() {
    let cases: Vec<(&str, Vec<u8>, ResponseError)> = vec![
        (
            "HTTP/1.0",
            head("HTTP/1.0 101 Switching Protocols", VALID_101),
            ResponseError::HttpVersion,
        ),
        (
            "Upgrade missing",
            response_with(&[("Upgrade", "")]),
            ResponseError::UpgradeNotWebSocket,
        ),
        (
            "Upgrade not websocket",
            response_with(&[("Upgrade", "h2c")]),
            ResponseError::UpgradeNotWebSocket,
        ),
        (
            "Connection missing",
            response_with(&[("Connection", "")]),
            ResponseError::ConnectionNotUpgrade,
        ),
        (
            "Connection without upgrade",
            response_with(&[("Connection", "close")]),
            ResponseError::ConnectionNotUpgrade,
        ),
        (
            "Accept missing",
            response_with(&[("Sec-WebSocket-Accept", "")]),
            ResponseError::AcceptCount,
        ),
        (
            "Accept twice",
            response_with(&[
                ("Sec-WebSocket-Accept", SAMPLE_ACCEPT),
                ("Sec-WebSocket-Accept", SAMPLE_ACCEPT),
            ]),
            ResponseError::AcceptCount,
        ),
        (
            "Accept wrong",
            // The RFC 6455 §1.3 value with one character changed.
            response_with(&[("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOp=")]),
            ResponseError::AcceptMismatch,
        ),
        (
            "Accept is the key itself",
            response_with(&[("Sec-WebSocket-Accept", "dGhlIHNhbXBsZSBub25jZQ==")]),
            ResponseError::AcceptMismatch,
        ),
        (
            "subprotocol not offered",
            response_with(&[("Sec-WebSocket-Protocol", "chat")]),
            ResponseError::ProtocolNotOffered("chat".into()),
        ),
        (
            "extension not offered",
            response_with(&[("Sec-WebSocket-Extensions", "permessage-deflate")]),
            ResponseError::ExtensionNotOffered("permessage-deflate".into()),
        ),
    ];
    for (name, response, expected) in cases {
        let mut handshake = default_handshake();
        let error = handshake.receive(&response).map(|_| ()).unwrap_err();
        assert_eq!(error, expected, "{name}");
        // Failure is final.
        let again = handshake.receive(&response_with(&[])).map(|_| ());
        assert_eq!(again.unwrap_err(), expected, "{name}, fed again");
    }
}

// RFC 6455 §4.1 item 6: with several offered, the one selected must be among them.
#[test]
fn subprotocol_must_be_one_offered() {
    let config = || {
        ClientConfig::new("ws://server.example.com/chat")
            .unwrap()
            .protocol("chat")
    };
    let response = response_with(&[("Sec-WebSocket-Protocol", "superchat")]);
    assert_eq!(
        handshake(config())
            .receive(&response)
            .map(|_| ())
            .unwrap_err(),
        ResponseError::ProtocolNotOffered("superchat".into())
    );
    // No subprotocol selected is fine: the connection has none.
    let accepted = expect_accepted(handshake(config()).receive(&response_with(&[])));
    assert_eq!(accepted.connection.protocol(), None);
}

// RFC 9110 §15.2: informational responses precede the final one; they are skipped
// however the bytes arrive.
#[test]
fn interim_100_continue_is_skipped() {
    let mut wire = head("HTTP/1.1 100 Continue", &[]);
    let interim_len = wire.len();
    wire.extend_from_slice(&response_with(&[]));
    let response_end = wire.len();
    wire.extend_from_slice(&[0x89, 0x01, b'p']); // an unmasked Ping "p"
    for cut in 0..=wire.len() {
        let mut handshake = default_handshake();
        let mut conn = match handshake.receive(&wire[..cut]) {
            Ok(Some(accepted)) => {
                assert!(cut >= response_end, "complete at {cut}");
                let mut conn = accepted.connection;
                conn.receive(&wire[cut..]);
                conn
            }
            Ok(None) => {
                assert!(cut < response_end, "incomplete at {cut}");
                expect_accepted(handshake.receive(&wire[cut..])).connection
            }
            Err(e) => panic!("cut at {cut} (interim ends at {interim_len}): {e:?}"),
        };
        assert_eq!(
            conn.poll_event().unwrap(),
            Some(Event::Ping(b"p")),
            "cut at {cut}"
        );
    }
}

// The response split in two at every byte completes the handshake, and only at its end;
// the frame behind it is the connection's first event.
#[test]
fn response_split_at_every_byte() {
    let response = response_with(&[("X-Trace", "1")]);
    let mut wire = response.clone();
    wire.extend_from_slice(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]); // "Hello"
    for cut in 0..=wire.len() {
        let mut handshake = default_handshake();
        let mut accepted = match handshake.receive(&wire[..cut]) {
            Ok(Some(accepted)) => {
                assert!(
                    cut >= response.len(),
                    "complete before the blank line ended"
                );
                accepted
            }
            Ok(None) => {
                assert!(cut < response.len(), "incomplete at {cut}");
                expect_accepted(handshake.receive(&wire[cut..]))
            }
            Err(e) => panic!("cut at {cut}: {e:?}"),
        };
        assert_eq!(accepted.headers.len(), 4, "cut at {cut}");
        if cut >= response.len() {
            // The rest of the frame arrives on the connection.
            accepted.connection.receive(&wire[cut..]);
        }
        assert_eq!(
            accepted.connection.poll_event().unwrap(),
            Some(Event::Text("Hello")),
            "cut at {cut}"
        );
    }
}

// Limits on what a server can make the client hold.
#[test]
fn response_limits() {
    let long_value = "v".repeat(16 * 1024);
    let response = response_with(&[("X-Long", &long_value)]);
    assert_eq!(
        default_handshake().receive(&response).map(|_| ()),
        Err(ResponseError::HeadTooLarge)
    );

    let names: Vec<String> = (0..130).map(|i| format!("X-{i}")).collect();
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let response = response_with(&fields);
    assert_eq!(
        default_handshake().receive(&response).map(|_| ()),
        Err(ResponseError::TooManyHeaders)
    );

    // A refusal's body is kept up to the configured limit, and marked truncated.
    let config = ClientConfig::new("ws://server.example.com/chat")
        .unwrap()
        .max_rejection_body(4);
    let mut response = head(
        "HTTP/1.1 500 Internal Server Error",
        &[("Content-Length", "10")],
    );
    response.extend_from_slice(b"0123456789");
    let rejection = expect_rejection(handshake(config).receive(&response));
    assert_eq!(rejection.body, b"0123");
    assert!(rejection.body_truncated);
}

#[test]
fn unparseable_response_is_malformed() {
    let result = default_handshake().receive(b"HTTP/1.1 abc Nope\r\n\r\n");
    assert!(
        matches!(result, Err(ResponseError::Malformed(_))),
        "{result:?}"
    );
}

// Frames the server sent right behind its 101 are the connection's first input.
#[test]
fn bytes_after_the_response_are_the_first_frames() {
    let mut wire = response_with(&[]);
    // RFC 6455 §5.7: unmasked "Hello", then an unmasked Ping "Hello".
    wire.extend_from_slice(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    wire.extend_from_slice(&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let mut handshake = default_handshake();
    let mut conn = expect_accepted(handshake.receive(&wire)).connection;
    assert_eq!(conn.poll_event().unwrap(), Some(Event::Text("Hello")));
    assert_eq!(conn.poll_event().unwrap(), Some(Event::Ping(b"Hello")));
    assert_eq!(conn.poll_event().unwrap(), None);
    // RFC 6455 §5.7: the masked Pong, masked with the key source's next key.
    assert_eq!(
        conn.pending_output(),
        [
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
        ]
    );
}

// Both handshakes together: the client's request is accepted by the server, the server's
// response by the client, and messages flow both ways.
#[test]
fn client_and_server_handshakes_agree() {
    let mut client = handshake(
        ClientConfig::new("ws://localhost:9001/echo?v=2")
            .unwrap()
            .protocol("v1")
            .protocol("v2"),
    );
    let mut server = ServerHandshake::new(ServerConfig::new().protocol("v2"));
    let request = server.receive(client.request()).unwrap().unwrap();
    assert_eq!(request.path(), "/echo?v=2");
    assert_eq!(request.headers().get("host"), Some(&b"localhost:9001"[..]));
    let mut server_conn = server.accept(Accept::new()).unwrap();
    server_conn.send_text("welcome").unwrap();

    let wire = server_conn.pending_output().to_vec();
    server_conn.consume_output(wire.len());
    let mut client_conn = expect_accepted(client.receive(&wire)).connection;
    assert_eq!(client_conn.protocol(), Some("v2"));
    assert_eq!(server_conn.protocol(), Some("v2"));
    assert_eq!(
        client_conn.poll_event().unwrap(),
        Some(Event::Text("welcome"))
    );

    client_conn.send_text("thanks").unwrap();
    common::transfer(&mut client_conn, &mut server_conn);
    assert_eq!(
        server_conn.poll_event().unwrap(),
        Some(Event::Text("thanks"))
    );
}

// A refusal's body is kept up to `max_rejection_body` whatever its framing, and the refusal
// is reported as soon as the limit is reached: a server sending a body without end makes
// the client hold no more than the limit.
#[test]
fn refusal_body_is_bounded_whatever_its_framing() {
    let config = || {
        ClientConfig::new("ws://server.example.com/chat")
            .unwrap()
            .max_rejection_body(16)
    };
    let heads: [&[u8]; 3] = [
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1048576\r\n\r\n",
        b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
        b"HTTP/1.1 500 Internal Server Error\r\n\r\n",
    ];
    for head in heads {
        let mut handshake = handshake(config());
        assert!(matches!(handshake.receive(head), Ok(None)));
        let piece = [b'x'; 4096];
        let mut fed = 0;
        let rejection = loop {
            assert!(fed < 1 << 20, "no refusal after {fed} body bytes");
            fed += piece.len();
            match handshake.receive(&piece) {
                Ok(None) => {}
                other => break expect_rejection(other),
            }
        };
        assert_eq!(fed, 4096, "{}", text(head));
        assert_eq!(rejection.body, [b'x'; 16]);
        assert!(rejection.body_truncated);
        // Later bytes are not read.
        let again = handshake.receive(&piece).map(|_| ()).unwrap_err();
        assert!(matches!(again, ResponseError::Rejected(_)));
    }
}
