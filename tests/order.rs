//! Wire order (RFC 6455 §7.1.7): an application that answers each event as it takes it
//! must see its answers go out before anything a later frame causes, including the Close
//! frame of a failure found in a later frame that arrived in the same read.

mod common;

use common::{BINARY, CLOSE, CONT, FIN, PING, TEXT, close_payload, hex, masked};
use wswire::{Config, Connection, OwnedEvent, ProtocolError};

/// An echo server's loop: every data message is sent back as soon as it is taken.
fn echo(conn: &mut Connection) -> Result<Vec<OwnedEvent>, ProtocolError> {
    let mut seen = Vec::new();
    while let Some(event) = conn.poll_event()? {
        let event = event.into_owned();
        match &event {
            OwnedEvent::Text(text) => conn.send_text(text).unwrap(),
            OwnedEvent::Binary(data) => conn.send_binary(data).unwrap(),
            _ => {}
        }
        seen.push(event);
    }
    Ok(seen)
}

/// Feeds `wire` in one `receive` call and runs the echo loop.
fn echo_in_one_read(wire: &[u8]) -> (Result<Vec<OwnedEvent>, ProtocolError>, Vec<u8>) {
    let mut conn = Connection::server(Config::new());
    conn.receive(wire);
    let result = echo(&mut conn);
    (result, conn.pending_output().to_vec())
}

/// The output starts with the echo of "Hello", then a Close frame carrying `code`.
fn assert_hello_then_close(out: &[u8], code: u16) {
    assert_eq!(
        out[..7],
        [0x81, 0x05, b'H', b'e', b'l', b'l', b'o'],
        "{}",
        hex(out)
    );
    assert_eq!(
        (out[7], &out[9..11]),
        (0x88, &code.to_be_bytes()[..]),
        "{}",
        hex(out)
    );
}

// RFC 6455 §7.1.7 and §5.2: the text is echoed before the 1002 Close the reserved opcode
// of the next frame causes.
#[test]
fn echo_precedes_close_for_a_reserved_opcode() {
    let wire = [masked(FIN | TEXT, b"Hello"), masked(FIN | 0x3, b"x")].concat();
    let (result, out) = echo_in_one_read(&wire);
    assert!(
        matches!(result, Err(ProtocolError::InvalidFrame(_))),
        "{result:?}"
    );
    assert_hello_then_close(&out, 1002);
}

// RFC 6455 §8.1: the same with invalid UTF-8 in the second message (1007).
#[test]
fn echo_precedes_close_for_invalid_utf8() {
    let wire = [
        masked(FIN | TEXT, b"Hello"),
        masked(FIN | TEXT, b"\xce\xba\xff"),
    ]
    .concat();
    let (result, out) = echo_in_one_read(&wire);
    assert_eq!(result, Err(ProtocolError::InvalidUtf8));
    assert_hello_then_close(&out, 1007);
}

// Pongs, echoes and the failure's Close come out in the order of the frames that caused
// them.
#[test]
fn answers_follow_frame_order() {
    let wire = [
        masked(FIN | PING, b"1"),
        masked(FIN | TEXT, b"a"),
        masked(FIN | PING, b"2"),
        masked(FIN | BINARY, b"\x00"),
        masked(FIN | CONT, b"stray continuation"),
        masked(FIN | TEXT, b"never seen"),
    ]
    .concat();
    let (result, out) = echo_in_one_read(&wire);
    assert_eq!(result, Err(ProtocolError::UnexpectedContinuation));
    let expected_start: &[u8] = &[
        0x8a, 0x01, b'1', // Pong "1"
        0x81, 0x01, b'a', // echo "a"
        0x8a, 0x01, b'2', // Pong "2"
        0x82, 0x01, 0x00, // echo 00
        0x88, // Close...
    ];
    assert_eq!(
        out[..expected_start.len()],
        *expected_start,
        "{}",
        hex(&out)
    );
    assert_eq!(out[14..16], [0x03, 0xea], "{}", hex(&out));
}

// A peer's Close after a message: the echo goes out before the Close reply.
#[test]
fn echo_precedes_the_close_reply() {
    let wire = [
        masked(FIN | TEXT, b"last words"),
        masked(FIN | CLOSE, &close_payload(1000, b"")),
    ]
    .concat();
    let (result, out) = echo_in_one_read(&wire);
    assert_eq!(result.unwrap().len(), 2);
    let mut expected = vec![0x81, 0x0a];
    expected.extend_from_slice(b"last words");
    expected.extend_from_slice(&[0x88, 0x02, 0x03, 0xe8]);
    assert_eq!(out, expected, "{}", hex(&out));
}

// Nothing after the bad frame is looked at: a valid frame that would follow is not
// reported, and a second error in it does not replace the first.
#[test]
fn nothing_after_the_failure_is_processed() {
    let wire = [
        masked(FIN | 0x40 | TEXT, b"rsv1"),
        masked(FIN | TEXT, b"\xff"),
    ]
    .concat();
    let (result, out) = echo_in_one_read(&wire);
    assert_eq!(result, Err(ProtocolError::ReservedBits(0x40)));
    assert_eq!(
        (out[0], &out[2..4]),
        (0x88, &[0x03, 0xea][..]),
        "{}",
        hex(&out)
    );
}
