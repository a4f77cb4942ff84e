//! Incremental, fail-fast UTF-8 validation.
//!
//! Text arrives in pieces: split across reads, across frames, one byte at a time. RFC 6455
//! §8.1 has the endpoint fail the connection on invalid UTF-8, and a prompt endpoint does so
//! as soon as the bytes that prove the text invalid have arrived, not when the message ends.
//!
//! Theory of operation: the bulk of each piece goes through `std::str::from_utf8`, whose
//! ASCII fast path is hard to beat. Its error tells apart a sequence that is already
//! invalid (`error_len() == Some(_)`) from one cut short by the end of the input
//! (`error_len() == None`), and std only reports the latter when the bytes so far are a
//! valid prefix (it checks second-byte ranges such as `E0 A0..BF` and `F4 80..8F`). So the
//! first byte that makes a sequence impossible is caught in the piece that carries it. A
//! sequence cut short (at most three bytes) is kept here and completed from the next piece.

/// The bytes seen so far cannot be the start of valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

/// What [`Utf8Validator::complete_pending`] did with the bytes it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completion {
    /// The pending character is complete and valid; it took this many leading bytes.
    Complete(usize),
    /// Every byte given was taken and the character is still incomplete.
    Incomplete,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Utf8Validator {
    /// The bytes of an incomplete character, or of the character just completed.
    partial: [u8; 4],
    /// How many bytes of `partial` belong to the incomplete character (0 when none).
    len: u8,
    /// The full length of the character in `partial`.
    width: u8,
}

impl Utf8Validator {
    /// Validates the next piece of the stream.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), InvalidUtf8> {
        let mut rest = bytes;
        if self.len > 0 {
            match self.complete_pending(rest)? {
                Completion::Complete(used) => rest = &rest[used..],
                Completion::Incomplete => return Ok(()),
            }
        }
        match std::str::from_utf8(rest) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(InvalidUtf8),
            Err(e) => {
                let tail = &rest[e.valid_up_to()..];
                self.partial[..tail.len()].copy_from_slice(tail);
                self.len = tail.len() as u8;
                self.width = char_width(tail[0]);
                Ok(())
            }
        }
    }

    /// Completes the pending character from the start of `bytes`.
    ///
    /// Call only while [`pending_len`](Self::pending_len) is non-zero. After
    /// `Completion::Complete`, [`completed_char`](Self::completed_char) returns the character
    /// until the next call.
    pub(crate) fn complete_pending(&mut self, bytes: &[u8]) -> Result<Completion, InvalidUtf8> {
        let have = usize::from(self.len);
        let take = (usize::from(self.width) - have).min(bytes.len());
        self.partial[have..have + take].copy_from_slice(&bytes[..take]);
        let now = have + take;
        match std::str::from_utf8(&self.partial[..now]) {
            Ok(_) => {
                self.len = 0;
                Ok(Completion::Complete(take))
            }
            Err(e) if e.error_len().is_some() => Err(InvalidUtf8),
            Err(_) => {
                self.len = now as u8;
                Ok(Completion::Incomplete)
            }
        }
    }

    /// The character that the last `complete_pending` completed.
    pub(crate) fn completed_char(&self) -> &str {
        std::str::from_utf8(&self.partial[..usize::from(self.width)]).unwrap_or_default()
    }

    /// How many bytes of an incomplete character are pending: the stream so far is valid
    /// UTF-8 exactly when this is zero.
    pub(crate) fn pending_len(&self) -> usize {
        usize::from(self.len)
    }

    pub(crate) fn reset(&mut self) {
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

    fn feed_bytewise(bytes: &[u8]) -> Result<usize, (usize, InvalidUtf8)> {
        let mut v = Utf8Validator::default();
        for (i, b) in bytes.iter().enumerate() {
            v.feed(std::slice::from_ref(b)).map_err(|e| (i, e))?;
        }
        Ok(v.pending_len())
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
            let got = feed_bytewise(input).err().map(|(i, _)| i);
            assert_eq!(got, expected, "{input:02x?}");
        }
    }

    #[test]
    fn pending_tracks_incomplete_characters() {
        assert_eq!(feed_bytewise("κόσμε".as_bytes()), Ok(0));
        assert_eq!(feed_bytewise(b"\xF0\x9F\x98"), Ok(3));
        assert_eq!(feed_bytewise(b"\xE2\x82"), Ok(2));
    }

    #[test]
    fn completes_a_character_split_across_pieces() {
        let mut v = Utf8Validator::default();
        v.feed(b"ab\xF0\x9F").unwrap();
        assert_eq!(v.pending_len(), 2);
        assert_eq!(v.complete_pending(b"\x98"), Ok(Completion::Incomplete));
        assert_eq!(v.complete_pending(b"\x80xyz"), Ok(Completion::Complete(1)));
        assert_eq!(v.completed_char(), "😀");
        assert_eq!(v.pending_len(), 0);
    }

    #[test]
    fn every_split_of_valid_text_validates() {
        let text = "Hello-µ@ßöäüàá-UTF-8!! 😀 κόσμε".as_bytes();
        for cut in 0..=text.len() {
            let mut v = Utf8Validator::default();
            v.feed(&text[..cut]).unwrap();
            v.feed(&text[cut..]).unwrap();
            assert_eq!(v.pending_len(), 0, "cut at {cut}");
        }
    }
}
