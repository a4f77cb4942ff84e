//! A chat room: every text message a member sends goes to every member, the page included.
//!
//! ```text
//! cargo run -p wswire-tokio --release --example chat [ADDR]
//! ```
//!
//! ADDR defaults to 127.0.0.1:9004; open `http://ADDR/` in two browser windows. hyper
//! serves the page and hands `/ws` over to wswire (`support/upgrade.rs`); each member is
//! split into a reader, which publishes what the member says, and a writer task, which
//! forwards everything published.
//!
//! One payload for everyone: a received text is a `Message::Text(Utf8Bytes)`, a shared
//! string; the broadcast channel clones the message (a reference count) for each member,
//! and each member's connection, a server's, queues only a frame header and writes the
//! payload from that one string (`Connection::send_shared_text`). permessage-deflate is
//! left off here, since compressing would copy the payload for each member anyway.

#[path = "../support/mod.rs"]
mod support;

use std::convert::Infallible;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::header::CONTENT_TYPE;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use wswire::{Accept, ServerConfig};
use wswire_tokio::{Message, WebSocketStream};

const PAGE: &str = include_str!("index.html");

/// The largest message a member may send.
const MAX_MESSAGE: usize = 4096;

/// Messages a slow member may fall behind by before it misses some.
const BACKLOG: usize = 256;

type Hub = broadcast::Sender<Message>;

async fn handle(
    mut request: Request<Incoming>,
    hub: Hub,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match request.uri().path() {
        "/" => Response::builder()
            .header(CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Bytes::from_static(PAGE.as_bytes()))
            .expect("a valid response"),
        "/ws" => {
            let config = ServerConfig::new().connection(
                wswire_tokio::default_config()
                    .max_message_size(MAX_MESSAGE)
                    .max_frame_size(MAX_MESSAGE)
                    // Browsers and proxies drop quiet connections; a Ping keeps them.
                    .keepalive(Duration::from_secs(30))
                    .pong_timeout(Duration::from_secs(30)),
            );
            match support::upgrade::upgrade(&request, config, Accept::new()) {
                (switching, Some(conn)) => {
                    tokio::spawn(async move {
                        match hyper::upgrade::on(&mut request).await {
                            Ok(upgraded) => {
                                let ws =
                                    WebSocketStream::from_connection(TokioIo::new(upgraded), conn);
                                member(ws, hub).await;
                            }
                            Err(e) => eprintln!("chat: upgrade failed: {e}"),
                        }
                    });
                    switching
                }
                (refusal, None) => refusal,
            }
        }
        _ => {
            let mut response = Response::new(Bytes::from_static(b"not found\n"));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    };
    Ok(response.map(Full::new))
}

async fn member(ws: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>, hub: Hub) {
    let (mut reader, mut writer) = ws.split();
    let mut published = hub.subscribe();
    let forwarding = tokio::spawn(async move {
        loop {
            match published.recv().await {
                Ok(message) => {
                    if writer.send(message).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    let notice = format!("(you missed {missed} messages)");
                    if writer.send(notice).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    // The reader answers Pings and the Close while the writer task waits on the hub.
    while let Some(Ok(message)) = reader.next().await {
        if message.is_text() {
            let _ = hub.send(message);
        }
    }
    forwarding.abort();
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9004".to_owned());
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("chat listening on http://{addr}");
    let (hub, _) = broadcast::channel(BACKLOG);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let hub = hub.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, hub.clone()));
            let served = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades();
            if let Err(e) = served.await {
                eprintln!("chat: {e}");
            }
        });
    }
}
