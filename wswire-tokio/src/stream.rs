//! `WebSocketStream`: a `wswire::Connection` and a transport, driven by whoever polls.
//!
//! # Theory of operation
//!
//! The connection and the transport live together in a [`Driver`], behind a mutex that
//! is only held for the length of one `poll_*` call (never across an `.await`). Whichever
//! half is polled moves bytes: the reader reads into the connection's input space, takes
//! events and writes whatever the connection queued (the automatic Pongs, the Close reply,
//! the keep-alive Pings), so those reach the socket while the writer half sits idle; the
//! writer queues messages and writes. Time comes from tokio's clock: each connection
//! counts from its own epoch (`handle_timeout(epoch.elapsed())`), and one `Sleep` waits for
//! the connection's next deadline (`poll_timeout()`). The core decides everything else:
//! what to answer, when to close, when the transport may end.
//!
//! Two tasks can wait on one transport, and a transport keeps one waker per direction, so
//! every poll of the transport (and of the `Sleep`) goes through one proxy waker that wakes
//! both halves' tasks (tokio-tungstenite's `compat.rs` does the same). A wake-up the half
//! did not need costs it one poll that returns `Pending` again.
//!
//! Backpressure: a message the connection refuses because its output is over
//! `Config::max_pending_output` is held (one, at most) until the output drains, and
//! `poll_ready` stays `Pending` meanwhile; while the output is over the mark the
//! connection wants no input, so the reader stops reading until the peer reads ours.
//!
//! Ending: when the connection says `CloseAfterFlush` the pending output is written, the
//! transport shut down (`poll_shutdown`: a FIN, or TLS's `close_notify`), and what the
//! peer still sends is read and dropped until it closes its side or [`LINGER`] passes,
//! so that unread input does not make the kernel reset the connection under the Close
//! frame in flight. A client that closed cleanly waits as long for the server to close
//! the transport first (RFC 6455 §7.1.1) before closing it itself.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker, ready};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use wswire::{CloseCode, Connection, ConnectionState, Role, TransportAction, UsageError};

use crate::{Error, Message};

/// How long a transport is kept after the WebSocket closed, for the peer to close its
/// side first: 2 s.
pub const LINGER: Duration = Duration::from_secs(2);

/// The most chunks handed to one vectored write.
const MAX_SLICES: usize = 64;

/// Rounds of reading and timers one poll may make before it lets other tasks run.
const BUDGET: usize = 32;

/// The smallest payload a client hands over to be masked in place rather than copied and
/// masked: below it, the copy into the output buffer is cheaper than a chunk of its own
/// (`docs/performance.md`).
const OWNED_MIN: usize = 64 * 1024;

/// A WebSocket connection over an async transport: a [`Stream`] of received
/// [`Message`]s and a [`Sink`] of messages to send, or the plain
/// [`recv`](Self::recv) / [`send`](Self::send) / [`close`](Self::close).
///
/// Made by [`accept`](crate::accept), [`connect`](crate::connect) and their relatives,
/// or from a connection whose handshake was done elsewhere (an HTTP library's upgrade)
/// with [`from_connection`](Self::from_connection).
///
/// Pings are answered and Closes replied to while the stream is polled for messages;
/// keep polling it (or its [`WebSocketReader`] half) until it ends, or the connection's
/// timers and replies wait. [`split`](Self::split) gives a reader and a writer that two
/// tasks can own.
///
/// Messages are whole (the connection's default
/// [`Delivery::WholeMessages`](wswire::Delivery)); a connection configured with
/// `Delivery::Chunks` yields each chunk as a message of its own, without its `last` flag.
pub struct WebSocketStream<S> {
    shared: Arc<Shared<S>>,
}

/// The receiving half of a [`WebSocketStream`]: a [`Stream`] of messages, or
/// [`recv`](Self::recv). Polling it also writes what the connection queued on its own
/// (Pongs, the Close reply, keep-alive Pings), whatever the writer half is doing.
pub struct WebSocketReader<S> {
    shared: Arc<Shared<S>>,
}

/// The sending half of a [`WebSocketStream`]: a [`Sink`] of messages, or
/// [`send`](Self::send) and [`close`](Self::close).
pub struct WebSocketWriter<S> {
    shared: Arc<Shared<S>>,
}

struct Shared<S> {
    driver: Mutex<Driver<S>>,
    wakers: Arc<Wakers>,
    /// The proxy every poll of the transport and the timer registers.
    proxy: Waker,
}

/// The tasks waiting on the halves.
#[derive(Default)]
struct Wakers {
    reader: Mutex<Option<Waker>>,
    writer: Mutex<Option<Waker>>,
}

impl Wakers {
    fn wake_reader(&self) {
        let waker = lock(&self.reader).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn wake_writer(&self) {
        let waker = lock(&self.writer).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_reader();
        self.wake_writer();
    }
}

#[derive(Clone, Copy)]
enum Half {
    Reader,
    Writer,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another half's poll leaves the driver as consistent as the core keeps
    // it; go on rather than poison every later call.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S> Shared<S> {
    fn new(io: S, conn: Connection) -> Arc<Self> {
        let wakers = Arc::new(Wakers::default());
        Arc::new(Self {
            driver: Mutex::new(Driver::new(io, conn)),
            proxy: Waker::from(Arc::clone(&wakers)),
            wakers,
        })
    }

    /// Runs `poll` on the driver for `half`, whose task is woken by the proxy.
    fn poll<R>(
        &self,
        half: Half,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Driver<S>, &mut Context<'_>, &Wakers) -> R,
    ) -> R {
        let slot = match half {
            Half::Reader => &self.wakers.reader,
            Half::Writer => &self.wakers.writer,
        };
        // Before touching the transport, so that a wake-up arriving meanwhile is not lost.
        {
            let mut slot = lock(slot);
            match &*slot {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        let mut proxy = Context::from_waker(&self.proxy);
        let mut driver = lock(&self.driver);
        poll(&mut driver, &mut proxy, &self.wakers)
    }

    fn inspect<R>(&self, f: impl FnOnce(&Connection) -> R) -> R {
        f(&lock(&self.driver).conn)
    }
}

/// Where the transport stands, beyond what the connection says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading and writing.
    Running,
    /// Writing the last output, then shutting the transport down.
    ShuttingDown,
    /// Shut down; reading until the peer closes too, or the linger deadline.
    Lingering,
    /// Nothing more to do.
    Done,
}

/// A message refused for want of room, or an error.
enum Refused {
    Full(Message),
    Error(Error),
}

struct Driver<S> {
    io: S,
    conn: Connection,
    /// The connection's clock starts here.
    epoch: Instant,
    timer: Option<Pin<Box<Sleep>>>,
    timer_at: Option<Instant>,
    /// Bytes were written since the transport was last flushed.
    unflushed: bool,
    /// A message waiting for room in the output.
    held: Option<Message>,
    phase: Phase,
    /// The transport ended: end of file, or an error.
    input_ended: bool,
    /// The connection's failure has been returned once; later polls only end it.
    failure_reported: bool,
    /// When to stop waiting for the peer to close the transport.
    linger_until: Option<Instant>,
}

impl<S> Driver<S> {
    fn new(io: S, conn: Connection) -> Self {
        Self {
            io,
            conn,
            epoch: Instant::now(),
            timer: None,
            timer_at: None,
            unflushed: false,
            held: None,
            phase: Phase::Running,
            input_ended: false,
            failure_reported: false,
            linger_until: None,
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Driver<S> {
    // ---- output ----

    /// Writes everything pending (vectored where the transport supports it), then flushes
    /// the transport. `Ready(Ok)` means nothing is left to write.
    fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.pending_output_len() > 0 {
            let io = Pin::new(&mut self.io);
            let n = if io.is_write_vectored() {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let mut count = 0;
                for (slot, chunk) in slices.iter_mut().zip(self.conn.pending_chunks()) {
                    *slot = IoSlice::new(chunk);
                    count += 1;
                }
                ready!(io.poll_write_vectored(cx, &slices[..count]))?
            } else {
                ready!(io.poll_write(cx, self.conn.pending_output()))?
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.conn.consume_output(n);
            self.unflushed = true;
        }
        if self.unflushed {
            ready!(Pin::new(&mut self.io).poll_flush(cx))?;
            self.unflushed = false;
        }
        Poll::Ready(Ok(()))
    }

    // ---- input and time ----

    /// Reads once into the connection's input space, if it wants input.
    fn poll_input(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.conn.wants_input() {
            // Over the output mark, or no longer reading: the write side wakes us.
            return Poll::Pending;
        }
        let io = self.conn.io();
        let mut buf = ReadBuf::new(io.input);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut buf))?;
        match buf.filled().len() {
            0 => self.end_input(),
            n => self.conn.commit_input(n),
        }
        let now = self.now();
        self.conn.handle_timeout(now);
        Poll::Ready(Ok(()))
    }

    fn end_input(&mut self) {
        self.input_ended = true;
        self.conn.receive_eof();
    }

    /// The next deadline: the connection's, or the end of lingering.
    fn deadline(&self) -> Option<Instant> {
        let linger = self.linger_until;
        if self.phase == Phase::Lingering {
            return linger;
        }
        let conn = self.conn.poll_timeout().map(|at| self.epoch + at);
        match (conn, linger) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Waits for the next deadline; when it passes, gives the connection the time.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.deadline() else {
            return Poll::Pending;
        };
        if self.timer_at != Some(deadline) {
            match &mut self.timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            self.timer_at = Some(deadline);
        }
        let timer = self.timer.as_mut().expect("set above");
        ready!(timer.as_mut().poll(cx));
        self.timer_at = None;
        let now = self.now();
        self.conn.handle_timeout(now);
        Poll::Ready(())
    }

    /// What to do with the transport: the connection's word, with a client's wait for
    /// the server to close first bounded by [`LINGER`].
    fn transport(&mut self) -> TransportAction {
        match self.conn.transport() {
            TransportAction::AwaitPeerClose => {
                let until = *self
                    .linger_until
                    .get_or_insert_with(|| Instant::now() + LINGER);
                if Instant::now() >= until {
                    TransportAction::CloseAfterFlush
                } else {
                    TransportAction::AwaitPeerClose
                }
            }
            action => action,
        }
    }

    // ---- the reader ----

    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        for _ in 0..BUDGET {
            if self.phase != Phase::Running {
                ready!(self.poll_end(cx));
                return Poll::Ready(None);
            }
            // What the connection queued on its own goes out whoever polls; a message the
            // writer could not queue goes in as soon as there is room.
            if let Poll::Ready(Err(e)) = self.poll_output(cx) {
                return Poll::Ready(Some(Err(self.io_failed(e))));
            }
            self.queue_held();
            match self.conn.poll_event() {
                Ok(Some(event)) => {
                    let message = Message::from_event(event.into_owned());
                    // The Pong or Close reply the event queued leaves now if it can; a
                    // failure shows at the next poll.
                    let _ = self.poll_output(cx);
                    return Poll::Ready(Some(Ok(message)));
                }
                Ok(None) => {}
                Err(error) if !self.failure_reported => {
                    self.failure_reported = true;
                    // The Close frame with the error's code, if the transport takes it now;
                    // polling on finishes the job.
                    let _ = self.poll_output(cx);
                    return Poll::Ready(Some(Err(Error::Protocol(error))));
                }
                Err(_) => {}
            }
            if self.transport() == TransportAction::CloseAfterFlush {
                self.phase = Phase::ShuttingDown;
                continue;
            }
            let read = match self.poll_input(cx) {
                Poll::Ready(Ok(())) => true,
                // The closing handshake is complete: a reset while a client waits for the
                // server to close the transport is the transport ending, not a failure.
                Poll::Ready(Err(_)) if self.conn.state() == ConnectionState::Closed => {
                    self.end_input();
                    self.phase = Phase::Done;
                    return Poll::Ready(None);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(self.io_failed(e)))),
                Poll::Pending => false,
            };
            if !read && self.poll_timer(cx).is_pending() {
                return Poll::Pending;
            }
        }
        // Other tasks' turn; come back at once.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Writes the last output, shuts the transport down, lingers.
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            match self.phase {
                Phase::Running | Phase::ShuttingDown => {
                    if ready!(self.poll_output(cx)).is_err() {
                        self.phase = Phase::Done;
                        continue;
                    }
                    // An error here leaves nothing to do but drop the transport.
                    let _ = ready!(Pin::new(&mut self.io).poll_shutdown(cx));
                    // Nothing to wait for once the peer closed, or once a client has waited
                    // for the server to close first.
                    if self.input_ended || self.linger_until.is_some() {
                        self.phase = Phase::Done;
                    } else {
                        self.phase = Phase::Lingering;
                        self.linger_until = Some(Instant::now() + LINGER);
                    }
                }
                Phase::Lingering => {
                    let mut scratch = [0u8; 2048];
                    let mut buf = ReadBuf::new(&mut scratch);
                    match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                        Poll::Ready(Ok(())) if !buf.filled().is_empty() => continue,
                        Poll::Ready(_) => self.phase = Phase::Done,
                        Poll::Pending => {
                            ready!(self.poll_timer(cx));
                            self.phase = Phase::Done;
                        }
                    }
                }
                Phase::Done => return Poll::Ready(()),
            }
        }
    }

    /// The transport failed: nothing more can be read or written.
    fn io_failed(&mut self, e: io::Error) -> Error {
        if !self.input_ended {
            self.end_input();
        }
        self.phase = Phase::Done;
        self.failure_reported = true;
        Error::Io(e)
    }

    // ---- the writer ----

    fn queue(&mut self, message: Message) -> Result<(), Refused> {
        let conn = &mut self.conn;
        let server = conn.role() == Role::Server;
        // A client masks (RFC 6455 §5.3). A large payload that is the message's alone is
        // masked where it is; a shared one is copied, since others may still read it. Only
        // when the send is sure to be accepted, so that a refused message comes back whole.
        let message = match message {
            Message::Text(text)
                if !server && text.len() >= OWNED_MIN && conn.can_send(text.len()) =>
            {
                match text.try_into_unique() {
                    Ok(text) => return self.queued_owned(|conn| conn.send_owned_text(text)),
                    Err(text) => Message::Text(text),
                }
            }
            Message::Binary(data)
                if !server && data.len() >= OWNED_MIN && conn.can_send(data.len()) =>
            {
                match data.try_into_mut() {
                    Ok(data) => {
                        return self.queued_owned(|conn| conn.send_owned_binary(Vec::from(data)));
                    }
                    Err(data) => Message::Binary(data),
                }
            }
            message => message,
        };
        let conn = &mut self.conn;
        let result = match &message {
            // A server writes the payload from the message's own memory, which clones of the
            // message share (a broadcast): the core queues only the header. A client copies
            // what is small or shared, masking as it copies.
            Message::Text(text) if server => conn.send_shared_text(text.clone()),
            Message::Text(text) => conn.send_text(text),
            Message::Binary(data) if server => conn.send_shared_binary(data.clone()),
            Message::Binary(data) => conn.send_binary(data),
            Message::Ping(data) => conn.send_ping(data),
            Message::Pong(data) => conn.send_pong(data),
            Message::Close(Some(frame)) => conn.close(frame.code, &frame.reason),
            Message::Close(None) => conn.close(CloseCode::NORMAL, ""),
        };
        match result {
            Ok(()) => Ok(()),
            Err(UsageError::OutputFull { .. }) => Err(Refused::Full(message)),
            Err(e) if self.phase == Phase::Done => Err(Refused::Error(self.closed_error(e))),
            Err(e) => Err(Refused::Error(e.into())),
        }
    }

    /// Queues a payload handed over to the connection. `can_send` said it fits, so it is
    /// not refused for room; any other refusal is an error, the message being gone.
    fn queued_owned(
        &mut self,
        send: impl FnOnce(&mut Connection) -> Result<(), UsageError>,
    ) -> Result<(), Refused> {
        match send(&mut self.conn) {
            Ok(()) => Ok(()),
            Err(e) if self.phase == Phase::Done => Err(Refused::Error(self.closed_error(e))),
            Err(e) => Err(Refused::Error(e.into())),
        }
    }

    fn closed_error(&self, e: UsageError) -> Error {
        match e {
            UsageError::Closing | UsageError::Failed => Error::Closed,
            e => e.into(),
        }
    }

    /// Queues the held message if there is room now.
    fn queue_held(&mut self) {
        if let Some(message) = self.held.take() {
            match self.queue(message) {
                Ok(()) => {}
                Err(Refused::Full(message)) => self.held = Some(message),
                // The writer learns it from its next call.
                Err(Refused::Error(_)) => {}
            }
        }
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        while let Some(message) = self.held.take() {
            match self.queue(message) {
                Ok(()) => {}
                Err(Refused::Full(message)) => {
                    self.held = Some(message);
                    // Empty output takes any message: write, then try again.
                    if let Err(e) = ready!(self.poll_output(cx)) {
                        return Poll::Ready(Err(self.io_failed(e)));
                    }
                }
                Err(Refused::Error(e)) => return Poll::Ready(Err(e)),
            }
        }
        if self.phase == Phase::Done {
            return Poll::Ready(Err(Error::Closed));
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(&mut self, message: Message, wakers: &Wakers) -> Result<(), Error> {
        if self.phase == Phase::Done {
            return Err(Error::Closed);
        }
        if self.held.is_some() {
            return Err(Error::Io(io::Error::other(
                "start_send without poll_ready: a message is already waiting for room",
            )));
        }
        let before = self.conn.poll_timeout();
        let result = match self.queue(message) {
            Ok(()) => Ok(()),
            Err(Refused::Full(message)) => {
                self.held = Some(message);
                Ok(())
            }
            Err(Refused::Error(e)) => Err(e),
        };
        // A Close arms the close timeout: the reader's wait must include it.
        if self.conn.poll_timeout() != before {
            wakers.wake_reader();
        }
        result
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(self.poll_ready(cx))?;
        match ready!(self.poll_output(cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(self.io_failed(e))),
        }
    }

    /// Sends a Close (1000) unless one was sent, and writes it; the reader sees the rest
    /// of the closing handshake.
    fn poll_close(&mut self, cx: &mut Context<'_>, wakers: &Wakers) -> Poll<Result<(), Error>> {
        match ready!(self.poll_flush(cx)) {
            Ok(()) => {}
            Err(Error::Closed) => return Poll::Ready(Ok(())),
            Err(e) => return Poll::Ready(Err(e)),
        }
        if self.conn.state() == ConnectionState::Open {
            self.start_send(Message::Close(None), wakers)?;
        }
        match ready!(self.poll_output(cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(self.io_failed(e))),
        }
    }
}

// ---- the public types ----

impl<S> WebSocketStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// A stream over `io` for a connection whose opening handshake is done: the
    /// `Connection` of [`ServerHandshake::accept`](wswire::ServerHandshake::accept) (its
    /// `101` is written on the first poll if still pending), or a
    /// [`Connection::server`] / [`Connection::client`] after an HTTP library's upgrade.
    pub fn from_connection(io: S, conn: Connection) -> Self {
        Self {
            shared: Shared::new(io, conn),
        }
    }

    /// The next message, `None` once the connection has ended (after the closing
    /// handshake, or after an error was returned). Pings arrive as `Message::Ping` after
    /// their Pong was queued; the peer's Close arrives as `Message::Close` after the reply
    /// was queued, and the stream ends once the transport is shut down.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Sends a message: waits for room under `Config::max_pending_output`, queues it and
    /// writes until the transport has taken it all.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), Error> {
        send(&self.shared, message.into()).await
    }

    /// Closes the connection gracefully: sends a Close with `code` and `reason` (unless
    /// one was sent), then receives until the peer's Close and the end of the transport,
    /// dropping data messages that arrive meanwhile. Bounded by the connection's close
    /// timeout ([`crate::default_config`] sets 10 s) and [`LINGER`].
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        match send(&self.shared, Message::close(code, reason)).await {
            Ok(()) => {}
            Err(e) if e.is_closed() => {}
            Err(e) => return Err(e),
        }
        while let Some(message) = self.recv().await {
            message?;
        }
        Ok(())
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        self.shared
            .poll(Half::Reader, cx, |driver, cx, _| driver.poll_message(cx))
    }

    /// Splits the stream into a reader and a writer that separate tasks can own. Both
    /// move bytes: reading never waits for a large send to finish, and the connection's
    /// own replies go out while only the reader is polled.
    pub fn split(self) -> (WebSocketReader<S>, WebSocketWriter<S>) {
        let writer = WebSocketWriter {
            shared: Arc::clone(&self.shared),
        };
        (
            WebSocketReader {
                shared: self.shared,
            },
            writer,
        )
    }
}

impl<S> WebSocketStream<S> {
    /// Looks at the connection: its subprotocol, its permessage-deflate parameters, its
    /// state, its pending output. (Sending and receiving go through the stream.)
    ///
    /// ```no_run
    /// # async fn f(ws: wswire_tokio::WebSocketStream<tokio::net::TcpStream>) {
    /// let protocol = ws.with_connection(|conn| conn.protocol().map(str::to_owned));
    /// # }
    /// ```
    pub fn with_connection<R>(&self, f: impl FnOnce(&Connection) -> R) -> R {
        self.shared.inspect(f)
    }
}

impl<S> WebSocketReader<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// The next message, `None` once the connection has ended (see
    /// [`WebSocketStream::recv`]).
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        std::future::poll_fn(|cx| {
            self.shared
                .poll(Half::Reader, cx, |driver, cx, _| driver.poll_message(cx))
        })
        .await
    }

    /// Puts the two halves of one stream back together; gives them back if they belong to
    /// different streams.
    pub fn reunite(
        self,
        writer: WebSocketWriter<S>,
    ) -> Result<WebSocketStream<S>, (WebSocketReader<S>, WebSocketWriter<S>)> {
        if Arc::ptr_eq(&self.shared, &writer.shared) {
            drop(writer);
            Ok(WebSocketStream {
                shared: self.shared,
            })
        } else {
            Err((self, writer))
        }
    }
}

impl<S> WebSocketReader<S> {
    /// Looks at the connection (see [`WebSocketStream::with_connection`]).
    pub fn with_connection<R>(&self, f: impl FnOnce(&Connection) -> R) -> R {
        self.shared.inspect(f)
    }
}

impl<S> WebSocketWriter<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Sends a message (see [`WebSocketStream::send`]).
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), Error> {
        send(&self.shared, message.into()).await
    }

    /// Starts the closing handshake: sends a Close with `code` and `reason` and writes it.
    /// The reader half then receives the peer's Close and the end of the stream.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        send(&self.shared, Message::close(code, reason)).await
    }
}

impl<S> WebSocketWriter<S> {
    /// Looks at the connection (see [`WebSocketStream::with_connection`]).
    pub fn with_connection<R>(&self, f: impl FnOnce(&Connection) -> R) -> R {
        self.shared.inspect(f)
    }
}

async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Shared<S>,
    message: Message,
) -> Result<(), Error> {
    std::future::poll_fn(|cx| shared.poll(Half::Writer, cx, |driver, cx, _| driver.poll_ready(cx)))
        .await?;
    {
        let mut driver = lock(&shared.driver);
        driver.start_send(message, &shared.wakers)?;
    }
    std::future::poll_fn(|cx| shared.poll(Half::Writer, cx, |driver, cx, _| driver.poll_flush(cx)))
        .await
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketStream<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_recv(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketReader<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.shared
            .poll(Half::Reader, cx, |driver, cx, _| driver.poll_message(cx))
    }
}

macro_rules! sink {
    ($type:ident) => {
        impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for $type<S> {
            type Error = Error;

            fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                self.shared
                    .poll(Half::Writer, cx, |driver, cx, _| driver.poll_ready(cx))
            }

            fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
                let mut driver = lock(&self.shared.driver);
                driver.start_send(message, &self.shared.wakers)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                self.shared
                    .poll(Half::Writer, cx, |driver, cx, _| driver.poll_flush(cx))
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                self.shared.poll(Half::Writer, cx, |driver, cx, wakers| {
                    driver.poll_close(cx, wakers)
                })
            }
        }
    };
}

sink!(WebSocketStream);
sink!(WebSocketWriter);

impl<S> fmt::Debug for WebSocketStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug(f, "WebSocketStream", &self.shared)
    }
}

impl<S> fmt::Debug for WebSocketReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug(f, "WebSocketReader", &self.shared)
    }
}

impl<S> fmt::Debug for WebSocketWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug(f, "WebSocketWriter", &self.shared)
    }
}

fn debug<S>(f: &mut fmt::Formatter<'_>, name: &str, shared: &Shared<S>) -> fmt::Result {
    shared.inspect(|conn| {
        f.debug_struct(name)
            .field("role", &conn.role())
            .field("state", &conn.state())
            .field("pending_output", &conn.pending_output_len())
            .finish_non_exhaustive()
    })
}
