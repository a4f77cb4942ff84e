//! Bounded output: a high-water mark on the pending output, sends refused past it with
//! nothing queued, automatic replies always queued, and input paused while output is
//! backed up (the slow-consumer attack).

mod common;

use common::{CLOSE, FIN, PING, close_payload, masked, take_output, unmasked};
use wswire::{CloseCode, Config, Connection, Event, MessageKind, UsageError};

fn limited(limit: usize) -> Connection {
    Connection::server(Config::new().max_pending_output(limit))
}

#[test]
fn sends_past_the_limit_are_refused_and_queue_nothing() {
    let mut conn = limited(100);
    conn.send_binary(&[1; 50]).unwrap();
    assert_eq!(conn.pending_output_len(), 52);
    assert!(conn.can_send(30));
    assert!(!conn.can_send(40));
    assert_eq!(
        conn.send_binary(&[2; 40]),
        Err(UsageError::OutputFull {
            pending: 52,
            limit: 100
        })
    );
    assert_eq!(
        conn.send_text(&"x".repeat(40)),
        Err(UsageError::OutputFull {
            pending: 52,
            limit: 100
        })
    );
    assert_eq!(
        conn.send_fragment(MessageKind::Binary, &[3; 40], false),
        Err(UsageError::OutputFull {
            pending: 52,
            limit: 100
        })
    );
    assert_eq!(conn.pending_output_len(), 52, "nothing was queued");
    // Once written, there is room again.
    take_output(&mut conn);
    conn.send_binary(&[2; 40]).unwrap();
    assert_eq!(take_output(&mut conn), unmasked(FIN | 0x2, &[2; 40]));
}

#[test]
fn an_empty_queue_takes_a_message_larger_than_the_limit() {
    let mut conn = limited(100);
    assert!(conn.can_send(1000));
    conn.send_binary(&[1; 1000]).unwrap();
    assert!(!conn.can_send(1));
    assert!(conn.send_ping(b"").is_err());
}

#[test]
fn automatic_replies_are_always_queued() {
    let mut conn = limited(10);
    conn.send_binary(&[0; 100]).unwrap();
    conn.receive(&masked(FIN | PING, b"are you there"));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Ping(b"are you there"))));
    conn.receive(&masked(FIN | CLOSE, &close_payload(1000, b"")));
    assert!(matches!(conn.poll_event(), Ok(Some(Event::Close { .. }))));
    let out = take_output(&mut conn);
    let tail = [
        unmasked(FIN | 0xA, b"are you there"),
        unmasked(FIN | CLOSE, &close_payload(1000, b"")),
    ]
    .concat();
    assert!(out.ends_with(&tail));
}

#[test]
fn a_close_is_queued_whatever_the_limit() {
    let mut conn = limited(10);
    conn.send_binary(&[0; 100]).unwrap();
    conn.close(CloseCode::GOING_AWAY, "bye").unwrap();
    assert!(take_output(&mut conn).ends_with(&unmasked(FIN | CLOSE, &close_payload(1001, b"bye"))));
}

#[test]
fn input_pauses_while_output_is_backed_up() {
    let mut conn = limited(1000);
    assert!(conn.wants_input());
    assert!(!conn.io().input.is_empty());
    conn.send_binary(&[0; 2000]).unwrap();
    assert!(!conn.wants_input());
    let io = conn.io();
    assert!(
        io.input.is_empty(),
        "no space lent while output is backed up"
    );
    assert_eq!(io.output.len(), 2004);
    conn.consume_output(1500);
    assert!(conn.wants_input());
    assert!(!conn.io().input.is_empty());
}

#[test]
fn without_a_limit_nothing_is_refused() {
    let mut conn = Connection::server(Config::new());
    for _ in 0..100 {
        conn.send_binary(&[0; 10_000]).unwrap();
    }
    assert!(conn.wants_input());
    assert!(conn.can_send(usize::MAX / 2));
}
