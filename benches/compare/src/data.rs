//! The messages every subject handles, generated deterministically before any timing, and
//! an independent frame encoder/decoder used to build the wire streams and to check what
//! the subjects write. Nothing here calls a subject.

/// A data message's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Text,
    Binary,
}

impl Kind {
    fn opcode(self) -> u8 {
        match self {
            Kind::Text => 0x1,
            Kind::Binary => 0x2,
        }
    }
}

/// SplitMix64: small, fast and the same on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

const KEYS: [&str; 12] = [
    "id", "type", "user", "text", "tags", "ts", "ok", "room", "lang", "score", "reply_to", "meta",
];
// The words of the text: mostly ASCII, as JSON payloads are, with one word in eight
// carrying two-, three- or four-byte characters (see `json_text`).
const ASCII_WORDS: [&str; 20] = [
    "hello", "world", "socket", "frame", "message", "server", "client", "latency", "queue",
    "buffer", "update", "status", "ready", "value", "event", "stream", "user", "data", "ok", "the",
];
const OTHER_WORDS: [&str; 12] = [
    "naïve",
    "café",
    "Zürich",
    "señor",
    "Ελλάδα",
    "привет",
    "日本語",
    "中文",
    "😀",
    "🚀",
    "déjà vu",
    "ångström",
];

fn word(rng: &mut Rng) -> &'static str {
    if rng.below(8) == 0 {
        OTHER_WORDS[rng.below(OTHER_WORDS.len())]
    } else {
        ASCII_WORDS[rng.below(ASCII_WORDS.len())]
    }
}

/// JSON-like text of exactly `len` bytes: objects with numbers, booleans, arrays and
/// strings whose words are ASCII but for one in eight with multi-byte characters
/// ([`non_ascii_share`] measures the result: about 5% of the bytes). Cut at a character boundary and padded
/// with spaces to the exact length.
pub fn json_text(rng: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len + 64);
    while s.len() < len {
        s.push('{');
        let fields = 3 + rng.below(5);
        for f in 0..fields {
            if f > 0 {
                s.push(',');
            }
            s.push('"');
            s.push_str(KEYS[rng.below(KEYS.len())]);
            s.push_str("\":");
            match rng.below(5) {
                0 => s.push_str(&(rng.next_u64() % 1_000_000).to_string()),
                1 => s.push_str(if rng.below(2) == 0 { "true" } else { "false" }),
                2 => {
                    s.push('[');
                    for i in 0..1 + rng.below(3) {
                        if i > 0 {
                            s.push(',');
                        }
                        s.push('"');
                        s.push_str(word(rng));
                        s.push('"');
                    }
                    s.push(']');
                }
                _ => {
                    s.push('"');
                    for w in 0..1 + rng.below(6) {
                        if w > 0 {
                            s.push(' ');
                        }
                        s.push_str(word(rng));
                    }
                    s.push('"');
                }
            }
        }
        s.push('}');
        s.push('\n');
    }
    let mut cut = len;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    while s.len() < len {
        s.push(' ');
    }
    s
}

/// The share of bytes outside ASCII in `text`.
pub fn non_ascii_share(text: &str) -> f64 {
    text.bytes().filter(|b| *b >= 0x80).count() as f64 / text.len().max(1) as f64
}

/// The messages of one workload: the same list for every subject.
#[derive(Debug, Clone)]
pub struct Messages {
    pub kind: Kind,
    pub size: usize,
    /// Every payload; for `Kind::Text` each is valid UTF-8.
    pub payloads: Vec<Vec<u8>>,
    /// The same payloads as strings, for a text workload (empty for binary), so that an
    /// encoder taking `&str` needs no validation in the timed loop.
    pub texts: Vec<String>,
    /// The payload bytes summed.
    pub total: usize,
}

impl Messages {
    /// `count` messages of `size` bytes, seeded by the kind and the size.
    pub fn generate(kind: Kind, size: usize, count: usize) -> Self {
        let mut rng = Rng::new(0x5EED ^ (size as u64) << 8 ^ kind as u64);
        let payloads: Vec<Vec<u8>> = (0..count)
            .map(|_| match kind {
                Kind::Text => json_text(&mut rng, size).into_bytes(),
                Kind::Binary => {
                    let mut b = vec![0u8; size];
                    rng.fill(&mut b);
                    b
                }
            })
            .collect();
        let texts = match kind {
            Kind::Text => payloads
                .iter()
                .map(|p| String::from_utf8(p.clone()).expect("text payloads are UTF-8"))
                .collect(),
            Kind::Binary => Vec::new(),
        };
        Self {
            kind,
            size,
            total: payloads.iter().map(Vec::len).sum(),
            payloads,
            texts,
        }
    }

    pub fn len(&self) -> usize {
        self.payloads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.payloads.is_empty()
    }

    /// What [`Fold`] gives over these messages in order.
    pub fn expected_fold(&self) -> Fold {
        let mut f = Fold::default();
        for p in &self.payloads {
            f.message(self.kind, p);
        }
        f
    }
}

/// What a subject does with each message it delivers.
pub trait Consume {
    fn message(&mut self, kind: Kind, payload: &[u8]);
}

/// The timed consumer: folds each message's kind, length and three of its bytes, so that
/// nothing can be optimised away, at a cost independent of the message size.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub count: u64,
    pub acc: u64,
}

impl Consume for Fold {
    #[inline]
    fn message(&mut self, kind: Kind, payload: &[u8]) {
        let n = payload.len();
        let sample = if n == 0 {
            0
        } else {
            u64::from(payload[0]) | u64::from(payload[n / 2]) << 8 | u64::from(payload[n - 1]) << 16
        };
        self.acc = (self.acc.rotate_left(7) ^ (n as u64) ^ sample << 24 ^ kind as u64)
            .wrapping_mul(0x0100_0000_01B3);
        self.count += 1;
    }
}

/// The verifying consumer: keeps a copy of every message.
#[derive(Debug, Default)]
pub struct Collect {
    pub messages: Vec<(Kind, Vec<u8>)>,
}

impl Consume for Collect {
    fn message(&mut self, kind: Kind, payload: &[u8]) {
        self.messages.push((kind, payload.to_vec()));
    }
}

/// Compares what a subject delivered with what was sent: every message, in order, whole.
pub fn check_delivered(expected: &Messages, got: &[(Kind, Vec<u8>)]) -> Result<(), String> {
    if got.len() != expected.len() {
        return Err(format!(
            "delivered {} messages, expected {}",
            got.len(),
            expected.len()
        ));
    }
    for (i, ((kind, payload), want)) in got.iter().zip(&expected.payloads).enumerate() {
        if *kind != expected.kind {
            return Err(format!(
                "message {i}: kind {kind:?}, expected {:?}",
                expected.kind
            ));
        }
        if payload != want {
            return Err(format!(
                "message {i}: {} bytes differ from the {} sent",
                payload.len(),
                want.len()
            ));
        }
    }
    Ok(())
}

/// One frame per message, FIN set, in the shortest length form (RFC 6455 §5.2), masked
/// with `mask` when given (a client's frames).
pub fn encode_frame(out: &mut Vec<u8>, kind: Kind, payload: &[u8], mask: Option<[u8; 4]>) {
    out.push(0x80 | kind.opcode());
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let n = payload.len();
    if n < 126 {
        out.push(mask_bit | n as u8);
    } else if n <= 0xFFFF {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(n as u64).to_be_bytes());
    }
    match mask {
        None => out.extend_from_slice(payload),
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
    }
}

/// The wire stream a client sends: every message in one masked frame, keys from a seeded
/// generator.
pub fn client_wire(msgs: &Messages, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(msgs.total + msgs.len() * 14);
    for p in &msgs.payloads {
        let key = (rng.next_u64() as u32).to_be_bytes();
        encode_frame(&mut out, msgs.kind, p, Some(key));
    }
    out
}

/// The wire stream a server sends: every message in one unmasked frame. A server's
/// encoding is deterministic, so this is also the exact expected output of server encode.
pub fn server_wire(msgs: &Messages) -> Vec<u8> {
    let mut out = Vec::with_capacity(msgs.total + msgs.len() * 10);
    for p in &msgs.payloads {
        encode_frame(&mut out, msgs.kind, p, None);
    }
    out
}

/// A frame as read back from a subject's output.
#[derive(Debug)]
pub struct WireFrame {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub payload: Vec<u8>,
}

/// Splits a byte stream into frames, unmasking payloads. Fails on a truncated stream.
pub fn parse_frames(mut bytes: &[u8]) -> Result<Vec<WireFrame>, String> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 2 {
            return Err("truncated frame header".into());
        }
        let (b0, b1) = (bytes[0], bytes[1]);
        let masked = b1 & 0x80 != 0;
        let (len, mut at) = match b1 & 0x7F {
            126 if bytes.len() >= 4 => (u64::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
            127 if bytes.len() >= 10 => (
                u64::from_be_bytes(bytes[2..10].try_into().expect("8 bytes")),
                10,
            ),
            126 | 127 => return Err("truncated length".into()),
            n => (u64::from(n), 2),
        };
        let key = if masked {
            let key: [u8; 4] = bytes
                .get(at..at + 4)
                .ok_or("truncated mask")?
                .try_into()
                .expect("4 bytes");
            at += 4;
            Some(key)
        } else {
            None
        };
        let len = usize::try_from(len).map_err(|_| "length overflow")?;
        let body = bytes.get(at..at + len).ok_or("truncated payload")?;
        let payload = match key {
            Some(k) => body.iter().enumerate().map(|(i, b)| b ^ k[i % 4]).collect(),
            None => body.to_vec(),
        };
        frames.push(WireFrame {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x7,
            opcode: b0 & 0x0F,
            masked,
            payload,
        });
        bytes = &bytes[at + len..];
    }
    Ok(frames)
}

/// Checks an encoder's output: one final, unextended frame per message, masked exactly
/// when a client sent it, carrying the messages in order.
pub fn check_encoded(expected: &Messages, wire: &[u8], client: bool) -> Result<(), String> {
    if !client {
        let want = server_wire(expected);
        if wire == want.as_slice() {
            return Ok(());
        }
    }
    let frames = parse_frames(wire)?;
    let mut got = Vec::with_capacity(frames.len());
    for (i, f) in frames.into_iter().enumerate() {
        if !f.fin || f.rsv != 0 || f.opcode != expected.kind.opcode() {
            return Err(format!(
                "frame {i}: fin {} rsv {} opcode {} (one final frame per message expected)",
                f.fin, f.rsv, f.opcode
            ));
        }
        if f.masked != client {
            return Err(format!(
                "frame {i}: masked = {}, expected {client}",
                f.masked
            ));
        }
        got.push((expected.kind, f.payload));
    }
    check_delivered(expected, &got)?;
    if !client {
        // Same frames, different bytes: a non-minimal length encoding.
        return Err("frames carry the right messages but differ from the shortest encoding".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_exact_length_and_multibyte_characters() {
        let mut rng = Rng::new(1);
        for len in [16, 128, 4096, 65536] {
            let t = json_text(&mut rng, len);
            assert_eq!(t.len(), len);
            if len >= 128 {
                assert!(t.chars().any(|c| c.len_utf8() > 1), "{t}");
            }
        }
    }

    #[test]
    fn frames_round_trip_through_the_parser() {
        let msgs = Messages::generate(Kind::Text, 300, 5);
        let frames = parse_frames(&client_wire(&msgs, 9)).unwrap();
        assert_eq!(frames.len(), 5);
        assert!(frames.iter().all(|f| f.masked && f.fin));
        assert_eq!(frames[3].payload, msgs.payloads[3]);
        check_encoded(&msgs, &server_wire(&msgs), false).unwrap();
    }
}
