//! The open connection: the state machine a runtime drives after the handshake.
//!
//! ```text
//!                 send close()                     receive Close
//!   ┌──────┐ ─────────────────────▶ ┌───────────┐ ─────────────────▶ ┌────────┐
//!   │ Open │                        │ CloseSent │                    │ Closed │
//!   └──────┘ ─────────────────────────────────────────────────────▶ └────────┘
//!      │       receive Close (the reply is queued at once)
//!      │
//!      └─ peer breaks the protocol, the transport ends early, a timer expires
//!         (from Open or CloseSent) ──▶ Failed
//! ```
//!
//! In `Open` everything may be sent. After a Close frame has been sent no data frame or
//! second Close may be (RFC 6455 §5.5.1), but Pings and Pongs still may, and data still
//! arriving is reported until the peer's Close. In `Closed` and `Failed` nothing may be
//! sent, input is ignored and [`Connection::transport`] says what to do with the transport.

use alloc::{boxed::Box, string::String, vec::Vec};
mod config;
mod event;
mod receive;
mod send;
mod timers;
mod writer;

pub use config::{Config, Delivery};
pub use event::{Event, MessageKind, OwnedEvent};
pub use send::Sender;

use core::time::Duration;

use crate::close::{CloseCode, ClosePayloadError};
use crate::deflate::{DeflateConfig, DeflateParams, Deflater, Inflater};
use crate::error::{ProtocolError, UsageError};
use crate::frame::{EncodedHeader, OpCode};
use crate::keys::KeySource;
use receive::Receiver;
use send::{Outgoing, opcode};
use timers::{Due, Timers, Waiting};
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
pub(crate) enum State {
    Open,
    CloseSent,
    Closed,
    Failed(ProtocolError),
}

/// The free input space and the pending output of a connection, lent at once: see
/// [`Connection::io`].
#[derive(Debug)]
pub struct Io<'a> {
    /// Space to read into; report what was read with
    /// [`Connection::commit_input`]. Empty when the connection wants no input now
    /// ([`Connection::wants_input`]): do not read then (a read into an empty buffer
    /// returns 0, which is not the end of the input).
    pub input: &'a mut [u8],
    /// The next bytes to write; report what was written with
    /// [`Connection::consume_output`]. Empty when nothing is pending.
    pub output: &'a [u8],
}

/// An established WebSocket connection: bytes in, events and bytes out.
///
/// Obtain one from a completed handshake ([`ServerHandshake`](crate::ServerHandshake),
/// [`ClientHandshake`](crate::ClientHandshake)) or, when something else did the HTTP part
/// (an HTTP library's upgrade), with [`Connection::server`] or [`Connection::client`].
///
/// # Driving it
/// 1. Input: read straight into [`input_buffer`](Self::input_buffer) and call
///    [`commit_input`](Self::commit_input), or give bytes to [`receive`](Self::receive).
///    When the transport ends (EOF, reset), call [`receive_eof`](Self::receive_eof).
/// 2. Events: call [`poll_event`](Self::poll_event) until it returns `Ok(None)`, handling
///    each event before asking for the next: an answer queued while handling an event goes
///    out before anything a later frame causes.
/// 3. Sending: [`send_text`](Self::send_text) and friends only queue bytes.
/// 4. Output: write [`pending_output`](Self::pending_output) (or every chunk at once,
///    [`pending_chunks`](Self::pending_chunks)) and report it with
///    [`consume_output`](Self::consume_output). Received Pings and Closes queue output
///    too, so write after every round.
/// 5. Time: call [`handle_timeout`](Self::handle_timeout) with the current time when
///    [`poll_timeout`](Self::poll_timeout)'s deadline passes, and after each read.
/// 6. When [`transport`](Self::transport) stops saying [`TransportAction::KeepOpen`], do
///    what it says.
///
/// A runtime that reads and writes at once (an async `select!` over a read and a write)
/// borrows both buffers together with [`io`](Self::io); `docs/architecture.md` shows the
/// loop.
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
///
/// # Threads
/// `Connection` is `Send` and `Sync`: it can move to another thread or task, and be shared
/// by reference, though every call that changes it takes `&mut self`.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    state: State,
    receiver: Receiver,
    out: Outgoing,
    timers: Timers,
    /// The transport ended: no more input will come.
    input_ended: bool,
    /// A client stopped waiting for the server to close the transport (close timeout).
    gave_up_waiting: bool,
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
            out: Outgoing::new(Writer::new(keys)),
            timers: Timers::default(),
            input_ended: false,
            gave_up_waiting: false,
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
        self.out.writer.enable_deflate(Deflater::new(
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
        self.out.writer.raw(bytes);
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
            (State::Open | State::CloseSent, _) if !self.input_ended => TransportAction::KeepOpen,
            (State::Closed, Role::Client) if !self.input_ended && !self.gave_up_waiting => {
                TransportAction::AwaitPeerClose
            }
            // RFC 6455 §7.1.1: the server closes the TCP connection first. §7.1.7: after
            // failing, no more data from the peer is processed, so there is nothing to wait
            // for. After the end of the input, or the close timeout, there is nothing
            // either.
            _ => TransportAction::CloseAfterFlush,
        }
    }

    // ---- input ----

    /// Buffers bytes received from the transport. Nothing is parsed until
    /// [`poll_event`](Self::poll_event). Bytes arriving after the connection closed or
    /// failed, or after [`receive_eof`](Self::receive_eof), are dropped.
    pub fn receive(&mut self, bytes: &[u8]) {
        if self.accepts_input() && !bytes.is_empty() {
            self.receiver.receive(bytes);
            self.timers.input();
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

    /// Marks the first `n` bytes of the space lent by [`input_buffer`](Self::input_buffer)
    /// (or [`io`](Self::io)) as received. Events may be taken in between: the read counts
    /// as arriving after everything buffered before it. [`receive`](Self::receive),
    /// [`shrink_buffers`](Self::shrink_buffers) and [`handle_timeout`](Self::handle_timeout)
    /// (which gives idle buffers back) take the space back: commit a read before calling
    /// them.
    ///
    /// # Panics
    /// If `n` exceeds the length of the space lent, or space was lent and taken back.
    pub fn commit_input(&mut self, n: usize) {
        self.receiver.commit(n, &self.config);
        if !self.accepts_input() {
            self.receiver.discard_input();
        } else if n > 0 {
            self.timers.input();
        }
    }

    /// Tells the connection that the transport ended: end of file, a reset, a timeout of
    /// the caller's. Input already buffered is still reported by
    /// [`poll_event`](Self::poll_event); after it, a connection whose closing handshake had
    /// not completed fails with [`ProtocolError::AbnormalClosure`] (RFC 6455 §7.1.5: the
    /// close code is 1006, which is never sent, so nothing is queued), and one whose
    /// handshake had completed stays closed. Either way [`transport`](Self::transport) then
    /// says [`TransportAction::CloseAfterFlush`]: the output still pending may be written
    /// if the transport takes it (a half-closed TCP connection does).
    pub fn receive_eof(&mut self) {
        self.input_ended = true;
    }

    fn accepts_input(&self) -> bool {
        matches!(self.state, State::Open | State::CloseSent) && !self.input_ended
    }

    /// Whether the connection wants to read now: it still processes input, and the
    /// pending output is under [`Config::max_pending_output`]. A runtime that stops reading
    /// while this is false stops a peer that sends without reading our answers from making
    /// the output grow (the slow-consumer attack). A client that has closed cleanly still
    /// wants to read, to see the server close the transport.
    pub fn wants_input(&self) -> bool {
        let reading = match self.state {
            State::Open | State::CloseSent => true,
            State::Closed => self.role == Role::Client && !self.gave_up_waiting,
            State::Failed(_) => false,
        };
        let room = self
            .config
            .max_pending_output
            .is_none_or(|limit| self.out.writer.output().len() < limit);
        reading && room && !self.input_ended
    }

    /// The next event, in wire order; `Ok(None)` when more input is needed (or the
    /// connection has closed).
    ///
    /// On `Err` the connection has failed: the Close frame with the error's code is queued
    /// after all output queued before (nothing already accepted is lost; no frame for the
    /// codes never sent, 1006), and every later call returns the same error.
    #[must_use = "events must be handled, and the output they queue written"]
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, ProtocolError> {
        Ok(self.poll_event_with_sender()?.map(|(event, _)| event))
    }

    /// [`poll_event`](Self::poll_event), lending the sending half too, so that an event can
    /// be answered with its own payload without copying it out first: the event borrows
    /// the receiving half, the [`Sender`] the sending half.
    ///
    /// ```
    /// use wswire::{Config, Connection, Event, SeededKeys};
    /// let mut server = Connection::server(Config::new());
    /// let mut client = Connection::client(Config::new(), SeededKeys::new(1));
    /// client.send_text("echo me").unwrap();
    /// server.receive(client.pending_output());
    /// while let Some((event, mut sender)) = server.poll_event_with_sender().unwrap() {
    ///     if let Event::Text(text) = event {
    ///         sender.send_text(text).unwrap(); // no scratch buffer
    ///     }
    /// }
    /// assert_eq!(server.pending_output(), b"\x81\x07echo me");
    /// ```
    #[must_use = "events must be handled, and the output they queue written"]
    pub fn poll_event_with_sender(
        &mut self,
    ) -> Result<Option<(Event<'_>, Sender<'_>)>, ProtocolError> {
        match &self.state {
            State::Failed(e) => return Err(e.clone()),
            State::Closed => return Ok(None),
            State::Open | State::CloseSent => {}
        }
        // Split the borrows: the event borrows the receiver; answers and failures touch the
        // writer, the state and the timers.
        let Self {
            receiver,
            out,
            state,
            role,
            config,
            timers,
            input_ended,
            ..
        } = self;
        let event = match receiver.advance(*role, config) {
            Ok(Some(ready)) => receiver.event(ready),
            // RFC 6455 §7.1.5: the transport ended before the closing handshake did.
            Ok(None) if *input_ended => Err(ProtocolError::AbnormalClosure),
            Ok(None) => return Ok(None),
            Err(e) => Err(e),
        };
        let event = match event {
            Ok(event) => event,
            Err(e) => return Err(fail(&mut out.writer, state, e)),
        };
        match event {
            Event::Text(_)
            | Event::Binary(_)
            | Event::TextChunk { .. }
            | Event::BinaryChunk { .. } => timers.data(),
            // RFC 6455 §5.5.2: a Ping gets a Pong "unless it already received a Close
            // frame"; having sent one does not excuse it (only data frames must stop).
            Event::Ping(payload) if config.auto_pong => out.writer.auto_pong(payload),
            Event::Close { code, .. } => {
                if *state == State::Open {
                    // RFC 6455 §5.5.1: reply with a Close, "typically" echoing the code; an
                    // empty Close (reported as 1005, which never appears on the wire) gets
                    // an empty one.
                    let echo = (code != CloseCode::NO_STATUS).then_some(code);
                    out.writer.close(echo, "");
                }
                *state = State::Closed;
                // A client now waits for the server to close the transport (§7.1.1).
                timers.closing();
            }
            _ => {}
        }
        let sender = Sender {
            out,
            state,
            timers,
            limit: config.max_pending_output,
        };
        Ok(Some((event, sender)))
    }

    // ---- output ----

    /// The next bytes to write to the transport: the oldest pending. With shared payloads
    /// queued ([`send_shared_binary`](Self::send_shared_binary)), this is one chunk at a
    /// time: write it, [`consume_output`](Self::consume_output), and ask again while
    /// [`pending_output_len`](Self::pending_output_len) is not zero; or write every chunk
    /// at once with [`pending_chunks`](Self::pending_chunks).
    pub fn pending_output(&self) -> &[u8] {
        self.out.writer.output().pending()
    }

    /// Every pending chunk, oldest first, for a vectored write (`write_vectored` with an
    /// `IoSlice` per chunk): frames the connection built and shared payloads it did not
    /// copy, in order. [`consume_output`](Self::consume_output) takes what was written
    /// across chunks.
    pub fn pending_chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.out.writer.output().chunks()
    }

    /// How many bytes are waiting, in all chunks: the connection's backpressure signal.
    pub fn pending_output_len(&self) -> usize {
        self.out.writer.output().len()
    }

    /// Drops the first `n` pending bytes, which the caller has written (a partial write
    /// reports what it wrote; a vectored write may span chunks).
    pub fn consume_output(&mut self, n: usize) {
        self.out.written(n, &mut self.timers);
    }

    /// The free input space and the pending output, lent at once as separate borrows, so a
    /// runtime can read and write concurrently with no copy beyond the transport's own:
    ///
    /// ```no_run
    /// # async fn drive(
    /// #     mut reader: impl tokio::io::AsyncRead + Unpin,
    /// #     mut writer: impl tokio::io::AsyncWrite + Unpin,
    /// #     conn: &mut wswire::Connection,
    /// # ) -> std::io::Result<()> {
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// enum Done { Read(usize), Wrote(usize) }
    /// let done = {
    ///     let io = conn.io();
    ///     tokio::select! {
    ///         n = reader.read(io.input), if !io.input.is_empty() => Done::Read(n?),
    ///         n = writer.write(io.output), if !io.output.is_empty() => Done::Wrote(n?),
    ///     }
    /// };
    /// match done {
    ///     Done::Read(0) => conn.receive_eof(),
    ///     Done::Read(n) => conn.commit_input(n),
    ///     Done::Wrote(n) => conn.consume_output(n),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// `input` is empty while [`wants_input`](Self::wants_input) is false; `output` is the
    /// same chunk [`pending_output`](Self::pending_output) returns.
    pub fn io(&mut self) -> Io<'_> {
        let wants_input = self.wants_input();
        let accepting = self.accepts_input();
        let Self {
            receiver,
            out,
            config,
            ..
        } = self;
        let input = if wants_input {
            receiver.input_space(config, accepting)
        } else {
            &mut []
        };
        Io {
            input,
            output: out.writer.output().pending(),
        }
    }

    /// The sending half on its own; the `send_*` methods of `Connection` are shortcuts to
    /// it.
    pub fn sender(&mut self) -> Sender<'_> {
        Sender {
            out: &mut self.out,
            state: &mut self.state,
            timers: &mut self.timers,
            limit: self.config.max_pending_output,
        }
    }

    /// Queues a text message in one frame (see [`Sender::send_text`]).
    pub fn send_text(&mut self, text: &str) -> Result<(), UsageError> {
        self.sender().send_text(text)
    }

    /// Queues a binary message in one frame (see [`Sender::send_binary`]).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), UsageError> {
        self.sender().send_binary(data)
    }

    /// Queues a text message that is never compressed.
    pub fn send_text_uncompressed(&mut self, text: &str) -> Result<(), UsageError> {
        self.sender().send_text_uncompressed(text)
    }

    /// Queues a binary message that is never compressed: data that is compressed already
    /// (images, archives) only costs time to deflate again.
    pub fn send_binary_uncompressed(&mut self, data: &[u8]) -> Result<(), UsageError> {
        self.sender().send_binary_uncompressed(data)
    }

    /// Queues a text message without copying its payload on a server (see
    /// [`Sender::send_shared_text`]).
    pub fn send_shared_text<P>(&mut self, payload: P) -> Result<(), UsageError>
    where
        P: AsRef<str> + Send + Sync + 'static,
    {
        self.sender().send_shared_text(payload)
    }

    /// Queues a binary message without copying its payload on a server (see
    /// [`Sender::send_shared_binary`]).
    pub fn send_shared_binary<P>(&mut self, payload: P) -> Result<(), UsageError>
    where
        P: AsRef<[u8]> + Send + Sync + 'static,
    {
        self.sender().send_shared_binary(payload)
    }

    /// Queues a text message whose payload the connection takes over: no copy on either
    /// role, a client masks it in place (see [`Sender::send_owned_text`]).
    pub fn send_owned_text(&mut self, text: String) -> Result<(), UsageError> {
        self.sender().send_owned_text(text)
    }

    /// Queues a binary message whose payload the connection takes over: no copy on either
    /// role, a client masks it in place (see [`Sender::send_owned_binary`]).
    pub fn send_owned_binary(&mut self, data: Vec<u8>) -> Result<(), UsageError> {
        self.sender().send_owned_binary(data)
    }

    /// Queues one fragment of a message (see [`Sender::send_fragment`]).
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        last: bool,
    ) -> Result<(), UsageError> {
        self.sender().send_fragment(kind, data, last)
    }

    /// Prepares a single-frame message whose payload the caller writes itself, with no copy
    /// into the output buffer: write the returned header, then `payload` (for example as
    /// two `IoSlice`s). A client's `payload` is masked in place.
    ///
    /// Fails with [`UsageError::OutputPending`] unless the pending output has been written
    /// first, so that frames stay in order; until header and payload are fully written,
    /// write nothing else. [`send_shared_binary`](Self::send_shared_binary) needs neither
    /// condition.
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
        match self.state {
            State::Open => {}
            State::CloseSent | State::Closed => return Err(UsageError::Closing),
            State::Failed(_) => return Err(UsageError::Failed),
        }
        if self.out.in_message() {
            return Err(UsageError::MessageInProgress);
        }
        if self.out.writer.output().len() > 0 {
            return Err(UsageError::OutputPending);
        }
        let header = self.out.writer.unbuffered(opcode(kind), payload);
        self.timers.data();
        Ok(header)
    }

    /// Queues a Ping carrying at most 125 bytes.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.sender().send_ping(payload)
    }

    /// Queues a Pong carrying at most 125 bytes (an answer to a Ping when automatic pongs
    /// are off, or a unidirectional heartbeat, RFC 6455 §5.5.3).
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.sender().send_pong(payload)
    }

    /// Starts the closing handshake (see [`Sender::close`]): afterwards data and a second
    /// Close are refused ([`UsageError::Closing`]) but Pings and Pongs may still be sent.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), UsageError> {
        self.sender().close(code, reason)
    }

    /// Whether a message of `len` bytes would be accepted now (see [`Sender::can_send`]).
    pub fn can_send(&self, len: usize) -> bool {
        self.out
            .check_message(&self.state, self.config.max_pending_output, len)
            .is_ok()
    }

    // ---- time ----

    /// Gives the connection the time (a `Duration` since an epoch of the caller's choosing,
    /// never going back) and acts on every deadline that has passed: sends the keep-alive
    /// Ping, fails an unanswered one with 1011, starts the closing handshake of an idle
    /// connection, stops waiting for a closing handshake that does not end, gives buffers
    /// back after a quiet spell. What it queues is in the pending output; a failure shows
    /// in [`poll_event`](Self::poll_event) and [`transport`](Self::transport).
    ///
    /// Call it when [`poll_timeout`](Self::poll_timeout)'s deadline passes, and after each
    /// read (data that arrived between calls is stamped with the time of the next call).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wswire::{Config, Connection};
    /// let mut conn = Connection::server(Config::new().keepalive(Duration::from_secs(20)));
    /// assert_eq!(conn.poll_timeout(), Some(Duration::ZERO)); // it asks for the time
    /// conn.handle_timeout(Duration::from_secs(100));
    /// assert_eq!(conn.poll_timeout(), Some(Duration::from_secs(101))); // buffers, 1 s
    /// conn.handle_timeout(Duration::from_secs(120));
    /// assert_eq!(conn.pending_output(), [0x89, 0x00]); // the keep-alive Ping
    /// ```
    pub fn handle_timeout(&mut self, now: Duration) {
        self.timers.observe(now);
        // Each action disarms its own deadline, so this ends; the bound is a safeguard.
        for _ in 0..8 {
            let Some(due) = self.timers.due(&self.config.timers, self.waiting()) else {
                return;
            };
            self.on_timer(due);
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next, as a time on the
    /// caller's clock; `None` while no timer is armed. Until the connection has been told
    /// the time once, a configured timer asks for it at once: `Some(Duration::ZERO)`.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.next(&self.config.timers, self.waiting())
    }

    fn waiting(&self) -> Waiting {
        match self.state {
            _ if self.input_ended => Waiting::Nothing,
            State::Open => Waiting::Open,
            State::CloseSent => Waiting::Close,
            State::Closed if self.role == Role::Client && !self.gave_up_waiting => Waiting::Close,
            State::Closed | State::Failed(_) => Waiting::Nothing,
        }
    }

    fn on_timer(&mut self, due: Due) {
        match due {
            Due::SendPing => {
                // An automatic frame, like a Pong: it does not count as activity, or it
                // would keep an idle connection from ever timing out.
                self.out.writer.frame(OpCode::Ping, true, 0, &[]);
                self.timers.ping_sent();
            }
            Due::PongTimeout => {
                fail(
                    &mut self.out.writer,
                    &mut self.state,
                    ProtocolError::PongTimeout,
                );
            }
            Due::Idle => {
                self.out
                    .writer
                    .close(Some(CloseCode::GOING_AWAY), "idle timeout");
                self.state = State::CloseSent;
                self.timers.closing();
            }
            Due::CloseTimeout => match self.state {
                State::CloseSent => {
                    fail(
                        &mut self.out.writer,
                        &mut self.state,
                        ProtocolError::CloseTimeout,
                    );
                }
                _ => self.gave_up_waiting = true,
            },
            Due::ReleaseBuffers => {
                if !self.receiver.busy() && !self.out.in_message() {
                    self.receiver.shrink();
                    self.out.writer.release_idle();
                }
                self.timers.buffers_released();
            }
        }
    }

    // ---- memory ----

    /// Releases buffer memory beyond what pending bytes need, for a connection about to
    /// idle. Buffers otherwise keep their size, to serve the next message without
    /// allocating, until [`Config::release_buffers_after`] passes on the caller's clock.
    ///
    /// With permessage-deflate, this also frees the compression contexts that no context
    /// takeover lets go between messages (they are re-created on the next message); with
    /// context takeover they hold the history both ends rely on and stay.
    pub fn shrink_buffers(&mut self) {
        self.receiver.shrink();
        let in_message = self.out.in_message();
        self.out.writer.shrink(in_message);
    }

    /// Bytes of heap the connection's buffers hold (capacity, not length).
    pub fn buffer_capacity(&self) -> usize {
        self.receiver.input_capacity()
            + self.receiver.message_capacity()
            + self.out.writer.output().capacity()
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
            self.out.writer.output().capacity(),
        ]
    }
}

/// RFC 6455 §7.1.7: fail the connection, sending a Close frame unless one was sent already
/// or the error's code is one never sent (1006).
fn fail(writer: &mut Writer, state: &mut State, error: ProtocolError) -> ProtocolError {
    if *state == State::Open && error.close_code().is_valid_on_wire() {
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
