//! UTF-8 in text messages and close reasons (RFC 6455 §5.6, §8.1): invalid text fails the
//! connection with 1007 on the very byte that proves it invalid, in either delivery mode,
//! within a frame or across fragments; valid text arrives intact however it is cut.

mod common;

use common::{CLOSE, CONT, FIN, TEXT, close_payload, feed_bytewise, feed_whole, masked};
use wswire::{Config, Connection, Delivery, OwnedEvent, ProtocolError};

const MODES: [Delivery; 2] = [Delivery::WholeMessages, Delivery::Chunks];

fn server(delivery: Delivery) -> Connection {
    Connection::server(Config::new().delivery(delivery))
}

/// A masked text message whose payload is cut into fragments at `cuts` (ascending), and
/// the offset on the wire of each payload byte.
fn fragmented(payload: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<usize>) {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(payload.len());
    let count = bounds.len() - 1;
    let mut wire = Vec::new();
    let mut offsets = Vec::with_capacity(payload.len());
    for (i, range) in bounds.windows(2).enumerate() {
        let opcode = if i == 0 { TEXT } else { CONT };
        let fin = if i + 1 == count { FIN } else { 0 };
        let piece = &payload[range[0]..range[1]];
        assert!(piece.len() <= 125, "masked() header size assumed below");
        let header_len = 6; // two bytes, then the mask key
        offsets.extend((0..piece.len()).map(|j| wire.len() + header_len + j));
        wire.extend_from_slice(&masked(fin | opcode, piece));
    }
    (wire, offsets)
}

/// Feeds `wire` one byte at a time; returns the index of the byte on which `poll_event`
/// first failed, with the error and the chunk text delivered before it.
fn fail_point(conn: &mut Connection, wire: &[u8]) -> Option<(usize, ProtocolError, String)> {
    let mut delivered = String::new();
    for (i, b) in wire.iter().enumerate() {
        conn.receive(std::slice::from_ref(b));
        loop {
            match conn.poll_event() {
                Ok(Some(wswire::Event::TextChunk { data, .. })) => delivered.push_str(data),
                Ok(Some(other)) => panic!("unexpected event {other:?}"),
                Ok(None) => break,
                Err(e) => return Some((i, e, delivered)),
            }
        }
    }
    None
}

/// Invalid payloads: the bytes, the index of the first byte that makes them invalid, and
/// the complete characters before it (what chunk mode may deliver first).
const INVALID: &[(&str, &[u8], usize, &str)] = &[
    (
        // Autobahn 6.4.1: "κόσμε", then a UTF-16 surrogate (ed a0 80), then "edited".
        "Autobahn 6.4.1",
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64",
        12,
        "\u{3ba}\u{1f79}\u{3c3}\u{3bc}\u{3b5}", // κόσμε, with U+1F79 as in Autobahn
    ),
    // Above U+10FFFF: no valid sequence starts f4 90.
    ("f4 90 80 80", b"\xf4\x90\x80\x80", 1, ""),
    // An overlong '/': c0 is never valid.
    ("c0 af", b"\xc0\xaf", 0, ""),
    ("stray continuation", b"ab\x80cd", 2, "ab"),
    ("overlong three-byte NUL", b"x\xe0\x80\x80", 2, "x"),
    ("truncated then ASCII", b"\xe2\x82z", 2, ""),
    ("f5 lead", b"ok\xf5\x80\x80\x80", 2, "ok"),
];

// RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that
// the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the
// WebSocket Connection_." The failure comes on the byte that proves it, in a single frame.
#[test]
fn invalid_text_fails_on_the_proving_byte_in_a_single_frame() {
    for &(name, payload, bad, prefix) in INVALID {
        for delivery in MODES {
            let (wire, offsets) = fragmented(payload, &[]);
            let mut conn = server(delivery);
            let (at, error, delivered) = fail_point(&mut conn, &wire)
                .unwrap_or_else(|| panic!("{name} {delivery:?}: accepted"));
            assert_eq!(at, offsets[bad], "{name} {delivery:?}");
            assert_eq!(error, ProtocolError::InvalidUtf8, "{name} {delivery:?}");
            let expected_prefix = if delivery == Delivery::Chunks {
                prefix
            } else {
                ""
            };
            assert_eq!(delivered, expected_prefix, "{name} {delivery:?}");
            // RFC 6455 §7.4.1: 1007 for "data within a message that was not consistent
            // with the type of the message".
            let out = conn.pending_output();
            assert_eq!((out[0], &out[2..4]), (0x88, &[0x03, 0xef][..]));
        }
    }
}

// The same with the payload cut into two fragments at every position, and into one
// fragment per byte: the error still comes on the proving byte.
#[test]
fn invalid_text_fails_on_the_proving_byte_across_fragments() {
    for &(name, payload, bad, prefix) in INVALID {
        let mut cuttings: Vec<Vec<usize>> = (1..payload.len()).map(|k| vec![k]).collect();
        cuttings.push((1..payload.len()).collect());
        for cuts in cuttings {
            for delivery in MODES {
                let (wire, offsets) = fragmented(payload, &cuts);
                let mut conn = server(delivery);
                let context = format!("{name} {delivery:?} cut at {cuts:?}");
                let (at, error, delivered) =
                    fail_point(&mut conn, &wire).unwrap_or_else(|| panic!("{context}: accepted"));
                assert_eq!(at, offsets[bad], "{context}");
                assert_eq!(error, ProtocolError::InvalidUtf8, "{context}");
                if delivery == Delivery::Chunks {
                    assert_eq!(delivered, prefix, "{context}");
                }
            }
        }
    }
}

// RFC 6455 §8.1: a message that ends inside a character is not valid UTF-8 (1007).
#[test]
fn text_ending_mid_character_fails_with_1007() {
    let cases: &[&[u8]] = &[
        b"ab\xce",
        "κόσμε".as_bytes().split_last().unwrap().1,
        b"\xf0\x9f\x98",
    ];
    for payload in cases {
        let mut cuttings = vec![vec![]];
        cuttings.extend((1..payload.len()).map(|k| vec![k]));
        // An empty final fragment after the truncated character.
        cuttings.push(vec![payload.len()]);
        for cuts in cuttings {
            for delivery in MODES {
                let (wire, _) = fragmented(payload, &cuts);
                let context = format!("{payload:02x?} {delivery:?} cut at {cuts:?}");
                for feed in [feed_whole, feed_bytewise] {
                    let mut conn = server(delivery);
                    let outcome = feed(&mut conn, &wire);
                    assert_eq!(outcome.error, Some(ProtocolError::InvalidUtf8), "{context}");
                    let out = conn.pending_output();
                    assert_eq!((out[0], &out[2..4]), (0x88, &[0x03, 0xef][..]), "{context}");
                }
                // Not before the last byte: until then the character may still complete.
                let mut conn = server(delivery);
                let (at, _, _) = fail_point(&mut conn, &wire).unwrap();
                assert_eq!(at, wire.len() - 1, "{context}");
            }
        }
    }
}

// RFC 6455 §5.5.1: the close reason is UTF-8; invalid UTF-8 there is 1007 too.
#[test]
fn close_reason_with_invalid_utf8_fails_with_1007() {
    for reason in [&b"\xce\xba\xff"[..], b"\xed\xa0\x80", b"ok\xc0"] {
        for delivery in MODES {
            let wire = masked(FIN | CLOSE, &close_payload(1000, reason));
            let mut conn = server(delivery);
            let outcome = feed_whole(&mut conn, &wire);
            assert_eq!(outcome.events, []);
            assert_eq!(outcome.error, Some(ProtocolError::InvalidUtf8));
            let out = conn.pending_output();
            assert_eq!((out[0], &out[2..4]), (0x88, &[0x03, 0xef][..]));
        }
    }
}

/// Text of one to four bytes per character (Autobahn 6.2 and more).
const VALID_TEXT: &str = "Hello-µ@ßöäüàá-UTF-8!! κόσμε €𝄞😀 end";

/// The events a whole text message gives in each mode, merged back into one message.
fn received_text(delivery: Delivery, wire: &[u8], bytewise: bool) -> Vec<OwnedEvent> {
    let mut conn = server(delivery);
    let outcome = if bytewise {
        feed_bytewise(&mut conn, wire)
    } else {
        feed_whole(&mut conn, wire)
    };
    let events = outcome.ok();
    if delivery == Delivery::Chunks {
        let lasts: Vec<bool> = events
            .iter()
            .map(|e| matches!(e, OwnedEvent::TextChunk { last: true, .. }))
            .collect();
        assert_eq!(lasts.iter().filter(|&&l| l).count(), 1, "one last chunk");
        assert_eq!(lasts.last(), Some(&true), "the last chunk ends the message");
    }
    common::merge_chunks(&events)
}

// Valid text split at every byte, and across fragment boundaries at every position, arrives
// intact in both modes (chunks are `&str`, so they never split a character).
#[test]
fn valid_text_arrives_intact_however_it_is_cut() {
    let payload = VALID_TEXT.as_bytes();
    let expected = [OwnedEvent::Text(VALID_TEXT.into())];
    let mut cuttings: Vec<Vec<usize>> = (0..=payload.len()).map(|k| vec![k]).collect();
    cuttings.push(vec![]);
    cuttings.push((1..payload.len()).collect());
    for cuts in cuttings {
        let (wire, _) = fragmented(payload, &cuts);
        for delivery in MODES {
            for bytewise in [false, true] {
                assert_eq!(
                    received_text(delivery, &wire, bytewise),
                    expected,
                    "{delivery:?} cut at {cuts:?}, bytewise {bytewise}"
                );
            }
        }
    }
}

// Three fragments with both boundaries anywhere: a character may be spread over three
// frames.
#[test]
fn valid_text_across_three_fragments() {
    let text = "a😀𝄞€";
    let payload = text.as_bytes();
    let expected = [OwnedEvent::Text(text.into())];
    for i in 0..=payload.len() {
        for j in i..=payload.len() {
            let (wire, _) = fragmented(payload, &[i, j]);
            for delivery in MODES {
                assert_eq!(
                    received_text(delivery, &wire, true),
                    expected,
                    "{delivery:?} cut at {i}, {j}"
                );
            }
        }
    }
}

// In chunk mode every complete character is handed out as soon as its last byte arrives:
// after each byte, what was delivered is the longest run of whole characters received.
#[test]
fn chunks_deliver_each_character_as_soon_as_it_is_complete() {
    let payload = VALID_TEXT.as_bytes();
    for cuts in [vec![], vec![24], vec![33, 34, 35]] {
        let (wire, offsets) = fragmented(payload, &cuts);
        let mut conn = server(Delivery::Chunks);
        let mut delivered = String::new();
        for (i, b) in wire.iter().enumerate() {
            conn.receive(std::slice::from_ref(b));
            while let Some(event) = conn.poll_event().unwrap() {
                match event {
                    wswire::Event::TextChunk { data, .. } => delivered.push_str(data),
                    other => panic!("unexpected {other:?}"),
                }
            }
            let received = offsets.iter().filter(|&&o| o <= i).count();
            let complete = (0..=received)
                .rev()
                .find(|&n| VALID_TEXT.is_char_boundary(n))
                .unwrap();
            assert_eq!(delivered, VALID_TEXT[..complete], "cuts {cuts:?}, byte {i}");
        }
    }
}
