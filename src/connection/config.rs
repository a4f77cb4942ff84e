//! Settings of an open connection.

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
}

impl Config {
    /// The default largest message: 16 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 << 20;
    /// The default most [`Connection::input_buffer`](crate::Connection::input_buffer) offers
    /// for one read while data flows: 64 KiB.
    pub const DEFAULT_READ_SIZE: usize = 64 * 1024;
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
