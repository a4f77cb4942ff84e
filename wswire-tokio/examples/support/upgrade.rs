//! The hand-over from an HTTP library (hyper, axum) to wswire: the library parsed the
//! request; the core validates it as a WebSocket upgrade (RFC 6455 §4.2.1), negotiates the
//! subprotocol and permessage-deflate, and writes the `101` (or the refusal); the library
//! sends that response and gives back the upgraded transport, which
//! `WebSocketStream::from_connection` drives.
//!
//! The core's handshake reads HTTP/1.1 bytes, so the request's head is written out as
//! such and the core's answer read back into an `http::Response`. (A handshake on parsed
//! parts, with the `http` crate's types, is on its way to the core; it will replace the
//! two conversions here.)

use std::convert::Infallible;
use std::future::Future;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{Request, Response, StatusCode, Version};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wswire::{Accept, Connection, ServerConfig, ServerHandshake};
use wswire_tokio::WebSocketStream;

/// The transport hyper hands over after the `101`, as tokio sees it.
pub type Upgraded = TokioIo<hyper::upgrade::Upgraded>;

/// Answers an upgrade request: the core validates it; once hyper has sent the `101` and
/// handed the transport over, `run` gets the WebSocket in a task of its own. Returns the
/// response to send: the `101`, or the core's refusal.
pub fn answer<B, F, Fut>(mut request: Request<B>, config: ServerConfig, run: F) -> Response<Bytes>
where
    B: Send + 'static,
    F: FnOnce(WebSocketStream<Upgraded>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let (response, conn) = upgrade(&request, config, Accept::new());
    if let Some(conn) = conn {
        tokio::spawn(async move {
            match hyper::upgrade::on(&mut request).await {
                Ok(upgraded) => {
                    run(WebSocketStream::from_connection(
                        TokioIo::new(upgraded),
                        conn,
                    ))
                    .await;
                }
                Err(e) => eprintln!("upgrade failed: {e}"),
            }
        });
    }
    response
}

/// An HTML page.
pub fn page(html: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(html.as_bytes()));
    let html = http::HeaderValue::from_static("text/html; charset=utf-8");
    response.headers_mut().insert(CONTENT_TYPE, html);
    response
}

/// `404 Not Found`.
pub fn not_found() -> Response<Bytes> {
    plain(StatusCode::NOT_FOUND, "not found\n")
}

/// Serves HTTP/1.1, upgrades allowed, one task per connection: `handle` answers each
/// request. `name` prefixes what is logged.
pub async fn serve<F, Fut>(listener: TcpListener, name: &'static str, handle: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Bytes>> + Send + 'static,
{
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let response = handle(request);
                async move { Ok::<_, Infallible>(response.await.map(Full::new)) }
            });
            let served = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades();
            if let Err(e) = served.await {
                eprintln!("{name}: {e}");
            }
        });
    }
}

/// Validates `request` as a WebSocket upgrade with `config`. Returns the response to send
/// and, when it is the `101`, the connection to run over the upgraded transport; otherwise
/// the response is a refusal (`400`, `403`, `426`, ...).
pub fn upgrade<B>(
    request: &Request<B>,
    config: ServerConfig,
    accept: Accept,
) -> (Response<Bytes>, Option<Connection>) {
    if request.version() != Version::HTTP_11 {
        // HTTP/2 and 3 upgrade with an extended CONNECT (RFC 8441, RFC 9220), not this.
        let refusal = plain(StatusCode::HTTP_VERSION_NOT_SUPPORTED, "HTTP/1.1 only\n");
        return (refusal, None);
    }
    let mut handshake = ServerHandshake::new(config);
    match handshake.receive(&head(request)) {
        Ok(Some(_request)) => {}
        Ok(None) => return (plain(StatusCode::BAD_REQUEST, "incomplete request\n"), None),
        Err(invalid) => return (read_response(&invalid.response()), None),
    }
    let mut conn = match handshake.accept(accept) {
        Ok(conn) => conn,
        Err(e) => {
            let error = plain(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}\n"));
            return (error, None);
        }
    };
    // The 101 is all the connection has queued; the library writes it instead.
    let response = read_response(conn.pending_output());
    conn.consume_output(conn.pending_output_len());
    (response, Some(conn))
}

/// The request's head as HTTP/1.1 bytes.
fn head<B>(request: &Request<B>) -> Vec<u8> {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let mut head = format!("{} {target} HTTP/1.1\r\n", request.method()).into_bytes();
    for (name, value) in request.headers() {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// A response the core wrote (status line, fields, body) as an `http::Response`.
fn read_response(bytes: &[u8]) -> Response<Bytes> {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(bytes.len());
    let head = String::from_utf8_lossy(&bytes[..end]);
    let body = Bytes::copy_from_slice(bytes.get(end + 4..).unwrap_or_default());
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::builder().status(status);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    response
        .body(body)
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, ""))
}

fn plain(status: StatusCode, text: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::copy_from_slice(text.as_bytes()));
    *response.status_mut() = status;
    response
}
