//! The closing handshake (RFC 6455 §5.5.1, §7): which codes may be received and sent, the
//! reply to a peer's Close, what may be sent afterwards, the states the connection goes
//! through and what to do with the transport.

mod common;

use common::{
    CLOSE, FIN, FixedKeys, PING, Pair, RFC_MASK, TEXT, close_payload, feed_whole, masked,
};
use wswire::{
    CloseCode, Config, Connection, ConnectionState, MessageKind, OwnedEvent, ProtocolError,
    TransportAction, UsageError,
};

fn server() -> Connection {
    Connection::server(Config::new())
}

/// A masked Close frame carrying `code` and `reason`.
fn close_frame(code: u16, reason: &[u8]) -> Vec<u8> {
    masked(FIN | CLOSE, &close_payload(code, reason))
}

/// Codes a Close frame may carry: RFC 6455 §7.4.1 (1000-1003, 1007-1011), the IANA
/// registry (1012-1014), and §7.4.2's ranges for libraries (3000-3999) and applications
/// (4000-4999).
const VALID_CODES: &[u16] = &[
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3001, 3999, 4000,
    4001, 4999,
];

/// Codes that may not: unused (0-999), reserved (1004), local-only (1005, 1006, 1015),
/// reserved for the protocol (1016-2999), undefined (5000 and up).
const INVALID_CODES: &[u16] = &[
    0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
];

// RFC 6455 §5.5.1: "If an endpoint receives a Close frame and did not previously send a
// Close frame, the endpoint MUST send a Close frame in response ... typically echoing the
// status code it received."
#[test]
fn valid_codes_are_accepted_and_echoed() {
    for &code in VALID_CODES {
        let mut conn = server();
        let events = feed_whole(&mut conn, &close_frame(code, b"reason")).ok();
        assert_eq!(
            events,
            [OwnedEvent::Close {
                code: CloseCode::from(code),
                reason: "reason".into()
            }],
            "code {code}"
        );
        let [hi, lo] = code.to_be_bytes();
        assert_eq!(conn.pending_output(), [0x88, 0x02, hi, lo], "code {code}");
        assert_eq!(conn.state(), ConnectionState::Closed);
    }
}

// RFC 6455 §7.4: a Close frame with a code outside the ranges above is a protocol error.
#[test]
fn invalid_codes_fail_with_1002() {
    for &code in INVALID_CODES {
        let mut conn = server();
        let outcome = feed_whole(&mut conn, &close_frame(code, b""));
        assert_eq!(outcome.events, [], "code {code}");
        assert_eq!(
            outcome.error,
            Some(ProtocolError::InvalidCloseCode(code)),
            "code {code}"
        );
        let out = conn.pending_output();
        assert_eq!(
            (out[0], &out[2..4]),
            (0x88, &[0x03, 0xea][..]),
            "code {code}"
        );
        assert_eq!(conn.state(), ConnectionState::Failed);
    }
}

// Every code from 0 to 65535 against the ranges above.
#[test]
fn every_code_is_classified_by_the_rfc_ranges() {
    for code in 0..=u16::MAX {
        let valid = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
        let mut conn = server();
        let outcome = feed_whole(&mut conn, &close_frame(code, b""));
        if valid {
            assert_eq!(outcome.error, None, "code {code}");
        } else {
            assert_eq!(
                outcome.error,
                Some(ProtocolError::InvalidCloseCode(code)),
                "code {code}"
            );
        }
        assert_eq!(
            CloseCode::from(code).is_valid_on_wire(),
            valid,
            "code {code}"
        );
    }
}

// RFC 6455 §5.5.1: a body, if present, "MUST" start with a two-byte status code.
#[test]
fn one_byte_close_payload_fails_with_1002() {
    let mut conn = server();
    let outcome = feed_whole(&mut conn, &masked(FIN | CLOSE, &[0x03]));
    assert_eq!(outcome.error, Some(ProtocolError::OneByteClosePayload));
    let out = conn.pending_output();
    assert_eq!((out[0], &out[2..4]), (0x88, &[0x03, 0xea][..]));
}

// RFC 6455 §7.1.5: a Close with no code is reported as 1005; the reply has no code either
// (1005 "MUST NOT be set as a status code in a Close control frame").
#[test]
fn empty_close_is_no_status_and_answered_empty() {
    let mut conn = server();
    let events = feed_whole(&mut conn, &masked(FIN | CLOSE, b"")).ok();
    assert_eq!(
        events,
        [OwnedEvent::Close {
            code: CloseCode::NO_STATUS,
            reason: String::new()
        }]
    );
    assert_eq!(CloseCode::NO_STATUS.as_u16(), 1005);
    assert_eq!(conn.pending_output(), [0x88, 0x00]);
}

// RFC 6455 §5.5.1: the largest reason is 123 bytes (125 minus the code).
#[test]
fn close_sends_code_and_reason() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(
        conn.pending_output(),
        [0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e']
    );

    // A client masks it: 03 e8 'b' 'y' 'e' under 37 fa 21 3d.
    let mut client = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    client.close(CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(
        client.pending_output(),
        [
            0x88, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x34, 0x12, 0x43, 0x44, 0x52
        ]
    );

    let longest = "r".repeat(123);
    let mut conn = server();
    conn.close(CloseCode::from(4000), &longest).unwrap();
    let out = conn.pending_output();
    assert_eq!(out[..4], [0x88, 0x7d, 0x0f, 0xa0]);
    assert_eq!(&out[4..], longest.as_bytes());
}

// Caller mistakes change nothing: a code that may not be sent, a reason too long.
#[test]
fn close_refuses_invalid_code_and_long_reason() {
    let mut conn = server();
    for code in [0, 999, 1004, 1005, 1006, 1015, 2999, 5000] {
        assert_eq!(
            conn.close(CloseCode::from(code), ""),
            Err(UsageError::InvalidCloseCode(code))
        );
    }
    assert_eq!(
        conn.close(CloseCode::NORMAL, &"r".repeat(124)),
        Err(UsageError::CloseReasonTooLong(124))
    );
    // A 62-character reason of two-byte characters is 124 bytes.
    assert_eq!(
        conn.close(CloseCode::NORMAL, &"é".repeat(62)),
        Err(UsageError::CloseReasonTooLong(124))
    );
    assert_eq!(conn.pending_output(), b"");
    assert_eq!(conn.state(), ConnectionState::Open);
    conn.send_text("still open").unwrap();
}

// RFC 6455 §5.5.1: "The application MUST NOT send any more data frames after sending a
// Close frame."
#[test]
fn no_data_and_no_second_close_after_close() {
    let mut conn = server();
    conn.close(CloseCode::GOING_AWAY, "").unwrap();
    let queued = conn.pending_output().to_vec();
    assert_eq!(conn.send_text("x"), Err(UsageError::Closing));
    assert_eq!(conn.send_binary(b"x"), Err(UsageError::Closing));
    assert_eq!(
        conn.send_fragment(MessageKind::Text, b"x", true),
        Err(UsageError::Closing)
    );
    assert_eq!(conn.close(CloseCode::NORMAL, ""), Err(UsageError::Closing));
    let mut payload = *b"x";
    assert_eq!(
        conn.unbuffered_message(MessageKind::Binary, &mut payload)
            .map(|_| ()),
        Err(UsageError::Closing)
    );
    assert_eq!(conn.pending_output(), queued);
    // Control frames are not data: a Ping or a Pong may still go out while the peer's
    // Close is awaited.
    assert_eq!(conn.send_ping(b"?"), Ok(()));
    assert_eq!(conn.send_pong(b"!"), Ok(()));
    assert_eq!(
        &conn.pending_output()[queued.len()..],
        [0x89, 0x01, b'?', 0x8a, 0x01, b'!']
    );
}

// Open -> CloseSent -> Closed when this side starts; Open -> Closed when the peer does.
// RFC 6455 §7.1.1: the server closes the TCP connection first; the client waits for it.
#[test]
fn states_and_transport_through_a_client_initiated_close() {
    let mut pair = Pair::default();
    for conn in [&pair.client, &pair.server] {
        assert_eq!(conn.state(), ConnectionState::Open);
        assert_eq!(conn.transport(), TransportAction::KeepOpen);
    }

    pair.client.close(CloseCode::NORMAL, "done").unwrap();
    assert_eq!(pair.client.state(), ConnectionState::CloseSent);
    assert_eq!(pair.client.transport(), TransportAction::KeepOpen);

    let events = pair.deliver_to_server().ok();
    assert_eq!(
        events,
        [OwnedEvent::Close {
            code: CloseCode::NORMAL,
            reason: "done".into()
        }]
    );
    assert_eq!(pair.server.state(), ConnectionState::Closed);
    assert_eq!(pair.server.transport(), TransportAction::CloseAfterFlush);
    assert_eq!(pair.server.pending_output(), [0x88, 0x02, 0x03, 0xe8]);

    let events = pair.deliver_to_client().ok();
    assert_eq!(
        events,
        [OwnedEvent::Close {
            code: CloseCode::NORMAL,
            reason: String::new()
        }]
    );
    assert_eq!(pair.client.state(), ConnectionState::Closed);
    assert_eq!(pair.client.transport(), TransportAction::AwaitPeerClose);
    // The client does not answer the answer.
    assert_eq!(pair.client.pending_output(), b"");
}

#[test]
fn states_and_transport_through_a_server_initiated_close() {
    let mut pair = Pair::default();
    pair.server.close(CloseCode::from(4001), "bye").unwrap();
    assert_eq!(pair.server.state(), ConnectionState::CloseSent);
    assert_eq!(pair.server.transport(), TransportAction::KeepOpen);

    pair.deliver_to_client().ok();
    assert_eq!(pair.client.state(), ConnectionState::Closed);
    assert_eq!(pair.client.transport(), TransportAction::AwaitPeerClose);

    // The client's echo, masked: 0f a1 under 37 fa 21 3d is 38 5b.
    assert_eq!(
        pair.client.pending_output(),
        [0x88, 0x82, 0x37, 0xfa, 0x21, 0x3d, 0x38, 0x5b]
    );
    let events = pair.deliver_to_server().ok();
    assert_eq!(
        events,
        [OwnedEvent::Close {
            code: CloseCode::from(4001),
            reason: String::new()
        }]
    );
    assert_eq!(pair.server.state(), ConnectionState::Closed);
    assert_eq!(pair.server.transport(), TransportAction::CloseAfterFlush);
    assert_eq!(pair.server.pending_output(), b"");
}

// RFC 6455 §7.1.7: after failing there is nothing to wait for, whichever the role.
#[test]
fn failure_closes_the_transport_after_flush() {
    let mut server = server();
    let _ = feed_whole(&mut server, &[0x81, 0x00]);
    assert_eq!(server.transport(), TransportAction::CloseAfterFlush);
    let mut client = Connection::client(Config::new(), FixedKeys::mask(RFC_MASK));
    let _ = feed_whole(&mut client, &masked(FIN | TEXT, b""));
    assert_eq!(client.transport(), TransportAction::CloseAfterFlush);
}

// RFC 6455 §7.1.2-7.1.3: after sending a Close, data the peer sent before seeing it is
// still delivered, until the peer's Close arrives.
#[test]
fn data_received_after_sending_close_is_delivered() {
    let mut pair = Pair::default();
    pair.server.close(CloseCode::NORMAL, "").unwrap();
    pair.client.send_text("in flight").unwrap();
    pair.client
        .send_fragment(MessageKind::Binary, b"a", false)
        .unwrap();
    pair.client
        .send_fragment(MessageKind::Binary, b"b", true)
        .unwrap();
    let events = pair.deliver_to_server().ok();
    assert_eq!(
        events,
        [
            OwnedEvent::Text("in flight".into()),
            OwnedEvent::Binary(b"ab".to_vec())
        ]
    );
    assert_eq!(pair.server.state(), ConnectionState::CloseSent);

    // Then the client sees the Close and answers; after that nothing more is reported.
    pair.deliver_to_client().ok();
    let mut late = pair.client.pending_output().to_vec();
    late.extend_from_slice(&masked(FIN | TEXT, b"after close"));
    pair.client.consume_output(pair.client.pending_output_len());
    let events = feed_whole(&mut pair.server, &late).ok();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(matches!(events[0], OwnedEvent::Close { .. }));
    assert_eq!(pair.server.state(), ConnectionState::Closed);
    pair.server.receive(&masked(FIN | TEXT, b"more"));
    assert_eq!(pair.server.poll_event(), Ok(None));
}

// RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
// response, unless it already received a Close frame." Having *sent* a Close does not
// lift the duty (§5.5.1 forbids only data frames afterwards).
#[test]
fn ping_after_sending_close_is_still_answered() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "").unwrap();
    conn.consume_output(conn.pending_output_len());
    let events = feed_whole(&mut conn, &masked(FIN | PING, b"p")).ok();
    assert_eq!(events, [OwnedEvent::Ping(b"p".to_vec())]);
    assert_eq!(conn.pending_output(), [0x8a, 0x01, b'p']);
}

// A Ping after the peer's Close is not answered (§5.5.2), and is not even reported: the
// connection is closed.
#[test]
fn nothing_is_answered_after_the_peers_close() {
    let mut conn = server();
    let wire = [masked(FIN | CLOSE, b""), masked(FIN | PING, b"p")].concat();
    let events = feed_whole(&mut conn, &wire).ok();
    assert_eq!(events.len(), 1);
    assert_eq!(conn.pending_output(), [0x88, 0x00]);
}

// RFC 6455 §7.1.7: failing sends a Close "unless one was sent already": after close(), a
// protocol error adds nothing to the output.
#[test]
fn failure_after_sending_close_queues_no_second_close() {
    for bad in [
        close_frame(1005, b""),
        masked(FIN | 0x3, b""),
        masked(FIN | TEXT, b"\xff"),
    ] {
        let mut conn = server();
        conn.close(CloseCode::NORMAL, "").unwrap();
        let outcome = feed_whole(&mut conn, &bad);
        assert!(outcome.error.is_some(), "{bad:02x?}");
        assert_eq!(
            conn.pending_output(),
            [0x88, 0x02, 0x03, 0xe8],
            "{bad:02x?}"
        );
        assert_eq!(conn.state(), ConnectionState::Failed);
        assert_eq!(conn.transport(), TransportAction::CloseAfterFlush);
        assert_eq!(conn.send_text("x"), Err(UsageError::Failed));
    }
}
