//! A WebSocket over one HTTP/2 stream (RFC 8441) with hyper's client, next to ordinary
//! requests on other streams of the same connection.
//!
//! ```text
//! cargo run --features http --example h2_client [ws://127.0.0.1:9002/echo]
//! ```
//!
//! Against `h2_server` (or any RFC 8441 server on cleartext HTTP/2 with prior knowledge):
//! a `GET /plain`, then an extended CONNECT whose request wswire builds
//! (`ClientRequest::to_http`) and whose response it checks
//! (`ClientRequest::check_http_response`), text and binary messages of several sizes with
//! permessage-deflate, a `GET /plain` on another stream while a large message is in flight,
//! the closing handshake, and a last `GET /plain` on the same connection. The tokio layer
//! (`wswire-tokio`) runs the WebSocket over the stream, as it runs one over TCP. Prints one
//! line per check and `h2_client: N passed, M failed`; exits non-zero if any failed.

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use wswire::{ClientConfig, ClientRequest, CloseCode, DeflateConfig, HttpVersion, WsUrl};
use wswire_tokio::{Message, WebSocketStream};

/// Message sizes, each sent as text and as binary: the frame length encodings' edges and
/// a large message.
const SIZES: [usize; 7] = [0, 1, 125, 126, 65_535, 65_536, 1 << 20];
/// The whole exchange must end within this.
const LIMIT: Duration = Duration::from_secs(60);

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[derive(Default)]
struct Report {
    passed: usize,
    failed: usize,
}

impl Report {
    fn check(&mut self, name: &str, ok: bool, detail: impl std::fmt::Display) {
        if ok {
            self.passed += 1;
            println!("ok   h2 {name} - {detail}");
        } else {
            self.failed += 1;
            println!("FAIL h2 {name}: {detail}");
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9002/echo".to_owned());
    let mut report = Report::default();
    match tokio::time::timeout(LIMIT, run(&url, &mut report)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => report.check("exchange", false, e),
        Err(_) => report.check("exchange", false, format!("not done within {LIMIT:?}")),
    }
    println!(
        "h2_client: {} passed, {} failed",
        report.passed, report.failed
    );
    if report.failed == 0 && report.passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run(url: &str, report: &mut Report) -> Result<()> {
    let url = WsUrl::parse(url)?;
    let tcp = TcpStream::connect((url.host(), url.port())).await?;
    tcp.set_nodelay(true)?;
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("h2_client: connection: {e}");
        }
    });

    // An ordinary request first; its answer also means the server's SETTINGS, which
    // allow the extended CONNECT (RFC 8441 §3), have arrived.
    let body = get_plain(&mut sender, &url).await?;
    report.check(
        "GET /plain before the WebSocket",
        !body.is_empty(),
        body.trim(),
    );

    // The extended CONNECT: wswire builds the request and checks the response; hyper
    // carries :protocol as its own extension.
    let config = ClientConfig::from_url(url.clone()).deflate(DeflateConfig::new());
    let ws = ClientRequest::new(config, HttpVersion::Http2)?;
    let mut request = ws.to_http()?.map(|()| Empty::<Bytes>::new());
    request
        .extensions_mut()
        .insert(hyper::ext::Protocol::from_static("websocket"));
    let mut response = sender.send_request(request).await?;
    let status = response.status();
    let conn = ws.check_http_response(&response)?.connection;
    report.check("extended CONNECT", status.is_success(), status);
    let deflate = conn.deflate().map(|p| p.to_extension().to_string());
    report.check(
        "permessage-deflate negotiated",
        deflate.is_some(),
        deflate.unwrap_or_default(),
    );
    let io = TokioIo::new(hyper::upgrade::on(&mut response).await?);
    let mut ws = WebSocketStream::from_connection(io, conn);

    for (i, &size) in SIZES.iter().enumerate() {
        let text = sample_text(size, i as u32);
        let echoed = roundtrip(&mut ws, Message::text(text.clone())).await?;
        report.check(
            &format!("text {size}"),
            echoed == Message::text(text.clone()),
            "echoed",
        );
        let binary = Message::binary(text.into_bytes());
        if size == 1 << 20 {
            // Another stream of the same connection serves a request while this stream
            // carries a megabyte each way.
            let mut other = sender.clone();
            let (plain, echoed) = tokio::join!(
                get_plain(&mut other, &url),
                roundtrip(&mut ws, binary.clone()),
            );
            let plain = plain?;
            report.check(
                "GET /plain during the WebSocket",
                !plain.is_empty(),
                plain.trim(),
            );
            report.check(&format!("binary {size}"), echoed? == binary, "echoed");
        } else {
            let echoed = roundtrip(&mut ws, binary.clone()).await?;
            report.check(&format!("binary {size}"), echoed == binary, "echoed");
        }
    }

    // The closing handshake, then the server ends the stream: the layer's stream ends with
    // it, before the layer would stop waiting on its own (LINGER).
    ws.send(Message::close(CloseCode::NORMAL, "done")).await?;
    let started = tokio::time::Instant::now();
    let mut reply = None;
    while let Some(message) = ws.recv().await {
        reply = Some(message?);
    }
    report.check(
        "closing handshake",
        // The server's reply echoes the code (RFC 6455 §5.5.1).
        reply == Some(Message::close(CloseCode::NORMAL, "")),
        format!("{reply:?}"),
    );
    let waited = started.elapsed();
    report.check(
        "server ended the stream",
        waited < wswire_tokio::LINGER,
        format!("after {waited:?}"),
    );

    let body = get_plain(&mut sender, &url).await?;
    report.check(
        "GET /plain after the WebSocket",
        !body.is_empty(),
        body.trim(),
    );
    Ok(())
}

/// Sends one message and waits for the next data message.
async fn roundtrip<S>(ws: &mut WebSocketStream<S>, message: Message) -> Result<Message>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    ws.send(message).await?;
    loop {
        match ws.recv().await {
            Some(Ok(message)) if message.is_data() => return Ok(message),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => return Err("the server ended the stream".into()),
        }
    }
}

/// `GET /plain` on a new stream of the connection; its body.
async fn get_plain(sender: &mut SendRequest<Empty<Bytes>>, url: &WsUrl) -> Result<String> {
    let request =
        hyper::Request::get(format!("http://{}/plain", url.host_header())).body(Empty::new())?;
    let response = sender.send_request(request).await?;
    if response.status() != hyper::StatusCode::OK {
        return Err(format!("GET /plain: {}", response.status()).into());
    }
    let body = response.into_body().collect().await?.to_bytes();
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// `size` bytes of text that compresses like prose, not like a run of one byte.
fn sample_text(size: usize, seed: u32) -> String {
    const WORDS: [&str; 8] = [
        "stream ", "frame ", "over ", "one ", "HTTP/2 ", "é ", "ok ", "\n",
    ];
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut text = String::with_capacity(size + 8);
    while text.len() < size {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        text.push_str(WORDS[(state >> 16) as usize % WORDS.len()]);
    }
    while text.len() > size {
        text.pop();
    }
    while text.len() < size {
        text.push('.');
    }
    text
}
