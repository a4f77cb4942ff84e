//! wswire (crate docs to come)
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod buffer;
mod close;
mod connection;
mod error;
pub mod frame;
mod keys;
mod utf8;

pub use close::{CloseCode, MAX_CLOSE_REASON};
pub use connection::{
    Config, Connection, ConnectionState, Delivery, Event, MessageKind, OwnedEvent, Role,
    TransportAction,
};
pub use error::{ProtocolError, UsageError};
#[cfg(feature = "getrandom")]
pub use keys::OsRandom;
pub use keys::{KeySource, SeededKeys};
