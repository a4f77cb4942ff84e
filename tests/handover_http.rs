//! The `http` crate's types (feature `http`): requests and responses as hyper, axum, h2
//! and h3 hand them over, checked by the same rules as the other paths.
#![cfg(feature = "http")]

mod common;

use common::FixedKeys;
use wswire::{
    Accept, ClientConfig, ClientRequest, DeflateConfig, Event, HttpVersion, RequestError,
    ResponseError, ServerConfig,
};

fn websocket_request(version: http::Version) -> http::request::Builder {
    http::Request::builder()
        .method(http::Method::CONNECT)
        .version(version)
        .uri("https://server.example.com/chat")
        .header("sec-websocket-version", "13")
}

// RFC 6455 §4.2.2: an HTTP/1.1 http::Request gets its 101 as an http::Response.
#[test]
fn http1_request_and_101() {
    let request = http::Request::builder()
        .uri("/chat?room=1")
        .header("host", "server.example.com")
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "13")
        .body(String::from("any body type"))
        .unwrap();
    let checked = ServerConfig::new()
        .check_http_request(&request, None)
        .unwrap();
    assert_eq!(checked.path(), "/chat?room=1");
    let response = checked.accept(Accept::new()).unwrap().response.to_http();
    assert_eq!(response.status(), http::StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(
        response.headers()["sec-websocket-accept"],
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(response.headers()["upgrade"], "websocket");
    assert!(response.body().is_empty());
}

// RFC 8441 §4-5 (RFC 9220 §3): CONNECT with the :protocol value the stack carries as an
// extension, and the pseudo-header fields the stack put in the URI.
#[test]
fn extended_connect_requests() {
    for version in [http::Version::HTTP_2, http::Version::HTTP_3] {
        let request = websocket_request(version).body(()).unwrap();
        let checked = ServerConfig::new()
            .check_http_request(&request, Some("websocket"))
            .unwrap();
        assert_eq!(checked.version(), HttpVersion::from(version));
        assert_eq!(checked.authority(), Some("server.example.com"));
        let response = checked.accept(Accept::new()).unwrap().response.to_http();
        assert_eq!(response.status(), http::StatusCode::OK);
        assert!(response.headers().is_empty());

        // Without :protocol, a plain CONNECT.
        let refusal = ServerConfig::new()
            .check_http_request(&request, None)
            .unwrap_err();
        assert_eq!(refusal.error(), &RequestError::ProtocolNotWebSocket);
        let response = refusal.response().to_http();
        assert_eq!(response.status(), http::StatusCode::BAD_REQUEST);
        assert_eq!(response.body(), b":protocol must be websocket\n");

        // A GET over HTTP/2.
        let get = http::Request::builder()
            .version(version)
            .uri("https://server.example.com/chat")
            .body(())
            .unwrap();
        assert_eq!(
            ServerConfig::new()
                .check_http_request(&get, None)
                .unwrap_err()
                .error(),
            &RequestError::MethodNotConnect
        );
        // User information in the authority (RFC 9113 §8.3.1).
        let userinfo = websocket_request(version)
            .uri("https://user@server.example.com/chat")
            .body(())
            .unwrap();
        assert_eq!(
            ServerConfig::new()
                .check_http_request(&userinfo, Some("websocket"))
                .unwrap_err()
                .error(),
            &RequestError::Host
        );
        // RFC 9113 §8.2.2: a connection-specific field.
        let upgrade = websocket_request(version)
            .header("upgrade", "websocket")
            .body(())
            .unwrap();
        assert_eq!(
            ServerConfig::new()
                .check_http_request(&upgrade, Some("websocket"))
                .unwrap_err()
                .error(),
            &RequestError::ConnectionSpecificField("upgrade".into())
        );
    }
}

// The client's http::Request over each version, and its check of the http::Response.
#[test]
fn client_requests_and_responses() {
    let config = || {
        ClientConfig::new("wss://server.example.com/chat")
            .unwrap()
            .protocol("chat")
    };
    let h1 = ClientRequest::with_keys(config(), HttpVersion::Http11, FixedKeys::rfc()).unwrap();
    let request = h1.to_http().unwrap();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(request.uri(), "/chat");
    assert_eq!(request.version(), http::Version::HTTP_11);
    assert_eq!(request.headers()["host"], "server.example.com");
    assert_eq!(
        request.headers()["sec-websocket-key"],
        "dGhlIHNhbXBsZSBub25jZQ=="
    );
    // RFC 6455 §4.1: a 101 over HTTP/1.0 does not count.
    let old = http::Response::builder()
        .status(101)
        .version(http::Version::HTTP_10)
        .body(())
        .unwrap();
    assert_eq!(
        h1.check_http_response(&old).unwrap_err(),
        ResponseError::HttpVersion
    );

    let h2 = ClientRequest::with_keys(config(), HttpVersion::Http2, FixedKeys::rfc()).unwrap();
    let request = h2.to_http().unwrap();
    assert_eq!(request.method(), http::Method::CONNECT);
    assert_eq!(request.uri(), "https://server.example.com/chat");
    assert_eq!(request.version(), http::Version::HTTP_2);
    assert_eq!(request.headers().len(), 2);
    assert!(request.headers().get("sec-websocket-key").is_none());
    let refused = http::Response::builder()
        .status(404)
        .version(http::Version::HTTP_2)
        .body("not here")
        .unwrap();
    match h2.check_http_response(&refused).unwrap_err() {
        ResponseError::Rejected(rejection) => assert_eq!(rejection.status, 404),
        other => panic!("{other:?}"),
    }
}

// Both sides through the http types, then messages over the "stream".
#[test]
fn a_pair_through_http_types() {
    let client_config = ClientConfig::new("ws://127.0.0.1:8080/echo")
        .unwrap()
        .protocol("chat")
        .deflate(DeflateConfig::new());
    let client_request =
        ClientRequest::with_keys(client_config, HttpVersion::Http2, FixedKeys::rfc()).unwrap();
    let request = client_request.to_http().unwrap();
    let handover = ServerConfig::new()
        .protocol("chat")
        .deflate(DeflateConfig::new())
        .check_http_request(&request, Some("websocket"))
        .unwrap()
        .accept(Accept::new())
        .unwrap();
    let mut response = handover.response.to_http();
    *response.version_mut() = http::Version::HTTP_2;
    let mut client = client_request
        .check_http_response(&response)
        .unwrap()
        .connection;
    let mut server = handover.connection;
    assert_eq!(client.protocol(), Some("chat"));
    assert!(client.deflate().is_some() && server.deflate().is_some());
    client.send_text("through http types").unwrap();
    server.receive(client.pending_output());
    assert_eq!(
        server.poll_event().unwrap(),
        Some(Event::Text("through http types"))
    );
}
