//! Sends without copies: a server queues only the header of a shared payload and writes the
//! payload itself in its turn; a client (which masks) and compression copy it.

mod common;

use std::sync::Arc;

use common::{FIN, FixedKeys, RFC_MASK, TEXT, masked, take_output, unmasked};
use wswire::{Config, Connection, DeflateConfig, DeflateParams, Event, MessageKind, SeededKeys};

#[test]
fn a_server_sends_a_shared_payload_without_copying_it() {
    let payload: Arc<[u8]> = Arc::from(vec![7u8; 70_000]);
    let mut conn = Connection::server(Config::new());
    conn.send_text("before").unwrap();
    conn.send_shared_binary(Arc::clone(&payload)).unwrap();
    conn.send_text("after").unwrap();
    let chunks: Vec<&[u8]> = conn.pending_chunks().collect();
    assert_eq!(chunks.len(), 3);
    // The frame before, then the header of the shared message: one buffered chunk.
    assert_eq!(
        chunks[0],
        [
            &unmasked(FIN | TEXT, b"before")[..],
            &[0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0x11, 0x70]
        ]
        .concat()
    );
    // The payload itself, not a copy.
    assert!(std::ptr::eq(chunks[1].as_ptr(), payload.as_ptr()));
    assert_eq!(chunks[2], unmasked(FIN | TEXT, b"after"));
    assert_eq!(conn.pending_output_len(), 8 + 10 + 70_000 + 7);
    assert_eq!(Arc::strong_count(&payload), 2);
    // Written in pieces across the chunks, it is the same bytes as a copied send.
    let mut wire = Vec::new();
    while conn.pending_output_len() > 0 {
        let n = conn.pending_output().len().min(4099);
        wire.extend_from_slice(&conn.pending_output()[..n]);
        conn.consume_output(n);
    }
    assert_eq!(Arc::strong_count(&payload), 1, "dropped once written");
    let mut copied = Connection::server(Config::new());
    copied.send_text("before").unwrap();
    copied.send_binary(&payload).unwrap();
    copied.send_text("after").unwrap();
    assert_eq!(wire, take_output(&mut copied));
}

#[test]
fn one_buffer_broadcast_to_many_connections() {
    let update: Arc<str> = Arc::from("{\"tick\": 1}");
    let mut conns: Vec<Connection> = (0..1000)
        .map(|_| Connection::server(Config::new()))
        .collect();
    for conn in &mut conns {
        conn.send_shared_text(Arc::clone(&update)).unwrap();
    }
    assert_eq!(Arc::strong_count(&update), 1001);
    for conn in &mut conns {
        assert_eq!(take_output(conn), unmasked(FIN | TEXT, b"{\"tick\": 1}"));
    }
    assert_eq!(Arc::strong_count(&update), 1);
}

#[test]
fn a_client_copies_and_masks_a_shared_payload() {
    let mut client = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    client.send_shared_text(String::from("Hello")).unwrap();
    // RFC 6455 §5.7: a single-frame masked text message.
    assert_eq!(take_output(&mut client), masked(FIN | TEXT, b"Hello"));
    assert_eq!(
        masked(FIN | TEXT, b"Hello"),
        b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
    );
}

// A client that owns its payload has it masked where it is (RFC 6455 §5.3) and written as a
// chunk of its own: the same bytes as a copied send, with no copy.
#[test]
fn a_client_masks_an_owned_payload_in_place() {
    let mut client = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    client.send_text("before").unwrap();
    let payload = String::from("Hello");
    let at = payload.as_ptr();
    client.send_owned_text(payload).unwrap();
    let data = vec![9u8; 70_000];
    let data_at = data.as_ptr();
    client.send_owned_binary(data).unwrap();
    let chunks: Vec<&[u8]> = client.pending_chunks().collect();
    assert_eq!(chunks.len(), 4);
    // RFC 6455 §5.7: a single-frame masked text message, its payload in its own memory.
    assert_eq!(
        chunks[0],
        [
            &masked(FIN | TEXT, b"before")[..],
            b"\x81\x85\x37\xfa\x21\x3d"
        ]
        .concat()
    );
    assert!(std::ptr::eq(chunks[1].as_ptr(), at));
    assert_eq!(chunks[1], b"\x7f\x9f\x4d\x51\x58");
    assert!(std::ptr::eq(chunks[3].as_ptr(), data_at));
    let mut copied = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    copied.send_text("before").unwrap();
    copied.send_text("Hello").unwrap();
    copied.send_binary(&[9u8; 70_000]).unwrap();
    assert_eq!(take_output(&mut client), take_output(&mut copied));
}

// A server writes an owned payload as it is; compression copies it; a refused send queues
// nothing.
#[test]
fn owned_payloads_on_a_server_with_compression_and_refused() {
    let mut server = Connection::server(Config::new());
    let data = vec![1u8, 2, 3];
    let at = data.as_ptr();
    server.send_owned_binary(data).unwrap();
    let chunks: Vec<&[u8]> = server.pending_chunks().collect();
    assert_eq!(chunks, [&[0x82, 3][..], &[1, 2, 3]]);
    assert!(std::ptr::eq(chunks[1].as_ptr(), at));
    take_output(&mut server);

    let mut deflating = deflating_server();
    deflating.send_owned_text(String::from("Hello")).unwrap();
    // RFC 7692 §7.2.3.1.
    assert_eq!(
        take_output(&mut deflating),
        [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    );

    let mut limited = Connection::server(Config::new().max_pending_output(100));
    limited.send_text("x").unwrap();
    assert_eq!(
        limited.send_owned_binary(vec![0; 200]),
        Err(wswire::UsageError::OutputFull {
            pending: 3,
            limit: 100
        })
    );
    assert_eq!(take_output(&mut limited), unmasked(FIN | TEXT, b"x"));
}

#[test]
fn compression_copies_a_shared_payload() {
    let mut server = deflating_server();
    server.send_shared_text("Hello").unwrap();
    // RFC 7692 §7.2.3.1.
    assert_eq!(
        take_output(&mut server),
        [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    );
}

#[test]
fn an_event_answered_with_its_own_payload() {
    let mut server = Connection::server(Config::new());
    let mut client = Connection::client(Config::new(), SeededKeys::new(9));
    client.send_text("echo me").unwrap();
    client.send_binary(&[1, 2, 3]).unwrap();
    server.receive(&take_output(&mut client));
    while let Some((event, mut sender)) = server.poll_event_with_sender().unwrap() {
        match event {
            Event::Text(text) => sender.send_text(text).unwrap(),
            Event::Binary(data) => sender
                .send_fragment(MessageKind::Binary, data, true)
                .unwrap(),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        take_output(&mut server),
        [
            unmasked(FIN | TEXT, b"echo me"),
            unmasked(FIN | 0x2, &[1, 2, 3])
        ]
        .concat()
    );
}

// The crate documentation promises that every public type is `Send` and `Sync`.
#[test]
fn every_public_type_is_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    use wswire::frame::{EncodedHeader, FrameError, FrameHeader, OpCode};
    use wswire::*;
    send_sync::<Connection>();
    send_sync::<Sender<'static>>();
    send_sync::<Io<'static>>();
    send_sync::<Event<'static>>();
    send_sync::<OwnedEvent>();
    send_sync::<Config>();
    send_sync::<Delivery>();
    send_sync::<MessageKind>();
    send_sync::<Role>();
    send_sync::<ConnectionState>();
    send_sync::<TransportAction>();
    send_sync::<ServerHandshake>();
    send_sync::<ServerConfig>();
    send_sync::<Request>();
    send_sync::<RequestError>();
    send_sync::<Accept>();
    send_sync::<OriginPolicy>();
    send_sync::<ClientHandshake>();
    send_sync::<ClientConfig>();
    send_sync::<Accepted>();
    send_sync::<Rejection>();
    send_sync::<ResponseError>();
    send_sync::<Headers>();
    send_sync::<WsUrl>();
    send_sync::<UrlError>();
    send_sync::<DeflateConfig>();
    send_sync::<DeflateParams>();
    send_sync::<DeflateNegotiationError>();
    send_sync::<Extension>();
    send_sync::<ExtensionParam>();
    send_sync::<ExtensionsSyntaxError>();
    send_sync::<CloseCode>();
    send_sync::<ProtocolError>();
    send_sync::<UsageError>();
    send_sync::<SeededKeys>();
    send_sync::<OsRandom>();
    send_sync::<Box<dyn KeySource>>();
    send_sync::<FrameHeader>();
    send_sync::<EncodedHeader>();
    send_sync::<FrameError>();
    send_sync::<OpCode>();
}

/// A server with permessage-deflate as a handshake without parameters agrees it.
fn deflating_server() -> Connection {
    let params = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: None,
        client_max_window_bits: None,
    };
    Connection::server(Config::new())
        .with_deflate(&DeflateConfig::new(), params)
        .unwrap()
}
