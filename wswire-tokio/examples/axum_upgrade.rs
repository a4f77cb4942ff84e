//! axum with wswire: `/ws` upgrades to a WebSocket (an echo), `/` serves a page.
//!
//! ```text
//! cargo run -p wswire-tokio --release --example axum_upgrade [ADDR]
//! ```
//!
//! ADDR defaults to 127.0.0.1:9003. Where an axum application takes a `WebSocketUpgrade`
//! and calls `on_upgrade`, it takes the request and calls `answer` (`support/upgrade.rs`):
//! the core checks the request with its `http` feature and returns the `101`, and the
//! connection runs over `hyper::upgrade::on(&mut request)` (axum serves with hyper, which
//! keeps the upgrade in the request's extensions):
//!
//! ```text
//! axum                                          wswire
//! ws: WebSocketUpgrade (extractor)              request: axum::extract::Request
//! ws.on_upgrade(|socket| handle(socket))        answer(request, &config, |ws| handle(ws))
//!                                               (config.check_http_request, then, in a
//!                                               task, hyper::upgrade::on(&mut request)
//!                                               and WebSocketStream::from_connection)
//! socket.recv().await / socket.send(m).await    ws.recv().await / ws.send(m).await
//! Message::Text(Utf8Bytes)                      Message::Text(Utf8Bytes)
//! ```

mod support;

use std::process::ExitCode;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{Html, Response};
use axum::routing::get;
use wswire::{DeflateConfig, ServerConfig};

async fn upgrade(request: Request) -> Response {
    let config = ServerConfig::new()
        .connection(wswire_tokio::default_config())
        .deflate(DeflateConfig::new());
    support::upgrade::answer(request, &config, |mut ws| async move {
        while let Some(Ok(message)) = ws.recv().await {
            if message.is_data() && ws.send(message).await.is_err() {
                break;
            }
        }
    })
    .map(Body::from)
}

async fn page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<meta charset="utf-8"><title>wswire echo (axum)</title>
<pre id="log"></pre>
<script>
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onopen = () => ws.send('hello from the page');
  ws.onmessage = (e) => { document.getElementById('log').textContent += `echo: ${e.data}\n`; };
</script>
"#,
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9003".to_owned());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("axum_upgrade listening on http://{addr}");
    let app = Router::new()
        .route("/", get(page))
        .route("/ws", get(upgrade));
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum_upgrade: {e}");
            ExitCode::FAILURE
        }
    }
}
