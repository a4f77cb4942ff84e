//! The end of the input (RFC 6455 §7.1.5, §7.4.1): a transport that ends before the
//! closing handshake does is an abnormal closure, 1006, which is never sent; one that ends
//! after it is a clean close. Scripted at every state.

mod common;

use common::{CLOSE, FIN, TEXT, close_payload, masked, take_output, unmasked};
use wswire::{
    CloseCode, Config, Connection, ConnectionState, Event, ProtocolError, SeededKeys,
    TransportAction,
};

fn server() -> Connection {
    Connection::server(Config::new())
}

#[test]
fn open_connection_then_eof_is_abnormal_and_sends_nothing() {
    let mut conn = server();
    conn.receive_eof();
    assert_eq!(conn.poll_event(), Err(ProtocolError::AbnormalClosure));
    assert_eq!(conn.poll_event(), Err(ProtocolError::AbnormalClosure));
    assert_eq!(
        ProtocolError::AbnormalClosure.close_code(),
        CloseCode::ABNORMAL
    );
    assert_eq!(conn.pending_output_len(), 0, "1006 is never sent");
    assert_eq!(conn.state(), ConnectionState::Failed);
    assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
    assert!(!conn.wants_input());
}

#[test]
fn buffered_messages_are_reported_before_the_abnormal_closure() {
    let mut conn = server();
    conn.receive(&masked(FIN | TEXT, b"one"));
    conn.receive(&masked(FIN | TEXT, b"two"));
    // Half of a third frame: lost with the transport.
    conn.receive(&masked(FIN | TEXT, b"three")[..4]);
    conn.receive_eof();
    assert_eq!(conn.poll_event(), Ok(Some(Event::Text("one"))));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Text("two"))));
    assert_eq!(conn.poll_event(), Err(ProtocolError::AbnormalClosure));
    // Input after the end is dropped.
    conn.receive(&masked(FIN | TEXT, b"late"));
    assert_eq!(conn.poll_event(), Err(ProtocolError::AbnormalClosure));
}

#[test]
fn eof_after_our_close_is_abnormal_and_keeps_our_close_queued() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "bye").unwrap();
    conn.receive_eof();
    assert_eq!(conn.poll_event(), Err(ProtocolError::AbnormalClosure));
    // Nothing already accepted is lost: our Close stays, and may still be written.
    assert_eq!(
        take_output(&mut conn),
        unmasked(FIN | CLOSE, &close_payload(1000, b"bye"))
    );
    assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
}

#[test]
fn eof_after_the_closing_handshake_is_clean() {
    let mut conn = server();
    conn.receive(&masked(FIN | CLOSE, &close_payload(1000, b"")));
    assert!(matches!(conn.poll_event(), Ok(Some(Event::Close { .. }))));
    conn.receive_eof();
    assert_eq!(conn.poll_event(), Ok(None));
    assert_eq!(conn.state(), ConnectionState::Closed);
    assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
}

#[test]
fn a_client_waiting_for_the_server_to_close_is_done_at_eof() {
    let mut conn = Connection::client(Config::new(), SeededKeys::new(5));
    conn.receive(&unmasked(FIN | CLOSE, &close_payload(1001, b"")));
    assert!(matches!(conn.poll_event(), Ok(Some(Event::Close { .. }))));
    assert_eq!(conn.transport(), TransportAction::AwaitPeerClose);
    assert!(conn.wants_input(), "it reads to see the server close");
    conn.receive_eof();
    assert_eq!(conn.poll_event(), Ok(None));
    assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
    assert!(!conn.wants_input());
}

#[test]
fn eof_after_a_failure_changes_nothing() {
    let mut conn = server();
    conn.receive(&[0x81, 0x00]); // unmasked from a client: 1002
    assert_eq!(conn.poll_event(), Err(ProtocolError::UnmaskedFrame));
    let queued = take_output(&mut conn);
    conn.receive_eof();
    assert_eq!(conn.poll_event(), Err(ProtocolError::UnmaskedFrame));
    assert_eq!(
        queued,
        unmasked(
            FIN | CLOSE,
            &[
                0x03, 0xea, b'u', b'n', b'm', b'a', b's', b'k', b'e', b'd', b' ', b'f', b'r', b'a',
                b'm', b'e'
            ]
        )
    );
    assert_eq!(conn.pending_output_len(), 0);
}
