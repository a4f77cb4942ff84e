//! The open connection: the state machine a runtime drives after the handshake.
//!
//! ```text
//!                 send close()                     receive Close
//!   ┌──────┐ ─────────────────────▶ ┌───────────┐ ─────────────────▶ ┌────────┐
//!   │ Open │                        │ CloseSent │                    │ Closed │
//!   └──────┘ ─────────────────────────────────────────────────────▶ └────────┘
//!      │       receive Close (the reply is queued at once)
//!      │
//!      └─ peer breaks the protocol (from Open or CloseSent) ──▶ Failed
//! ```
//!
//! In `Open` everything may be sent. After a Close frame has been sent nothing more may be
//! (RFC 6455 §5.5.1), but data still arriving is reported until the peer's Close. In
//! `Closed` and `Failed` input is ignored and [`Connection::transport`] says what to do with
//! the transport.

mod config;
mod event;
mod receive;
mod writer;

pub use config::{Config, Delivery};
pub use event::{Event, MessageKind, OwnedEvent};

use crate::close::{CloseCode, ClosePayloadError, MAX_CLOSE_REASON};
use crate::deflate::{DeflateConfig, DeflateParams, Deflater, Inflater};
use crate::error::{ProtocolError, UsageError};
use crate::frame::{EncodedHeader, MAX_CONTROL_PAYLOAD, OpCode};
use crate::keys::KeySource;
use receive::Receiver;
use writer::Writer;

/// Which end of the connection this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The end that sent the opening handshake; masks every frame it sends.
    Client,
    /// The end that accepted it; never masks.
    Server,
}

/// Where the closing handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Messages flow both ways.
    Open,
    /// This side sent a Close frame and waits for the peer's.
    CloseSent,
    /// Both Close frames have been sent: the WebSocket connection is closed.
    Closed,
    /// The peer broke the protocol; a Close frame with the error's code is queued.
    Failed,
}

/// What the caller should do with the underlying transport (RFC 6455 §7.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportAction {
    /// Keep reading and writing.
    KeepOpen,
    /// Write out the pending output, then close the transport.
    CloseAfterFlush,
    /// Write out the pending output, then wait for the server to close the transport (a
    /// client after a clean close, RFC 6455 §7.1.1: "the underlying TCP connection, in most
    /// normal cases, SHOULD be closed first by the server"). Close it after a timeout of
    /// the caller's choosing if the server does not.
    AwaitPeerClose,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Open,
    CloseSent,
    Closed,
    Failed(ProtocolError),
}

/// An established WebSocket connection: bytes in, events and bytes out.
///
/// Obtain one from a completed handshake ([`ServerHandshake`](crate::ServerHandshake),
/// [`ClientHandshake`](crate::ClientHandshake)) or, when something else did the HTTP part
/// (an HTTP library's upgrade), with [`Connection::server`] or [`Connection::client`].
///
/// # Driving it
/// 1. Put received bytes in with [`receive`](Self::receive), or read straight into
///    [`input_buffer`](Self::input_buffer) and call [`commit_input`](Self::commit_input).
/// 2. Call [`poll_event`](Self::poll_event) until it returns `Ok(None)`, handling each
///    event before asking for the next: an answer queued while handling an event goes out
///    before anything a later frame causes.
/// 3. Send with [`send_text`](Self::send_text) and friends; they only queue bytes.
/// 4. Write [`pending_output`](Self::pending_output) to the transport and report how much
///    was written with [`consume_output`](Self::consume_output). Received Pings and Closes
///    queue output too, so write after every round.
/// 5. When [`transport`](Self::transport) stops saying [`TransportAction::KeepOpen`], do
///    what it says.
///
/// ```
/// use wswire::{Connection, Config, Event, SeededKeys};
/// let mut server = Connection::server(Config::new());
/// let mut client = Connection::client(Config::new(), SeededKeys::new(1));
/// client.send_text("hello").unwrap();
/// server.receive(client.pending_output());
/// let n = client.pending_output().len();
/// client.consume_output(n);
/// assert_eq!(server.poll_event().unwrap(), Some(Event::Text("hello")));
/// assert_eq!(server.poll_event().unwrap(), None);
/// ```
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    state: State,
    receiver: Receiver,
    writer: Writer,
    /// The fragmented message being sent, if one is: its kind and whether it is
    /// compressed.
    sending: Option<(MessageKind, bool)>,
    protocol: Option<String>,
    deflate: Option<DeflateParams>,
}

impl Connection {
    /// A server-side connection whose handshake was done elsewhere.
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config, None)
    }

    /// A client-side connection whose handshake was done elsewhere; `keys` supplies the
    /// masking keys.
    pub fn client(config: Config, keys: impl KeySource + 'static) -> Self {
        Self::new(Role::Client, config, Some(Box::new(keys)))
    }

    pub(crate) fn new(role: Role, config: Config, keys: Option<Box<dyn KeySource>>) -> Self {
        Self {
            role,
            config,
            state: State::Open,
            receiver: Receiver::default(),
            writer: Writer::new(keys),
            sending: None,
            protocol: None,
            deflate: None,
        }
    }

    /// Turns on permessage-deflate with the parameters a handshake agreed on (the
    /// handshakes do this themselves; this is for a handshake done elsewhere, with
    /// [`DeflateConfig::accept_offers`] or [`DeflateConfig::check_response`]). `config`
    /// supplies the local choices: compression level, size threshold, and the window and
    /// takeover limits this end set for itself.
    ///
    /// Fails with [`UsageError::UnsupportedWindowBits`] if this end would have to compress
    /// with an 8-bit window, which zlib cannot do.
    ///
    /// ```
    /// use wswire::{Config, Connection, DeflateConfig, DeflateParams};
    /// let params = DeflateParams {
    ///     server_no_context_takeover: false,
    ///     client_no_context_takeover: false,
    ///     server_max_window_bits: None,
    ///     client_max_window_bits: None,
    /// };
    /// let conn = Connection::server(Config::new()).with_deflate(&DeflateConfig::new(), params).unwrap();
    /// assert!(conn.deflate().is_some());
    /// ```
    pub fn with_deflate(
        mut self,
        config: &DeflateConfig,
        params: DeflateParams,
    ) -> Result<Self, UsageError> {
        // Our direction: the agreed window, or less if we chose less; the peer's: we
        // inflate with the largest window, so only its takeover flag matters.
        let (agreed_bits, own_limit, own_no_takeover, peer_no_takeover) = match self.role {
            Role::Server => (
                params.server_max_window_bits,
                config.server_max_window_bits,
                params.server_no_context_takeover || config.server_no_context_takeover,
                params.client_no_context_takeover,
            ),
            Role::Client => (
                params.client_max_window_bits,
                config.client_max_window_bits,
                params.client_no_context_takeover || config.client_no_context_takeover,
                params.server_no_context_takeover,
            ),
        };
        let window_bits = agreed_bits.unwrap_or(15).min(own_limit);
        if !(9..=15).contains(&window_bits) {
            return Err(UsageError::UnsupportedWindowBits(window_bits));
        }
        self.writer.deflater = Some(Deflater::new(
            window_bits,
            config.level,
            config.mem_level,
            own_no_takeover,
            config.min_compress_size,
        ));
        self.receiver
            .enable_inflate(Inflater::new(peer_no_takeover));
        self.deflate = Some(params);
        Ok(self)
    }

    /// The permessage-deflate parameters in effect, if the extension was negotiated.
    pub fn deflate(&self) -> Option<&DeflateParams> {
        self.deflate.as_ref()
    }

    pub(crate) fn set_protocol(&mut self, protocol: Option<String>) {
        self.protocol = protocol;
    }

    /// Queues bytes that are not a frame: the handshake's response.
    pub(crate) fn queue_raw_output(&mut self, bytes: &[u8]) {
        self.writer.output.append(bytes);
    }

    /// Which end this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The subprotocol the handshake agreed on, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// Where the closing handshake stands.
    pub fn state(&self) -> ConnectionState {
        match self.state {
            State::Open => ConnectionState::Open,
            State::CloseSent => ConnectionState::CloseSent,
            State::Closed => ConnectionState::Closed,
            State::Failed(_) => ConnectionState::Failed,
        }
    }

    /// What to do with the transport now.
    pub fn transport(&self) -> TransportAction {
        match (&self.state, self.role) {
            (State::Open | State::CloseSent, _) => TransportAction::KeepOpen,
            (State::Closed, Role::Client) => TransportAction::AwaitPeerClose,
            // RFC 6455 §7.1.1: the server closes the TCP connection first. §7.1.7: after
            // failing, no more data from the peer is processed, so there is nothing to wait
            // for.
            (State::Closed, Role::Server) | (State::Failed(_), _) => {
                TransportAction::CloseAfterFlush
            }
        }
    }

    // ---- input ----

    /// Buffers bytes received from the transport. Nothing is parsed until
    /// [`poll_event`](Self::poll_event). Bytes arriving after the connection closed or
    /// failed are dropped.
    pub fn receive(&mut self, bytes: &[u8]) {
        if self.accepts_input() {
            self.receiver.receive(bytes);
        }
    }

    /// Free space to read from the transport into without an intermediate copy; report
    /// what was read with [`commit_input`](Self::commit_input). Read at most as much as
    /// suits you: the space is a ceiling, not a demand.
    ///
    /// The space adapts to the traffic: reads that fill it get twice as much next time, up
    /// to [`Config::read_size`] (64 KiB by default); short reads get gradually less, down
    /// to 1 KiB. A frame delivered in place gets room for all of it, and the rest of a large
    /// binary message is read straight into the buffer it is delivered from.
    pub fn input_buffer(&mut self) -> &mut [u8] {
        let accepting = self.accepts_input();
        self.receiver.input_space(&self.config, accepting)
    }

    /// Marks the first `n` bytes of [`input_buffer`](Self::input_buffer) as received.
    /// Events may be taken in between: the read counts as arriving after everything
    /// buffered before it.
    ///
    /// # Panics
    /// If `n` exceeds the length of the slice `input_buffer` returned.
    pub fn commit_input(&mut self, n: usize) {
        self.receiver.commit(n, &self.config);
        if !self.accepts_input() {
            self.receiver.discard_input();
        }
    }

    fn accepts_input(&self) -> bool {
        matches!(self.state, State::Open | State::CloseSent)
    }

    /// The next event, in wire order; `Ok(None)` when more input is needed (or the
    /// connection has closed).
    ///
    /// On `Err` the connection has failed: the Close frame with the error's code is queued
    /// after all output queued before (nothing already accepted is lost), and every later
    /// call returns the same error.
    #[must_use = "events must be handled, and the output they queue written"]
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, ProtocolError> {
        match &self.state {
            State::Failed(e) => return Err(e.clone()),
            State::Closed => return Ok(None),
            State::Open | State::CloseSent => {}
        }
        // Split the borrows: the event borrows the receiver; answers and failures touch the
        // writer and the state.
        let Self {
            receiver,
            writer,
            state,
            role,
            config,
            ..
        } = self;
        let event = match receiver.advance(*role, config) {
            Ok(Some(ready)) => receiver.event(ready),
            Ok(None) => return Ok(None),
            Err(e) => Err(e),
        };
        let event = match event {
            Ok(event) => event,
            Err(e) => return Err(fail(writer, state, e)),
        };
        match event {
            // RFC 6455 §5.5.2: a Ping gets a Pong "unless it already received a Close
            // frame"; having sent one does not excuse it (only data frames must stop).
            Event::Ping(payload) if config.auto_pong => writer.auto_pong(payload),
            Event::Close { code, .. } => {
                if *state == State::Open {
                    // RFC 6455 §5.5.1: reply with a Close, "typically" echoing the code; an
                    // empty Close (reported as 1005, which never appears on the wire) gets
                    // an empty one.
                    let echo = (code != CloseCode::NO_STATUS).then_some(code);
                    writer.close(echo, "");
                }
                *state = State::Closed;
            }
            _ => {}
        }
        Ok(Some(event))
    }

    // ---- output ----

    /// Bytes waiting to be written to the transport, oldest first.
    pub fn pending_output(&self) -> &[u8] {
        self.writer.output.pending()
    }

    /// How many bytes are waiting: the connection's backpressure signal.
    pub fn pending_output_len(&self) -> usize {
        self.writer.output.len()
    }

    /// Drops the first `n` pending bytes, which the caller has written (a partial write
    /// reports what it wrote).
    pub fn consume_output(&mut self, n: usize) {
        self.writer.output.consume(n);
    }

    /// Queues a text message in one frame, compressed if permessage-deflate is on and the
    /// message reaches the configured threshold.
    pub fn send_text(&mut self, text: &str) -> Result<(), UsageError> {
        let compress = self.writer.compresses(text.len());
        self.send(MessageKind::Text, text.as_bytes(), compress)
    }

    /// Queues a binary message in one frame, compressed if permessage-deflate is on and the
    /// message reaches the configured threshold.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), UsageError> {
        let compress = self.writer.compresses(data.len());
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

    fn send(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        compress: bool,
    ) -> Result<(), UsageError> {
        self.check_can_send()?;
        if self.sending.is_some() {
            return Err(UsageError::MessageInProgress);
        }
        self.writer
            .data_frame(opcode(kind), true, compress, payload);
        Ok(())
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
        let (opcode, compressed) = match self.sending {
            None => (opcode(kind), self.writer.compresses(usize::MAX)),
            Some((sending, compressed)) if sending == kind => (OpCode::Continuation, compressed),
            Some(_) => return Err(UsageError::FragmentKindMismatch),
        };
        self.writer.data_frame(opcode, last, compressed, data);
        self.sending = if last { None } else { Some((kind, compressed)) };
        Ok(())
    }

    /// Prepares a single-frame message whose payload the caller writes itself, with no copy
    /// into the output buffer: write the returned header, then `payload` (for example as
    /// two `IoSlice`s). A client's `payload` is masked in place.
    ///
    /// Fails with [`UsageError::OutputPending`] unless the pending output has been written
    /// first, so that frames stay in order; until header and payload are fully written,
    /// write nothing else.
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use wswire::{Config, Connection, MessageKind};
    /// let mut conn = Connection::server(Config::new());
    /// let mut payload = vec![7u8; 1 << 20];
    /// let header = conn.unbuffered_message(MessageKind::Binary, &mut payload).unwrap();
    /// let slices = [IoSlice::new(header.as_bytes()), IoSlice::new(&payload)];
    /// assert_eq!(slices[0].len(), 10);
    /// ```
    pub fn unbuffered_message(
        &mut self,
        kind: MessageKind,
        payload: &mut [u8],
    ) -> Result<EncodedHeader, UsageError> {
        self.check_can_send()?;
        if self.sending.is_some() {
            return Err(UsageError::MessageInProgress);
        }
        if self.writer.output.len() > 0 {
            return Err(UsageError::OutputPending);
        }
        Ok(self.writer.unbuffered(opcode(kind), payload))
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
        self.writer.frame(opcode, true, 0, payload);
        Ok(())
    }

    /// Starts the closing handshake: queues a Close frame with `code` and `reason` (at most
    /// 123 bytes). Nothing may be sent afterwards; received data is still reported until
    /// the peer's Close arrives.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), UsageError> {
        self.check_can_send()?;
        if !code.is_valid_on_wire() {
            return Err(UsageError::InvalidCloseCode(code.as_u16()));
        }
        if reason.len() > MAX_CLOSE_REASON {
            return Err(UsageError::CloseReasonTooLong(reason.len()));
        }
        self.writer.close(Some(code), reason);
        self.state = State::CloseSent;
        Ok(())
    }

    fn check_can_send(&self) -> Result<(), UsageError> {
        match self.state {
            State::Open => Ok(()),
            State::CloseSent | State::Closed => Err(UsageError::Closing),
            State::Failed(_) => Err(UsageError::Failed),
        }
    }

    // ---- memory ----

    /// Releases buffer memory beyond what pending bytes need, for a connection about to
    /// idle. Buffers otherwise keep their size, to serve the next message without
    /// allocating.
    ///
    /// With permessage-deflate, this also frees the compression contexts that no context
    /// takeover lets go between messages (they are re-created on the next message); with
    /// context takeover they hold the history both ends rely on and stay.
    pub fn shrink_buffers(&mut self) {
        self.receiver.shrink();
        self.writer.output.shrink();
        if self.sending.is_none() {
            if let Some(deflater) = &mut self.writer.deflater {
                deflater.release();
            }
        }
    }

    /// Bytes of heap the connection's buffers hold (capacity, not length).
    pub fn buffer_capacity(&self) -> usize {
        self.receiver.input_capacity()
            + self.receiver.message_capacity()
            + self.writer.output.capacity()
    }

    /// What [`buffer_capacity`](Self::buffer_capacity) adds up: the input buffer's, the
    /// message buffers' and the output buffer's capacity, which the fuzz targets hold to a
    /// bound each. Only `--cfg fuzzing` builds have it.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn buffer_capacities(&self) -> [usize; 3] {
        [
            self.receiver.input_capacity(),
            self.receiver.message_capacity(),
            self.writer.output.capacity(),
        ]
    }
}

fn opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    }
}

/// RFC 6455 §7.1.7: fail the connection, sending a Close frame unless one was sent already.
fn fail(writer: &mut Writer, state: &mut State, error: ProtocolError) -> ProtocolError {
    if *state == State::Open {
        writer.close(Some(error.close_code()), error.close_reason());
    }
    *state = State::Failed(error.clone());
    error
}

impl From<ClosePayloadError> for ProtocolError {
    fn from(e: ClosePayloadError) -> Self {
        match e {
            ClosePayloadError::OneByte => Self::OneByteClosePayload,
            ClosePayloadError::InvalidCode(code) => Self::InvalidCloseCode(code),
            ClosePayloadError::InvalidUtf8 => Self::InvalidUtf8,
        }
    }
}
