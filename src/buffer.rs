//! The connection's byte buffers.
//!
//! Each keeps its storage initialised past the bytes it holds (zeroed once, when it grows),
//! so reads, inflation and frame building write into it with no `unsafe` and without
//! zeroing again. Storage is kept while traffic flows, which is what steady-state
//! throughput wants, and given back when the connection idles (see
//! `Connection::input_buffer`) or when the caller asks (`Connection::shrink_buffers`).

use alloc::collections::VecDeque;
use alloc::{boxed::Box, vec, vec::Vec};
use core::fmt;

/// Received bytes not yet processed: `bytes[start..end]`; the storage after `end` is free
/// space for reads.
#[derive(Debug, Default)]
pub(crate) struct InputBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl InputBuffer {
    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    #[inline]
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[self.start..self.end]
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Where `data()` begins inside the backing storage, so that a range taken now still
    /// names the same bytes after `consume` (which never moves data).
    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.start
    }

    /// The backing storage, for reading back ranges computed from `offset`.
    #[inline]
    pub(crate) fn raw(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes `n` bytes off the front. Nothing else moves, the free space after the data
    /// included: space lent for a read by [`space`](Self::space) is still where
    /// [`commit`](Self::commit) looks if the data before it was processed in between.
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.len());
        self.start += n.min(self.len());
    }

    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.space(bytes.len())[..bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// Free space after the data, at least `min` bytes, for the caller to read into.
    #[inline]
    pub(crate) fn space(&mut self, min: usize) -> &mut [u8] {
        // With nothing buffered, the space starts at the front again.
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.bytes.len() - self.end < min {
            self.make_room(min);
        }
        &mut self.bytes[self.end..]
    }

    /// Makes `min` bytes of free space, by moving the unprocessed bytes to the front or into
    /// larger storage.
    ///
    /// Moving them costs their length, so it is done when they are at most a quarter of
    /// the storage, or when the storage has reached four times the unprocessed bytes and
    /// the space asked for: either way a move frees at least three times what it copies.
    /// Growing further would cost more than it saves: fresh memory is zeroed and, the first
    /// time it is touched, faulted in by the kernel. When the storage grows, only the
    /// unprocessed bytes are copied over, not the dead ones before them.
    #[cold]
    fn make_room(&mut self, min: usize) {
        let live = self.len();
        let len = self.bytes.len();
        let cap = 4 * (live + min);
        if self.start > 0 && len - live >= min && (live <= len / 4 || len >= cap) {
            self.bytes.copy_within(self.start..self.end, 0);
        } else {
            let grown = (2 * len).min(cap).max(live + min);
            let mut bytes = vec![0; grown];
            bytes[..live].copy_from_slice(self.data());
            self.bytes = bytes;
        }
        self.start = 0;
        self.end = live;
    }

    /// Marks `n` bytes of the space returned by `space` as received.
    ///
    /// # Panics
    /// If `n` is larger than the space offered: the caller claims bytes it cannot have read.
    #[inline]
    pub(crate) fn commit(&mut self, n: usize) {
        assert!(
            n <= self.bytes.len() - self.end,
            "commit_input({n}) exceeds the {} bytes of space offered",
            self.bytes.len() - self.end
        );
        self.end += n;
    }

    pub(crate) fn shrink(&mut self) {
        let live = self.len();
        self.bytes.copy_within(self.start..self.end, 0);
        self.bytes.truncate(live);
        self.bytes.shrink_to_fit();
        self.start = 0;
        self.end = live;
    }

    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }
}

/// A payload queued for the transport without being copied: shared by whoever else holds
/// it (a broadcast to many connections), dropped once written.
pub(crate) type SharedPayload = Box<dyn AsRef<[u8]> + Send + Sync>;

/// A shared payload in the output, after the buffer's byte number `after`.
struct Shared {
    /// How many bytes had been appended to the buffer before this payload was queued.
    after: u64,
    payload: SharedPayload,
    /// Bytes of it already written.
    written: usize,
}

impl Shared {
    fn rest(&self) -> &[u8] {
        &(*self.payload).as_ref()[self.written..]
    }
}

/// Bytes queued for the transport: `bytes[start..end]`, with shared payloads queued
/// between them in order.
///
/// Like [`MessageBuffer`], the storage past `end` stays initialised, so a frame can be
/// built in place (header, payload, masking, compression) without zeroing first. Shared
/// payloads are placed by counting bytes (appended and taken over the buffer's life), so
/// moving the buffer's bytes about never misplaces them.
#[derive(Default)]
pub(crate) struct OutputBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes appended to the buffer, and taken from it, since it was created.
    appended: u64,
    taken: u64,
    shared: VecDeque<Shared>,
    /// Bytes of the shared payloads not yet written.
    shared_len: usize,
    /// Bytes queued, and written, since the buffer was created, shared payloads included.
    queued_total: u64,
    written_total: u64,
}

impl fmt::Debug for OutputBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutputBuffer")
            .field("buffered", &(self.end - self.start))
            .field("shared_payloads", &self.shared.len())
            .field("shared_len", &self.shared_len)
            .finish_non_exhaustive()
    }
}

impl OutputBuffer {
    /// The next bytes to write: buffered bytes up to the next shared payload, or that
    /// payload's rest.
    #[inline]
    pub(crate) fn pending(&self) -> &[u8] {
        match self.shared.front() {
            None => &self.bytes[self.start..self.end],
            Some(shared) if shared.after == self.taken => shared.rest(),
            Some(shared) => {
                let before = (shared.after - self.taken) as usize;
                &self.bytes[self.start..self.start + before]
            }
        }
    }

    /// Every pending chunk, in order.
    pub(crate) fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        let mut from = self.start;
        let mut taken = self.taken;
        let mut shared = self.shared.iter().peekable();
        let mut done = false;
        core::iter::from_fn(move || {
            if done {
                return None;
            }
            match shared.peek() {
                Some(next) if next.after == taken => shared.next().map(Shared::rest),
                Some(next) => {
                    let n = (next.after - taken) as usize;
                    taken += n as u64;
                    from += n;
                    Some(&self.bytes[from - n..from])
                }
                None => {
                    done = true;
                    Some(&self.bytes[from..self.end])
                }
            }
        })
        .filter(|chunk| !chunk.is_empty())
    }

    /// Everything pending, buffered and shared.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.end - self.start + self.shared_len
    }

    /// Bytes queued, and written, over the buffer's life: positions in the output stream.
    pub(crate) fn queued_total(&self) -> u64 {
        self.queued_total
    }

    pub(crate) fn written_total(&self) -> u64 {
        self.written_total
    }

    /// Takes `n` written bytes off the front, across chunks.
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.len());
        self.written_total += n as u64;
        let mut n = n;
        while n > 0 {
            let Some(shared) = self.shared.front_mut() else {
                self.take_buffered(n);
                return;
            };
            if shared.after > self.taken {
                let step = n.min((shared.after - self.taken) as usize);
                self.take_buffered(step);
                n -= step;
                continue;
            }
            let step = n.min(shared.rest().len());
            shared.written += step;
            self.shared_len -= step;
            n -= step;
            if shared.rest().is_empty() {
                self.shared.pop_front();
            }
        }
    }

    #[inline]
    fn take_buffered(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.taken += n as u64;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Writable space after the buffered bytes, `offset` bytes in, at least `want` long.
    /// The `offset` bytes after the buffered ones (part of a frame being built) stay with
    /// them if the storage moves.
    #[inline]
    pub(crate) fn space_at(&mut self, offset: usize, want: usize) -> &mut [u8] {
        let needed = self.end + offset + want;
        if needed > self.bytes.len() {
            self.make_room(offset, want);
        }
        let at = self.end + offset;
        &mut self.bytes[at..]
    }

    /// Makes room for `want` bytes `offset` bytes past the pending ones.
    ///
    /// Written bytes at the front are dropped first: the bytes to keep are moved over them
    /// in place when what is asked for then fits and the move frees at least as much as it
    /// copies (so a caller that writes slowly costs amortized O(1) per byte), and left
    /// behind whenever the storage grows. It grows to twice what it must hold (the pending
    /// bytes, the frame being built and the space asked for), or to twice its size if that
    /// is less: so it holds at most twice the most that was pending with a frame being
    /// built. Growth is geometric: it happens only when what must be held is over half the
    /// storage (else the written bytes before it are more than it, and are moved over).
    #[cold]
    fn make_room(&mut self, offset: usize, want: usize) {
        let held = self.end + offset + want - self.start;
        let keep = self.start..(self.end + offset).min(self.bytes.len());
        if held <= self.bytes.len() && keep.len() <= self.start {
            self.bytes.copy_within(keep, 0);
        } else {
            let grown = (2 * self.bytes.len()).min(2 * held).max(held);
            let mut bytes = vec![0; grown];
            bytes[..keep.len()].copy_from_slice(&self.bytes[keep]);
            self.bytes = bytes;
        }
        self.end -= self.start;
        self.start = 0;
    }

    /// Marks `n` bytes of the space as pending.
    #[inline]
    pub(crate) fn commit(&mut self, n: usize) {
        debug_assert!(self.end + n <= self.bytes.len());
        self.end += n;
        self.appended += n as u64;
        self.queued_total += n as u64;
    }

    /// Queues `data`.
    #[inline]
    pub(crate) fn append(&mut self, data: &[u8]) {
        self.space_at(0, data.len())[..data.len()].copy_from_slice(data);
        self.commit(data.len());
    }

    /// Queues `payload` after everything queued so far, without copying it.
    pub(crate) fn append_shared(&mut self, payload: SharedPayload) {
        let len = (*payload).as_ref().len();
        if len == 0 {
            return;
        }
        self.shared_len += len;
        self.queued_total += len as u64;
        self.shared.push_back(Shared {
            after: self.appended,
            payload,
            written: 0,
        });
    }

    /// Drops the last `n` buffered bytes, which the caller knows are unwritten and queued
    /// after every shared payload.
    pub(crate) fn truncate_tail(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.end -= n;
        self.appended -= n as u64;
        self.queued_total -= n as u64;
    }

    /// Frees the storage if nothing is buffered.
    pub(crate) fn release_if_empty(&mut self) {
        if self.start == self.end {
            self.bytes = Vec::new();
            self.start = 0;
            self.end = 0;
        }
    }

    pub(crate) fn shrink(&mut self) {
        let len = self.end - self.start;
        self.bytes.copy_within(self.start..self.end, 0);
        self.bytes.truncate(len);
        self.bytes.shrink_to_fit();
        self.start = 0;
        self.end = len;
    }

    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }
}

/// A message being reassembled or inflated: `bytes[..filled]`.
///
/// The storage past `filled` was zeroed once when it was first allocated and is reused from
/// message to message without zeroing again, so that an inflater (which writes into
/// initialised memory: no `unsafe` here) gets its output space for free.
#[derive(Debug, Default)]
pub(crate) struct MessageBuffer {
    bytes: Vec<u8>,
    filled: usize,
}

impl MessageBuffer {
    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
        &self.bytes[..self.filled]
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.filled
    }

    /// Appends `data`; the storage grows as [`space`](Self::space) grows it.
    #[inline]
    pub(crate) fn extend(&mut self, data: &[u8], limit: usize) {
        let space = self.space(data.len(), limit.max(self.filled + data.len()));
        space[..data.len()].copy_from_slice(data);
        self.filled += data.len();
    }

    /// Writable space after the data: at least `want` bytes unless that would pass
    /// `limit` bytes in all, and never past it. All of the storage already initialised
    /// past the data is offered, up to `limit`.
    ///
    /// Growth is geometric (amortized O(1) per byte however small the pieces) but by half,
    /// not double, and never past `limit`, so a message's storage stays about its size.
    pub(crate) fn space(&mut self, want: usize, limit: usize) -> &mut [u8] {
        let end = self.filled.saturating_add(want).min(limit.max(self.filled));
        if end > self.bytes.len() {
            let grown = (self.bytes.len() + self.bytes.len() / 2)
                .min(limit)
                .max(end);
            self.bytes.reserve_exact(grown - self.bytes.len());
            self.bytes.resize(grown, 0);
        }
        let stop = self.bytes.len().min(limit.max(self.filled));
        &mut self.bytes[self.filled..stop]
    }

    /// Marks `n` bytes of the space as data.
    #[inline]
    pub(crate) fn commit(&mut self, n: usize) {
        debug_assert!(self.filled + n <= self.bytes.len());
        self.filled += n;
    }

    /// Reserves (without initialising) storage for `total` more bytes of data, within
    /// `limit` bytes in all, so that a message of known size grows without being moved.
    pub(crate) fn reserve_total(&mut self, total: usize, limit: usize) {
        let end = self
            .filled
            .saturating_add(total)
            .min(limit.max(self.filled));
        if end > self.bytes.capacity() {
            self.bytes.reserve_exact(end - self.bytes.len());
        }
    }

    /// Drops the first `n` bytes of data.
    pub(crate) fn drain_front(&mut self, n: usize) {
        let n = n.min(self.filled);
        self.bytes.copy_within(n..self.filled, 0);
        self.filled -= n;
    }

    /// Keeps the first `len` bytes of data.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.filled = self.filled.min(len);
    }

    /// Forgets the data, keeping the storage.
    pub(crate) fn clear(&mut self) {
        self.filled = 0;
    }

    /// Frees the storage if it holds no data.
    pub(crate) fn release(&mut self) {
        if self.filled == 0 {
            self.bytes = Vec::new();
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
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
        // Empty, the space starts at the front again.
        input.space(1);
        assert_eq!(input.offset(), 0);
    }

    #[test]
    fn space_lent_stays_put_while_the_data_before_it_is_processed() {
        let mut input = InputBuffer::default();
        input.extend(b"abc");
        input.space(3)[..3].copy_from_slice(b"def");
        input.consume(3);
        input.commit(3);
        assert_eq!(input.data(), b"def");
    }

    #[test]
    #[should_panic(expected = "exceeds")]
    fn commit_beyond_space_panics() {
        let mut input = InputBuffer::default();
        let n = input.space(1).len();
        input.commit(n + 1);
    }

    #[test]
    fn message_buffer_reuses_its_storage() {
        let mut buf = MessageBuffer::default();
        buf.extend(b"hello", 100);
        assert_eq!(buf.data(), b"hello");
        let space = buf.space(10, 12);
        assert_eq!(space.len(), 7, "never past the limit");
        space[..3].copy_from_slice(b" yo");
        buf.commit(3);
        assert_eq!(buf.data(), b"hello yo");
        buf.drain_front(6);
        assert_eq!(buf.data(), b"yo");
        let capacity = buf.capacity();
        buf.clear();
        buf.extend(&[7; 8], 100);
        assert_eq!(buf.capacity(), capacity, "no growth for what fits");
    }

    #[test]
    fn shared_payloads_keep_their_place() {
        let mut out = OutputBuffer::default();
        out.append(b"ab");
        out.append_shared(Box::new(b"SHARED".to_vec()));
        out.append(b"cd");
        out.append_shared(Box::new(String::from("xy")));
        assert_eq!(out.len(), 12);
        let chunks: Vec<&[u8]> = out.chunks().collect();
        assert_eq!(chunks, [&b"ab"[..], b"SHARED", b"cd", b"xy"]);
        assert_eq!(out.pending(), b"ab");
        out.consume(1);
        assert_eq!(out.pending(), b"b");
        out.consume(4);
        assert_eq!(out.pending(), b"RED");
        // Moving the buffered bytes about does not misplace the shared payloads.
        out.space_at(0, 1 << 16);
        out.consume(4);
        assert_eq!(out.pending(), b"d");
        out.consume(2);
        assert_eq!(out.pending(), b"y");
        out.consume(1);
        assert_eq!((out.len(), out.pending()), (0, &b""[..]));
    }

    #[test]
    fn output_moves_keep_a_frame_being_built() {
        // Bytes written past the pending ones but not yet committed (a compressed frame
        // being built behind room for its header) go along when the storage moves: over in
        // place, and into larger storage.
        for want in [30, 500] {
            let mut out = OutputBuffer::default();
            out.append(&[0; 100]);
            out.consume(100);
            out.append(&[1; 80]);
            out.consume(50);
            out.space_at(0, 10)[..10].copy_from_slice(&[9; 10]);
            assert!(out.space_at(10, want).len() >= want);
            assert_eq!(&out.space_at(0, 10)[..10], &[9; 10], "want {want}");
            out.commit(10);
            assert_eq!(out.pending(), [[1; 30].as_slice(), &[9; 10]].concat());
        }
    }

    #[test]
    fn output_storage_settles_for_large_messages_written_in_pieces() {
        // Frames a little over the write size, written in pieces that leave a few bytes
        // behind each time (as a transport taking 4 KiB at a time): the few bytes are moved
        // over the written ones rather than the storage growing again and again by a little.
        let frame = vec![7; 4110];
        let mut out = OutputBuffer::default();
        let mut growths = 0;
        for _ in 0..30 {
            let before = out.capacity();
            out.append(&frame);
            growths += usize::from(out.capacity() != before);
            while out.len() >= 4096 {
                out.consume(4096);
            }
        }
        assert_eq!(growths, 2);
        assert!(
            out.capacity() <= 2 * (frame.len() + 14),
            "{}",
            out.capacity()
        );
    }

    #[test]
    fn output_partial_writes() {
        let mut out = OutputBuffer::default();
        out.append(b"hello world");
        out.consume(6);
        assert_eq!(out.pending(), b"world");
        out.append(b"!");
        assert_eq!(out.pending(), b"world!");
        out.consume(100);
        assert_eq!(out.len(), 0);
    }
}
