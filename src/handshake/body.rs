//! The body of a response that refused the upgrade, kept so the caller can report it.
//!
//! RFC 9112 §6.3 decides its length: none for 1xx, 204 and 304; chunked; Content-Length;
//! otherwise until the server closes the connection. Only the first `max` bytes are kept.
//! A body whose framing is broken ends there, marked truncated: it is a diagnostic, and a
//! refusal is reported either way.

/// How the body's end is found.
use alloc::vec::Vec;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyLength {
    None,
    Fixed(u64),
    Chunked,
    UntilClose,
}

/// The longest chunk-size or trailer line tolerated.
const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunked {
    SizeLine,
    Data {
        left: u64,
    },
    /// The line break after a chunk's data.
    DataEnd,
    Trailers,
}

#[derive(Debug)]
pub(crate) struct BodyReader {
    length: BodyLength,
    max: usize,
    body: Vec<u8>,
    truncated: bool,
    done: bool,
    /// Fixed-length bytes still expected.
    left: u64,
    chunked: Chunked,
    /// The chunk-size or trailer line being read.
    line: Vec<u8>,
}

impl BodyReader {
    pub(crate) fn new(length: BodyLength, max: usize) -> Self {
        Self {
            length,
            max,
            body: Vec::new(),
            truncated: false,
            done: length == BodyLength::None || length == BodyLength::Fixed(0),
            left: match length {
                BodyLength::Fixed(n) => n,
                _ => 0,
            },
            chunked: Chunked::SizeLine,
            line: Vec::new(),
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// The body so far and whether it was cut short.
    pub(crate) fn finish(self) -> (Vec<u8>, bool) {
        (self.body, self.truncated)
    }

    /// The server closed the connection: whatever arrived is the body.
    pub(crate) fn close(&mut self) {
        if !self.done {
            self.truncated |= self.length != BodyLength::UntilClose;
            self.done = true;
        }
    }

    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        while !self.done && !bytes.is_empty() {
            let used = match self.length {
                BodyLength::None => 0,
                BodyLength::UntilClose => self.keep(bytes),
                BodyLength::Fixed(_) => {
                    let n = bytes
                        .len()
                        .min(usize::try_from(self.left).unwrap_or(usize::MAX));
                    self.keep(&bytes[..n]);
                    self.left -= n as u64;
                    self.done |= self.left == 0;
                    n
                }
                BodyLength::Chunked => self.chunked(bytes),
            };
            bytes = &bytes[used..];
        }
    }

    /// Keeps what fits under the limit; past it, the body is complete and truncated.
    fn keep(&mut self, bytes: &[u8]) -> usize {
        let room = self.max - self.body.len();
        if bytes.len() > room {
            self.body.extend_from_slice(&bytes[..room]);
            self.truncated = true;
            self.done = true;
        } else {
            self.body.extend_from_slice(bytes);
        }
        bytes.len()
    }

    /// Advances the chunked decoder (RFC 9112 §7.1); returns how many bytes it took.
    fn chunked(&mut self, bytes: &[u8]) -> usize {
        if let Chunked::Data { left } = self.chunked {
            let n = bytes.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            self.keep(&bytes[..n]);
            self.chunked = match left - n as u64 {
                0 => Chunked::DataEnd,
                left => Chunked::Data { left },
            };
            return n;
        }
        if self.chunked == Chunked::DataEnd && !matches!(bytes[0], b'\r' | b'\n') {
            self.broken();
            return 1;
        }
        let Some(newline) = bytes.iter().position(|&b| b == b'\n') else {
            self.extend_line(bytes);
            return bytes.len();
        };
        self.extend_line(&bytes[..newline]);
        let line = core::mem::take(&mut self.line);
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        self.chunked = match self.chunked {
            Chunked::SizeLine => match parse_chunk_size(line) {
                Some(0) => Chunked::Trailers,
                Some(left) => Chunked::Data { left },
                None => {
                    self.broken();
                    Chunked::Trailers
                }
            },
            Chunked::DataEnd if line.is_empty() => Chunked::SizeLine,
            Chunked::Trailers if line.is_empty() => {
                self.done = true;
                Chunked::Trailers
            }
            Chunked::DataEnd => {
                self.broken();
                Chunked::DataEnd
            }
            // RFC 9112 §7.1.2: trailer-section = *( field-line CRLF ).
            Chunked::Trailers => {
                if !is_field_line(line) {
                    self.broken();
                }
                Chunked::Trailers
            }
            other => other,
        };
        newline + 1
    }

    fn extend_line(&mut self, bytes: &[u8]) {
        if self.line.len() + bytes.len() > MAX_LINE {
            self.broken();
        } else {
            self.line.extend_from_slice(bytes);
        }
    }

    fn broken(&mut self) {
        self.truncated = true;
        self.done = true;
    }
}

/// RFC 9112 §7.1: `chunk-size [ chunk-ext ]`, where
///
/// ```text
/// chunk-size = 1*HEXDIG
/// chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
/// chunk-ext-name = token
/// chunk-ext-val  = token / quoted-string
/// ```
///
/// `None` for anything else, or a size past 60 bits (leading zeros aside).
fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let (size, ext) = line.split_at(digits);
    let significant = size.iter().skip_while(|&&b| b == b'0').count();
    if size.is_empty() || significant > 15 || !is_chunk_ext(ext) {
        return None;
    }
    size.iter().try_fold(0u64, |size, &b| {
        Some(size << 4 | u64::from(char::from(b).to_digit(16)?))
    })
}

/// RFC 9112 §5: `field-line = field-name ":" OWS field-value OWS`, the name a token and
/// the value free of controls other than tab.
fn is_field_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    super::is_token(&line[..colon]) && super::is_field_value(&line[colon + 1..])
}

/// `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`.
fn is_chunk_ext(mut s: &[u8]) -> bool {
    fn bws(s: &[u8]) -> &[u8] {
        let n = s.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        &s[n..]
    }
    fn token(s: &[u8]) -> Option<&[u8]> {
        let n = s.iter().take_while(|&&b| super::is_tchar(b)).count();
        (n > 0).then_some(&s[n..])
    }
    /// RFC 9110 §5.6.4: DQUOTE *( qdtext / quoted-pair ) DQUOTE.
    fn quoted(s: &[u8]) -> Option<&[u8]> {
        let mut i = 1;
        loop {
            match *s.get(i)? {
                b'"' => return Some(&s[i + 1..]),
                b'\\' => match s.get(i + 1)? {
                    b'\t' | b' '..=b'~' | 0x80.. => i += 2,
                    _ => return None,
                },
                b'\t' | b' ' | b'!' | b'#'..=b'[' | b']'..=b'~' | 0x80.. => i += 1,
                _ => return None,
            }
        }
    }
    loop {
        s = bws(s);
        if s.is_empty() {
            return true;
        }
        let Some(rest) = s.strip_prefix(b";") else {
            return false;
        };
        let Some(rest) = token(bws(rest)) else {
            return false;
        };
        s = bws(rest);
        if let Some(rest) = s.strip_prefix(b"=") {
            let rest = bws(rest);
            let value = if rest.first() == Some(&b'"') {
                quoted(rest)
            } else {
                token(rest)
            };
            let Some(rest) = value else {
                return false;
            };
            s = rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(length: BodyLength, wire: &[u8], step: usize) -> (Vec<u8>, bool, bool) {
        let mut reader = BodyReader::new(length, 64);
        for piece in wire.chunks(step.max(1)) {
            reader.push(piece);
        }
        let done = reader.is_done();
        let (body, truncated) = reader.finish();
        (body, truncated, done)
    }

    #[test]
    fn chunked_bodies_in_any_split() {
        let wire =
            b"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n";
        for step in 1..wire.len() {
            assert_eq!(
                read(BodyLength::Chunked, wire, step),
                (b"Wikipedia in\r\n\r\nchunks.".to_vec(), false, true),
                "step {step}"
            );
        }
    }

    #[test]
    fn chunk_size_grammar() {
        for (line, size) in [
            (&b"0"[..], 0),
            (b"a", 10),
            (b"00000000000000000001F", 31),
            (b"5;x", 5),
            (b"5 ; x = y ;z", 5),
            (b"5;x=\"a \\\" b\"", 5),
            (b"fffffffffffffff", 0xfff_ffff_ffff_ffff),
        ] {
            assert_eq!(parse_chunk_size(line), Some(size), "{line:?}");
        }
        for line in [
            &b""[..],
            b" 5",
            b"+5",
            b"0x5",
            b"5 x",
            b"5;",
            b"5;=y",
            b"5;x=",
            b"5;x=\"y",
            b"5;x=y z",
            b"1000000000000000",
            b"g",
        ] {
            assert_eq!(parse_chunk_size(line), None, "{line:?}");
        }
    }

    #[test]
    fn broken_chunked_framing_ends_truncated() {
        assert_eq!(
            read(BodyLength::Chunked, b"zz\r\n", 100),
            (vec![], true, true)
        );
        assert_eq!(
            read(BodyLength::Chunked, b"2\r\nabX", 100),
            (b"ab".to_vec(), true, true)
        );
        assert_eq!(
            read(BodyLength::Chunked, b"2 x\r\nab\r\n0\r\n\r\n", 100),
            (vec![], true, true)
        );
        assert_eq!(
            read(
                BodyLength::Chunked,
                b"2\r\nab\r\n0\r\nno colon\r\n\r\n",
                100
            ),
            (b"ab".to_vec(), true, true)
        );
    }

    #[test]
    fn fixed_length_and_limit() {
        assert_eq!(
            read(BodyLength::Fixed(3), b"abcdef", 1),
            (b"abc".to_vec(), false, true)
        );
        let long = [b'x'; 100];
        let (body, truncated, done) = read(BodyLength::Fixed(100), &long, 7);
        assert_eq!((body.len(), truncated, done), (64, true, true));
        let mut until_close = BodyReader::new(BodyLength::UntilClose, 64);
        until_close.push(b"bye");
        assert!(!until_close.is_done());
        until_close.close();
        assert_eq!(until_close.finish(), (b"bye".to_vec(), false));
    }
}
