//! Ping and Pong (RFC 6455 §5.5.2, §5.5.3): automatic answers, turning them off,
//! unsolicited Pongs, and the 125-byte limit on what the caller sends.

mod common;

use common::{FIN, FixedKeys, PING, PONG, Pair, RFC_MASK, feed_bytewise, feed_whole, masked};
use wswire::{Config, Connection, OwnedEvent, UsageError};

// RFC 6455 §5.5.3: "A Pong frame sent in response to a Ping frame must have identical
// 'Application data' as found in the message body of the Ping frame being replied to."
#[test]
fn ping_is_answered_with_the_same_payload() {
    for payload in [&b""[..], b"Hello", &[0xab; 125]] {
        for feed in [feed_whole, feed_bytewise] {
            let mut conn = Connection::server(Config::new());
            let events = feed(&mut conn, &masked(FIN | PING, payload)).ok();
            assert_eq!(events, [OwnedEvent::Ping(payload.to_vec())]);
            let mut expected = vec![0x8a, payload.len() as u8];
            expected.extend_from_slice(payload);
            assert_eq!(conn.pending_output(), expected);
        }
    }
}

// Several Pings in a row get one Pong each, in order.
#[test]
fn each_ping_gets_its_pong_in_order() {
    let wire = [masked(FIN | PING, b"1"), masked(FIN | PING, b"22")].concat();
    let mut conn = Connection::server(Config::new());
    feed_whole(&mut conn, &wire).ok();
    assert_eq!(
        conn.pending_output(),
        [0x8a, 0x01, b'1', 0x8a, 0x02, b'2', b'2']
    );
}

// With automatic pongs off the Ping is reported and nothing is queued; the caller answers.
#[test]
fn auto_pong_off_queues_nothing() {
    let mut conn = Connection::server(Config::new().auto_pong(false));
    let events = feed_whole(&mut conn, &masked(FIN | PING, b"Hello")).ok();
    assert_eq!(events, [OwnedEvent::Ping(b"Hello".to_vec())]);
    assert_eq!(conn.pending_output(), b"");
    conn.send_pong(b"Hello").unwrap();
    assert_eq!(
        conn.pending_output(),
        [0x8a, 0x05, b'H', b'e', b'l', b'l', b'o']
    );
}

// RFC 6455 §5.5.3: "A Pong frame MAY be sent unsolicited"; it is reported, never answered.
#[test]
fn unsolicited_pong_is_reported() {
    let mut conn = Connection::server(Config::new());
    let events = feed_whole(&mut conn, &masked(FIN | PONG, b"beat")).ok();
    assert_eq!(events, [OwnedEvent::Pong(b"beat".to_vec())]);
    assert_eq!(conn.pending_output(), b"");
}

// A client's Pong is masked like any other frame it sends.
#[test]
fn client_auto_pong_is_masked() {
    let mut pair = Pair::default();
    pair.server.send_ping(b"Hello").unwrap();
    assert_eq!(
        pair.deliver_to_client().ok(),
        [OwnedEvent::Ping(b"Hello".to_vec())]
    );
    // RFC 6455 §5.7: the masked Pong "Hello" under 37 fa 21 3d.
    assert_eq!(
        pair.client.pending_output(),
        [
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
        ]
    );
    assert_eq!(
        pair.deliver_to_server().ok(),
        [OwnedEvent::Pong(b"Hello".to_vec())]
    );
}

// RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
#[test]
fn send_ping_over_125_bytes_is_refused() {
    let mut conn = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    assert_eq!(
        conn.send_ping(&[0; 126]),
        Err(UsageError::ControlPayloadTooLong(126))
    );
    assert_eq!(
        conn.send_pong(&[0; 200]),
        Err(UsageError::ControlPayloadTooLong(200))
    );
    assert_eq!(conn.pending_output(), b"");
    conn.send_ping(&[0; 125]).unwrap();
    assert_eq!(conn.pending_output()[..2], [0x89, 0x80 | 125]);
    assert_eq!(conn.pending_output().len(), 2 + 4 + 125);
}

// RFC 6455 §5.5.3: an endpoint "MAY elect to send a Pong frame for only the most recently
// processed Ping frame". A peer that floods Pings without reading the Pongs cannot grow
// the output without bound, and the Pong that remains answers the latest Ping.
#[test]
fn ping_flood_does_not_grow_output_without_bound() {
    let mut conn = Connection::server(Config::new());
    let mut last_payload = Vec::new();
    for i in 0..2000u32 {
        last_payload = [i.to_be_bytes().as_slice(), &[0x5a; 121]].concat();
        conn.receive(&masked(FIN | PING, &last_payload));
        while conn.poll_event().unwrap().is_some() {}
        assert!(
            conn.pending_output_len() <= 64 * 1024 + 127,
            "{} bytes pending after {i} pings",
            conn.pending_output_len()
        );
    }
    let out = conn.pending_output();
    let tail = &out[out.len() - 127..];
    assert_eq!(tail[..2], [0x8a, 125]);
    assert_eq!(tail[2..], last_payload[..]);
}
