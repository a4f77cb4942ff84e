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

use bytes::Bytes;
use http::{Request, Response, StatusCode, Version};
use wswire::{Accept, Connection, ServerConfig, ServerHandshake};

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
