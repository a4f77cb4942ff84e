//! WebSockets over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220): every rule of the extended
//! CONNECT, on both sides, with literal field blocks and literal outcomes. RFC 9220 §3
//! adopts RFC 8441's request and response unchanged, so each server rule is checked over
//! both versions.

mod common;

use common::{FIN, FixedKeys, TEXT, drain};
use wswire::{
    Accept, ClientConfig, ClientRequest, DeflateConfig, Event, Headers, HttpVersion, OriginPolicy,
    OwnedEvent, Refusal, Request, RequestError, ResponseError, ResponseParts, ServerConfig,
    UsageError,
};

const VERSIONS: [HttpVersion; 2] = [HttpVersion::Http2, HttpVersion::Http3];

/// RFC 8441 §5.1's request, field for field.
const RFC_8441_REQUEST: &[(&str, &str)] = &[
    (":method", "CONNECT"),
    (":protocol", "websocket"),
    (":scheme", "https"),
    (":path", "/chat"),
    (":authority", "server.example.com"),
    ("sec-websocket-protocol", "chat, superchat"),
    ("sec-websocket-extensions", "permessage-deflate"),
    ("sec-websocket-version", "13"),
    ("origin", "http://www.example.com"),
];

/// The smallest valid request.
const MINIMAL: &[(&str, &str)] = &[
    (":method", "CONNECT"),
    (":protocol", "websocket"),
    (":scheme", "https"),
    (":path", "/chat"),
    (":authority", "server.example.com"),
    ("sec-websocket-version", "13"),
];

fn headers(fields: &[(&str, &str)]) -> Headers {
    fields.iter().copied().collect()
}

/// `MINIMAL` with `changes`: a name in `changes` replaces that field where it stands (an
/// empty value removes it); other names are appended.
fn minimal_with(changes: &[(&str, &str)]) -> Headers {
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for &(name, value) in MINIMAL {
        match changes.iter().find(|(n, _)| *n == name) {
            Some((_, "")) => {}
            Some(&change) => fields.push(change),
            None => fields.push((name, value)),
        }
    }
    fields.extend(
        changes
            .iter()
            .filter(|(n, _)| !MINIMAL.iter().any(|(m, _)| m == n)),
    );
    headers(&fields)
}

fn check(config: &ServerConfig, version: HttpVersion, fields: Headers) -> Result<Request, Refusal> {
    config.check_extended_connect(version, fields)
}

fn refused(version: HttpVersion, fields: Headers) -> RequestError {
    match check(&ServerConfig::new(), version, fields) {
        Ok(request) => panic!("{version:?}: accepted {request:?}"),
        Err(refusal) => {
            assert_eq!(refusal.status(), refusal.response().status);
            refusal.into_error()
        }
    }
}

fn accepted(version: HttpVersion, fields: Headers) -> Request {
    check(&ServerConfig::new(), version, fields)
        .unwrap_or_else(|e| panic!("{version:?}: refused: {e:?}"))
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

// RFC 8441 §5.1: the example request is accepted; the response is a 200 with the chosen
// subprotocol and no Sec-WebSocket-Accept (§5), names lowercase (RFC 9113 §8.2.1).
#[test]
fn the_rfc_8441_example() {
    for version in VERSIONS {
        let config = ServerConfig::new().protocol("chat");
        let request = check(&config, version, headers(RFC_8441_REQUEST)).unwrap();
        assert_eq!(request.method(), "CONNECT");
        assert_eq!(request.version(), version);
        assert_eq!(request.path(), "/chat");
        assert_eq!(request.authority(), Some("server.example.com"));
        assert_eq!(request.key(), "");
        assert_eq!(request.protocols(), ["chat", "superchat"]);
        assert_eq!(request.origin(), Some("http://www.example.com"));
        assert_eq!(request.extensions()[0].name(), "permessage-deflate");
        // Regular fields only; the pseudo-header fields are the accessors above.
        assert_eq!(request.headers().len(), 4);
        let handover = request.accept(Accept::new()).unwrap();
        assert_eq!(
            handover.response,
            ResponseParts {
                status: 200,
                headers: owned(&[("sec-websocket-protocol", "chat")]),
                body: Vec::new(),
            }
        );
        assert_eq!(handover.connection.protocol(), Some("chat"));
        assert!(handover.connection.deflate().is_none());
    }
}

// RFC 8441 §4: the extended CONNECT is a CONNECT; RFC 9113 §8.3.1: :method is required.
#[test]
fn method_must_be_connect() {
    for version in VERSIONS {
        for method in ["GET", "connect", "POST"] {
            assert_eq!(
                refused(version, minimal_with(&[(":method", method)])),
                RequestError::MethodNotConnect,
                "{method}"
            );
        }
        assert_eq!(
            refused(version, minimal_with(&[(":method", "")])),
            RequestError::MissingPseudoHeader(":method")
        );
    }
}

// RFC 8441 §5: ":protocol ... MUST be included ... and it MUST have a value of
// "websocket"" (compared case-insensitively, as Upgrade tokens are).
#[test]
fn protocol_must_be_websocket() {
    for version in VERSIONS {
        for protocol in ["", "webtransport", "connect-udp", "websockets"] {
            assert_eq!(
                refused(version, minimal_with(&[(":protocol", protocol)])),
                RequestError::ProtocolNotWebSocket,
                "{protocol:?}"
            );
        }
        accepted(version, minimal_with(&[(":protocol", "WebSocket")]));
    }
}

// RFC 8441 §4: "the :scheme and :path pseudo-header fields of the target URI MUST also be
// included".
#[test]
fn scheme_and_path_are_required() {
    for version in VERSIONS {
        assert_eq!(
            refused(version, minimal_with(&[(":scheme", "")])),
            RequestError::MissingPseudoHeader(":scheme")
        );
        assert_eq!(
            refused(version, minimal_with(&[(":path", "")])),
            RequestError::MissingPseudoHeader(":path")
        );
    }
}

// RFC 8441 §5: the scheme "MUST be "https" for "wss"-schemed WebSockets and "http" for
// "ws"-schemed WebSockets".
#[test]
fn scheme_is_https_or_http() {
    for version in VERSIONS {
        for scheme in ["https", "http", "HTTPS"] {
            accepted(version, minimal_with(&[(":scheme", scheme)]));
        }
        for scheme in ["wss", "ws", "ftp", "x"] {
            assert_eq!(
                refused(version, minimal_with(&[(":scheme", scheme)])),
                RequestError::InvalidScheme,
                "{scheme}"
            );
        }
    }
}

// RFC 8441 §5: "The remainder of the target URI is the same as the WebSocket URI";
// RFC 9113 §8.3.1: :path is not empty and starts with "/" for http(s).
#[test]
fn path_is_a_resource_name() {
    for version in VERSIONS {
        let request = accepted(version, minimal_with(&[(":path", "/chat?room=1")]));
        assert_eq!(request.path(), "/chat?room=1");
        for path in [
            "chat",
            "*",
            "https://server.example.com/chat",
            "/a b",
            "/#f",
        ] {
            assert_eq!(
                refused(version, minimal_with(&[(":path", path)])),
                RequestError::InvalidTarget,
                "{path:?}"
            );
        }
        // Present but empty: refused by the same grammar.
        let mut fields = Headers::new();
        for &(name, value) in MINIMAL {
            fields.push(name, if name == ":path" { "" } else { value });
        }
        assert_eq!(refused(version, fields), RequestError::InvalidTarget);
    }
}

// RFC 8441 §5: "The Host information is conveyed as part of the :authority pseudo-header
// field, which is required"; RFC 9113 §8.3.1: no user information, and a Host field may
// not name another entity.
#[test]
fn authority_is_required_and_agrees_with_host() {
    for version in VERSIONS {
        assert_eq!(
            refused(version, minimal_with(&[(":authority", "")])),
            RequestError::MissingPseudoHeader(":authority")
        );
        for authority in ["user@server.example.com", "server example", "a:b:c"] {
            assert_eq!(
                refused(version, minimal_with(&[(":authority", authority)])),
                RequestError::Host,
                "{authority}"
            );
        }
        let request = accepted(version, minimal_with(&[(":authority", "[::1]:8443")]));
        assert_eq!(request.authority(), Some("[::1]:8443"));
        accepted(version, minimal_with(&[("host", "Server.Example.com")]));
        assert_eq!(
            refused(version, minimal_with(&[("host", "other.example.com")])),
            RequestError::Host
        );
    }
}

// RFC 8441 §5: Connection and Upgrade "MUST NOT be included in the CONNECT request";
// RFC 9113 §8.2.2, RFC 9114 §4.2: no connection-specific field, and TE only as
// "trailers".
#[test]
fn connection_specific_fields_are_malformed() {
    for version in VERSIONS {
        for (name, value) in [
            ("connection", "Upgrade"),
            ("upgrade", "websocket"),
            ("keep-alive", "timeout=5"),
            ("proxy-connection", "keep-alive"),
            ("transfer-encoding", "chunked"),
            ("te", "gzip"),
        ] {
            assert_eq!(
                refused(version, minimal_with(&[(name, value)])),
                RequestError::ConnectionSpecificField(name.to_owned()),
                "{name}"
            );
        }
        accepted(version, minimal_with(&[("te", "trailers")]));
    }
}

// RFC 8441 §5: the key "functionality has been superseded by the :protocol pseudo-header
// field": a Sec-WebSocket-Key, even an invalid one, is not processed, and no
// Sec-WebSocket-Accept is sent.
#[test]
fn a_key_is_not_processed() {
    for version in VERSIONS {
        let request = accepted(version, minimal_with(&[("sec-websocket-key", "nonsense")]));
        assert_eq!(request.key(), "");
        let handover = request.accept(Accept::new()).unwrap();
        assert_eq!(handover.response.status, 200);
        assert_eq!(handover.response.headers, []);
    }
}

// RFC 8441 §5: Sec-WebSocket-Version is used "as defined in [RFC6455]": 13, once. The
// refusal names the version (RFC 6455 §4.4) in a 400: a 426 would need Upgrade, which
// HTTP/2 and HTTP/3 forbid.
#[test]
fn version_13_or_a_400_naming_it() {
    for version in VERSIONS {
        for fields in [
            minimal_with(&[("sec-websocket-version", "")]),
            minimal_with(&[("sec-websocket-version", "8")]),
            minimal_with(&[("sec-websocket-version", "13, 8")]),
        ] {
            let refusal = check(&ServerConfig::new(), version, fields).unwrap_err();
            assert_eq!(refusal.error(), &RequestError::UnsupportedVersion);
            assert_eq!(refusal.status(), 400);
            assert_eq!(
                refusal.response(),
                ResponseParts {
                    status: 400,
                    headers: owned(&[
                        ("content-type", "text/plain; charset=utf-8"),
                        ("sec-websocket-version", "13"),
                    ]),
                    body: b"Sec-WebSocket-Version must be 13\n".to_vec(),
                }
            );
        }
    }
}

// RFC 8441 §5: Origin, Sec-WebSocket-Protocol and Sec-WebSocket-Extensions are "used in
// the CONNECT request and response header fields as defined in [RFC6455]": the same
// grammar, policies and choices as over HTTP/1.1.
#[test]
fn websocket_fields_as_in_rfc_6455() {
    for version in VERSIONS {
        assert_eq!(
            refused(version, minimal_with(&[("origin", "not an origin")])),
            RequestError::InvalidOrigin
        );
        assert_eq!(
            refused(version, minimal_with(&[("sec-websocket-protocol", "a, a")])),
            RequestError::InvalidProtocols
        );
        assert!(matches!(
            refused(
                version,
                minimal_with(&[("sec-websocket-extensions", "a;;")])
            ),
            RequestError::InvalidExtensions(_)
        ));
        let strict = ServerConfig::new()
            .origin_policy(OriginPolicy::AllowList(vec!["https://example.com".into()]));
        let refusal = check(
            &strict,
            version,
            minimal_with(&[("origin", "https://evil.example")]),
        )
        .unwrap_err();
        assert_eq!(refusal.status(), 403);
        // The server's preference picks the subprotocol; permessage-deflate is negotiated
        // as over HTTP/1.1.
        let config = ServerConfig::new()
            .protocol("v2")
            .protocol("v1")
            .deflate(DeflateConfig::new().client_max_window_bits(12));
        let request = check(
            &config,
            version,
            minimal_with(&[
                ("sec-websocket-protocol", "v1, v2"),
                (
                    "sec-websocket-extensions",
                    "permessage-deflate; client_max_window_bits",
                ),
            ]),
        )
        .unwrap();
        let handover = request.accept(Accept::new()).unwrap();
        assert_eq!(
            handover.response.headers,
            owned(&[
                ("sec-websocket-protocol", "v2"),
                (
                    "sec-websocket-extensions",
                    "permessage-deflate; client_max_window_bits=12"
                ),
            ])
        );
        assert!(handover.connection.deflate().is_some());
    }
}

// RFC 9113 §8.3 (RFC 9114 §4.3 alike): pseudo-header fields come first, once each, and
// only those defined for requests.
#[test]
fn pseudo_header_fields_first_once_and_known() {
    for version in VERSIONS {
        let mut late = headers(&MINIMAL[..4]);
        late.push("sec-websocket-version", "13");
        late.push(":authority", "server.example.com");
        assert_eq!(
            refused(version, late),
            RequestError::PseudoHeaderAfterField(":authority".into())
        );
        let twice = headers(&[&[(":path", "/other")][..], MINIMAL].concat());
        assert_eq!(
            refused(version, twice),
            RequestError::RepeatedPseudoHeader(":path".into())
        );
        for name in [":status", ":foo", ":Method"] {
            let fields = headers(&[&[(name, "x")][..], MINIMAL].concat());
            assert_eq!(
                refused(version, fields),
                RequestError::UnknownPseudoHeader(name.into()),
                "{name}"
            );
        }
    }
}

// RFC 9110 §9.3.6: "A CONNECT request message does not have content".
#[test]
fn no_body() {
    for version in VERSIONS {
        accepted(version, minimal_with(&[("content-length", "0")]));
        for length in ["1", "x"] {
            assert_eq!(
                refused(version, minimal_with(&[("content-length", length)])),
                RequestError::Body
            );
        }
    }
}

// An HTTP/1.x request is not an extended CONNECT; an HTTP/2 one is not a GET upgrade.
#[test]
fn versions_do_not_mix() {
    let refusal = ServerConfig::new()
        .check_extended_connect(HttpVersion::Http11, headers(MINIMAL))
        .unwrap_err();
    assert_eq!(refusal.error(), &RequestError::HttpVersion);
    let refusal = ServerConfig::new()
        .check_request("GET", "/chat", HttpVersion::Http2, Headers::new())
        .unwrap_err();
    assert_eq!(refusal.error(), &RequestError::HttpVersion);
}

// The application's answers over HTTP/2 and HTTP/3: lowercase names, no field the versions
// forbid, no Upgrade added to a 426.
#[test]
fn answers_keep_to_http2_fields() {
    for version in VERSIONS {
        let request = accepted(version, headers(MINIMAL));
        let handover = request
            .accept(Accept::new().header("Set-Cookie", "a=1"))
            .unwrap();
        assert_eq!(handover.response.headers, owned(&[("set-cookie", "a=1")]));
        assert_eq!(
            request
                .accept(Accept::new().header("Keep-Alive", "5"))
                .unwrap_err(),
            UsageError::InvalidHeader("Keep-Alive".into())
        );
        assert_eq!(
            request
                .accept(Accept::new().header("Sec-WebSocket-Accept", "x"))
                .unwrap_err(),
            UsageError::ReservedHeader("Sec-WebSocket-Accept".into())
        );
        assert_eq!(
            request.reject(426, &[], b"").unwrap(),
            ResponseParts {
                status: 426,
                headers: Vec::new(),
                body: Vec::new(),
            }
        );
        assert_eq!(
            request.reject(404, &[("X-Why", "gone")], b"no").unwrap(),
            ResponseParts {
                status: 404,
                headers: owned(&[
                    ("content-type", "text/plain; charset=utf-8"),
                    ("x-why", "gone"),
                ]),
                body: b"no".to_vec(),
            }
        );
        assert_eq!(
            request.reject(400, &[("TE", "gzip")], b"").unwrap_err(),
            UsageError::InvalidHeader("TE".into())
        );
    }
}

fn client(url: &str, version: HttpVersion) -> ClientRequest {
    let config = ClientConfig::new(url).unwrap();
    ClientRequest::with_keys(config, version, FixedKeys::mask([1, 2, 3, 4])).unwrap()
}

// RFC 8441 §4-5: the client's request: pseudo-header fields first in §5.1's order, the
// scheme from ws/wss, :authority for Host, no key, no Upgrade or Connection, lowercase.
#[test]
fn client_request_fields() {
    for version in VERSIONS {
        let config = ClientConfig::new("wss://server.example.com/chat?x=1")
            .unwrap()
            .origin("http://www.example.com")
            .protocol("chat")
            .protocol("superchat")
            .deflate(DeflateConfig::new())
            .header("Authorization", "Bearer t");
        let request = ClientRequest::with_keys(config, version, FixedKeys::rfc()).unwrap();
        assert_eq!(request.method(), "CONNECT");
        assert_eq!(request.target(), "/chat?x=1");
        assert_eq!(
            request.headers(),
            owned(&[
                (":method", "CONNECT"),
                (":protocol", "websocket"),
                (":scheme", "https"),
                (":path", "/chat?x=1"),
                (":authority", "server.example.com"),
                ("sec-websocket-version", "13"),
                ("origin", "http://www.example.com"),
                ("sec-websocket-protocol", "chat, superchat"),
                (
                    "sec-websocket-extensions",
                    "permessage-deflate; client_max_window_bits"
                ),
                ("authorization", "Bearer t"),
            ])
        );
        let plain = client("ws://127.0.0.1:9001/", version);
        assert_eq!(
            plain.headers()[..5],
            owned(&[
                (":method", "CONNECT"),
                (":protocol", "websocket"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "127.0.0.1:9001"),
            ])
        );
    }
}

// RFC 9113 §8.2.2: a client may not add a field HTTP/2 and HTTP/3 forbid; RFC 6455 §4.1:
// no handshake over HTTP/1.0.
#[test]
fn client_configuration_errors() {
    for version in VERSIONS {
        for (name, error) in [
            ("Keep-Alive", UsageError::InvalidHeader("Keep-Alive".into())),
            ("TE", UsageError::InvalidHeader("TE".into())),
            ("Host", UsageError::ReservedHeader("Host".into())),
            ("Upgrade", UsageError::ReservedHeader("Upgrade".into())),
        ] {
            let config = ClientConfig::new("ws://a/").unwrap().header(name, "x");
            assert_eq!(
                ClientRequest::with_keys(config, version, FixedKeys::rfc()).unwrap_err(),
                error
            );
        }
    }
    let config = ClientConfig::new("ws://a/").unwrap();
    assert_eq!(
        ClientRequest::with_keys(config, HttpVersion::Http10, FixedKeys::rfc()).unwrap_err(),
        UsageError::UnsupportedHttpVersion(HttpVersion::Http10)
    );
}

fn response(status: u16, fields: &[(&str, &str)], version: HttpVersion) -> ResponseError {
    let request = ClientRequest::with_keys(
        ClientConfig::new("wss://a/").unwrap().protocol("chat"),
        version,
        FixedKeys::rfc(),
    )
    .unwrap();
    request
        .check_response(status, &headers(fields))
        .expect_err("refused")
}

// RFC 8441 §5, RFC 9110 §9.3.6: any 2xx accepts, with no Sec-WebSocket-Accept to check;
// anything else (a 101 included: RFC 9113 §8.6 removes it) is a rejection.
#[test]
fn client_accepts_any_2xx() {
    for version in VERSIONS {
        for status in [200, 204, 299] {
            let accepted = client("wss://a/", version)
                .check_response(status, &Headers::new())
                .unwrap();
            assert_eq!(accepted.connection.protocol(), None);
        }
        // A stray Sec-WebSocket-Accept is not processed.
        client("wss://a/", version)
            .check_response(200, &headers(&[("sec-websocket-accept", "x")]))
            .unwrap();
        for status in [101, 301, 404, 500] {
            match response(status, &[("x-a", "1")], version) {
                ResponseError::Rejected(rejection) => {
                    assert_eq!(rejection.status, status);
                    assert_eq!(rejection.headers.get("x-a"), Some(&b"1"[..]));
                }
                other => panic!("{status}: {other:?}"),
            }
        }
    }
}

// RFC 9113 §8.2.2 for responses; RFC 6455 §4.1 items 5 and 6 as over HTTP/1.1.
#[test]
fn client_response_checks() {
    for version in VERSIONS {
        assert_eq!(
            response(200, &[("connection", "close")], version),
            ResponseError::ConnectionSpecificField("connection".into())
        );
        assert!(matches!(
            response(200, &[(":status", "200")], version),
            ResponseError::Malformed(_)
        ));
        assert_eq!(
            response(200, &[("sec-websocket-protocol", "other")], version),
            ResponseError::ProtocolNotOffered("other".into())
        );
        assert_eq!(
            response(
                200,
                &[("sec-websocket-extensions", "permessage-deflate")],
                version
            ),
            ResponseError::ExtensionNotOffered("permessage-deflate".into())
        );
        let accepted = ClientRequest::with_keys(
            ClientConfig::new("wss://a/")
                .unwrap()
                .protocol("chat")
                .deflate(DeflateConfig::new()),
            version,
            FixedKeys::rfc(),
        )
        .unwrap()
        .check_response(
            200,
            &headers(&[
                ("sec-websocket-protocol", "chat"),
                (
                    "sec-websocket-extensions",
                    "permessage-deflate; server_no_context_takeover",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(accepted.connection.protocol(), Some("chat"));
        assert!(
            accepted
                .connection
                .deflate()
                .unwrap()
                .server_no_context_takeover
        );
    }
}

// RFC 8441 §5: after the handshake the stream carries RFC 6455 frames unchanged: the
// client masks, the server does not, and permessage-deflate applies.
#[test]
fn a_pair_over_one_stream() {
    for version in VERSIONS {
        let config = ClientConfig::new("ws://server.example.com/chat")
            .unwrap()
            .deflate(DeflateConfig::new());
        let request =
            ClientRequest::with_keys(config, version, FixedKeys::mask([1, 2, 3, 4])).unwrap();
        let fields: Headers = request
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let server_config = ServerConfig::new().deflate(DeflateConfig::new());
        let handover = server_config
            .check_extended_connect(version, fields)
            .unwrap()
            .accept(Accept::new())
            .unwrap();
        let response: Headers = handover
            .response
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut server = handover.connection;
        let mut client = request
            .check_response(handover.response.status, &response)
            .unwrap()
            .connection;
        assert!(client.deflate().is_some() && server.deflate().is_some());

        // An uncompressed frame shows the masking on the wire.
        client.send_text_uncompressed("hello").unwrap();
        assert_eq!(
            client.pending_output(),
            common::frame(FIN | TEXT, b"hello", Some([1, 2, 3, 4]))
        );
        server.receive(client.pending_output());
        client.consume_output(client.pending_output_len());
        assert_eq!(drain(&mut server).ok(), [OwnedEvent::Text("hello".into())]);
        // A compressed one both ways.
        let text = "over one stream ".repeat(64);
        client.send_text(&text).unwrap();
        assert!(client.pending_output_len() < text.len());
        server.receive(client.pending_output());
        client.consume_output(client.pending_output_len());
        match server.poll_event().unwrap() {
            Some(Event::Text(got)) => assert_eq!(got, text),
            other => panic!("{other:?}"),
        }
        server.send_binary(&[7; 1000]).unwrap();
        assert_eq!(server.pending_output()[0] & 0x80, 0x80);
        // The server does not mask (RFC 6455 §5.1).
        assert_eq!(server.pending_output()[1] & 0x80, 0);
        client.receive(server.pending_output());
        server.consume_output(server.pending_output_len());
        assert_eq!(drain(&mut client).ok(), [OwnedEvent::Binary(vec![7; 1000])]);
    }
}
