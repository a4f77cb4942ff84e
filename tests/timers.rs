//! Time as an input, timers as outputs: every timer driven by a fake clock, with the
//! frames it queues as literal bytes.

mod common;

use std::time::Duration;

use common::{CLOSE, FIN, PING, PONG, TEXT, close_payload, masked, take_output, unmasked};
use wswire::{
    CloseCode, Config, Connection, ConnectionState, Event, ProtocolError, SeededKeys,
    TransportAction,
};

const S: Duration = Duration::from_secs(1);

/// A server with only the given timers (no buffer release, so deadlines are the timers').
fn server(config: Config) -> Connection {
    Connection::server(config.release_buffers_after(None))
}

#[test]
fn no_timer_no_deadline() {
    let mut conn = server(Config::new());
    assert_eq!(conn.poll_timeout(), None);
    conn.handle_timeout(1000 * S);
    assert_eq!(conn.poll_timeout(), None);
    assert_eq!(conn.pending_output_len(), 0);
}

#[test]
fn keepalive_pings_after_a_quiet_interval() {
    let mut conn = server(Config::new().keepalive(20 * S));
    // It asks for the time first.
    assert_eq!(conn.poll_timeout(), Some(Duration::ZERO));
    conn.handle_timeout(100 * S);
    assert_eq!(conn.poll_timeout(), Some(120 * S));
    // Data from the peer moves the deadline.
    conn.receive(&masked(FIN | TEXT, b"hi"));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Text("hi"))));
    conn.handle_timeout(110 * S);
    assert_eq!(conn.poll_timeout(), Some(130 * S));
    conn.handle_timeout(129 * S);
    assert_eq!(conn.pending_output_len(), 0);
    conn.handle_timeout(130 * S);
    assert_eq!(take_output(&mut conn), [0x89, 0x00]);
    // One Ping at a time: no deadline until something arrives (no pong timeout set).
    assert_eq!(conn.poll_timeout(), None);
    conn.receive(&masked(FIN | PONG, b""));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Pong(b""))));
    conn.handle_timeout(131 * S);
    assert_eq!(conn.poll_timeout(), Some(151 * S));
}

#[test]
fn unanswered_keepalive_fails_with_1011() {
    let mut conn = server(Config::new().keepalive(20 * S).pong_timeout(10 * S));
    conn.handle_timeout(Duration::ZERO);
    conn.handle_timeout(20 * S);
    assert_eq!(take_output(&mut conn), [0x89, 0x00]);
    assert_eq!(conn.poll_timeout(), Some(30 * S));
    conn.handle_timeout(30 * S);
    assert_eq!(conn.poll_event(), Err(ProtocolError::PongTimeout));
    assert_eq!(
        take_output(&mut conn),
        unmasked(FIN | CLOSE, &close_payload(1011, b"keepalive ping timeout"))
    );
    assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
    assert_eq!(conn.poll_timeout(), None);
}

#[test]
fn any_data_answers_a_keepalive() {
    let mut conn = server(Config::new().keepalive(20 * S).pong_timeout(10 * S));
    conn.handle_timeout(Duration::ZERO);
    conn.handle_timeout(20 * S);
    take_output(&mut conn);
    conn.receive(&masked(FIN | TEXT, b"busy"));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Text("busy"))));
    conn.handle_timeout(29 * S);
    conn.handle_timeout(30 * S);
    assert_eq!(conn.state(), ConnectionState::Open);
    assert_eq!(conn.poll_timeout(), Some(49 * S));
}

#[test]
fn idle_connection_starts_the_closing_handshake() {
    let mut conn = server(Config::new().idle_timeout(60 * S).keepalive(20 * S));
    conn.handle_timeout(Duration::ZERO);
    // Keep-alive Pings and their Pongs are not data: the connection idles all the same.
    for t in [20, 40] {
        conn.handle_timeout(t * S);
        assert_eq!(take_output(&mut conn), [0x89, 0x00]);
        conn.receive(&masked(FIN | PONG, b""));
        conn.handle_timeout(t * S);
        assert_eq!(conn.poll_event(), Ok(Some(Event::Pong(b""))));
    }
    conn.handle_timeout(59 * S);
    assert_eq!(conn.state(), ConnectionState::Open);
    conn.handle_timeout(60 * S);
    assert_eq!(conn.state(), ConnectionState::CloseSent);
    assert_eq!(
        take_output(&mut conn),
        unmasked(FIN | CLOSE, &close_payload(1001, b"idle timeout"))
    );
}

#[test]
fn received_messages_keep_a_connection_from_idling() {
    let mut conn = server(Config::new().idle_timeout(60 * S));
    conn.handle_timeout(Duration::ZERO);
    conn.receive(&masked(FIN | TEXT, b"news"));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Text("news"))));
    conn.handle_timeout(30 * S);
    conn.handle_timeout(89 * S);
    assert_eq!(conn.state(), ConnectionState::Open);
    conn.handle_timeout(90 * S);
    assert_eq!(conn.state(), ConnectionState::CloseSent);
}

#[test]
fn sends_and_writes_keep_a_connection_from_idling() {
    let mut conn = server(Config::new().idle_timeout(60 * S));
    conn.handle_timeout(Duration::ZERO);
    conn.send_text("still here").unwrap();
    conn.handle_timeout(S);
    take_output(&mut conn); // written at 50 s
    conn.handle_timeout(50 * S);
    conn.handle_timeout(100 * S);
    assert_eq!(conn.state(), ConnectionState::Open);
    conn.handle_timeout(110 * S);
    assert_eq!(conn.state(), ConnectionState::CloseSent);
}

#[test]
fn unanswered_close_times_out() {
    let mut conn = server(Config::new().close_timeout(10 * S));
    conn.handle_timeout(Duration::ZERO);
    // Stamped with the latest time the connection knows: the wait counts from 0 s.
    conn.close(CloseCode::NORMAL, "").unwrap();
    conn.handle_timeout(5 * S);
    assert_eq!(conn.poll_timeout(), Some(10 * S));
    let close = take_output(&mut conn);
    conn.handle_timeout(9 * S);
    assert_eq!(conn.state(), ConnectionState::CloseSent);
    conn.handle_timeout(10 * S);
    assert_eq!(conn.poll_event(), Err(ProtocolError::CloseTimeout));
    assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
    // No second Close: one is out already, and 1006 is never sent.
    assert_eq!(close, unmasked(FIN | CLOSE, &close_payload(1000, b"")));
    assert_eq!(conn.pending_output_len(), 0);
}

#[test]
fn a_client_stops_waiting_for_the_server_to_close() {
    let config = Config::new()
        .close_timeout(10 * S)
        .release_buffers_after(None);
    let mut conn = Connection::client(config, SeededKeys::new(2));
    conn.handle_timeout(Duration::ZERO);
    conn.handle_timeout(3 * S);
    conn.receive(&unmasked(FIN | CLOSE, &close_payload(1000, b"")));
    assert!(matches!(conn.poll_event(), Ok(Some(Event::Close { .. }))));
    assert_eq!(conn.transport(), TransportAction::AwaitPeerClose);
    assert_eq!(conn.poll_timeout(), Some(13 * S));
    conn.handle_timeout(12 * S);
    assert_eq!(conn.transport(), TransportAction::AwaitPeerClose);
    conn.handle_timeout(13 * S);
    assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
    assert_eq!(conn.poll_timeout(), None);
}

#[test]
fn buffers_go_back_after_a_quiet_second() {
    let mut conn = Connection::server(Config::new());
    conn.handle_timeout(10 * S);
    let payload = vec![b'x'; 200_000];
    conn.receive(&masked(FIN | 0x2, &payload));
    assert!(matches!(conn.poll_event(), Ok(Some(Event::Binary(b))) if b.len() == 200_000));
    conn.send_binary(&payload).unwrap();
    take_output(&mut conn);
    conn.handle_timeout(10 * S);
    assert!(conn.buffer_capacity() >= 200_000);
    assert_eq!(conn.poll_timeout(), Some(11 * S));
    conn.handle_timeout(11 * S);
    assert_eq!(conn.buffer_capacity(), 0);
    assert_eq!(conn.poll_timeout(), None, "once, until something happens");
    // The next message works as before.
    conn.receive(&masked(FIN | TEXT, b"again"));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Text("again"))));
}

#[test]
fn buffers_stay_while_output_is_pending() {
    let mut conn = Connection::server(Config::new());
    conn.handle_timeout(Duration::ZERO);
    conn.send_binary(&[1; 5000]).unwrap();
    conn.handle_timeout(2 * S);
    assert_eq!(conn.pending_output_len(), 5004);
    assert!(conn.buffer_capacity() >= 5004);
}

#[test]
fn a_clock_that_steps_back_moves_nothing_earlier() {
    let mut conn = server(Config::new().keepalive(20 * S));
    conn.handle_timeout(100 * S);
    conn.handle_timeout(50 * S);
    assert_eq!(conn.poll_timeout(), Some(120 * S));
    conn.handle_timeout(119 * S);
    assert_eq!(conn.pending_output_len(), 0);
}

#[test]
fn pings_are_answered_and_keepalive_continues_while_a_message_arrives() {
    let mut conn = server(Config::new().keepalive(20 * S).pong_timeout(5 * S));
    conn.handle_timeout(Duration::ZERO);
    // A message in two fragments, the peer's Ping between them.
    conn.receive(&masked(TEXT, &[b'a'; 500]));
    assert_eq!(conn.poll_event(), Ok(None));
    conn.handle_timeout(20 * S); // input arrived since the last call: no Ping yet
    assert_eq!(conn.pending_output_len(), 0);
    conn.handle_timeout(40 * S);
    assert_eq!(take_output(&mut conn), [0x89, 0x00]);
    conn.receive(&masked(FIN | PING, b"p"));
    conn.receive(&masked(FIN, &[b'b'; 500]));
    assert_eq!(conn.poll_event(), Ok(Some(Event::Ping(b"p"))));
    assert!(matches!(conn.poll_event(), Ok(Some(Event::Text(_)))));
    conn.handle_timeout(45 * S);
    assert_eq!(conn.state(), ConnectionState::Open);
    assert_eq!(take_output(&mut conn), [0x8a, 0x01, b'p']);
}

// ---- the handshakes' deadline ----

use wswire::{
    ClientConfig, ClientHandshake, RequestError, ResponseError, ServerConfig, ServerHandshake,
};

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Version: 13\r\n\r\n";

#[test]
fn a_request_that_does_not_arrive_in_time_is_answered_408() {
    let config = ServerConfig::new().handshake_timeout(10 * S);
    let mut handshake = ServerHandshake::new(config);
    assert_eq!(handshake.poll_timeout(), Some(Duration::ZERO));
    handshake.handle_timeout(50 * S).unwrap();
    assert_eq!(handshake.poll_timeout(), Some(60 * S));
    assert!(matches!(handshake.receive(&REQUEST[..20]), Ok(None)));
    handshake.handle_timeout(59 * S).unwrap();
    let error = handshake.handle_timeout(60 * S).unwrap_err();
    assert_eq!(error, RequestError::Timeout);
    assert_eq!(error.status(), 408);
    let response = String::from_utf8(error.response()).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{response}"
    );
    assert!(response.contains("\r\nConnection: close\r\n"), "{response}");
    // Final: the rest of the request changes nothing.
    assert!(matches!(
        handshake.receive(&REQUEST[20..]),
        Err(RequestError::Timeout)
    ));
    assert_eq!(handshake.poll_timeout(), None);
}

#[test]
fn the_deadline_stops_once_the_request_has_arrived() {
    let config = ServerConfig::new().handshake_timeout(10 * S);
    let mut handshake = ServerHandshake::new(config);
    handshake.handle_timeout(Duration::ZERO).unwrap();
    assert!(handshake.receive(REQUEST).unwrap().is_some());
    assert_eq!(handshake.poll_timeout(), None);
    // The application may take its time to decide.
    handshake.handle_timeout(1000 * S).unwrap();
    assert!(handshake.accept(wswire::Accept::new()).is_ok());
}

#[test]
fn without_a_handshake_timeout_no_deadline() {
    let mut handshake = ServerHandshake::new(ServerConfig::new());
    assert_eq!(handshake.poll_timeout(), None);
    handshake.handle_timeout(1_000_000 * S).unwrap();
    assert!(matches!(handshake.receive(&REQUEST[..10]), Ok(None)));
}

#[test]
fn a_response_that_does_not_arrive_in_time_fails_the_client() {
    let config = ClientConfig::new("ws://127.0.0.1:9001/")
        .unwrap()
        .handshake_timeout(5 * S);
    let mut handshake = ClientHandshake::with_keys(config, SeededKeys::new(1)).unwrap();
    assert_eq!(handshake.poll_timeout(), Some(Duration::ZERO));
    handshake.handle_timeout(S).unwrap();
    assert!(matches!(
        handshake.receive(b"HTTP/1.1 101 Switching"),
        Ok(None)
    ));
    assert_eq!(handshake.poll_timeout(), Some(6 * S));
    assert!(matches!(
        handshake.handle_timeout(6 * S),
        Err(ResponseError::Timeout)
    ));
    assert!(matches!(
        handshake.receive(b" Protocols\r\n"),
        Err(ResponseError::Timeout)
    ));
    assert_eq!(handshake.poll_timeout(), None);
}
