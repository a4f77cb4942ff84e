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

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Request, Response};
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use wswire::ServerConfig;
use wswire_tokio::{Message, WebSocketStream};

use support::upgrade::{self, Upgraded};

const PAGE: &str = include_str!("index.html");

/// The largest message a member may send.
const MAX_MESSAGE: usize = 4096;

/// Messages a slow member may fall behind by before it misses some.
const BACKLOG: usize = 256;

type Hub = broadcast::Sender<Message>;

async fn handle(request: Request<Incoming>, hub: Hub) -> Response<Bytes> {
    match request.uri().path() {
        "/" => upgrade::page(PAGE),
        "/ws" => {
            let config = ServerConfig::new().connection(
                wswire_tokio::default_config()
                    .max_message_size(MAX_MESSAGE)
                    .max_frame_size(MAX_MESSAGE)
                    // Browsers and proxies drop quiet connections; a Ping keeps them.
                    .keepalive(Duration::from_secs(30))
                    .pong_timeout(Duration::from_secs(30)),
            );
            upgrade::answer(request, &config, |ws| member(ws, hub))
        }
        _ => upgrade::not_found(),
    }
}

async fn member(ws: WebSocketStream<Upgraded>, hub: Hub) {
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
    upgrade::serve(listener, "chat", move |request| {
        handle(request, hub.clone())
    })
    .await;
    ExitCode::SUCCESS
}
