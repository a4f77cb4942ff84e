//! WebSockets on tokio, driven by the [`wswire`] protocol engine.
//!
//! `wswire` is sans-IO: bytes in, events and bytes out. This crate is the thin layer that
//! moves those bytes over a tokio transport and gives the connection tokio's clock; the
//! core decides everything about the protocol (what to answer, when to close, every
//! limit). What it adds:
//!
//! - [`accept`] / [`accept_with`] for a server over any `AsyncRead + AsyncWrite + Unpin`,
//!   [`connect`] (DNS, TCP, TLS for `wss://` with the `rustls` feature) and [`client`]
//!   over a transport of your own;
//! - [`WebSocketStream`]: a `futures` [`Stream`](futures_core::Stream) of [`Message`]s and
//!   a [`Sink`](futures_sink::Sink) of them, or plain `async fn`
//!   [`recv`](WebSocketStream::recv) / [`send`](WebSocketStream::send) /
//!   [`close`](WebSocketStream::close);
//! - [`split`](WebSocketStream::split) into a [`WebSocketReader`] and a
//!   [`WebSocketWriter`] for two tasks: Pongs and the Close reply go out while only the
//!   reader is polled, and a large send never holds up reading;
//! - the core's timers (keep-alive Pings, pong, idle and close timeouts: set them in
//!   [`wswire::Config`]) on tokio's clock, and its output limit
//!   ([`Config::max_pending_output`](wswire::Config::max_pending_output)) as `poll_ready`
//!   backpressure;
//! - [`WebSocketStream::from_connection`] for a connection whose HTTP part an HTTP
//!   library did (hyper's upgrade, axum; the repository's examples show both).
//!
//! # An echo server and a client
//!
//! ```
//! use futures_util::{SinkExt, StreamExt};
//! use wswire_tokio::Message;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("ws://{}/", listener.local_addr()?);
//!
//! // The server: every data message comes back.
//! tokio::spawn(async move {
//!     while let Ok((tcp, _)) = listener.accept().await {
//!         tokio::spawn(async move {
//!             let mut ws = wswire_tokio::accept(tcp).await?;
//!             while let Some(message) = ws.next().await {
//!                 let message = message?;
//!                 if message.is_data() {
//!                     ws.send(message).await?;
//!                 }
//!             }
//!             Ok::<_, wswire_tokio::Error>(())
//!         });
//!     }
//! });
//!
//! // The client.
//! let (mut ws, _headers) = wswire_tokio::connect(&url).await?;
//! ws.send(Message::text("hello")).await?;
//! assert_eq!(ws.next().await.transpose()?, Some(Message::text("hello")));
//! ws.close(wswire::CloseCode::NORMAL, "done").await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Two tasks
//!
//! ```no_run
//! use futures_util::StreamExt;
//! # async fn f(ws: wswire_tokio::WebSocketStream<tokio::net::TcpStream>) -> Result<(), wswire_tokio::Error> {
//! let (mut reader, mut writer) = ws.split();
//! let sending = tokio::spawn(async move {
//!     for i in 0..10 {
//!         writer.send(format!("tick {i}")).await?;
//!     }
//!     writer.close(wswire::CloseCode::NORMAL, "").await
//! });
//! while let Some(message) = reader.next().await {
//!     println!("{:?}", message?); // Pings answered here, whatever the writer does
//! }
//! sending.await.expect("the task ran")?;
//! # Ok(()) }
//! ```
//!
//! # Layers
//!
//! ```text
//!   TCP (tokio)  →  TLS (rustls, optional)  →  HTTP/1.1 upgrade  →  WebSocket frames
//!   TcpStream       MaybeTlsStream            ServerHandshake /     Connection
//!                                             ClientHandshake       (wswire, sans-IO)
//!                                             or an HTTP library
//! ```
//!
//! The core knows nothing of the layers under it; this crate knows nothing of the
//! protocol above the bytes. `docs/guide.md` in the repository walks through both, and
//! maps tokio-tungstenite's and axum's calls to these.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod error;
mod handshake;
mod message;
mod stream;
mod tls;

pub use error::Error;
pub use handshake::{
    Connector, HANDSHAKE_TIMEOUT, Reject, accept, accept_with, client, connect, default_config,
};
pub use message::{CloseFrame, Message, Utf8Bytes};
pub use stream::{LINGER, WebSocketReader, WebSocketStream, WebSocketWriter};
pub use tls::MaybeTlsStream;

/// The core, re-exported so that one dependency brings both.
pub use wswire;
