//! What a connection reports: events borrowed from its buffers, and an owned form.

use crate::close::CloseCode;
use alloc::{borrow::ToOwned, string::String, vec::Vec};

/// The kind of a data message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Arbitrary bytes (opcode 0x2).
    Binary,
}

/// Something the peer sent, in wire order.
///
/// Payloads borrow the connection's buffers: no copy is made for a message that arrived in
/// one frame. The borrow ends before the next call that changes the connection; call
/// [`Event::into_owned`] to keep an event longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A whole text message, validated as UTF-8.
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// Part of a text message, delivered as it arrives (with
    /// [`Delivery::Chunks`](crate::Delivery::Chunks)). Chunks never split a character.
    TextChunk {
        /// The next part of the message.
        data: &'a str,
        /// This is the message's final chunk.
        last: bool,
    },
    /// Part of a binary message, delivered as it arrives (with
    /// [`Delivery::Chunks`](crate::Delivery::Chunks)).
    BinaryChunk {
        /// The next part of the message.
        data: &'a [u8],
        /// This is the message's final chunk.
        last: bool,
    },
    /// A Ping. Unless automatic pongs are turned off, the Pong is already queued.
    Ping(&'a [u8]),
    /// A Pong, solicited or not (RFC 6455 §5.5.3 allows unsolicited ones).
    Pong(&'a [u8]),
    /// The peer's Close frame. If this side had not sent one, the reply echoing the code is
    /// already queued (RFC 6455 §5.5.1).
    Close {
        /// The peer's code, or [`CloseCode::NO_STATUS`] when the frame had none
        /// (RFC 6455 §7.1.5).
        code: CloseCode,
        /// The peer's reason, possibly empty.
        reason: &'a str,
    },
}

impl Event<'_> {
    /// Copies the payload out, ending the borrow of the connection.
    pub fn into_owned(self) -> OwnedEvent {
        match self {
            Event::Text(text) => OwnedEvent::Text(text.to_owned()),
            Event::Binary(data) => OwnedEvent::Binary(data.to_vec()),
            Event::TextChunk { data, last } => OwnedEvent::TextChunk {
                data: data.to_owned(),
                last,
            },
            Event::BinaryChunk { data, last } => OwnedEvent::BinaryChunk {
                data: data.to_vec(),
                last,
            },
            Event::Ping(data) => OwnedEvent::Ping(data.to_vec()),
            Event::Pong(data) => OwnedEvent::Pong(data.to_vec()),
            Event::Close { code, reason } => OwnedEvent::Close {
                code,
                reason: reason.to_owned(),
            },
        }
    }
}

/// An [`Event`] that owns its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // each variant mirrors the `Event` variant of the same name
pub enum OwnedEvent {
    Text(String),
    Binary(Vec<u8>),
    TextChunk { data: String, last: bool },
    BinaryChunk { data: Vec<u8>, last: bool },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close { code: CloseCode, reason: String },
}
