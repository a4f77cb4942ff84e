//! Arbitrary bytes as the server's response to a fixed request: the key is RFC 6455's
//! example nonce, so a response whose `Sec-WebSocket-Accept` is
//! `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=` passes that check (the seeds have it). If the handshake
//! completes, the rest goes to the connection as frames.
//!
//! Input: byte 0 the client's configuration (bits 0–1 deflate: off, default, or from the
//! byte; bit 2 subprotocols; bit 3 a 512-byte head limit; bit 4 a 16-byte rejection body
//! limit; bit 5 an 8-field limit), byte 1 the connection's limits, byte 2 how the rest is
//! cut, byte 3 what the client sends between pieces; then the response.
//!
//! Checked: an error is final (`receive` and `receive_eof` return it again); a refusal
//! keeps at most the configured body; a completed handshake had the right accept value,
//! agreed only to what was offered, and then everything `Driver` checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wswire::{ClientConfig, ClientHandshake, DeflateConfig, ResponseError};
use wswire_fuzz::{
    Driver, FuzzKeys, Limits, RFC_ACCEPT, RFC_KEY, deflate_config, deflate_min_compress, pieces,
    run_pieces,
};

const MAX_REJECTION_BODY: usize = 16;

fn config(b: u8, limits: &Limits) -> (ClientConfig, usize) {
    let mut config = ClientConfig::new("ws://example.com/chat")
        .expect("a valid URL")
        .connection(limits.config());
    let local = b.rotate_right(2);
    let mut min_compress = 0;
    match b & 3 {
        0 => {}
        1 => config = config.deflate(DeflateConfig::new()),
        _ => {
            config = config.deflate(deflate_config(local));
            min_compress = deflate_min_compress(local);
        }
    }
    if b & 4 != 0 {
        config = config.protocol("chat").protocol("superchat");
    }
    if b & 8 != 0 {
        config = config.max_head_bytes(512);
    }
    if b & 0x10 != 0 {
        config = config.max_rejection_body(MAX_REJECTION_BODY);
    }
    if b & 0x20 != 0 {
        config = config.max_headers(8);
    }
    (config, min_compress)
}

fn check_error(handshake: &mut ClientHandshake, error: &ResponseError, body_limit: usize) {
    if let ResponseError::Rejected(rejection) = error {
        assert_ne!(rejection.status, 101);
        assert!(
            rejection.body.len() <= body_limit,
            "{} body bytes kept",
            rejection.body.len()
        );
    }
    assert_eq!(
        handshake.receive(b"HTTP/1.1 101 OK\r\n\r\n").err().as_ref(),
        Some(error)
    );
    assert_eq!(handshake.receive_eof().err().as_ref(), Some(error));
}

fuzz_target!(|data: &[u8]| {
    let [b0, b1, split_seed, ops_seed, ref response @ ..] = *data else {
        return;
    };
    let limits = Limits::from_byte(b1).with_reads(ops_seed);
    let (config, min_compress) = config(b0, &limits);
    let body_limit = if b0 & 0x10 != 0 {
        MAX_REJECTION_BODY
    } else {
        64 * 1024
    };
    let offered_deflate = b0 & 3 != 0;
    let offered_protocols = b0 & 4 != 0;
    let mut handshake =
        ClientHandshake::with_keys(config, FuzzKeys::rfc(u64::from(ops_seed))).expect("valid");
    let request = std::str::from_utf8(handshake.request()).expect("ASCII request");
    assert!(request.contains(&format!("\r\nSec-WebSocket-Key: {RFC_KEY}\r\n")));

    let mut pieces = pieces(response, split_seed).into_iter();
    let mut accepted = None;
    for piece in pieces.by_ref() {
        match handshake.receive(piece) {
            Ok(None) => continue,
            Ok(Some(done)) => {
                accepted = Some(done);
                break;
            }
            Err(error) => {
                check_error(&mut handshake, &error, body_limit);
                return;
            }
        }
    }
    let Some(accepted) = accepted else {
        match handshake.receive_eof() {
            Ok(Some(_)) => panic!("a handshake completed by the end of input"),
            Ok(None) => panic!("receive_eof left the handshake waiting"),
            Err(error) => check_error(&mut handshake, &error, body_limit),
        }
        return;
    };
    // RFC 6455 §4.1: the accept value, then only what was offered.
    let accept = accepted
        .headers
        .get("Sec-WebSocket-Accept")
        .expect("accept header");
    assert_eq!(accept.trim_ascii(), RFC_ACCEPT.as_bytes());
    let conn = accepted.connection;
    assert_eq!(conn.role(), wswire::Role::Client);
    assert!(conn.deflate().is_none() || offered_deflate);
    assert_eq!(
        accepted.extensions.len(),
        usize::from(conn.deflate().is_some())
    );
    if let Some(protocol) = conn.protocol() {
        assert!(offered_protocols && ["chat", "superchat"].contains(&protocol));
    }
    assert!(matches!(handshake.receive(b"x"), Ok(None)));
    let mut driver = Driver::new(conn, limits, min_compress);
    driver.saw_input(response.len());
    driver.receive(&[]);
    let rest: Vec<u8> = pieces.flatten().copied().collect();
    run_pieces(&mut driver, &rest, split_seed, ops_seed);
});
