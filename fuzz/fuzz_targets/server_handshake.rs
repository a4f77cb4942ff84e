//! Arbitrary bytes as a client's upgrade request, fed in arbitrary pieces; if the request
//! is accepted, the rest goes to the connection as frames.
//!
//! Input: byte 0 the server's configuration (bits 0–1 deflate: off, default, or from the
//! byte; bit 2 subprotocols; bit 3 an origin allow-list; bit 4 a 512-byte head limit; bit 5
//! an 8-field limit; bit 6 a 64-byte cap on bytes before `accept`, else none), byte 1 the connection's limits (`Limits::from_byte`), byte 2 how the
//! rest is cut, byte 3 what the server sends between pieces; then the request.
//!
//! Checked: a refusal is final and its response is well-formed HTTP with the status it
//! names; an accepted request is a GET with a 16-byte key, `accept` succeeds and its `101`
//! response carries the right `Sec-WebSocket-Accept` and the agreed extension; after that,
//! everything `Driver` checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wswire::{
    Accept, DeflateConfig, Extension, OriginPolicy, RequestError, ServerConfig, ServerHandshake,
    accept_key,
};
use wswire_fuzz::{Driver, Limits, deflate_config, deflate_min_compress, pieces, run_pieces};

fn config(b: u8, limits: &Limits) -> (ServerConfig, usize) {
    let mut config = ServerConfig::new().connection(limits.config());
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
        config = config.origin_policy(OriginPolicy::AllowList(vec!["https://example.com".into()]));
    }
    if b & 0x10 != 0 {
        config = config.max_head_bytes(512);
    }
    if b & 0x20 != 0 {
        config = config.max_headers(8);
    }
    // Frames right behind the request are kept before `accept`: within 64 bytes, or all.
    config = config.max_pre_accept_bytes(if b & 0x40 != 0 { 64 } else { usize::MAX });
    (config, min_compress)
}

/// A refusal's response: a status line with the status, `Content-Length` matching the body.
fn check_refusal(error: &RequestError) {
    let status = error.status();
    assert!(
        matches!(status, 400 | 403 | 426 | 431),
        "{error:?}: {status}"
    );
    let response = error.response();
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head")
        + 4;
    let head = std::str::from_utf8(&response[..head_end]).expect("an ASCII head");
    assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
    let body_len = response.len() - head_end;
    assert!(
        head.contains(&format!("\r\nContent-Length: {body_len}\r\n")),
        "{head}"
    );
}

fuzz_target!(|data: &[u8]| {
    let [b0, b1, split_seed, ops_seed, ref request @ ..] = *data else {
        return;
    };
    let limits = Limits::from_byte(b1).with_reads(ops_seed);
    let (config, min_compress) = config(b0, &limits);
    let deflate_configured = b0 & 3 != 0;
    let mut handshake = ServerHandshake::new(config);
    let mut pieces = pieces(request, split_seed).into_iter();
    let mut conn = None;
    for piece in pieces.by_ref() {
        match handshake.receive(piece) {
            Ok(None) => continue,
            Ok(Some(request)) => {
                assert_eq!(request.method(), "GET");
                let key = request.key();
                assert!(key.len() == 24 && key.ends_with("=="), "key {key:?}");
                assert!(request.deflate().is_none() || deflate_configured);
                let agreed = request.deflate().copied();
                let mut accepted = handshake.accept(Accept::new()).expect("accept");
                // The handshake is answered: bytes given to it now are ignored.
                assert!(matches!(
                    handshake.receive(b"GET / HTTP/1.1\r\n\r\n"),
                    Ok(None)
                ));
                assert_eq!(accepted.deflate().copied(), agreed);
                let response = accepted.pending_output().to_vec();
                let head = std::str::from_utf8(&response).expect("ASCII response");
                assert!(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
                assert!(head.ends_with("\r\n\r\n"));
                assert_eq!(head.find("\r\n\r\n"), Some(head.len() - 4));
                let accept = format!("\r\nSec-WebSocket-Accept: {}\r\n", accept_key(key));
                assert!(head.contains(&accept), "{head}");
                if let Some(params) = agreed {
                    let line = format!(
                        "\r\nSec-WebSocket-Extensions: {}\r\n",
                        params.to_extension()
                    );
                    assert!(head.contains(&line), "{head}");
                    let value = line.trim_end().split_once(": ").unwrap().1;
                    let parsed = Extension::parse_list(value.as_bytes()).expect("own response");
                    assert_eq!(parsed, [params.to_extension()]);
                } else {
                    assert!(!head.contains("Sec-WebSocket-Extensions"));
                }
                accepted.consume_output(response.len());
                conn = Some(accepted);
                break;
            }
            Err(error) => {
                check_refusal(&error);
                assert_eq!(handshake.receive(b"\r\n\r\n").err(), Some(error.clone()));
                assert!(handshake.accept(Accept::new()).is_err());
                return;
            }
        }
    }
    let Some(conn) = conn else {
        return;
    };
    // The frames that came with the request are in the connection already.
    let mut driver = Driver::new(conn, limits, min_compress);
    driver.saw_input(request.len());
    driver.receive(&[]);
    let rest: Vec<u8> = pieces.flatten().copied().collect();
    run_pieces(&mut driver, &rest, split_seed, ops_seed);
});
