//! Reading an HTTP head (request or status line plus header fields) as bytes arrive.
//!
//! # Theory of operation
//!
//! Every byte fed is looked at once, by a small state machine that knows where a line
//! starts, so it needs no look-back across the pieces the bytes came in. Empty lines
//! before the start line are counted, not kept, and refused past a few (RFC 9112 §2.2 asks
//! a server to ignore "at least one", not thousands). The head itself, from the start line
//! to the blank line that ends it, is copied once into the reader's buffer; bytes after
//! that blank line are handed back to the caller uncopied, so a client's frames or a
//! second head (after an interim response) never enter the buffer. The caller parses the
//! head once, when it is complete.
//!
//! So the work for any input, in any split, is a constant times the bytes fed: no re-scan,
//! no re-parse, no moving of buffered bytes. A reader that re-parsed the buffer on every
//! new byte did quadratic work for a head sent a byte at a time (CVE-2023-43669); one that
//! re-parsed it at every empty line did the same for a run of empty lines. The reader
//! counts its work ([`HeadReader::work`]) so tests can check that it stays linear.
//!
//! Memory: the buffer never holds more than the size limit, whatever a single call brings.
//! The limit covers everything read for one message: the empty lines, any interim (1xx)
//! responses before the final one, and the final head.

/// Default largest head: 16 KiB.
pub(crate) const DEFAULT_MAX_HEAD_BYTES: usize = 16 * 1024;
/// Default most header fields: 128.
pub(crate) const DEFAULT_MAX_HEADERS: usize = 128;
/// The most empty lines tolerated before a start line. RFC 9112 §2.2: a server "SHOULD
/// ignore at least one empty line (CRLF) received prior to the request-line"; a client
/// that ends a body with an extra CRLF sends one or two, and more are pointless.
pub(crate) const MAX_EMPTY_LINES: usize = 8;

/// Where reading a head stands.
use alloc::vec::Vec;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadStatus {
    /// No end yet; every byte was taken.
    Partial,
    /// [`HeadReader::head`] is complete; the bytes after its blank line were not taken.
    Ended,
    /// The size limit was reached with no end in sight.
    TooLarge,
    /// More than [`MAX_EMPTY_LINES`] empty lines came before the start line.
    TooManyEmptyLines,
}

/// Where the scanner is within the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Before the start line: only empty lines so far.
    Leading,
    /// Before the start line, after a CR that may begin an empty line.
    LeadingCr,
    /// At the start of a line within the head.
    Start,
    /// After a CR at the start of a line: a CRLF here is the blank line.
    StartCr,
    /// Inside a line with content.
    Content,
}

#[derive(Debug)]
pub(crate) struct HeadReader {
    /// The current head, from its start line on.
    buf: Vec<u8>,
    line: Line,
    /// Empty lines before the current start line.
    empty_lines: usize,
    /// Line feeds in the head: a bound on its header fields.
    line_feeds: usize,
    /// Bytes taken for this message: empty lines, interim heads and the current head.
    used: usize,
    /// Bytes scanned, copied and parsed, and header slots allocated, over the reader's life:
    /// read only by tests and the fuzz targets ([`probe`]).
    #[cfg_attr(not(test), allow(dead_code))]
    work: u64,
}

impl Default for HeadReader {
    fn default() -> Self {
        Self {
            buf: Vec::new(),
            line: Line::Leading,
            empty_lines: 0,
            line_feeds: 0,
            used: 0,
            work: 0,
        }
    }
}

impl HeadReader {
    /// Takes bytes until the head ends or the limit is reached; returns the status and the
    /// bytes not taken (non-empty only after [`HeadStatus::Ended`]).
    pub(crate) fn push<'a>(
        &mut self,
        bytes: &'a [u8],
        max_head_bytes: usize,
    ) -> (HeadStatus, &'a [u8]) {
        let mut copy_from = 0;
        for (i, &b) in bytes.iter().enumerate() {
            self.work += 1;
            self.used += 1;
            let (next, ended) = match (self.line, b) {
                (Line::Leading | Line::LeadingCr, b'\n') => {
                    // RFC 9112 §2.2: an empty line before the start line, CRLF or bare LF.
                    self.empty_lines += 1;
                    copy_from = i + 1;
                    if self.empty_lines > MAX_EMPTY_LINES {
                        return (HeadStatus::TooManyEmptyLines, &[]);
                    }
                    (Line::Leading, false)
                }
                (Line::Leading, b'\r') => (Line::LeadingCr, false),
                (Line::Leading, _) => {
                    copy_from = i;
                    (Line::Content, false)
                }
                (Line::LeadingCr, _) => {
                    // The CR was not part of an empty line: it starts the head, so that
                    // the parser sees (and refuses) it.
                    self.buf.push(b'\r');
                    copy_from = i;
                    (Line::Content, false)
                }
                // A head ends at an empty line: "\n\n" or "\n\r\n" (RFC 9112 §2.2 lets a
                // recipient accept a bare LF as a line terminator).
                (Line::Start | Line::StartCr, b'\n') => (Line::Start, true),
                (Line::Start, b'\r') => (Line::StartCr, false),
                (Line::Content, b'\n') => (Line::Start, false),
                (_, _) => (Line::Content, false),
            };
            self.line = next;
            if b == b'\n' && !matches!(self.line, Line::Leading) {
                self.line_feeds += 1;
            }
            if ended {
                self.copy(&bytes[copy_from..=i]);
                return (HeadStatus::Ended, &bytes[i + 1..]);
            }
            if self.used >= max_head_bytes {
                return (HeadStatus::TooLarge, &[]);
            }
        }
        if !matches!(self.line, Line::Leading | Line::LeadingCr) {
            self.copy(&bytes[copy_from..]);
        }
        (HeadStatus::Partial, &[])
    }

    fn copy(&mut self, bytes: &[u8]) {
        self.work += bytes.len() as u64;
        self.buf.extend_from_slice(bytes);
    }

    /// The complete head, for parsing once: the work counts its bytes.
    pub(crate) fn head(&mut self) -> &[u8] {
        self.work += self.buf.len() as u64;
        &self.buf
    }

    /// How many header slots a parser needs for this head: at most one per line, and never
    /// more than `max_headers` (one more than that lets the parser see there are too many).
    pub(crate) fn header_slots(&mut self, max_headers: usize) -> usize {
        let slots = self.line_feeds.min(max_headers);
        self.work += slots as u64;
        slots
    }

    /// The head was an interim response: read the next one, within the same limit.
    pub(crate) fn next_head(&mut self) {
        self.buf.clear();
        self.line = Line::Leading;
        self.empty_lines = 0;
        self.line_feeds = 0;
    }

    /// The head has been read: release its memory.
    pub(crate) fn finish(&mut self) {
        self.next_head();
        self.buf = Vec::new();
    }
}

/// The reader's work, for unit tests and for fuzz targets (cargo-fuzz builds every crate
/// with `--cfg fuzzing`, declared in `Cargo.toml`); no other build has it.
pub(crate) mod probe {
    impl super::HeadReader {
        /// Bytes scanned, copied and parsed, and header slots allocated, so far: a
        /// measure of the work done that does not depend on the machine.
        #[cfg(any(test, fuzzing))]
        pub(crate) fn work(&self) -> u64 {
            self.work
        }
    }

    impl crate::ServerHandshake {
        /// The head reader's work so far (see `HeadReader::work`).
        #[cfg(fuzzing)]
        #[doc(hidden)]
        pub fn head_work(&self) -> u64 {
            self.head_reader().work()
        }
    }

    impl crate::ClientHandshake {
        /// The head reader's work so far (see `HeadReader::work`).
        #[cfg(fuzzing)]
        #[doc(hidden)]
        pub fn head_work(&self) -> u64 {
            self.head_reader().work()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` in pieces of `step` bytes; the status, the head and what followed it.
    fn read(wire: &[u8], step: usize, max: usize) -> (HeadStatus, Vec<u8>, Vec<u8>) {
        let mut reader = HeadReader::default();
        let mut pieces = wire.chunks(step.max(1));
        for piece in pieces.by_ref() {
            let (status, rest) = reader.push(piece, max);
            if status != HeadStatus::Partial {
                let mut after = rest.to_vec();
                after.extend(pieces.flatten());
                return (status, reader.head().to_vec(), after);
            }
        }
        (HeadStatus::Partial, reader.head().to_vec(), Vec::new())
    }

    #[test]
    fn finds_the_end_in_any_split() {
        let wire = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nFRAMES";
        for step in 1..=wire.len() {
            assert_eq!(
                read(wire, step, 1024),
                (HeadStatus::Ended, wire[..27].to_vec(), b"FRAMES".to_vec()),
                "step {step}"
            );
        }
    }

    #[test]
    fn bare_lf_ends_a_head() {
        for wire in [
            &b"GET / HTTP/1.1\nHost: a\n\n"[..],
            b"GET / HTTP/1.1\nHost: a\n\r\n",
        ] {
            assert_eq!(
                read(wire, 1, 1024),
                (HeadStatus::Ended, wire.to_vec(), Vec::new())
            );
        }
    }

    #[test]
    fn a_lone_cr_does_not_end_a_line() {
        // "\r\r\n" is not an empty line: the head goes on.
        let wire = b"GET / HTTP/1.1\r\n\r\r\nHost: a\r\n\r\n";
        assert_eq!(read(wire, 1, 1024).0, HeadStatus::Ended);
        assert_eq!(read(wire, 1, 1024).1.len(), wire.len());
    }

    // RFC 9112 §2.2: empty lines before the start line are skipped, not kept, up to
    // MAX_EMPTY_LINES of them, CRLF or bare LF, in any split.
    #[test]
    fn leading_empty_lines_are_skipped_up_to_the_cap() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        for lines in 0..=MAX_EMPTY_LINES {
            for eol in [&b"\r\n"[..], b"\n"] {
                let mut wire = eol.repeat(lines);
                wire.extend_from_slice(head);
                for step in [1, 2, 3, wire.len()] {
                    assert_eq!(
                        read(&wire, step, 1024),
                        (HeadStatus::Ended, head.to_vec(), Vec::new()),
                        "{lines} lines, step {step}"
                    );
                }
            }
        }
        let mut wire = b"\r\n".repeat(MAX_EMPTY_LINES + 1);
        wire.extend_from_slice(head);
        for step in [1, wire.len()] {
            assert_eq!(read(&wire, step, 1024).0, HeadStatus::TooManyEmptyLines);
        }
    }

    #[test]
    fn a_cr_that_starts_no_empty_line_is_kept_for_the_parser() {
        let wire = b"\r\rGET / HTTP/1.1\r\n\r\n";
        for step in [1, wire.len()] {
            assert_eq!(
                read(wire, step, 1024),
                (HeadStatus::Ended, wire.to_vec(), Vec::new())
            );
        }
    }

    #[test]
    fn stops_at_the_limit() {
        assert_eq!(read(&[b'a'; 100], 100, 100).0, HeadStatus::TooLarge);
        let mut reader = HeadReader::default();
        assert_eq!(
            reader.push(b"GET / HTTP/1.1\r\n", 100),
            (HeadStatus::Partial, &b""[..])
        );
        // The end arrives, but past the limit.
        let mut long = vec![b'x'; 100];
        long.extend_from_slice(b"\r\n\r\n");
        assert_eq!(reader.push(&long, 100).0, HeadStatus::TooLarge);
        // The buffer never grows past the limit, whatever one call brings.
        let mut reader = HeadReader::default();
        let huge = vec![b'x'; 1 << 20];
        assert_eq!(reader.push(&huge, 100).0, HeadStatus::TooLarge);
        assert!(reader.buf.capacity() <= 1024, "{}", reader.buf.capacity());
    }

    // A head of exactly the limit passes; the limit counts the empty lines before it and
    // the interim heads read before it.
    #[test]
    fn the_limit_covers_the_whole_message() {
        let head = b"GET / HTTP/1.1\r\n\r\n";
        assert_eq!(read(head, 1, head.len()).0, HeadStatus::Ended);
        assert_eq!(read(head, 1, head.len() - 1).0, HeadStatus::TooLarge);
        let mut wire = b"\r\n".to_vec();
        wire.extend_from_slice(head);
        assert_eq!(read(&wire, 1, head.len()).0, HeadStatus::TooLarge);

        let mut reader = HeadReader::default();
        let interim = b"HTTP/1.1 100 Continue\r\n\r\n";
        let (status, rest) = reader.push(interim, 2 * interim.len());
        assert_eq!((status, rest), (HeadStatus::Ended, &b""[..]));
        reader.next_head();
        assert_eq!(
            reader.push(interim, 2 * interim.len()),
            (HeadStatus::Ended, &b""[..])
        );
        reader.next_head();
        assert_eq!(reader.push(b"H", 2 * interim.len()).0, HeadStatus::TooLarge);
    }

    /// The reader's work for `wire` fed in pieces of `step` bytes, heads after interim
    /// responses included.
    fn work(wire: &[u8], step: usize, max: usize) -> u64 {
        let mut reader = HeadReader::default();
        for piece in wire.chunks(step.max(1)) {
            let mut input = piece;
            loop {
                let (status, rest) = reader.push(input, max);
                if status != HeadStatus::Ended {
                    break;
                }
                let _ = reader.head();
                let _ = reader.header_slots(usize::MAX);
                reader.next_head();
                input = rest;
            }
        }
        reader.work()
    }

    // Pathological inputs of growing size, fed whole and byte by byte: the work is at most
    // a few times the bytes fed (it was quadratic for a run of empty lines).
    #[test]
    fn work_is_linear_in_the_bytes_fed() {
        let max = usize::MAX;
        type Shape = (&'static str, fn(usize) -> Vec<u8>);
        let shapes: [Shape; 5] = [
            ("empty lines", |n| b"\r\n".repeat(n / 2)),
            ("bare LFs", |n| b"\n".repeat(n)),
            ("one long line", |n| {
                let mut w = b"GET / HTTP/1.1\r\nX: ".to_vec();
                w.resize(n, b'a');
                w
            }),
            ("many fields", |n| {
                let mut w = b"GET / HTTP/1.1\r\n".to_vec();
                while w.len() < n {
                    w.extend_from_slice(b"A: b\r\n");
                }
                w
            }),
            ("interim responses", |n| {
                b"HTTP/1.1 100 Continue\r\n\r\n".repeat(n / 25)
            }),
        ];
        for (name, make) in shapes {
            for n in [1 << 10, 1 << 12, 1 << 14, 1 << 16] {
                let wire = make(n);
                for step in [1, 7, wire.len()] {
                    let work = work(&wire, step, max);
                    assert!(
                        work <= 4 * wire.len() as u64,
                        "{name}, {} bytes in steps of {step}: work {work}",
                        wire.len()
                    );
                }
            }
        }
    }

    proptest::proptest! {
        // Any bytes in any split: the work stays within four units per byte fed.
        #[test]
        fn work_is_linear_for_any_input(
            wire in proptest::collection::vec(
                proptest::sample::select(b"\r\n: aGET/HTTP1.".to_vec()),
                0..2048,
            ),
            step in 1usize..64,
        ) {
            let work = work(&wire, step, 4096);
            proptest::prop_assert!(work <= 4 * wire.len() as u64);
        }
    }
}
