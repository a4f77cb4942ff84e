//! A hyper 1.x HTTP/1.1 server that upgrades `/ws` to a WebSocket (an echo) and serves a
//! page on `/` that talks to it.
//!
//! ```text
//! cargo run -p wswire-tokio --release --example hyper_upgrade [ADDR]
//! ```
//!
//! ADDR defaults to 127.0.0.1:9002; open `http://ADDR/` in a browser. The core checks the
//! request with its `http` feature (`ServerConfig::check_http_request`, in
//! `support/upgrade.rs`), hyper sends the `101` it returns, and the connection runs over
//! `hyper::upgrade::on(request)`.

mod support;

use std::process::ExitCode;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Request, Response};
use hyper::body::Incoming;
use tokio::net::TcpListener;
use wswire::{DeflateConfig, ServerConfig};
use wswire_tokio::WebSocketStream;

use support::upgrade::{self, Upgraded};

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8"><title>wswire echo</title>
<input id="text" value="hello"> <button id="send">send</button>
<pre id="log"></pre>
<script>
  const log = (line) => { document.getElementById('log').textContent += line + '\n'; };
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onopen = () => log(`open (${ws.extensions || 'no extension'})`);
  ws.onmessage = (e) => log(`echo: ${e.data}`);
  ws.onclose = (e) => log(`closed ${e.code}`);
  document.getElementById('send').onclick = () => ws.send(document.getElementById('text').value);
</script>
"#;

async fn handle(request: Request<Incoming>) -> Response<Bytes> {
    match request.uri().path() {
        "/" => upgrade::page(PAGE),
        "/ws" => {
            let config = ServerConfig::new()
                .connection(wswire_tokio::default_config())
                .deflate(DeflateConfig::new());
            upgrade::answer(request, &config, echo)
        }
        _ => upgrade::not_found(),
    }
}

async fn echo(mut ws: WebSocketStream<Upgraded>) {
    while let Some(message) = ws.next().await {
        match message {
            Ok(message) if message.is_data() => {
                if ws.send(message).await.is_err() {
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("hyper_upgrade: {e}"),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".to_owned());
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("hyper_upgrade listening on http://{addr}");
    upgrade::serve(listener, "hyper_upgrade", handle).await;
    ExitCode::SUCCESS
}
