//! Settings of an open connection.

use core::time::Duration;

use super::timers::TimerConfig;

/// How received data messages are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Each message once whole, as [`Event::Text`](crate::Event::Text) or
    /// [`Event::Binary`](crate::Event::Binary).
    #[default]
    WholeMessages,
    /// Message data as it arrives, as [`Event::TextChunk`](crate::Event::TextChunk) and
    /// [`Event::BinaryChunk`](crate::Event::BinaryChunk): memory stays constant whatever the
    /// message size.
    Chunks,
}

/// Limits and behaviour of a connection after the handshake.
///
/// ```
/// use wswire::{Config, Delivery};
/// let config = Config::new()
///     .max_message_size(64 << 20)
///     .delivery(Delivery::Chunks)
///     .auto_pong(false);
/// assert_eq!(config.get_max_message_size(), 64 << 20);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) max_frame_size: usize,
    pub(crate) max_message_size: usize,
    pub(crate) auto_pong: bool,
    pub(crate) delivery: Delivery,
    pub(crate) read_size: usize,
    pub(crate) max_pending_output: Option<usize>,
    pub(crate) timers: TimerConfig,
}

impl Config {
    /// The default largest message: 16 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 << 20;
    /// The default most [`Connection::input_buffer`](crate::Connection::input_buffer) offers
    /// for one read while data flows: 64 KiB.
    pub const DEFAULT_READ_SIZE: usize = 64 * 1024;
    /// The default time without traffic after which buffers are given back: 1 s.
    pub const DEFAULT_RELEASE_BUFFERS_AFTER: Duration = Duration::from_secs(1);
    /// The default largest frame payload: 16 MiB.
    pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 << 20;

    /// The defaults: 16 MiB frames and messages, automatic pongs, whole messages.
    pub fn new() -> Self {
        Self {
            max_frame_size: Self::DEFAULT_MAX_FRAME_SIZE,
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            auto_pong: true,
            delivery: Delivery::WholeMessages,
            read_size: Self::DEFAULT_READ_SIZE,
            max_pending_output: None,
            timers: TimerConfig {
                release_buffers_after: Some(Self::DEFAULT_RELEASE_BUFFERS_AFTER),
                ..TimerConfig::default()
            },
        }
    }

    /// The largest frame payload accepted; a larger one fails the connection with 1009
    /// before any of its payload is buffered.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// The largest message accepted, summed over its frames (and, for a compressed
    /// message, counted after decompression); a larger one fails the connection with 1009
    /// before the excess is buffered. Applies to [`Delivery::Chunks`] too: raise it to
    /// `usize::MAX` to stream messages of any size.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Whether a Ping is answered with a Pong automatically (the default). When off, the
    /// caller answers with [`Connection::send_pong`](crate::Connection::send_pong).
    pub fn auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// How data messages are reported.
    pub fn delivery(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    /// The space [`Connection::input_buffer`](crate::Connection::input_buffer) offers for
    /// one read once reads fill what it offers (it starts smaller and adapts): the size of
    /// the reads a runtime wants to make. At least 1 KiB.
    pub fn read_size(mut self, bytes: usize) -> Self {
        self.read_size = bytes.max(1024);
        self
    }

    /// The most output that may be pending (queued, not yet written) for a send to be
    /// accepted: a high-water mark. Past it, `send_*` refuse with
    /// [`UsageError::OutputFull`](crate::UsageError::OutputFull) and queue nothing, and
    /// [`Connection::wants_input`](crate::Connection::wants_input) turns false so that a
    /// runtime stops reading from a peer that does not read (the slow-consumer attack).
    /// Automatic replies (Pong, Close) are always queued. Unlimited by default.
    pub fn max_pending_output(mut self, bytes: usize) -> Self {
        self.max_pending_output = Some(bytes);
        self
    }

    /// Sends a Ping once nothing has arrived from the peer for `interval` (off by default).
    /// Python `websockets` (`ping_interval`, 20 s) and browsers' intermediaries' idle
    /// timeouts are the precedent: a quiet connection stays known to be alive, and stays
    /// open through proxies that drop idle ones. Needs the caller's clock
    /// ([`Connection::handle_timeout`](crate::Connection::handle_timeout)).
    pub fn keepalive(mut self, interval: Duration) -> Self {
        self.timers.keepalive = Some(interval);
        self
    }

    /// Fails the connection with 1011 when nothing (a Pong or any other data) arrives
    /// within `timeout` of a keep-alive Ping (off by default; Python `websockets`'
    /// `ping_timeout`, 20 s, and its 1011 are the precedent). RFC 6455 §5.5.2 has the peer
    /// answer a Ping "as soon as practical".
    pub fn pong_timeout(mut self, timeout: Duration) -> Self {
        self.timers.pong_timeout = Some(timeout);
        self
    }

    /// Starts the closing handshake (Close 1001, "going away") once no data has moved
    /// either way for `timeout` (off by default; servers' idle timeouts, such as nginx's
    /// `proxy_read_timeout`, are the precedent). Keep-alive Pings do not count as data.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.timers.idle_timeout = Some(timeout);
        self
    }

    /// How long to wait for the end of the closing handshake (off by default): after this
    /// end's Close, for the peer's (then the connection fails with
    /// [`ProtocolError::CloseTimeout`](crate::ProtocolError::CloseTimeout)); for a client
    /// after the handshake, for the server to close the transport (RFC 6455 §7.1.1: the
    /// server closes first; then [`Connection::transport`](crate::Connection::transport)
    /// says to close it). Python `websockets`' `close_timeout` (10 s) is the precedent.
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.timers.close_timeout = Some(timeout);
        self
    }

    /// How long the connection may see no traffic before it gives its buffers back (1 s by
    /// default; `None` keeps them until [`shrink_buffers`](crate::Connection::shrink_buffers)).
    /// Counted on the caller's clock: a runtime that drives the timers gets idle
    /// connections down to their smallest without asking.
    pub fn release_buffers_after(mut self, after: Option<Duration>) -> Self {
        self.timers.release_buffers_after = after;
        self
    }

    /// The space offered for one read while data flows.
    pub fn get_read_size(&self) -> usize {
        self.read_size
    }

    /// The largest frame payload accepted.
    pub fn get_max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    /// The largest message accepted.
    pub fn get_max_message_size(&self) -> usize {
        self.max_message_size
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
