//! The sending half: what the application may send, and the rules that apply.

use crate::buffer::SharedPayload;
use crate::close::{CloseCode, MAX_CLOSE_REASON};
use crate::error::UsageError;
use crate::frame::{MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, OpCode};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::State;
use super::event::MessageKind;
use super::timers::Timers;
use super::writer::Writer;

/// What the connection sends, and the fragmented message under way.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) writer: Writer,
    /// The fragmented message being sent, if one is: its kind and whether it is
    /// compressed.
    sending: Option<(MessageKind, bool)>,
    /// Where in the output stream the last data frame queued ends: writing before it
    /// writes data, which keeps the connection from idling.
    data_end: u64,
}

impl Outgoing {
    pub(crate) fn new(writer: Writer) -> Self {
        Self {
            writer,
            sending: None,
            data_end: 0,
        }
    }

    /// Notes that a data frame was just queued.
    pub(crate) fn data_queued(&mut self, timers: &mut Timers) {
        self.data_end = self.writer.output().queued_total();
        timers.data();
    }

    /// Checks that a whole message of `len` bytes may be queued now, in `state`, under the
    /// output `limit`: what both `Sender`'s sends and `Connection::can_send` ask.
    pub(crate) fn check_message(
        &self,
        state: &State,
        limit: Option<usize>,
        len: usize,
    ) -> Result<(), UsageError> {
        check_open(state)?;
        if self.sending.is_some() {
            return Err(UsageError::MessageInProgress);
        }
        self.check_room(limit, len)
    }

    /// Checks that a frame carrying `len` bytes fits under the output `limit`, its header
    /// counted at the most it can be. With nothing pending any frame fits: else a message
    /// larger than the limit could never be sent.
    fn check_room(&self, limit: Option<usize>, len: usize) -> Result<(), UsageError> {
        let pending = self.writer.output().len();
        match limit {
            Some(limit)
                if pending > 0
                    && pending.saturating_add(len).saturating_add(MAX_HEADER_LEN) > limit =>
            {
                Err(UsageError::OutputFull { pending, limit })
            }
            _ => Ok(()),
        }
    }

    /// Takes `n` written bytes off the output; notes data moved if any of them was.
    pub(crate) fn written(&mut self, n: usize, timers: &mut Timers) {
        let from = self.writer.output().written_total();
        self.writer.consume(n);
        if n > 0 && from < self.data_end {
            timers.data();
        }
    }

    /// Whether a fragmented message is being sent.
    pub(crate) fn in_message(&self) -> bool {
        self.sending.is_some()
    }
}

/// The sending half of a [`Connection`](crate::Connection), borrowed on its own so that it
/// can be used while an [`Event`](crate::Event) borrows the receiving half (see
/// [`Connection::poll_event_with_sender`](crate::Connection::poll_event_with_sender)).
/// Every method only queues bytes; write them with
/// [`Connection::pending_output`](crate::Connection::pending_output).
///
/// `Sender` is `Send` and `Sync`, like the connection it borrows.
#[derive(Debug)]
pub struct Sender<'a> {
    pub(crate) out: &'a mut Outgoing,
    pub(crate) state: &'a mut State,
    pub(crate) timers: &'a mut Timers,
    pub(crate) limit: Option<usize>,
}

impl Sender<'_> {
    /// Queues a text message in one frame, compressed if permessage-deflate is on and the
    /// message reaches the configured threshold.
    pub fn send_text(&mut self, text: &str) -> Result<(), UsageError> {
        let compress = self.out.writer.compresses(text.len());
        self.send(MessageKind::Text, text.as_bytes(), compress)
    }

    /// Queues a binary message in one frame, compressed if permessage-deflate is on and the
    /// message reaches the configured threshold. A client copies and masks the payload in
    /// one pass.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), UsageError> {
        let compress = self.out.writer.compresses(data.len());
        self.send(MessageKind::Binary, data, compress)
    }

    /// Queues a text message that is never compressed.
    pub fn send_text_uncompressed(&mut self, text: &str) -> Result<(), UsageError> {
        self.send(MessageKind::Text, text.as_bytes(), false)
    }

    /// Queues a binary message that is never compressed: data that is compressed already
    /// (images, archives) only costs time to deflate again.
    pub fn send_binary_uncompressed(&mut self, data: &[u8]) -> Result<(), UsageError> {
        self.send(MessageKind::Binary, data, false)
    }

    /// Queues a text message whose payload is shared rather than copied: a server queues
    /// only the frame header and writes the payload itself when its turn comes, so one
    /// buffer (an `Arc<str>`, a `String`, a `&'static str`) can be broadcast to any number
    /// of connections. A client (which must mask a copy, RFC 6455 §5.3) and a message that
    /// permessage-deflate compresses copy it as [`send_text`](Self::send_text) does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use wswire::{Config, Connection};
    /// let update: Arc<str> = Arc::from("{\"price\": 42}");
    /// let mut conns: Vec<Connection> = (0..3).map(|_| Connection::server(Config::new())).collect();
    /// for conn in &mut conns {
    ///     conn.send_shared_text(Arc::clone(&update)).unwrap(); // no copy of the payload
    /// }
    /// let chunks: Vec<&[u8]> = conns[0].pending_chunks().collect();
    /// assert_eq!(chunks, [&[0x81, 13][..], b"{\"price\": 42}"]);
    /// ```
    pub fn send_shared_text<P>(&mut self, payload: P) -> Result<(), UsageError>
    where
        P: AsRef<str> + Send + Sync + 'static,
    {
        let text = payload.as_ref();
        if self.out.writer.compresses(text.len()) || self.out.writer.masks() {
            let text = payload.as_ref();
            return self.send_text(text);
        }
        self.send_shared(MessageKind::Text, Box::new(SharedText(payload)))
    }

    /// Queues a binary message whose payload is shared rather than copied (see
    /// [`send_shared_text`](Self::send_shared_text)): an `Arc<[u8]>`, a `Vec<u8>`,
    /// `bytes::Bytes`.
    pub fn send_shared_binary<P>(&mut self, payload: P) -> Result<(), UsageError>
    where
        P: AsRef<[u8]> + Send + Sync + 'static,
    {
        let data = payload.as_ref();
        if self.out.writer.compresses(data.len()) || self.out.writer.masks() {
            let data = payload.as_ref();
            return self.send_binary(data);
        }
        self.send_shared(MessageKind::Binary, Box::new(payload))
    }

    /// Queues a text message whose payload the connection takes over instead of copying:
    /// a server writes it as it is (like [`send_shared_text`](Self::send_shared_text)), a
    /// client masks it in place (RFC 6455 §5.3), so neither copies it into the output
    /// buffer; it goes out as a chunk of its own ([`Connection::pending_chunks`]). A message
    /// that permessage-deflate compresses is copied as [`send_text`](Self::send_text)
    /// copies it. Refused as `send_text` would refuse it, with the payload dropped.
    ///
    /// ```
    /// use wswire::{Config, Connection, SeededKeys};
    /// let mut conn = Connection::client(Config::new(), SeededKeys::new(7));
    /// conn.send_owned_text(String::from("hello")).unwrap(); // masked where it is
    /// let chunks: Vec<&[u8]> = conn.pending_chunks().collect();
    /// assert_eq!(chunks[0].len(), 6); // the header and the masking key
    /// assert_eq!(chunks[1].len(), 5); // the payload, masked
    /// ```
    ///
    /// [`Connection::pending_chunks`]: crate::Connection::pending_chunks
    pub fn send_owned_text(&mut self, text: String) -> Result<(), UsageError> {
        if self.out.writer.compresses(text.len()) {
            return self.send_text(&text);
        }
        self.send_owned(MessageKind::Text, text.into_bytes())
    }

    /// Queues a binary message whose payload the connection takes over instead of copying
    /// (see [`send_owned_text`](Self::send_owned_text)).
    pub fn send_owned_binary(&mut self, data: Vec<u8>) -> Result<(), UsageError> {
        if self.out.writer.compresses(data.len()) {
            return self.send_binary(&data);
        }
        self.send_owned(MessageKind::Binary, data)
    }

    fn send_owned(&mut self, kind: MessageKind, payload: Vec<u8>) -> Result<(), UsageError> {
        self.check_message(payload.len())?;
        self.out.writer.owned_frame(opcode(kind), payload);
        self.out.data_queued(self.timers);
        Ok(())
    }

    fn send_shared(&mut self, kind: MessageKind, payload: SharedPayload) -> Result<(), UsageError> {
        let len = (*payload).as_ref().len();
        self.check_message(len)?;
        self.out.writer.shared_frame(opcode(kind), payload);
        self.out.data_queued(self.timers);
        Ok(())
    }

    fn send(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        compress: bool,
    ) -> Result<(), UsageError> {
        self.check_message(payload.len())?;
        self.out
            .writer
            .data_frame(opcode(kind), true, compress, payload);
        self.out.data_queued(self.timers);
        Ok(())
    }

    /// Checks that a whole message of `len` bytes may be queued now.
    fn check_message(&self, len: usize) -> Result<(), UsageError> {
        self.out.check_message(self.state, self.limit, len)
    }

    /// Queues one fragment of a message (RFC 6455 §5.4): the first call for a message
    /// starts it with `kind`, later ones continue it (and must give the same `kind`), and
    /// the one with `last` set ends it. Control frames may be sent between fragments.
    ///
    /// For text, the fragments together must be valid UTF-8; each need not be on its own,
    /// so this takes bytes.
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        last: bool,
    ) -> Result<(), UsageError> {
        self.check_can_send()?;
        // A fragmented message is compressed whenever permessage-deflate is on: its size
        // is not known when it starts.
        let (opcode, compressed) = match self.out.sending {
            None => (opcode(kind), self.out.writer.compresses(usize::MAX)),
            Some((sending, compressed)) if sending == kind => (OpCode::Continuation, compressed),
            Some(_) => return Err(UsageError::FragmentKindMismatch),
        };
        self.check_room(data.len())?;
        self.out.writer.data_frame(opcode, last, compressed, data);
        self.out.sending = if last { None } else { Some((kind, compressed)) };
        self.out.data_queued(self.timers);
        Ok(())
    }

    /// Queues a Ping carrying at most 125 bytes.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.send_control(OpCode::Ping, payload)
    }

    /// Queues a Pong carrying at most 125 bytes (an answer to a Ping when automatic pongs
    /// are off, or a unidirectional heartbeat, RFC 6455 §5.5.3).
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.send_control(OpCode::Pong, payload)
    }

    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), UsageError> {
        // RFC 6455 §5.5.1 stops data frames after a Close is sent; Pings and Pongs may go
        // on until the peer's Close arrives.
        match self.state {
            State::Open | State::CloseSent => {}
            State::Closed => return Err(UsageError::Closing),
            State::Failed(_) => return Err(UsageError::Failed),
        }
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(UsageError::ControlPayloadTooLong(payload.len()));
        }
        self.check_room(payload.len())?;
        self.out.writer.frame(opcode, true, 0, payload);
        Ok(())
    }

    /// Starts the closing handshake: queues a Close frame with `code` and `reason` (at most
    /// 123 bytes). No data message may be sent afterwards (RFC 6455 §5.5.1), though Pings
    /// and Pongs may; received data is still reported until the peer's Close arrives. A
    /// Close is queued whatever the output limit.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), UsageError> {
        self.check_can_send()?;
        if !code.is_valid_on_wire() {
            return Err(UsageError::InvalidCloseCode(code.as_u16()));
        }
        if reason.len() > MAX_CLOSE_REASON {
            return Err(UsageError::CloseReasonTooLong(reason.len()));
        }
        self.out.writer.close(Some(code), reason);
        *self.state = State::CloseSent;
        self.timers.closing();
        Ok(())
    }

    /// Whether a message of `len` bytes would be accepted now: the connection is open, no
    /// fragmented message is under way, and the output limit leaves room for it.
    pub fn can_send(&self, len: usize) -> bool {
        self.check_message(len).is_ok()
    }

    fn check_can_send(&self) -> Result<(), UsageError> {
        check_open(self.state)
    }

    /// Checks that a frame carrying `len` bytes fits under the output limit.
    fn check_room(&self, len: usize) -> Result<(), UsageError> {
        self.out.check_room(self.limit, len)
    }
}

/// Data may be sent only while open (RFC 6455 §5.5.1: none after our Close).
fn check_open(state: &State) -> Result<(), UsageError> {
    match state {
        State::Open => Ok(()),
        State::CloseSent | State::Closed => Err(UsageError::Closing),
        State::Failed(_) => Err(UsageError::Failed),
    }
}

/// A shared text payload, seen as bytes.
struct SharedText<P>(P);

impl<P: AsRef<str>> AsRef<[u8]> for SharedText<P> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_bytes()
    }
}

pub(crate) fn opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    }
}
