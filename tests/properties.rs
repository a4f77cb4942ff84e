//! Properties over generated input (proptest):
//!
//! (a) any sequence of messages one side sends, the other receives exactly;
//! (b) a byte stream gives the same events, error and output however it is cut;
//! (c) masking with any key is its own inverse and matches RFC 6455 §5.3's definition.
//!
//! Case counts are kept small so the file runs in a second or two in a debug build.

mod common;

use common::{
    BINARY, CLOSE, CONT, FIN, FixedKeys, Outcome, PING, PONG, Pair, TEXT, close_payload,
    feed_bytewise, feed_in_splits, feed_whole, frame, merge_chunks,
};
use proptest::collection::vec;
use proptest::prelude::*;
use wswire::{Config, Connection, Delivery, MessageKind, OwnedEvent, SeededKeys};

// ---- (a) round trip ----

/// Something one end sends.
#[derive(Debug, Clone)]
enum Send {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    /// A message in several frames; for text the cuts may fall inside a character.
    Fragmented {
        kind: MessageKind,
        pieces: Vec<Vec<u8>>,
        /// A Ping sent after the first fragment.
        ping_inside: bool,
    },
}

/// Lengths around every length-encoding boundary (RFC 6455 §5.2), mostly small.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![
        8 => 0..200usize,
        1 => Just(125usize),
        1 => Just(126usize),
        1 => Just(127usize),
        1 => Just(65535usize),
        1 => Just(65536usize),
        1 => 60_000..70_000usize,
    ]
}

/// Arbitrary bytes when short; a seeded pattern when long (generating 64 KiB byte by byte
/// would dominate the run time).
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => vec(any::<u8>(), 0..300),
        1 => (length(), any::<u8>()).prop_map(|(len, seed)| {
            (0..len).map(|i| (i as u8).wrapping_mul(167) ^ seed).collect()
        }),
    ]
}

/// Arbitrary text when short; repeated characters of every width when long.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => length().prop_map(|len| {
            let unit = "aé€😀";
            let mut s = unit.repeat(len / unit.len() + 1);
            let mut end = len;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s
        }),
    ]
}

/// Cuts `data` at the given positions (taken modulo its length, sorted).
fn cut(data: &[u8], mut cuts: Vec<usize>) -> Vec<Vec<u8>> {
    for c in &mut cuts {
        *c %= data.len() + 1;
    }
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut from = 0;
    for c in cuts {
        pieces.push(data[from..c].to_vec());
        from = c;
    }
    pieces.push(data[from..].to_vec());
    pieces
}

fn send() -> impl Strategy<Value = Send> {
    let fragmented_text =
        (text(), vec(any::<usize>(), 1..4), any::<bool>()).prop_map(|(t, cuts, ping_inside)| {
            Send::Fragmented {
                kind: MessageKind::Text,
                pieces: cut(t.as_bytes(), cuts),
                ping_inside,
            }
        });
    let fragmented_binary =
        (bytes(), vec(any::<usize>(), 1..4), any::<bool>()).prop_map(|(b, cuts, ping_inside)| {
            Send::Fragmented {
                kind: MessageKind::Binary,
                pieces: cut(&b, cuts),
                ping_inside,
            }
        });
    prop_oneof![
        text().prop_map(Send::Text),
        bytes().prop_map(Send::Binary),
        vec(any::<u8>(), 0..=125).prop_map(Send::Ping),
        fragmented_text,
        fragmented_binary,
    ]
}

/// Queues `sends` on `conn`; returns the events the peer should see, in order.
fn queue(conn: &mut Connection, sends: &[Send]) -> Vec<OwnedEvent> {
    let mut expected = Vec::new();
    for s in sends {
        match s {
            Send::Text(t) => {
                conn.send_text(t).unwrap();
                expected.push(OwnedEvent::Text(t.clone()));
            }
            Send::Binary(b) => {
                conn.send_binary(b).unwrap();
                expected.push(OwnedEvent::Binary(b.clone()));
            }
            Send::Ping(p) => {
                conn.send_ping(p).unwrap();
                expected.push(OwnedEvent::Ping(p.clone()));
            }
            Send::Fragmented {
                kind,
                pieces,
                ping_inside,
            } => {
                let last = pieces.len() - 1;
                for (i, piece) in pieces.iter().enumerate() {
                    conn.send_fragment(*kind, piece, i == last).unwrap();
                    if i == 0 && *ping_inside {
                        conn.send_ping(b"inside").unwrap();
                        expected.push(OwnedEvent::Ping(b"inside".to_vec()));
                    }
                }
                let whole = pieces.concat();
                expected.push(match kind {
                    MessageKind::Text => OwnedEvent::Text(String::from_utf8(whole).unwrap()),
                    MessageKind::Binary => OwnedEvent::Binary(whole),
                });
            }
        }
    }
    expected
}

/// The Pongs that answer the Pings among `expected`, in order.
fn pongs_for(expected: &[OwnedEvent]) -> Vec<OwnedEvent> {
    expected
        .iter()
        .filter_map(|e| match e {
            OwnedEvent::Ping(p) => Some(OwnedEvent::Pong(p.clone())),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(48)))]

    // Client to server (masked with keys from any seed), then the Pongs back.
    #[test]
    fn client_messages_arrive_exactly(sends in vec(send(), 1..6), seed in any::<u64>()) {
        let mut pair = Pair::with_keys(Config::new(), Config::new(), SeededKeys::new(seed));
        let expected = queue(&mut pair.client, &sends);
        prop_assert_eq!(pair.deliver_to_server().ok(), expected.clone());
        prop_assert_eq!(pair.deliver_to_client().ok(), pongs_for(&expected));
    }

    // Server to client, the same way.
    #[test]
    fn server_messages_arrive_exactly(sends in vec(send(), 1..6), seed in any::<u64>()) {
        let mut pair = Pair::with_keys(Config::new(), Config::new(), SeededKeys::new(seed));
        let expected = queue(&mut pair.server, &sends);
        prop_assert_eq!(pair.deliver_to_client().ok(), expected.clone());
        prop_assert_eq!(pair.deliver_to_server().ok(), pongs_for(&expected));
    }

    // In chunk mode the chunks of each message join into the message.
    #[test]
    fn chunked_messages_join_exactly(sends in vec(send(), 1..6), seed in any::<u64>()) {
        let chunks = Config::new().delivery(Delivery::Chunks);
        let mut pair = Pair::with_keys(chunks.clone(), chunks, SeededKeys::new(seed));
        let expected = queue(&mut pair.client, &sends);
        prop_assert_eq!(merge_chunks(&pair.deliver_to_server().ok()), expected);
    }
}

// ---- (b) split invariance ----

/// A frame as a peer might send it: mostly plausible (whole messages, fragments, control
/// frames), sometimes a Close, sometimes anything at all. `masked_mostly` for frames a
/// server receives.
fn wild_frame(masked_mostly: bool) -> impl Strategy<Value = Vec<u8>> {
    let text = ".{0,20}".prop_map(String::into_bytes);
    let data = vec(any::<u8>(), 0..40);
    let long = vec(any::<u8>(), 120..300);
    let plausible = prop_oneof![
        text.clone().prop_map(|t| (FIN | TEXT, t)),
        data.clone().prop_map(|b| (FIN | BINARY, b)),
        // Long enough for the 16-bit length form.
        long.prop_map(|b| (BINARY, b)),
        vec(any::<u8>(), 0..20).prop_map(|b| (FIN | PING, b)),
        vec(any::<u8>(), 0..20).prop_map(|b| (FIN | PONG, b)),
        // Pieces of fragmented messages, in no particular order.
        (
            prop::sample::select(vec![TEXT, BINARY, CONT, FIN | CONT]),
            text.clone()
        ),
    ];
    let close = prop_oneof![
        prop::sample::select(vec![1000u16, 1001, 3000, 4999]).prop_map(|c| close_payload(c, b"ok")),
        (any::<u16>(), ".{0,10}").prop_map(|(c, r)| close_payload(c, r.as_bytes())),
        vec(any::<u8>(), 0..3),
    ]
    .prop_map(|body| (FIN | CLOSE, body));
    let anything = (any::<u8>(), prop_oneof![text, data]);
    let masked = prop::bool::weighted(if masked_mostly { 0.97 } else { 0.03 });
    (
        prop_oneof![12 => plausible, 1 => close, 2 => anything],
        masked,
        any::<[u8; 4]>(),
    )
        .prop_map(|((b0, payload), masked, key)| frame(b0, &payload, masked.then_some(key)))
}

/// A stream of such frames, sometimes followed by a few bytes of garbage.
fn wild_stream(masked_mostly: bool) -> impl Strategy<Value = Vec<u8>> {
    let garbage = prop_oneof![3 => Just(Vec::new()), 1 => vec(any::<u8>(), 1..6)];
    (vec(wild_frame(masked_mostly), 0..10), garbage)
        .prop_map(|(frames, garbage)| [frames.concat(), garbage].concat())
}

fn connection(server: bool, delivery: Delivery) -> Connection {
    let config = Config::new().delivery(delivery);
    if server {
        Connection::server(config)
    } else {
        Connection::client(config, FixedKeys::mask([1, 2, 3, 4]))
    }
}

/// What a stream produced: events and error, and the output queued in answer.
fn run(
    server: bool,
    delivery: Delivery,
    feed: impl Fn(&mut Connection) -> Outcome,
) -> (Outcome, Vec<u8>) {
    let mut conn = connection(server, delivery);
    let outcome = feed(&mut conn);
    (outcome, conn.pending_output().to_vec())
}

/// In chunk mode the chunk boundaries depend on how the input was cut (and how much of an
/// invalid message was handed out before the failure); what must not is the rest.
fn comparable(delivery: Delivery, (outcome, output): (Outcome, Vec<u8>)) -> (Outcome, Vec<u8>) {
    if delivery == Delivery::WholeMessages {
        return (outcome, output);
    }
    let events = if outcome.error.is_some() {
        // Keep only what is not message data.
        outcome
            .events
            .into_iter()
            .filter(|e| {
                !matches!(
                    e,
                    OwnedEvent::TextChunk { .. } | OwnedEvent::BinaryChunk { .. }
                )
            })
            .collect()
    } else {
        merge_chunks(&outcome.events)
    };
    (
        Outcome {
            events,
            error: outcome.error,
        },
        output,
    )
}

/// Whether the receiver is a server, and a stream as its peer might send it.
fn receiver_and_stream() -> impl Strategy<Value = (bool, Vec<u8>)> {
    any::<bool>().prop_flat_map(|server| (Just(server), wild_stream(server)))
}

/// `cuts` taken modulo `len + 1` and sorted: offsets at which to cut a stream of `len`.
fn offsets(cuts: Vec<usize>, len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

fn delivery(chunked: bool) -> Delivery {
    if chunked {
        Delivery::Chunks
    } else {
        Delivery::WholeMessages
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    #[test]
    fn any_split_gives_the_same_result(
        (server, stream) in receiver_and_stream(),
        chunked in any::<bool>(),
        cuts in vec(any::<usize>(), 0..12),
    ) {
        let delivery = delivery(chunked);
        let cuts = offsets(cuts, stream.len());
        let result = |feed: &dyn Fn(&mut Connection) -> Outcome| {
            comparable(delivery, run(server, delivery, feed))
        };

        let whole = result(&|c| feed_whole(c, &stream));
        let bytewise = result(&|c| feed_bytewise(c, &stream));
        let split = result(&|c| feed_in_splits(c, &stream, &cuts));
        prop_assert_eq!(&bytewise, &whole, "byte by byte vs whole");
        prop_assert_eq!(&split, &whole, "split at {:?} vs whole", cuts);
    }

    // Valid traffic from a real sender, cut anywhere, in either mode.
    #[test]
    fn valid_traffic_is_split_invariant(
        sends in vec(send(), 1..4),
        cuts in vec(any::<usize>(), 0..12),
        chunked in any::<bool>(),
    ) {
        let mut sender = Connection::client(Config::new(), SeededKeys::new(5));
        queue(&mut sender, &sends);
        let stream = sender.pending_output().to_vec();
        let cuts = offsets(cuts, stream.len());
        let delivery = delivery(chunked);

        let whole = comparable(delivery, run(true, delivery, |c| feed_whole(c, &stream)));
        let split = comparable(
            delivery,
            run(true, delivery, |c| feed_in_splits(c, &stream, &cuts)),
        );
        prop_assert_eq!(&whole.0.error, &None);
        prop_assert_eq!(split, whole);
    }
}

// ---- (c) masking ----

/// RFC 6455 §5.3: "Octet i of the transformed data is the XOR of octet i of the original
/// data with octet at index i modulo 4 of the masking key."
fn mask_by_definition(data: &[u8], key: [u8; 4]) -> Vec<u8> {
    data.iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % 4])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    #[test]
    fn masking_twice_is_the_identity(key in any::<[u8; 4]>(), data in vec(any::<u8>(), 0..200)) {
        let mut masked = data.clone();
        wswire::frame::apply_mask(&mut masked, key, 0);
        prop_assert_eq!(&masked, &mask_by_definition(&data, key));
        wswire::frame::apply_mask(&mut masked, key, 0);
        prop_assert_eq!(masked, data);
    }

    // Unmasking in pieces, each at its offset into the payload, equals unmasking at once.
    #[test]
    fn masking_in_pieces_matches(
        key in any::<[u8; 4]>(),
        data in vec(any::<u8>(), 0..200),
        cuts in vec(any::<usize>(), 0..5),
    ) {
        let mut pieces = data.clone();
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c % (data.len() + 1)).collect();
        bounds.push(0);
        bounds.push(data.len());
        bounds.sort_unstable();
        for w in bounds.windows(2) {
            wswire::frame::apply_mask(&mut pieces[w[0]..w[1]], key, w[0]);
        }
        prop_assert_eq!(pieces, mask_by_definition(&data, key));
    }

    // Through the connections: a client masking with `key` puts exactly the masked payload
    // on the wire, and the server recovers the original.
    #[test]
    fn every_key_round_trips_through_the_codec(
        key in any::<[u8; 4]>(),
        data in vec(any::<u8>(), 0..300),
    ) {
        let mut pair = Pair::with_keys(Config::new(), Config::new(), FixedKeys::mask(key));
        pair.client.send_binary(&data).unwrap();
        let wire = pair.client.pending_output();
        let header_len = if data.len() < 126 { 2 } else { 4 };
        prop_assert_eq!(&wire[header_len..header_len + 4], &key[..]);
        prop_assert_eq!(&wire[header_len + 4..], &mask_by_definition(&data, key)[..]);
        prop_assert_eq!(pair.deliver_to_server().ok(), vec![OwnedEvent::Binary(data)]);
    }
}
