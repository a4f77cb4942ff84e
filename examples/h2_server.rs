//! WebSockets over HTTP/2 (RFC 8441) behind hyper: one HTTP/2 connection serves ordinary
//! requests and WebSocket streams side by side.
//!
//! ```text
//! cargo run --features http --example h2_server [ADDR] [--tls]
//! ```
//!
//! ADDR defaults to 127.0.0.1:9002 (port 0: one the system picks, printed). HTTP/2 over
//! cleartext TCP with prior knowledge (h2c), or with `--tls` over TLS with a certificate
//! made at start-up and ALPN `h2`, as browsers require:
//!
//! - `GET /plain` answers `200` with a short text body;
//! - an extended CONNECT to `/echo` (`:protocol` `websocket`) is checked by wswire, answered
//!   `200` by hyper, and echoes every message over its stream, with permessage-deflate
//!   when the client offers it;
//! - anything else gets `404`.
//!
//! hyper parses the request and writes the response; wswire only checks the one and builds
//! the other (`ServerConfig::check_http_request`, `Request::accept`), then the tokio layer
//! (`wswire-tokio`) runs the WebSocket over the stream hyper hands over
//! (`hyper::upgrade::on`), as it runs one over a TCP connection.

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::PrivateKeyDer;
use wswire::{Accept, Connection, DeflateConfig, ServerConfig};
use wswire_tokio::WebSocketStream;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut addr = "127.0.0.1:9002".to_owned();
    let mut tls = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--tls" => tls = true,
            flag if flag.starts_with('-') => {
                eprintln!("unknown option {flag}\nusage: h2_server [ADDR] [--tls]");
                return ExitCode::from(2);
            }
            _ => addr = arg,
        }
    }
    let acceptor = match tls.then(tls_acceptor).transpose() {
        Ok(acceptor) => acceptor,
        Err(e) => {
            eprintln!("cannot set up TLS: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = Arc::new(ServerConfig::new().deflate(DeflateConfig::new()));
    // The bound address: with port 0, the one the system chose.
    let bound = listener.local_addr().map_or(addr, |a| a.to_string());
    let scheme = if tls { "https" } else { "http" };
    eprintln!("h2_server listening on {scheme}://{bound}");
    loop {
        let Ok((tcp, peer)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let config = Arc::clone(&config);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let served = match acceptor {
                None => serve(TokioIo::new(tcp), config).await,
                Some(acceptor) => match acceptor.accept(tcp).await {
                    Ok(tls) => serve(TokioIo::new(tls), config).await,
                    Err(e) => Err(e.into()),
                },
            };
            match served {
                Err(e) if !peer_left(&*e) => eprintln!("{peer}: {e}"),
                _ => {}
            }
        });
    }
}

/// Whether an error only says that the peer went away (a browser closing, say), which is
/// no error of the server's.
fn peer_left(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            return matches!(
                io.kind(),
                BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof
            );
        }
        source = error.source();
    }
    false
}

/// Serves one HTTP/2 connection.
async fn serve<I>(io: I, config: Arc<ServerConfig>) -> Result<(), Box<dyn std::error::Error>>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |request| route(request, Arc::clone(&config)));
    // RFC 8441 §3: SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 lets clients send extended
    // CONNECTs.
    hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .enable_connect_protocol()
        .serve_connection(io, service)
        .await?;
    Ok(())
}

/// TLS with a certificate for 127.0.0.1 and localhost made now, offering only HTTP/2 by
/// ALPN. Browsers trust it only when told to (`--ignore-certificate-errors`).
fn tls_acceptor() -> Result<TlsAcceptor, Box<dyn std::error::Error>> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let key = PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)?;
    tls.alpn_protocols = vec![b"h2".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(tls)))
}

type Reply = Response<Full<Bytes>>;

async fn route(
    mut request: Request<Incoming>,
    config: Arc<ServerConfig>,
) -> Result<Reply, Infallible> {
    match request.uri().path() {
        "/plain" if request.method() == hyper::Method::GET => {
            Ok(Response::new(Full::from("plain response over HTTP/2\n")))
        }
        "/echo" => {
            // The :protocol pseudo-header field, which hyper carries as an extension.
            let protocol = request
                .extensions()
                .get::<hyper::ext::Protocol>()
                .map(|p| p.as_str().to_owned());
            let checked = match config.check_http_request(&request, protocol.as_deref()) {
                Ok(checked) => checked,
                Err(refusal) => {
                    eprintln!("/echo refused: {refusal}");
                    return Ok(refusal.response().to_http().map(Full::from));
                }
            };
            let handover = match checked.accept(Accept::new()) {
                Ok(handover) => handover,
                Err(e) => {
                    let mut reply = Response::new(Full::from(e.to_string()));
                    *reply.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                    return Ok(reply);
                }
            };
            if let Some(params) = handover.connection.deflate() {
                eprintln!("/echo: {}", params.to_extension());
            }
            // The stream is ours once hyper has sent the 200.
            let upgrade = hyper::upgrade::on(&mut request);
            let connection = handover.connection;
            tokio::spawn(async move {
                match upgrade.await {
                    Ok(upgraded) => {
                        if let Err(e) = echo(TokioIo::new(upgraded), connection).await {
                            eprintln!("/echo: {e}");
                        }
                    }
                    Err(e) => eprintln!("/echo: no stream: {e}"),
                }
            });
            Ok(handover.response.to_http().map(Full::from))
        }
        _ => {
            let mut reply = Response::new(Full::from("not found\n"));
            *reply.status_mut() = hyper::StatusCode::NOT_FOUND;
            Ok(reply)
        }
    }
}

/// Echoes every message until the closing handshake; the layer then ends the stream
/// (RFC 8441 §5: END_STREAM stands for the TCP close of RFC 6455).
async fn echo<S>(io: S, conn: Connection) -> Result<(), wswire_tokio::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut ws = WebSocketStream::from_connection(io, conn);
    while let Some(message) = ws.recv().await {
        let message = message?;
        if message.is_data() {
            ws.send(message).await?;
        }
    }
    Ok(())
}
