//! A WebSocket (RFC 6455) protocol engine with no I/O: bytes in, events and bytes out.
//!
//! `wswire` does the whole protocol, client and server: the opening handshake with every
//! header checked, framing and masking, fragmentation, fail-fast UTF-8 validation, the
//! closing handshake and the limits that keep a hostile peer from exhausting memory. It
//! owns no socket, thread, timer or global random number generator, so any runtime (std,
//! tokio, mio, an embedded stack, an HTTP library's upgrade) can drive it, and a test can
//! drive it with byte strings.
//!
//! # The drive loop
//!
//! A server over blocking `std::net` (see `examples/echo_server.rs` for the whole program):
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use wswire::{Accept, Event, ServerConfig, ServerHandshake, TransportAction};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = std::net::TcpListener::bind("127.0.0.1:9001")?;
//! let (mut sock, _) = listener.accept()?;
//!
//! // 1. The handshake: feed bytes until the request is complete.
//! let mut handshake = ServerHandshake::new(ServerConfig::new());
//! let mut buf = [0u8; 4096];
//! let request = loop {
//!     let n = sock.read(&mut buf)?;
//!     match handshake.receive(&buf[..n]) {
//!         Ok(Some(request)) => break request,
//!         Ok(None) => continue,
//!         Err(refusal) => return Ok(sock.write_all(&refusal.response())?),
//!     }
//! };
//! println!("upgrade to {}", request.path());
//! let mut conn = handshake.accept(Accept::new())?; // the 101 response is queued
//!
//! // 2. The connection: write what is queued, read, take events.
//! while conn.transport() == TransportAction::KeepOpen {
//!     let n = sock.write(conn.pending_output())?;
//!     conn.consume_output(n);
//!     let n = sock.read(conn.input_buffer())?; // no intermediate copy
//!     if n == 0 { break }
//!     conn.commit_input(n);
//!     while let Some(event) = conn.poll_event()? {
//!         if let Event::Text(text) = event {
//!             let reply = text.to_uppercase();
//!             conn.send_text(&reply)?;
//!         }
//!     }
//! }
//! sock.write_all(conn.pending_output())?; // the Close frame, for one
//! # Ok(())
//! # }
//! ```
//!
//! # Shape
//!
//! - [`ServerHandshake`] and [`ClientHandshake`] turn HTTP bytes into a [`Connection`],
//!   carrying over whatever frames arrived with the handshake; they are built on the
//!   parts API below, which an HTTP stack uses directly.
//! - [`Connection`] buffers input, reports [`Event`]s in wire order (borrowing payloads
//!   from its buffers: no copy for a single-frame message), and queues output that the
//!   caller drains at its own pace.
//! - Peer faults are [`ProtocolError`]s, each with the [`CloseCode`] already sent; caller
//!   mistakes are [`UsageError`]s that change nothing.
//! - Every key a client needs comes from a [`KeySource`]: [`OsRandom`] by default (feature
//!   `getrandom`), [`SeededKeys`] or your own for reproducible tests.
//!
//! # Behind an HTTP stack
//!
//! A server behind hyper, axum or h2, or a client on a stack that sends requests itself,
//! hands the parsed request or response to the same checks:
//! [`ServerConfig::check_request`] (HTTP/1.x parts), [`ServerConfig::check_extended_connect`]
//! (WebSockets over HTTP/2, RFC 8441, and HTTP/3, RFC 9220), and with the feature `http`,
//! `ServerConfig::check_http_request` for an `http::Request`. The [`Request`] they return
//! answers with [`ResponseParts`] for the stack to send and an open [`Connection`]
//! ([`Handover`]); [`ClientRequest`] is the client's side. `docs/handover.md` in the
//! repository shows the three paths (raw bytes, parsed parts, HTTP/2 and HTTP/3 streams)
//! with code, and `examples/h2_server.rs` and `examples/h2_client.rs` run WebSockets over
//! HTTP/2 with hyper.
//!
//! `docs/architecture.md` in the repository draws the states and the drive order.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod buffer;
mod close;
mod connection;
mod deflate;
mod error;
mod extensions;
pub mod frame;
mod handshake;
mod keys;
mod utf8;

pub use close::{CloseCode, MAX_CLOSE_REASON};
pub use connection::{
    Config, Connection, ConnectionState, Delivery, Event, MessageKind, OwnedEvent, Role,
    TransportAction,
};
pub use deflate::{DeflateConfig, DeflateNegotiationError, DeflateParams, PERMESSAGE_DEFLATE};
pub use error::{ProtocolError, UsageError};
pub use extensions::{Extension, ExtensionParam, ExtensionsSyntaxError};
pub use handshake::client::{
    Accepted, ClientConfig, ClientHandshake, ClientRequest, Rejection, ResponseError,
};
pub use handshake::parts::{HttpVersion, ResponseParts};
pub use handshake::server::{
    Accept, Handover, OriginPolicy, Refusal, Request, RequestError, ServerConfig, ServerHandshake,
};
pub use handshake::url::{UrlError, WsUrl};
pub use handshake::{Headers, accept_key};
#[cfg(feature = "getrandom")]
pub use keys::OsRandom;
pub use keys::{KeySource, SeededKeys};

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// docs/handover.md's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../docs/handover.md")]
pub struct HandoverDoctests;
