//! Owned messages: what a [`WebSocketStream`](crate::WebSocketStream) yields and takes.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;
use wswire::{CloseCode, OwnedEvent};

use crate::Error;

/// UTF-8 text that clones in O(1): a shared `String`.
///
/// Made from a `String` without copying it; turned back into one (or into [`Bytes`])
/// without copying when this is the only clone. A message cloned to many connections
/// shares one payload, which a server writes from here without copying
/// ([`Connection::send_shared_text`](wswire::Connection::send_shared_text)).
///
/// (tokio-tungstenite's `Utf8Bytes` wraps `Bytes` and reads it as `&str` with `unsafe`;
/// this crate forbids `unsafe`, so the text stays a `String` behind an `Arc`, which gives
/// `as_str` in O(1) all the same.)
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf8Bytes(Arc<String>);

impl Utf8Bytes {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as a `String`: no copy unless other clones share it.
    pub fn into_string(self) -> String {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }

    /// The text, when this is its only owner; itself otherwise.
    pub(crate) fn try_into_unique(self) -> Result<String, Self> {
        Arc::try_unwrap(self.0).map_err(Self)
    }

    /// The text's bytes: no copy either way (a shared text becomes the owner of the
    /// `Bytes`).
    pub fn into_bytes(self) -> Bytes {
        match Arc::try_unwrap(self.0) {
            Ok(text) => Bytes::from(text),
            Err(shared) => Bytes::from_owner(SharedText(shared)),
        }
    }
}

/// Lets `Bytes` own a shared text.
struct SharedText(Arc<String>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl Deref for Utf8Bytes {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for Utf8Bytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Self(Arc::new(text))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(text: &str) -> Self {
        Self(Arc::new(text.to_owned()))
    }
}

impl From<Utf8Bytes> for String {
    fn from(text: Utf8Bytes) -> Self {
        text.into_string()
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(text: Utf8Bytes) -> Self {
        text.into_bytes()
    }
}

impl TryFrom<Bytes> for Utf8Bytes {
    type Error = std::string::FromUtf8Error;
    /// Checks the bytes; no copy when this `Bytes` is their only owner.
    fn try_from(bytes: Bytes) -> Result<Self, Self::Error> {
        String::from_utf8(Vec::from(bytes)).map(Self::from)
    }
}

impl TryFrom<Vec<u8>> for Utf8Bytes {
    type Error = std::string::FromUtf8Error;
    fn try_from(bytes: Vec<u8>) -> Result<Self, Self::Error> {
        String::from_utf8(bytes).map(Self::from)
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A Close frame's content: the code and the reason (at most 123 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// Why the connection closes.
    pub code: CloseCode,
    /// Words for people, possibly empty.
    pub reason: Utf8Bytes,
}

/// A WebSocket message, owning its payload.
///
/// Converts from `String` and `&str` (text), `Vec<u8>`, `&[u8]` and [`Bytes`] (binary),
/// and back into `Bytes`, `Vec<u8>` and (if it is UTF-8) `String`, or with
/// [`into_data`](Self::into_data) and [`into_text`](Self::into_text), without copying
/// where the payload is not shared.
///
/// ```
/// use wswire_tokio::Message;
/// let text = Message::from("hello");
/// assert!(text.is_text());
/// assert_eq!(text.to_text().unwrap(), "hello");
/// let binary = Message::from(vec![1u8, 2, 3]);
/// assert_eq!(binary.into_data(), &[1u8, 2, 3][..]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A Ping (at most 125 bytes). Received Pings are answered automatically; this is
    /// yielded so the application can see them.
    Ping(Bytes),
    /// A Pong (at most 125 bytes).
    Pong(Bytes),
    /// A Close frame: received, the peer's (the reply is already on its way); sent, starts
    /// the closing handshake (`None` sends 1000, normal closure).
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Self::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Self::Binary(data.into())
    }

    /// A Ping carrying `data` (at most 125 bytes).
    pub fn ping(data: impl Into<Bytes>) -> Self {
        Self::Ping(data.into())
    }

    /// A Pong carrying `data` (at most 125 bytes).
    pub fn pong(data: impl Into<Bytes>) -> Self {
        Self::Pong(data.into())
    }

    /// A Close frame with `code` and `reason`.
    pub fn close(code: CloseCode, reason: impl Into<Utf8Bytes>) -> Self {
        Self::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    }

    /// Whether this is a text message.
    pub fn is_text(&self) -> bool {
        matches!(self, Self::Text(_))
    }

    /// Whether this is a binary message.
    pub fn is_binary(&self) -> bool {
        matches!(self, Self::Binary(_))
    }

    /// Whether this is a Ping.
    pub fn is_ping(&self) -> bool {
        matches!(self, Self::Ping(_))
    }

    /// Whether this is a Pong.
    pub fn is_pong(&self) -> bool {
        matches!(self, Self::Pong(_))
    }

    /// Whether this is a Close frame.
    pub fn is_close(&self) -> bool {
        matches!(self, Self::Close(_))
    }

    /// Whether this is a data message (text or binary), as opposed to a control frame.
    pub fn is_data(&self) -> bool {
        matches!(self, Self::Text(_) | Self::Binary(_))
    }

    /// The payload's length in bytes (a Close frame's: its reason's).
    pub fn len(&self) -> usize {
        self.as_payload().len()
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload's bytes (a Close frame's: its reason).
    pub fn as_payload(&self) -> &[u8] {
        match self {
            Self::Text(text) => text.as_bytes(),
            Self::Binary(data) | Self::Ping(data) | Self::Pong(data) => data,
            Self::Close(Some(frame)) => frame.reason.as_bytes(),
            Self::Close(None) => &[],
        }
    }

    /// The payload as `Bytes` (a Close frame's: its reason), without copying.
    pub fn into_data(self) -> Bytes {
        match self {
            Self::Text(text) => text.into_bytes(),
            Self::Binary(data) | Self::Ping(data) | Self::Pong(data) => data,
            Self::Close(Some(frame)) => frame.reason.into_bytes(),
            Self::Close(None) => Bytes::new(),
        }
    }

    /// The payload as text: a text message's (no copy), or a binary one's if it is UTF-8.
    pub fn into_text(self) -> Result<Utf8Bytes, Error> {
        match self {
            Self::Text(text) => Ok(text),
            Self::Close(Some(frame)) => Ok(frame.reason),
            Self::Close(None) => Ok(Utf8Bytes::default()),
            Self::Binary(data) | Self::Ping(data) | Self::Pong(data) => {
                Utf8Bytes::try_from(data).map_err(|_| Error::NotUtf8)
            }
        }
    }

    /// The payload as `&str`, if it is UTF-8.
    pub fn to_text(&self) -> Result<&str, Error> {
        std::str::from_utf8(self.as_payload()).map_err(|_| Error::NotUtf8)
    }

    pub(crate) fn from_event(event: OwnedEvent) -> Self {
        match event {
            OwnedEvent::Text(text) | OwnedEvent::TextChunk { data: text, .. } => {
                Self::Text(text.into())
            }
            OwnedEvent::Binary(data) | OwnedEvent::BinaryChunk { data, .. } => {
                Self::Binary(data.into())
            }
            OwnedEvent::Ping(data) => Self::Ping(data.into()),
            OwnedEvent::Pong(data) => Self::Pong(data.into()),
            OwnedEvent::Close { code, reason } => {
                Self::Close((code != CloseCode::NO_STATUS).then(|| CloseFrame {
                    code,
                    reason: reason.into(),
                }))
            }
        }
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Self::Text(text.into())
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Self::Text(text.into())
    }
}

impl From<Utf8Bytes> for Message {
    fn from(text: Utf8Bytes) -> Self {
        Self::Text(text)
    }
}

impl From<Vec<u8>> for Message {
    fn from(data: Vec<u8>) -> Self {
        Self::Binary(data.into())
    }
}

impl From<&[u8]> for Message {
    fn from(data: &[u8]) -> Self {
        Self::Binary(Bytes::copy_from_slice(data))
    }
}

impl From<Bytes> for Message {
    fn from(data: Bytes) -> Self {
        Self::Binary(data)
    }
}

impl From<Message> for Bytes {
    /// The payload (see [`Message::into_data`]).
    fn from(message: Message) -> Self {
        message.into_data()
    }
}

impl From<Message> for Vec<u8> {
    /// The payload; no copy when the message was its only owner.
    fn from(message: Message) -> Self {
        Vec::from(message.into_data())
    }
}

impl TryFrom<Message> for String {
    type Error = Error;
    /// The payload as text (see [`Message::into_text`]); no copy when the message was its
    /// only owner.
    fn try_from(message: Message) -> Result<Self, Error> {
        message.into_text().map(Utf8Bytes::into_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_keep_the_payload() {
        let text = String::from("héllo");
        let pointer = text.as_ptr();
        let message = Message::from(text);
        let Message::Text(text) = message.clone() else {
            panic!("not text")
        };
        drop(message);
        // The only clone: back to the same allocation.
        let text = text.into_string();
        assert_eq!(text.as_ptr(), pointer);

        let data = vec![1u8, 2, 3];
        let pointer = data.as_ptr();
        let bytes = Message::from(data).into_data();
        assert_eq!(bytes.as_ptr(), pointer);
        let data = Vec::from(bytes);
        assert_eq!(data.as_ptr(), pointer);
    }

    #[test]
    fn messages_turn_back_into_strings_and_vectors() {
        let text = String::from("back again");
        let pointer = text.as_ptr();
        let back = String::try_from(Message::from(text)).unwrap();
        assert_eq!((back.as_str(), back.as_ptr()), ("back again", pointer));

        let data = vec![9u8; 100];
        let pointer = data.as_ptr();
        let back = Vec::<u8>::from(Message::from(data));
        assert_eq!((back.len(), back.as_ptr()), (100, pointer));

        assert!(String::try_from(Message::binary(vec![0xc3])).is_err());
        assert_eq!(String::try_from(Message::binary(&b"ok"[..])).unwrap(), "ok");
    }

    #[test]
    fn shared_text_becomes_bytes_without_a_copy() {
        let text = Utf8Bytes::from("shared");
        let other = text.clone();
        let bytes = text.into_bytes();
        assert_eq!(bytes.as_ptr(), other.as_ptr());
        assert_eq!(bytes, "shared".as_bytes());
    }

    #[test]
    fn text_of_binary_is_checked() {
        assert_eq!(
            Message::from(&b"ok"[..]).into_text().unwrap().as_str(),
            "ok"
        );
        assert!(Message::from(vec![0xff]).into_text().is_err());
        assert!(Message::from(vec![0xff]).to_text().is_err());
    }

    #[test]
    fn a_close_without_status_has_no_frame() {
        let message = Message::from_event(OwnedEvent::Close {
            code: CloseCode::NO_STATUS,
            reason: String::new(),
        });
        assert_eq!(message, Message::Close(None));
        let message = Message::from_event(OwnedEvent::Close {
            code: CloseCode::NORMAL,
            reason: "bye".into(),
        });
        assert_eq!(message, Message::close(CloseCode::NORMAL, "bye"));
    }
}
