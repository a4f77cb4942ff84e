//! A hyper 1.x HTTP/1.1 server that upgrades `/ws` to a WebSocket (an echo) and serves a
//! page on `/` that talks to it.
//!
//! ```text
//! cargo run -p wswire-tokio --release --example hyper_upgrade [ADDR]
//! ```
//!
//! ADDR defaults to 127.0.0.1:9002; open `http://ADDR/` in a browser. The request is
//! validated by the core (`support/upgrade.rs`), hyper sends the `101` the core wrote, and
//! the connection runs over `hyper::upgrade::on(request)`.

mod support;

use std::convert::Infallible;
use std::process::ExitCode;

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
use wswire::{Accept, DeflateConfig, ServerConfig};
use wswire_tokio::WebSocketStream;

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

async fn handle(mut request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match request.uri().path() {
        "/" => Response::builder()
            .header(CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Bytes::from_static(PAGE.as_bytes()))
            .expect("a valid response"),
        "/ws" => {
            let config = ServerConfig::new()
                .connection(wswire_tokio::default_config())
                .deflate(DeflateConfig::new());
            match support::upgrade::upgrade(&request, config, Accept::new()) {
                (switching, Some(conn)) => {
                    tokio::spawn(async move {
                        match hyper::upgrade::on(&mut request).await {
                            Ok(upgraded) => {
                                let ws =
                                    WebSocketStream::from_connection(TokioIo::new(upgraded), conn);
                                echo(ws).await;
                            }
                            Err(e) => eprintln!("hyper_upgrade: upgrade failed: {e}"),
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

async fn echo(mut ws: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) {
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
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let served = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service_fn(handle))
                .with_upgrades();
            if let Err(e) = served.await {
                eprintln!("hyper_upgrade: {e}");
            }
        });
    }
}
