//! UTF-8 validation for text that arrives in pieces.
//!
//! RFC 6455 §8.1 has an endpoint fail the connection on invalid UTF-8, and a prompt one does
//! so as soon as the bytes that prove the text invalid have arrived, not when the message
//! ends. So text is checked twice over its life at most: the part that arrived before the
//! message was complete, to fail fast, and the whole message once, to borrow it as `&str`
//! (without `unsafe`, only validating makes a `&str`). A message that arrives in one read is
//! validated once.
//!
//! Theory of operation: a message's bytes sit contiguously in one buffer while it arrives, so
//! the incremental check needs no state of its own beyond how far the text is known good:
//! [`valid_prefix`] returns the length of the longest prefix that is valid and ends on a
//! character boundary, and fails only when the bytes prove the text invalid. The bytes after
//! that prefix (at most three: a character still arriving) are looked at again with the next
//! piece. The validator's error tells apart a sequence that is already invalid
//! (`error_len() == Some(_)`) from one cut short by the end of the input (`None`), and it
//! reports the latter only when the bytes so far are a valid prefix (second-byte ranges such
//! as `E0 A0..BF` and `F4 80..8F` are checked), so the first byte that makes a sequence
//! impossible is caught in the piece that carries it.
//!
//! With the default `simd` feature the checks run on `simdutf8` (about 3 times the speed of
//! `std::str::from_utf8` on JSON-like text, measured in `docs/performance.md`); without it on
//! `std`.
//!
//! The one case where a message's bytes are not contiguous is chunked delivery of text whose
//! character is cut by the end of a frame: the next frame starts after a header. [`SplitChar`]
//! holds that character's bytes until the next frame completes it.

/// The bytes seen so far cannot be the start of valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

/// The whole of `bytes` as text.
#[inline]
pub(crate) fn validate(bytes: &[u8]) -> Result<&str, InvalidUtf8> {
    backend::from_utf8(bytes).ok_or(InvalidUtf8)
}

/// How much of `bytes` is known to be valid text: the length of the longest prefix that is
/// valid and ends on a character boundary. The rest, if any, is the start of a character
/// that may still be completed. Fails when `bytes` cannot be the start of valid UTF-8.
#[inline]
pub(crate) fn valid_prefix(bytes: &[u8]) -> Result<usize, InvalidUtf8> {
    valid_prefix_str(bytes).map(str::len)
}

/// The longest valid prefix of `bytes` (see [`valid_prefix`]) as text, in one pass.
#[inline]
pub(crate) fn valid_prefix_str(bytes: &[u8]) -> Result<&str, InvalidUtf8> {
    let tail = incomplete_tail(bytes)?;
    validate(&bytes[..bytes.len() - tail])
}

/// How many bytes at the end of `bytes` are the valid start of a character still
/// arriving (0 to 3). Fails if those bytes already cannot start a character; the bytes
/// before them are not looked at.
#[inline]
pub(crate) fn incomplete_tail(bytes: &[u8]) -> Result<usize, InvalidUtf8> {
    let len = bytes.len();
    match bytes.last() {
        None => return Ok(0),
        Some(&last) if last < 0x80 => return Ok(0),
        Some(_) => {}
    }
    // Step back over continuation bytes (10xxxxxx) to the lead byte: at most three.
    let mut start = len - 1;
    while start > 0 && len - start < 4 && bytes[start] & 0xC0 == 0x80 {
        start -= 1;
    }
    let tail = &bytes[start..];
    match backend::error_of(tail) {
        (valid, _) if valid == tail.len() => Ok(0),
        (0, None) => Ok(tail.len()),
        _ => Err(InvalidUtf8),
    }
}

#[cfg(feature = "simd")]
mod backend {
    #[inline]
    pub(super) fn from_utf8(bytes: &[u8]) -> Option<&str> {
        // Below a vector's width the SIMD code has nothing to gain and a dispatch to pay.
        if bytes.len() < 64 {
            return core::str::from_utf8(bytes).ok();
        }
        simdutf8::basic::from_utf8(bytes).ok()
    }

    /// Where the first fault is, and its length (`None`: the input ended mid-character).
    pub(super) fn error_of(bytes: &[u8]) -> (usize, Option<usize>) {
        match simdutf8::compat::from_utf8(bytes) {
            Ok(_) => (bytes.len(), None),
            Err(e) => (e.valid_up_to(), e.error_len()),
        }
    }
}

#[cfg(not(feature = "simd"))]
mod backend {
    #[inline]
    pub(super) fn from_utf8(bytes: &[u8]) -> Option<&str> {
        core::str::from_utf8(bytes).ok()
    }

    /// Where the first fault is, and its length (`None`: the input ended mid-character).
    pub(super) fn error_of(bytes: &[u8]) -> (usize, Option<usize>) {
        match core::str::from_utf8(bytes) {
            Ok(_) => (bytes.len(), None),
            Err(e) => (e.valid_up_to(), e.error_len()),
        }
    }
}

/// What [`SplitChar::complete`] did with the bytes it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completion {
    /// The character is complete and valid; it took this many leading bytes.
    Complete(usize),
    /// Every byte given was taken and the character is still incomplete.
    Incomplete,
}

/// A character whose bytes are split between two frames (chunked delivery only).
#[derive(Debug, Clone, Default)]
pub(crate) struct SplitChar {
    bytes: [u8; 4],
    /// Bytes held; 0 when no character is split.
    len: u8,
    /// The full length of the character.
    width: u8,
}

impl SplitChar {
    /// Holds `tail`, the 1 to 3 bytes of a valid but incomplete character.
    pub(crate) fn hold(&mut self, tail: &[u8]) {
        debug_assert!((1..4).contains(&tail.len()));
        self.bytes[..tail.len()].copy_from_slice(tail);
        self.len = tail.len() as u8;
        self.width = char_width(tail[0]);
    }

    /// Whether a character is waiting to be completed.
    pub(crate) fn is_pending(&self) -> bool {
        self.len > 0
    }

    /// Completes the character from the start of `more`. After `Completion::Complete`,
    /// [`as_str`](Self::as_str) returns it until the next call.
    pub(crate) fn complete(&mut self, more: &[u8]) -> Result<Completion, InvalidUtf8> {
        let have = usize::from(self.len);
        let take = (usize::from(self.width) - have).min(more.len());
        self.bytes[have..have + take].copy_from_slice(&more[..take]);
        let now = have + take;
        match valid_prefix(&self.bytes[..now])? {
            valid if valid == now => {
                self.len = 0;
                Ok(Completion::Complete(take))
            }
            _ => {
                self.len = now as u8;
                Ok(Completion::Incomplete)
            }
        }
    }

    /// The character the last [`complete`](Self::complete) completed.
    pub(crate) fn as_str(&self) -> &str {
        validate(&self.bytes[..usize::from(self.width)]).unwrap_or_default()
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

/// The length of the sequence a valid lead byte starts (RFC 3629 §4).
fn char_width(lead: u8) -> u8 {
    match lead {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks a growing prefix the way a message arriving byte by byte is checked: from the
    /// last known-good boundary each time. Returns the index of the byte that failed.
    fn first_failing_byte(bytes: &[u8]) -> Option<usize> {
        let mut good = 0;
        for end in 1..=bytes.len() {
            match valid_prefix(&bytes[good..end]) {
                Ok(n) => good += n,
                Err(InvalidUtf8) => return Some(end - 1),
            }
        }
        None
    }

    #[test]
    fn fails_on_the_byte_that_proves_invalidity() {
        // (input, index of the first byte that makes it invalid)
        let cases: &[(&[u8], usize)] = &[
            (b"\xC0", 0),                     // never a lead byte (overlong)
            (b"\xF5", 0),                     // beyond U+10FFFF
            (b"\x80", 0),                     // stray continuation
            (b"\xE0\x80", 1),                 // overlong three-byte form
            (b"\xED\xA0", 1),                 // UTF-16 surrogate
            (b"\xF4\x90", 1),                 // beyond U+10FFFF
            (b"\xF0\x8F", 1),                 // overlong four-byte form
            (b"\xCE\xBA\xE1\xBD\xB9\xCF", 6), // valid, then an incomplete char: no error
            (
                b"\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80",
                12,
            ),
            (b"a\xE2\x82z", 3),
        ];
        for (input, at) in cases {
            let expected = if *at >= input.len() { None } else { Some(*at) };
            assert_eq!(first_failing_byte(input), expected, "{input:02x?}");
        }
    }

    #[test]
    fn valid_prefix_stops_before_an_incomplete_character() {
        assert_eq!(valid_prefix("κόσμε".as_bytes()), Ok("κόσμε".len()));
        assert_eq!(valid_prefix(b"ab\xF0\x9F\x98"), Ok(2));
        assert_eq!(valid_prefix(b"\xE2\x82"), Ok(0));
        assert_eq!(valid_prefix(b"ab\xE2\x82z"), Err(InvalidUtf8));
        assert_eq!(valid_prefix_str(b"ab\xF0\x9F"), Ok("ab"));
        assert_eq!(incomplete_tail(b"ab\xF0\x9F\x98"), Ok(3));
        assert_eq!(incomplete_tail(b"ab\xF0\x9F\x98\x80"), Ok(0));
        assert_eq!(incomplete_tail(b"\x80\x80\x80\x80"), Err(InvalidUtf8));
        assert_eq!(incomplete_tail(b"\xE0\x80"), Err(InvalidUtf8));
    }

    #[test]
    fn long_inputs_take_the_same_decisions() {
        // Long enough for the vector code paths, with the fault or the cut near the end.
        let mut text = "Zürich — naïve café, {\"k\": [1, 2, 3]} "
            .repeat(200)
            .into_bytes();
        assert_eq!(validate(&text).map(str::len), Ok(text.len()));
        text.extend_from_slice(b"\xF0\x9F");
        assert_eq!(valid_prefix(&text), Ok(text.len() - 2));
        text.push(b'x');
        assert_eq!(valid_prefix(&text), Err(InvalidUtf8));
    }

    #[test]
    fn completes_a_character_split_across_frames() {
        let mut split = SplitChar::default();
        split.hold(b"\xF0\x9F");
        assert!(split.is_pending());
        assert_eq!(split.complete(b"\x98"), Ok(Completion::Incomplete));
        assert_eq!(split.complete(b"\x80xyz"), Ok(Completion::Complete(1)));
        assert_eq!(split.as_str(), "😀");
        assert!(!split.is_pending());
        split.hold(b"\xE2");
        assert_eq!(split.complete(b"\x28"), Err(InvalidUtf8));
    }

    #[test]
    fn every_split_of_valid_text_validates() {
        let text = "Hello-µ@ßöäüàá-UTF-8!! 😀 κόσμε".as_bytes();
        for cut in 0..=text.len() {
            let good = valid_prefix(&text[..cut]).unwrap();
            assert!(cut - good < 4, "cut at {cut}");
            assert_eq!(valid_prefix(&text[good..]), Ok(text.len() - good));
        }
    }
}
