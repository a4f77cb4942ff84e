//! The in-memory "socket" every subject reads from and writes to.
//!
//! Each read hands out at most [`MAX_IO`] bytes and each write takes at most as many, and
//! both copy: the one copy a kernel socket makes. A sans-IO subject calls
//! [`ByteQueue::read_into`] itself to fill its own input buffer; a stream-based one reads
//! through [`MemStream`], whose `Read` and `AsyncRead` call the same function. The async
//! side is always ready, so no task ever waits.

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// The most one read or one write moves: 64 KiB.
pub const MAX_IO: usize = 64 * 1024;

/// Bytes written at one end and read at the other.
#[derive(Debug, Default)]
pub struct ByteQueue {
    pub data: Vec<u8>,
    /// How far reads have got.
    pub pos: usize,
}

impl ByteQueue {
    pub fn with_data(data: Vec<u8>) -> Self {
        Self { data, pos: 0 }
    }

    /// Copies the next bytes, at most [`MAX_IO`] and at most `buf.len()`, into `buf`.
    #[inline]
    pub fn read_into(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(MAX_IO).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Appends at most [`MAX_IO`] bytes of `buf`; returns how many.
    #[inline]
    pub fn write_from(&mut self, buf: &[u8]) -> usize {
        let n = buf.len().min(MAX_IO);
        self.data.extend_from_slice(&buf[..n]);
        n
    }

    /// Appends from several slices, at most [`MAX_IO`] bytes in all (a `writev`).
    pub fn write_vectored_from(&mut self, bufs: &[IoSlice<'_>]) -> usize {
        let mut n = 0;
        for b in bufs {
            let take = b.len().min(MAX_IO - n);
            self.data.extend_from_slice(&b[..take]);
            n += take;
            if n == MAX_IO {
                break;
            }
        }
        n
    }

    /// Writes all of `bytes` in pieces of at most [`MAX_IO`], as a caller's write loop
    /// would.
    pub fn write_all(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = self.write_from(bytes);
            bytes = &bytes[n..];
        }
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Rewinds reading to the start (the same input again).
    pub fn rewind(&mut self) {
        self.pos = 0;
    }

    /// Forgets everything, keeping the capacity.
    pub fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }
}

/// A shared queue: one end of a [`MemStream`] and the harness both hold it.
pub type Shared = Rc<RefCell<ByteQueue>>;

pub fn shared(q: ByteQueue) -> Shared {
    Rc::new(RefCell::new(q))
}

/// A stream for the stream-based subjects: reads from one queue, writes to another.
#[derive(Debug, Clone)]
pub struct MemStream {
    pub rx: Shared,
    pub tx: Shared,
}

impl MemStream {
    pub fn new(rx: Shared, tx: Shared) -> Self {
        Self { rx, tx }
    }
}

impl io::Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.rx.borrow_mut().read_into(buf))
    }
}

impl io::Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(self.tx.borrow_mut().write_from(buf))
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        Ok(self.tx.borrow_mut().write_vectored_from(bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for MemStream {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut rx = self.rx.borrow_mut();
        let n = buf.remaining().min(MAX_IO).min(rx.remaining());
        let at = rx.pos;
        buf.put_slice(&rx.data[at..at + n]);
        rx.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for MemStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(self.tx.borrow_mut().write_from(buf)))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(self.tx.borrow_mut().write_vectored_from(bufs)))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The single-threaded runtime the async subjects run on; the stream never makes a task
/// wait, so `block_on` only polls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
}
