//! Reading an HTTP head (request or status line plus header fields) as bytes arrive.
//!
//! Each byte is looked at once to find the blank line that ends the head, and the head is
//! parsed once, when it is complete. A reader that re-parsed the whole buffer on every new
//! byte would do quadratic work for a head sent a byte at a time (CVE-2023-43669). Past the
//! size limit without a blank line, reading stops.

/// Default largest head: 16 KiB.
pub(crate) const DEFAULT_MAX_HEAD_BYTES: usize = 16 * 1024;
/// Default most header fields: 128.
pub(crate) const DEFAULT_MAX_HEADERS: usize = 128;

/// Where reading a head stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadStatus {
    /// No end yet.
    Partial,
    /// A blank line ends a head of this many bytes; whatever follows is the body, or frames.
    Ended(usize),
    /// The size limit was passed with no end in sight.
    TooLarge,
}

#[derive(Debug, Default)]
pub(crate) struct HeadReader {
    buf: Vec<u8>,
    /// Bytes already searched for the end of the head.
    scanned: usize,
    /// An earlier blank line turned out not to end the head (leading empty lines), so the
    /// search resumes after it.
    min_end: usize,
}

impl HeadReader {
    /// Appends bytes and looks for the end of the head.
    pub(crate) fn push(&mut self, bytes: &[u8], max_head_bytes: usize) -> HeadStatus {
        self.buf.extend_from_slice(bytes);
        self.find_end(max_head_bytes)
    }

    /// Looks for the end of the head among the bytes not yet searched.
    pub(crate) fn find_end(&mut self, max_head_bytes: usize) -> HeadStatus {
        // A head ends at an empty line: "\n\n" or "\n\r\n" (RFC 9112 §2.2 lets a recipient
        // accept a bare LF as a line terminator).
        let limit = self.buf.len().min(max_head_bytes);
        let from = self.scanned.max(self.min_end);
        for i in from..limit {
            if self.buf[i] == b'\n' {
                let blank = (i >= 1 && self.buf[i - 1] == b'\n')
                    || (i >= 2 && self.buf[i - 1] == b'\r' && self.buf[i - 2] == b'\n');
                if blank {
                    self.scanned = i + 1;
                    return HeadStatus::Ended(i + 1);
                }
            }
        }
        self.scanned = limit;
        if self.buf.len() >= max_head_bytes {
            HeadStatus::TooLarge
        } else {
            HeadStatus::Partial
        }
    }

    /// The parser found the head incomplete at a blank line (empty lines before the start
    /// line): keep searching after `end`.
    pub(crate) fn continue_after(&mut self, end: usize) {
        self.min_end = end;
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Drops the first `n` bytes (a finished head) and returns what remains.
    pub(crate) fn take_rest(&mut self, n: usize) -> Vec<u8> {
        self.scanned = 0;
        self.min_end = 0;
        let mut rest = std::mem::take(&mut self.buf);
        rest.drain(..n.min(rest.len()));
        rest
    }

    /// Drops the first `n` bytes and keeps reading after them (an interim response).
    pub(crate) fn discard(&mut self, n: usize) {
        self.buf.drain(..n.min(self.buf.len()));
        self.scanned = 0;
        self.min_end = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_in_any_split() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nFRAMES";
        for cut in 0..head.len() {
            let mut reader = HeadReader::default();
            let first = reader.push(&head[..cut], 1024);
            let status = if first == HeadStatus::Partial {
                reader.push(&head[cut..], 1024)
            } else {
                first
            };
            assert_eq!(status, HeadStatus::Ended(27), "cut at {cut}");
        }
    }

    #[test]
    fn bare_lf_ends_a_head() {
        let mut reader = HeadReader::default();
        assert_eq!(
            reader.push(b"GET / HTTP/1.1\nHost: a\n\n", 1024),
            HeadStatus::Ended(24)
        );
    }

    #[test]
    fn stops_at_the_limit() {
        let mut reader = HeadReader::default();
        assert_eq!(reader.push(&[b'a'; 100], 100), HeadStatus::TooLarge);
        let mut reader = HeadReader::default();
        assert_eq!(reader.push(b"GET / HTTP/1.1\r\n", 100), HeadStatus::Partial);
        // The end arrives, but past the limit.
        let mut long = vec![b'x'; 100];
        long.extend_from_slice(b"\r\n\r\n");
        assert_eq!(reader.push(&long, 100), HeadStatus::TooLarge);
    }
}
