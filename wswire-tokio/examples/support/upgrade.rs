//! The hand-over from an HTTP library (hyper, axum) to wswire, with the core's `http`
//! feature: the library parsed the request; the core checks it as a WebSocket upgrade
//! (RFC 6455 §4.2.1) with the server's policies, negotiates the subprotocol and
//! permessage-deflate, and answers with the `101` (or a refusal: `400`, `403`, `426`) as
//! an `http::Response`; the library sends it and hands over the upgraded transport, which
//! `WebSocketStream::from_connection` drives. `docs/handover.md` has the other paths.

use std::convert::Infallible;
use std::future::Future;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wswire::{Accept, ServerConfig};
use wswire_tokio::WebSocketStream;

/// The transport hyper hands over after the `101`, as tokio sees it.
pub type Upgraded = TokioIo<hyper::upgrade::Upgraded>;

/// Answers an upgrade request: the core checks it; once hyper has sent the `101` and
/// handed the transport over, `run` gets the WebSocket in a task of its own. Returns the
/// response to send: the `101`, or the core's refusal.
pub fn answer<B, F, Fut>(mut request: Request<B>, config: &ServerConfig, run: F) -> Response<Bytes>
where
    F: FnOnce(WebSocketStream<Upgraded>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let checked = match config.check_http_request(&request, None) {
        Ok(checked) => checked,
        Err(refusal) => return refusal.response().to_http().map(Bytes::from),
    };
    let handover = match checked.accept(Accept::new()) {
        Ok(handover) => handover,
        Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}\n")),
    };
    let conn = handover.connection;
    let upgraded = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match upgraded.await {
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
    handover.response.to_http().map(Bytes::from)
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

fn plain(status: StatusCode, text: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::copy_from_slice(text.as_bytes()));
    *response.status_mut() = status;
    response
}
