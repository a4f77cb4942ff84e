//! The literal examples of RFC 6455: the §1.3 accept key, the §1.2 opening handshake and
//! every §5.7 frame. Expected bytes are copied from the RFC, never produced by the crate.

mod common;

use common::{FixedKeys, RFC_MASK, feed_bytewise, feed_whole};
use wswire::{
    Accept, Config, Connection, Event, MessageKind, OwnedEvent, ServerConfig, ServerHandshake,
};

/// RFC 6455 §1.2: the client's opening handshake.
const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
    Host: server.example.com\r\n\
    Upgrade: websocket\r\n\
    Connection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Origin: http://example.com\r\n\
    Sec-WebSocket-Protocol: chat, superchat\r\n\
    Sec-WebSocket-Version: 13\r\n\
    \r\n";

/// RFC 6455 §1.2: the server's answer to [`RFC_REQUEST`], in the order and spelling the
/// RFC shows.
const RFC_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
    Upgrade: websocket\r\n\
    Connection: Upgrade\r\n\
    Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
    Sec-WebSocket-Protocol: chat\r\n\
    \r\n";

const HELLO_UNMASKED: &[u8] = &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const HELLO_MASKED: &[u8] = &[
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];
const HEL_LO_FRAGMENTED: &[u8] = &[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
const PING_UNMASKED: &[u8] = &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const PONG_MASKED: &[u8] = &[
    0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];

fn rfc_client() -> Connection {
    Connection::client(Config::new(), FixedKeys::mask(RFC_MASK))
}

// RFC 6455 §1.3: "dGhlIHNhbXBsZSBub25jZQ==" gives "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
#[test]
fn accept_key_of_the_sample_nonce() {
    assert_eq!(
        wswire::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

// RFC 6455 §1.2, §4.2.2: the server parses the RFC's request and answers with its response.
#[test]
fn server_answers_the_rfc_request_with_the_rfc_response() {
    let mut handshake = ServerHandshake::new(ServerConfig::new().protocol("chat"));
    let request = handshake
        .receive(RFC_REQUEST)
        .expect("valid request")
        .expect("complete request");
    assert_eq!(request.method(), "GET");
    assert_eq!(request.path(), "/chat");
    assert_eq!(request.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(request.origin(), Some("http://example.com"));
    assert_eq!(request.protocols(), ["chat", "superchat"]);
    assert_eq!(request.chosen_protocol(), Some("chat"));
    assert_eq!(
        request.headers().get("host"),
        Some(&b"server.example.com"[..])
    );

    let conn = handshake.accept(Accept::new()).expect("accept");
    assert_eq!(
        String::from_utf8_lossy(conn.pending_output()),
        String::from_utf8_lossy(RFC_RESPONSE)
    );
    assert_eq!(conn.protocol(), Some("chat"));
}

// RFC 6455 §5.7: "A single-frame unmasked text message" (received by a client).
#[test]
fn single_frame_unmasked_text() {
    for feed in [feed_whole, feed_bytewise] {
        let mut client = rfc_client();
        let events = feed(&mut client, HELLO_UNMASKED).ok();
        assert_eq!(events, [OwnedEvent::Text("Hello".into())]);
    }
}

// RFC 6455 §5.7: "A single-frame masked text message" (received by a server).
#[test]
fn single_frame_masked_text() {
    for feed in [feed_whole, feed_bytewise] {
        let mut server = Connection::server(Config::new());
        let events = feed(&mut server, HELLO_MASKED).ok();
        assert_eq!(events, [OwnedEvent::Text("Hello".into())]);
    }
}

// RFC 6455 §5.7: a client with mask key 37 fa 21 3d sends "Hello" as exactly these bytes.
#[test]
fn client_sends_the_rfc_masked_text_frame() {
    let mut client = rfc_client();
    client.send_text("Hello").unwrap();
    assert_eq!(client.pending_output(), HELLO_MASKED);
}

// RFC 6455 §5.7: the server sends "Hello" unmasked as exactly these bytes.
#[test]
fn server_sends_the_rfc_unmasked_text_frame() {
    let mut server = Connection::server(Config::new());
    server.send_text("Hello").unwrap();
    assert_eq!(server.pending_output(), HELLO_UNMASKED);
}

// RFC 6455 §5.7: "A fragmented unmasked text message": "Hel" then "lo".
#[test]
fn fragmented_unmasked_text() {
    for feed in [feed_whole, feed_bytewise] {
        let mut client = rfc_client();
        let events = feed(&mut client, HEL_LO_FRAGMENTED).ok();
        assert_eq!(events, [OwnedEvent::Text("Hello".into())]);
    }
}

// RFC 6455 §5.7: the server sends the fragmented message as exactly these bytes.
#[test]
fn server_sends_the_rfc_fragmented_text() {
    let mut server = Connection::server(Config::new());
    server
        .send_fragment(MessageKind::Text, b"Hel", false)
        .unwrap();
    server
        .send_fragment(MessageKind::Text, b"lo", true)
        .unwrap();
    assert_eq!(server.pending_output(), HEL_LO_FRAGMENTED);
}

// RFC 6455 §5.7: "Unmasked Ping request" and "masked Ping response" with the same body;
// §5.5.3: the Pong "MUST have identical 'Application data'".
#[test]
fn unmasked_ping_is_answered_by_the_rfc_masked_pong() {
    for feed in [feed_whole, feed_bytewise] {
        let mut client = rfc_client();
        let events = feed(&mut client, PING_UNMASKED).ok();
        assert_eq!(events, [OwnedEvent::Ping(b"Hello".to_vec())]);
        assert_eq!(client.pending_output(), PONG_MASKED);
    }
}

// RFC 6455 §5.7: the masked Pong, received by a server.
#[test]
fn masked_pong_is_reported_to_the_server() {
    let mut server = Connection::server(Config::new());
    let events = feed_whole(&mut server, PONG_MASKED).ok();
    assert_eq!(events, [OwnedEvent::Pong(b"Hello".to_vec())]);
    assert_eq!(server.pending_output(), b"");
}

// RFC 6455 §5.7: "256 bytes binary message in a single unmasked frame": 0x82 0x7E 0x0100.
#[test]
fn binary_256_bytes_uses_the_16_bit_length() {
    let payload: Vec<u8> = (0..=255).collect();
    let mut server = Connection::server(Config::new());
    server.send_binary(&payload).unwrap();
    let out = server.pending_output();
    assert_eq!(out[..4], [0x82, 0x7E, 0x01, 0x00]);
    assert_eq!(out[4..], payload[..]);

    let mut wire = vec![0x82, 0x7E, 0x01, 0x00];
    wire.extend_from_slice(&payload);
    let mut client = rfc_client();
    assert_eq!(
        feed_whole(&mut client, &wire).ok(),
        [OwnedEvent::Binary(payload)]
    );
}

// RFC 6455 §5.7: "64KiB binary message in a single unmasked frame": 0x82 0x7F
// 0x0000000000010000.
#[test]
fn binary_64_kib_uses_the_64_bit_length() {
    let payload: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();
    let mut server = Connection::server(Config::new());
    server.send_binary(&payload).unwrap();
    let out = server.pending_output();
    assert_eq!(
        out[..10],
        [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]
    );
    assert_eq!(out.len(), 10 + 65536);
    assert!(out[10..] == payload[..]);

    let mut wire = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
    wire.extend_from_slice(&payload);
    let mut client = rfc_client();
    client.receive(&wire);
    match client.poll_event() {
        Ok(Some(Event::Binary(data))) => assert!(data == payload.as_slice()),
        other => panic!("expected the 64 KiB binary message, got {other:?}"),
    }
}
