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
//!     if n == 0 {
//!         return Ok(()); // the client left before its request was complete
//!     }
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
//!     while conn.pending_output_len() > 0 {
//!         let n = sock.write(conn.pending_output())?;
//!         conn.consume_output(n);
//!     }
//!     match sock.read(conn.input_buffer())? { // no intermediate copy
//!         0 => conn.receive_eof(), // buffered events come first, then the end
//!         n => conn.commit_input(n),
//!     }
//!     loop {
//!         match conn.poll_event() {
//!             Ok(Some(Event::Text(text))) => {
//!                 let reply = text.to_uppercase();
//!                 conn.send_text(&reply)?;
//!             }
//!             Ok(Some(_)) => {} // Pings are answered and Closes replied to for us
//!             Ok(None) => break,
//!             Err(error) => {
//!                 // The peer broke the protocol (or left without closing): the Close
//!                 // frame with the error's code, if it has one, is queued; send it
//!                 // before giving up on the connection.
//!                 let _ = sock.write_all(conn.pending_output());
//!                 return Err(error.into());
//!             }
//!         }
//!     }
//! }
//! sock.write_all(conn.pending_output())?; // the closing handshake's last frame, for one
//! # Ok(())
//! # }
//! ```
//!
//! # Full duplex, with time
//!
//! An async runtime reads and writes at once: [`Connection::io`] lends the input space and
//! the pending output together, so one `select!` waits on both, and on the next deadline
//! of the connection's timers (keep-alive, idle and closing timeouts: all in [`Config`]).
//! The clock is the caller's: a `Duration` since an epoch it chooses.
//!
//! ```no_run
//! use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
//! use tokio::time::{Instant, sleep_until};
//! use wswire::{Connection, Event, TransportAction};
//!
//! async fn drive(
//!     conn: &mut Connection,
//!     mut reader: impl AsyncRead + Unpin,
//!     mut writer: impl AsyncWrite + Unpin,
//! ) -> std::io::Result<()> {
//!     let epoch = Instant::now();
//!     enum Done { Read(usize), Wrote(usize), Deadline }
//!     while conn.transport() == TransportAction::KeepOpen {
//!         let deadline = conn.poll_timeout().map(|at| epoch + at);
//!         let done = {
//!             let io = conn.io();
//!             tokio::select! {
//!                 n = reader.read(io.input), if !io.input.is_empty() => Done::Read(n?),
//!                 n = writer.write(io.output), if !io.output.is_empty() => Done::Wrote(n?),
//!                 () = sleep_until(deadline.unwrap_or(epoch)), if deadline.is_some() => Done::Deadline,
//!             }
//!         };
//!         match done {
//!             Done::Read(0) => conn.receive_eof(),
//!             Done::Read(n) => conn.commit_input(n),
//!             Done::Wrote(n) => conn.consume_output(n),
//!             Done::Deadline => {}
//!         }
//!         conn.handle_timeout(epoch.elapsed());
//!         while let Ok(Some((event, mut sender))) = conn.poll_event_with_sender() {
//!             if let Event::Text(text) = event {
//!                 let _ = sender.send_text(text); // echo, no copy out
//!             }
//!         }
//!     }
//!     while conn.pending_output_len() > 0 {
//!         let n = writer.write(conn.pending_output()).await?;
//!         conn.consume_output(n);
//!     }
//!     writer.shutdown().await
//! }
//! ```
//!
//! `docs/architecture.md` in the repository has the states, the drive order and the
//! timers; `docs/security.md` every limit.
//!
//! # Threads
//!
//! Every public type is `Send` and `Sync` (a test checks each): a connection or a handshake
//! can move to another thread or task and be shared by reference; every call that changes
//! one takes `&mut self`, so sharing one between tasks that both change it takes the
//! caller's lock. A [`KeySource`] is `Send + Sync` for the same reason.
//!
//! # Shape
//!
//! - [`ServerHandshake`] and [`ClientHandshake`] turn HTTP bytes into a [`Connection`],
//!   carrying over whatever frames arrived with the handshake; they are built on the
//!   parts API below, which an HTTP stack uses directly.
//! - [`Connection`] buffers input, reports [`Event`]s in wire order (borrowing payloads
//!   from its buffers: no copy for a single-frame message), and queues output that the
//!   caller drains at its own pace.
//! - Peer faults are [`ProtocolError`]s, each with the [`CloseCode`] already queued; caller
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
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

extern crate alloc;

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
    Config, Connection, ConnectionState, Delivery, Event, Io, MessageKind, OwnedEvent, Role,
    Sender, TransportAction,
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
