//! The connection's two byte buffers, reused for its whole life.
//!
//! Neither shrinks by itself: a connection that once held a large message keeps the memory
//! for the next one, which is what steady-state throughput wants. `shrink` gives it back
//! when the caller knows the connection will idle.

/// How much free space [`InputBuffer::space`] offers at the least: one read's worth.
pub(crate) const MIN_READ: usize = 16 * 1024;

/// Received bytes not yet processed: `buf[start..end]`.
#[derive(Debug, Default)]
pub(crate) struct InputBuffer {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl InputBuffer {
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.end]
    }

    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Where `data()` begins inside the backing storage, so that a range taken now still
    /// names the same bytes after `consume` (which never moves data).
    pub(crate) fn offset(&self) -> usize {
        self.start
    }

    /// The backing storage, for reading back ranges computed from `offset`.
    pub(crate) fn raw(&self) -> &[u8] {
        &self.buf
    }

    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.len());
        self.start += n.min(self.len());
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.buf[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// Free space after the data, at least `min` bytes, for the caller to read into.
    pub(crate) fn space(&mut self, min: usize) -> &mut [u8] {
        self.reserve(min);
        &mut self.buf[self.end..]
    }

    /// Marks `n` bytes of the space returned by `space` as received.
    ///
    /// # Panics
    /// If `n` is larger than the space offered: the caller claims bytes it cannot have read.
    pub(crate) fn commit(&mut self, n: usize) {
        assert!(
            n <= self.buf.len() - self.end,
            "commit_input({n}) exceeds the {} bytes of space offered",
            self.buf.len() - self.end
        );
        self.end += n;
    }

    fn reserve(&mut self, min: usize) {
        if self.buf.len() - self.end >= min {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < min {
            self.buf.resize(self.end + min, 0);
            // Vec grew its capacity geometrically; offer all of it, zeroed once, so that the
            // next reads need no growth.
            self.buf.resize(self.buf.capacity(), 0);
        }
    }

    pub(crate) fn shrink(&mut self) {
        let len = self.len();
        self.buf.copy_within(self.start..self.end, 0);
        self.buf.truncate(len);
        self.buf.shrink_to_fit();
        self.start = 0;
        self.end = len;
    }

    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// Bytes queued for the transport: `buf[start..]`.
#[derive(Debug, Default)]
pub(crate) struct OutputBuffer {
    buf: Vec<u8>,
    start: usize,
}

impl OutputBuffer {
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// The vector to append frames to. Written bytes at the front are dropped first once
    /// they make up half the buffer, so a caller that writes slowly costs amortized O(1) per
    /// byte and the buffer holds at most twice what is pending.
    pub(crate) fn appender(&mut self) -> &mut Vec<u8> {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        &mut self.buf
    }

    /// Drops the last `n` bytes, which the caller knows are unwritten.
    pub(crate) fn truncate_tail(&mut self, n: usize) {
        let keep = self.buf.len() - n.min(self.len());
        self.buf.truncate(keep);
    }

    pub(crate) fn shrink(&mut self) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.shrink_to_fit();
    }

    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_space_and_commit() {
        let mut input = InputBuffer::default();
        input.extend(b"abc");
        input.consume(1);
        let space = input.space(4);
        assert!(space.len() >= 4);
        space[..2].copy_from_slice(b"de");
        input.commit(2);
        assert_eq!(input.data(), b"bcde");
        input.consume(4);
        assert_eq!(input.len(), 0);
        assert_eq!(input.offset(), 0);
    }

    #[test]
    #[should_panic(expected = "exceeds")]
    fn commit_beyond_space_panics() {
        let mut input = InputBuffer::default();
        let n = input.space(1).len();
        input.commit(n + 1);
    }

    #[test]
    fn output_partial_writes() {
        let mut out = OutputBuffer::default();
        out.appender().extend_from_slice(b"hello world");
        out.consume(6);
        assert_eq!(out.pending(), b"world");
        out.appender().extend_from_slice(b"!");
        assert_eq!(out.pending(), b"world!");
        out.consume(100);
        assert_eq!(out.len(), 0);
    }
}
