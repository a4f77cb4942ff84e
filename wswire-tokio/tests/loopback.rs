//! accept and connect over TCP on 127.0.0.1: the handshake, messages of every kind and
//! size with and without permessage-deflate, refusals, the handshake timeout, and a
//! graceful close from each side.

mod common;

use std::time::Duration;

use common::STEP;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use wswire::{Accept, ClientConfig, CloseCode, DeflateConfig, ResponseError, ServerConfig};
use wswire_tokio::{Connector, Error, Message, Reject};

/// An echo server on a free port; returns its URL.
async fn echo_server(config: ServerConfig) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let config = config.clone();
            tokio::spawn(async move {
                let decide = |request: &wswire::Request| match request.path() {
                    "/nope" => Err(Reject::new(404).body("no such place")),
                    _ => Ok(Accept::new()),
                };
                let Ok(mut ws) = wswire_tokio::accept_with(tcp, config, decide).await else {
                    return;
                };
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_data() && ws.send(message).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    url
}

fn server_config(deflate: bool) -> ServerConfig {
    let config = ServerConfig::new()
        .connection(
            wswire_tokio::default_config()
                .max_message_size(32 << 20)
                .max_frame_size(32 << 20),
        )
        .protocol("chat");
    if deflate {
        config.deflate(DeflateConfig::new())
    } else {
        config
    }
}

async fn round_trips(deflate: bool) {
    let url = echo_server(server_config(deflate)).await;
    let mut config = ClientConfig::new(&format!("{url}/echo"))
        .unwrap()
        .protocol("chat")
        .connection(
            wswire_tokio::default_config()
                .max_message_size(32 << 20)
                .max_frame_size(32 << 20),
        );
    if deflate {
        config = config.deflate(DeflateConfig::new());
    }
    let (mut ws, headers) = timeout(STEP, Connector::new().connect(config))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(headers.get("sec-websocket-protocol"), Some(&b"chat"[..]));
    assert_eq!(
        ws.with_connection(|c| c.deflate().is_some()),
        deflate,
        "permessage-deflate"
    );
    for size in [0, 1, 125, 126, 65535, 65536, 1 << 20, 20 << 20] {
        let text: String = (0..size).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        let binary: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        for message in [Message::text(text), Message::binary(binary)] {
            timeout(STEP, ws.send(message.clone()))
                .await
                .unwrap()
                .unwrap();
            let echo = timeout(STEP, ws.next()).await.unwrap().unwrap().unwrap();
            assert_eq!(echo, message, "{size} bytes, deflate {deflate}");
        }
    }
    // Messages whose payload is theirs alone (no clone kept): a client masks a large one in
    // place. What comes back is what was sent.
    for size in [65535, 65536, 1 << 20] {
        let text: String = (0..size).map(|i| (b'A' + (i % 26) as u8) as char).collect();
        let binary: Vec<u8> = (0..size).map(|i| (i * 13 % 251) as u8).collect();
        let sent = [Message::text(text.clone()), Message::binary(binary.clone())];
        for (message, expected) in sent
            .into_iter()
            .zip([Message::text(text), Message::binary(binary)])
        {
            timeout(STEP, ws.send(message)).await.unwrap().unwrap();
            let echo = timeout(STEP, ws.next()).await.unwrap().unwrap().unwrap();
            assert_eq!(
                echo, expected,
                "{size} bytes handed over, deflate {deflate}"
            );
        }
    }
    // Pipelined through the Sink: many messages, one flush.
    let mut messages =
        futures_util::stream::iter((0..500).map(|i| Ok(Message::text(i.to_string()))));
    timeout(STEP, ws.send_all(&mut messages))
        .await
        .unwrap()
        .unwrap();
    for i in 0..500 {
        let echo = timeout(STEP, ws.next()).await.unwrap().unwrap().unwrap();
        assert_eq!(echo.to_text().unwrap(), i.to_string());
    }
    timeout(STEP, ws.close(CloseCode::NORMAL, "done"))
        .await
        .unwrap()
        .unwrap();
    assert!(ws.next().await.is_none());
}

#[tokio::test]
async fn echo_without_deflate() {
    round_trips(false).await;
}

#[tokio::test]
async fn echo_with_deflate() {
    round_trips(true).await;
}

#[tokio::test]
async fn connect_uses_the_defaults() {
    let url = echo_server(ServerConfig::new().deflate(DeflateConfig::new())).await;
    let (mut ws, _) = wswire_tokio::connect(&url).await.unwrap();
    assert!(ws.with_connection(|c| c.deflate().is_some()));
    ws.send("hi").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text("hi"));
}

#[tokio::test]
async fn a_refusal_reaches_the_client() {
    let url = echo_server(server_config(false)).await;
    let result = wswire_tokio::connect(&format!("{url}/nope")).await;
    match result {
        Err(Error::Response(ResponseError::Rejected(rejection))) => {
            assert_eq!(rejection.status, 404);
            assert_eq!(rejection.body, b"no such place");
        }
        other => panic!("expected a 404 refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn an_invalid_request_is_answered_and_returned() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        wswire_tokio::accept(tcp).await
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    timeout(STEP, tcp.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with(b"HTTP/1.1 4"), "{response:?}");
    let result = server.await.unwrap();
    assert!(matches!(result, Err(Error::Request(_))), "{result:?}");
}

#[tokio::test(start_paused = true)]
async fn a_slow_client_times_out_the_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let (tcp, _) = listener.accept().await.unwrap();
    let started = tokio::time::Instant::now();
    // The core's handshake timer, on tokio's (paused) clock: the layer's 10 s when the
    // configuration sets none.
    slow.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let result = wswire_tokio::accept(tcp).await;
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    assert_eq!(started.elapsed(), wswire_tokio::HANDSHAKE_TIMEOUT);
    let mut response = Vec::new();
    slow.read_to_end(&mut response).await.unwrap();
    assert!(response.starts_with(b"HTTP/1.1 408 "), "{response:?}");

    // A configuration's own limit wins.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let (tcp, _) = listener.accept().await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let config = ServerConfig::new().handshake_timeout(Duration::from_secs(3));
    let started = tokio::time::Instant::now();
    let result = wswire_tokio::accept_with(tcp, config, |_| Ok(Accept::new())).await;
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_times_out_the_client() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let started = tokio::time::Instant::now();
    let connecting = tokio::spawn(async move { wswire_tokio::connect(&url).await.map(|_| ()) });
    let (_silent, _) = listener.accept().await.unwrap();
    let result = connecting.await.unwrap();
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    assert_eq!(started.elapsed(), wswire_tokio::HANDSHAKE_TIMEOUT);
}

#[tokio::test]
async fn the_server_closes_and_the_client_sees_the_end() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = wswire_tokio::accept(tcp).await.unwrap();
        ws.send("last words").await.unwrap();
        ws.close(CloseCode::GOING_AWAY, "shutting down").await
    });
    let (mut ws, _) = wswire_tokio::connect(&url).await.unwrap();
    let mut seen = Vec::new();
    while let Some(message) = timeout(STEP, ws.next()).await.unwrap() {
        seen.push(message.unwrap());
    }
    assert_eq!(
        seen,
        [
            Message::text("last words"),
            Message::close(CloseCode::GOING_AWAY, "shutting down")
        ]
    );
    timeout(STEP, server).await.unwrap().unwrap().unwrap();
    assert!(matches!(ws.send("more").await, Err(e) if e.is_closed()));
}

#[tokio::test]
async fn a_refused_tls_url_without_the_feature_or_a_server() {
    // Nothing listens on this port: the TCP connection fails before any TLS.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let result = timeout(
        STEP,
        Connector::new()
            .handshake_timeout(Duration::from_secs(5))
            .connect(ClientConfig::new(&format!("wss://{addr}/")).unwrap()),
    )
    .await
    .unwrap();
    assert!(matches!(result, Err(Error::Io(_))), "{result:?}");
}
