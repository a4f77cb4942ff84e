//! Round trips with permessage-deflate: for each context-takeover combination and a range
//! of window sizes in each direction, both ends negotiate through real handshakes, then a
//! sequence of messages goes each way and must arrive exactly as sent, whatever the input's
//! cuts and the delivery mode. The oracle is the original message.
//!
//! Also checked: the agreed window limits what the sender's compressor reaches back to, and
//! context takeover shows in the bytes (identical copies without it, smaller with it).

mod common;

use common::deflate::{Handshaken, RSV1, Rng, feed_random, handshake, params, parse_frames};
use common::{feed_bytewise, feed_whole, merge_chunks, take_output};
use wswire::{
    ClientConfig, Config, Connection, DeflateConfig, DeflateParams, Delivery, MessageKind,
    OwnedEvent, ServerConfig,
};

/// One negotiated setup.
#[derive(Debug, Clone, Copy)]
struct Combo {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_bits: u8,
    client_bits: u8,
    /// Whether the server's configuration sets the limits (asked for in its response) or
    /// the client's (asked for in its offer).
    server_sets: bool,
}

impl Combo {
    fn configs(&self) -> (DeflateConfig, DeflateConfig) {
        let limited = DeflateConfig::new()
            .server_no_context_takeover(self.server_no_context_takeover)
            .client_no_context_takeover(self.client_no_context_takeover)
            .server_max_window_bits(self.server_bits)
            .client_max_window_bits(self.client_bits);
        if self.server_sets {
            (DeflateConfig::new(), limited)
        } else {
            (limited, DeflateConfig::new())
        }
    }

    /// What the response must say, worked from RFC 7692 §7.1: a server states its window
    /// when asked or when smaller than 15; the client's window only when the server sets
    /// one below 15 (the client's offer always allows it).
    fn expected_params(&self) -> DeflateParams {
        let server_bits = (self.server_bits < 15).then_some(self.server_bits);
        let client_bits = (self.server_sets && self.client_bits < 15).then_some(self.client_bits);
        params(
            self.server_no_context_takeover,
            self.client_no_context_takeover,
            server_bits,
            client_bits,
        )
    }

    fn connect(&self, delivery: Delivery) -> Handshaken {
        let (client, server) = self.configs();
        let connection = Config::new().delivery(delivery);
        let pair = handshake(
            ClientConfig::new("ws://example.com/")
                .unwrap()
                .deflate(client)
                .connection(connection.clone()),
            ServerConfig::new().deflate(server).connection(connection),
        );
        let expected = self.expected_params();
        assert_eq!(pair.client.deflate(), Some(&expected), "{self:?}");
        assert_eq!(pair.server.deflate(), Some(&expected), "{self:?}");
        pair
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    /// The (sender, receiver) of a pair.
    fn split(self, pair: Handshaken) -> (Connection, Connection) {
        match self {
            Self::ClientToServer => (pair.client, pair.server),
            Self::ServerToClient => (pair.server, pair.client),
        }
    }
}

/// Something to send.
#[derive(Debug, Clone)]
enum Op {
    Text(String),
    Binary(Vec<u8>),
    /// A message sent with `send_fragment`, a Ping between each two fragments.
    Fragmented(MessageKind, Vec<Vec<u8>>),
    Ping(Vec<u8>),
}

impl Op {
    fn send(&self, conn: &mut Connection) {
        match self {
            Op::Text(text) => conn.send_text(text).unwrap(),
            Op::Binary(data) => conn.send_binary(data).unwrap(),
            Op::Fragmented(kind, parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        conn.send_ping(format!("between {i}").as_bytes()).unwrap();
                    }
                    conn.send_fragment(*kind, part, i + 1 == parts.len())
                        .unwrap();
                }
            }
            Op::Ping(data) => conn.send_ping(data).unwrap(),
        }
    }

    /// The events the receiver reports (chunks joined).
    fn expected(&self) -> Vec<OwnedEvent> {
        match self {
            Op::Text(text) => vec![OwnedEvent::Text(text.clone())],
            Op::Binary(data) => vec![OwnedEvent::Binary(data.clone())],
            Op::Fragmented(kind, parts) => {
                let mut events: Vec<OwnedEvent> = (1..parts.len())
                    .map(|i| OwnedEvent::Ping(format!("between {i}").into_bytes()))
                    .collect();
                let whole = parts.concat();
                events.push(match kind {
                    MessageKind::Text => OwnedEvent::Text(String::from_utf8(whole).unwrap()),
                    MessageKind::Binary => OwnedEvent::Binary(whole),
                });
                events
            }
            Op::Ping(data) => vec![OwnedEvent::Ping(data.clone())],
        }
    }
}

const MULTIBYTE: &str = "héllo wörld — ½ ∑ 日本語のテキスト 🎉🦀 ok";

/// A few small messages: every kind, empty ones, characters cut across fragments.
fn small_ops() -> Vec<Op> {
    let bytes = MULTIBYTE.as_bytes();
    vec![
        Op::Text(MULTIBYTE.to_owned()),
        Op::Binary(vec![0, 1, 2, 0xfe, 0xff]),
        Op::Text(String::new()),
        Op::Binary(Vec::new()),
        Op::Ping(b"ping".to_vec()),
        // Cut inside "é" and inside "🎉", with an empty fragment and an empty last one.
        Op::Fragmented(
            MessageKind::Text,
            vec![
                bytes[..2].to_vec(),
                bytes[2..40].to_vec(),
                Vec::new(),
                bytes[40..bytes.len() - 10].to_vec(),
                bytes[bytes.len() - 10..].to_vec(),
                Vec::new(),
            ],
        ),
        Op::Text(MULTIBYTE.to_owned()),
        Op::Fragmented(MessageKind::Binary, vec![Vec::new(), Vec::new()]),
        Op::Text(String::new()),
    ]
}

/// Fewer and shorter messages, to be fed byte by byte.
fn tiny_ops() -> Vec<Op> {
    let bytes = MULTIBYTE.as_bytes();
    vec![
        Op::Text(MULTIBYTE.to_owned()),
        Op::Binary(Vec::new()),
        Op::Fragmented(
            MessageKind::Text,
            vec![bytes[..2].to_vec(), bytes[2..].to_vec()],
        ),
        Op::Text(String::new()),
    ]
}

/// `len` bytes of one phrase repeated: highly compressible.
fn repeats(len: usize) -> String {
    let phrase = "All work and no play makes Jack a dull boy. ";
    let mut text = phrase.repeat(len / phrase.len() + 1);
    text.truncate(len);
    text
}

/// The small ones plus compressible and incompressible data of `repeat_len` and
/// `noise_len` bytes, and fragmented messages mixing both (of at most 8 KiB).
fn sized_ops(rng: &mut Rng, repeat_len: usize, noise_len: usize) -> Vec<Op> {
    let repeats = repeats(repeat_len);
    let noise = rng.bytes(noise_len);
    let (r, n) = (repeats.as_bytes(), &noise[..]);
    let (r3, n3) = (r.len().min(6 * 1024) / 3, n.len().min(3 * 1024) / 3);
    let mut ops = small_ops();
    ops.extend([
        Op::Text(repeats.clone()),
        Op::Binary(noise.clone()),
        Op::Fragmented(
            MessageKind::Binary,
            vec![n[..n3].to_vec(), r[..r3].to_vec(), n[n3..2 * n3].to_vec()],
        ),
        Op::Fragmented(
            MessageKind::Text,
            vec![r[..r3 + 1].to_vec(), r[r3 + 1..2 * r3].to_vec()],
        ),
        Op::Text(MULTIBYTE.to_owned()),
    ]);
    ops
}

/// How a receiver is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feed {
    Whole,
    /// Pieces of 1 to 512 bytes.
    Random,
    Bytewise,
}

/// Every way of receiving, delivery mode by feeding.
const RECEIVERS: [(Delivery, Feed); 4] = [
    (Delivery::WholeMessages, Feed::Whole),
    (Delivery::Chunks, Feed::Random),
    (Delivery::WholeMessages, Feed::Random),
    (Delivery::Chunks, Feed::Whole),
];

/// Sends `ops` from one end of a `combo` pair and checks that fresh receivers, each
/// negotiated alike and fed as `receivers` says, report exactly what was sent.
fn round_trip(
    combo: Combo,
    direction: Direction,
    ops: &[Op],
    rng: &mut Rng,
    receivers: &[(Delivery, Feed)],
) {
    let (mut sender, _) = direction.split(combo.connect(Delivery::WholeMessages));
    for op in ops {
        op.send(&mut sender);
    }
    let wire = take_output(&mut sender);
    let expected: Vec<OwnedEvent> = ops.iter().flat_map(Op::expected).collect();
    // Data frames go out compressed: RSV1 on the first frame of each message only.
    let frames = parse_frames(&wire);
    assert!(frames.iter().any(|f| f.b0 & RSV1 != 0));
    for frame in &frames {
        if frame.b0 & RSV1 != 0 {
            assert!(
                matches!(frame.b0 & 0x0f, 0x1 | 0x2),
                "RSV1 on {:#04x}",
                frame.b0
            );
        }
    }

    for &(delivery, feed) in receivers {
        let (_, mut receiver) = direction.split(combo.connect(delivery));
        let outcome = match feed {
            Feed::Whole => feed_whole(&mut receiver, &wire),
            Feed::Random => feed_random(&mut receiver, &wire, rng, 512),
            Feed::Bytewise => feed_bytewise(&mut receiver, &wire),
        };
        let events = outcome.ok();
        let events = match delivery {
            Delivery::WholeMessages => events,
            _ => merge_chunks(&events),
        };
        if events != expected {
            let got: Vec<String> = events.iter().map(short).collect();
            let want: Vec<String> = expected.iter().map(short).collect();
            panic!(
                "{combo:?} {direction:?} {delivery:?} fed {feed:?}:\n got {got:?}\nwant {want:?}"
            );
        }
    }
}

/// An event, abbreviated for a failure message.
fn short(event: &OwnedEvent) -> String {
    let s = format!("{event:?}");
    if s.len() > 80 {
        format!(
            "{}… ({} chars)",
            s.chars().take(80).collect::<String>(),
            s.len()
        )
    } else {
        s
    }
}

/// Sends the same message twice from one end and returns the two compressed payloads.
fn same_message_twice(combo: Combo, direction: Direction) -> (Vec<u8>, Vec<u8>) {
    // Shorter than the smallest window's reach (a 9-bit zlib window reaches back 250
    // bytes), so that with context takeover all of the second copy can refer to the first.
    let message = "The quick brown fox jumps over the lazy dog; pack my box with five \
                   dozen liquor jugs. 0123456789 ÆØÅ!";
    let (mut sender, _) = direction.split(combo.connect(Delivery::WholeMessages));
    let mut payloads = Vec::new();
    for _ in 0..2 {
        sender.send_text(message).unwrap();
        let frames = parse_frames(&take_output(&mut sender));
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].b0, 0xc1);
        payloads.push(frames[0].payload.clone());
    }
    let second = payloads.pop().unwrap();
    (payloads.pop().unwrap(), second)
}

fn check_takeover_in_the_bytes(combo: Combo) {
    for direction in [Direction::ClientToServer, Direction::ServerToClient] {
        let no_takeover = match direction {
            Direction::ClientToServer => combo.client_no_context_takeover,
            Direction::ServerToClient => combo.server_no_context_takeover,
        };
        let (first, second) = same_message_twice(combo, direction);
        if no_takeover {
            assert_eq!(first, second, "{combo:?} {direction:?}");
        } else {
            assert!(
                second.len() < first.len() / 2,
                "{combo:?} {direction:?}: {} then {} bytes",
                first.len(),
                second.len()
            );
        }
    }
}

/// Every window pair from {9, 10, 12, 15} in both directions, for one takeover setting.
/// Each direction of each pair is received one way, the four ways in turn.
fn all_windows(server_no_context_takeover: bool, client_no_context_takeover: bool, seed: u64) {
    let mut rng = Rng::new(seed);
    // Small enough for debug builds: zlib's cost per byte grows as the window shrinks.
    let ops = sized_ops(&mut rng, 4 * 1024, 2 * 1024);
    let tiny = tiny_ops();
    let mut turn = 0;
    for server_bits in [9, 10, 12, 15] {
        for client_bits in [9, 10, 12, 15] {
            let combo = Combo {
                server_no_context_takeover,
                client_no_context_takeover,
                server_bits,
                client_bits,
                server_sets: (server_bits + client_bits) % 2 == 1,
            };
            for direction in [Direction::ClientToServer, Direction::ServerToClient] {
                let receiver = RECEIVERS[turn % RECEIVERS.len()];
                turn += 1;
                round_trip(combo, direction, &ops, &mut rng, &[receiver]);
                if (server_bits, client_bits) == (10, 12) {
                    let bytewise = [
                        (Delivery::WholeMessages, Feed::Bytewise),
                        (Delivery::Chunks, Feed::Bytewise),
                    ];
                    round_trip(combo, direction, &tiny, &mut rng, &bytewise);
                }
            }
            check_takeover_in_the_bytes(combo);
        }
    }
}

#[test]
fn round_trips_with_context_takeover_both_ways() {
    all_windows(false, false, 1);
}

#[test]
fn round_trips_without_server_context_takeover() {
    all_windows(true, false, 2);
}

#[test]
fn round_trips_without_client_context_takeover() {
    all_windows(false, true, 3);
}

#[test]
fn round_trips_without_context_takeover_either_way() {
    all_windows(true, true, 4);
}

#[test]
fn round_trips_with_every_window_size() {
    // 64 KiB of repeats and 16 KiB of noise, with each window size once per direction,
    // received in every way.
    let mut rng = Rng::new(5);
    let ops = sized_ops(&mut rng, 64 * 1024, 16 * 1024);
    for bits in 9..=15 {
        let combo = Combo {
            server_no_context_takeover: bits % 2 == 0,
            client_no_context_takeover: bits % 3 == 0,
            server_bits: bits,
            client_bits: bits,
            server_sets: bits % 2 == 1,
        };
        for (i, direction) in [Direction::ClientToServer, Direction::ServerToClient]
            .into_iter()
            .enumerate()
        {
            let at = (usize::from(bits) * 2 + i) % 2 * 2;
            round_trip(combo, direction, &ops, &mut rng, &RECEIVERS[at..at + 2]);
        }
    }
}

/// The compressed size of `block` sent twice in one message from `direction`'s sender with
/// its window at `bits`.
fn repeated_block_size(direction: Direction, bits: u8, block: &[u8], server_sets: bool) -> usize {
    let (server_bits, client_bits) = match direction {
        Direction::ServerToClient => (bits, 15),
        Direction::ClientToServer => (15, bits),
    };
    let combo = Combo {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_bits,
        client_bits,
        server_sets,
    };
    let pair = combo.connect(Delivery::WholeMessages);
    let (mut sender, mut receiver) = direction.split(pair);
    let message = [block, block].concat();
    sender.send_binary(&message).unwrap();
    let wire = take_output(&mut sender);
    // It arrives intact either way.
    assert_eq!(
        feed_whole(&mut receiver, &wire).ok(),
        [OwnedEvent::Binary(message)]
    );
    let frames = parse_frames(&wire);
    assert_eq!(frames.len(), 1);
    frames[0].payload.len()
}

#[test]
fn the_agreed_window_limits_the_senders_reach() {
    // A block of noise just longer than 2^bits, sent twice: the second copy lies beyond a
    // window of `bits` (RFC 1951 §2: distances reach at most the window size back), so it
    // costs its full size again; one more bit of window reaches it, and it costs almost
    // nothing. Worked from the format, not from the code: a deflate stream cannot encode
    // a match at a distance larger than its window.
    let mut rng = Rng::new(6);
    for bits in 9..=14u8 {
        let block = rng.bytes((1 << bits) + 16);
        for direction in [Direction::ServerToClient, Direction::ClientToServer] {
            let server_sets = bits % 2 == 0;
            let limited = repeated_block_size(direction, bits, &block, server_sets);
            let wider = repeated_block_size(direction, bits + 1, &block, !server_sets);
            assert!(
                limited > 2 * block.len() - 64,
                "{direction:?} window {bits}: {limited} bytes for 2 x {}",
                block.len()
            );
            assert!(
                wider < block.len() + block.len() / 8,
                "{direction:?} window {}: {wider} bytes for 2 x {}",
                bits + 1,
                block.len()
            );
        }
    }
}

#[test]
fn large_multibyte_text_streams_in_whole_characters() {
    // 2-, 3- and 4-byte characters: 9 bytes a round, so the 32 KiB steps in which chunks
    // are inflated fall inside characters.
    let text = "é日🎉".repeat(100_000 / 9);
    let combo = Combo {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_bits: 15,
        client_bits: 15,
        server_sets: false,
    };
    let mut rng = Rng::new(7);
    for direction in [Direction::ServerToClient, Direction::ClientToServer] {
        let (mut sender, _) = direction.split(combo.connect(Delivery::WholeMessages));
        sender.send_text(&text).unwrap();
        let wire = take_output(&mut sender);
        for random in [false, true] {
            let (_, mut receiver) = direction.split(combo.connect(Delivery::Chunks));
            let events = if random {
                feed_random(&mut receiver, &wire, &mut rng, 64)
            } else {
                feed_whole(&mut receiver, &wire)
            }
            .ok();
            assert!(events.len() >= 3, "{} chunks", events.len());
            for event in &events {
                let OwnedEvent::TextChunk { data, .. } = event else {
                    panic!("unexpected {event:?}");
                };
                // Inflated 32 KiB at a time; a character cut by the step's end is held
                // back and leads the next chunk, which can so exceed 32 KiB by up to 3.
                assert!(data.len() <= 32 * 1024 + 3, "chunk of {} bytes", data.len());
            }
            assert_eq!(merge_chunks(&events), [OwnedEvent::Text(text.clone())]);
        }
    }
}

#[test]
fn shrink_buffers_between_and_inside_messages_keeps_the_streams_intact() {
    // Shrinking lets a context go only where no context is taken over and no message is
    // under way; a wrong release would break the next message's back references or the
    // rest of the current message.
    for (server_no_context_takeover, client_no_context_takeover) in
        [(false, false), (true, false), (false, true), (true, true)]
    {
        let combo = Combo {
            server_no_context_takeover,
            client_no_context_takeover,
            server_bits: 15,
            client_bits: 15,
            server_sets: true,
        };
        for delivery in [Delivery::WholeMessages, Delivery::Chunks] {
            let Handshaken {
                mut client,
                mut server,
                ..
            } = combo.connect(delivery);
            let text = repeats(3000);
            for direction in [Direction::ClientToServer, Direction::ServerToClient] {
                let (sender, receiver) = match direction {
                    Direction::ClientToServer => (&mut client, &mut server),
                    Direction::ServerToClient => (&mut server, &mut client),
                };
                let mut got = Vec::new();
                let mut deliver = |sender: &mut Connection, receiver: &mut Connection| {
                    let wire = take_output(sender);
                    // Half now, shrink, the rest.
                    let mut out = feed_whole(receiver, &wire[..wire.len() / 2]);
                    receiver.shrink_buffers();
                    sender.shrink_buffers();
                    let rest = feed_whole(receiver, &wire[wire.len() / 2..]);
                    out.events.extend(rest.ok());
                    receiver.shrink_buffers();
                    got.extend(out.ok());
                };
                for _ in 0..3 {
                    sender.send_text(&text).unwrap();
                    deliver(sender, receiver);
                }
                sender
                    .send_fragment(MessageKind::Text, &text.as_bytes()[..1000], false)
                    .unwrap();
                deliver(sender, receiver);
                sender
                    .send_fragment(MessageKind::Text, &text.as_bytes()[1000..], true)
                    .unwrap();
                deliver(sender, receiver);
                sender.send_text(&text).unwrap();
                deliver(sender, receiver);
                let got = match delivery {
                    Delivery::WholeMessages => got,
                    _ => merge_chunks(&got),
                };
                assert_eq!(
                    got,
                    vec![OwnedEvent::Text(text.clone()); 5],
                    "{combo:?} {delivery:?} {direction:?}"
                );
            }
        }
    }
}
