//! wswire (crate docs to come)
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod buffer;
mod close;
mod connection;
mod error;
pub mod frame;
mod handshake;
mod keys;
mod utf8;

pub use close::{CloseCode, MAX_CLOSE_REASON};
pub use connection::{
    Config, Connection, ConnectionState, Delivery, Event, MessageKind, OwnedEvent, Role,
    TransportAction,
};
pub use error::{ProtocolError, UsageError};
pub use handshake::client::{Accepted, ClientConfig, ClientHandshake, Rejection, ResponseError};
pub use handshake::extensions::{Extension, ExtensionParam, ExtensionsSyntaxError};
pub use handshake::server::{
    Accept, OriginPolicy, Request, RequestError, ServerConfig, ServerHandshake,
};
pub use handshake::url::{UrlError, WsUrl};
pub use handshake::{Headers, accept_key};
#[cfg(feature = "getrandom")]
pub use keys::OsRandom;
pub use keys::{KeySource, SeededKeys};
