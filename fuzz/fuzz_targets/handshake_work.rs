//! The head reader's work is linear in the bytes fed, on both sides, for any input in any
//! split; and the answer does not depend on the split.
//!
//! Input: byte 0 bit 0 the role (0 a server reading a request, 1 a client reading a
//! response), bits 1–7 how many times the rest is repeated (1 to 128, so that short
//! patterns such as empty lines or interim responses reach hundreds of KiB); byte 1 how the
//! repeated bytes are cut (`pieces`); then the bytes.
//!
//! Checked: after every piece, the reader's work (bytes scanned, copied and parsed, header
//! slots allocated, as counted by `head_work`, which exists in `--cfg fuzzing` builds
//! only) is at most `WORK_PER_BYTE` times the bytes fed so far, with limits raised so that
//! no limit cuts the reading short; and the outcome fed in pieces is the outcome fed whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wswire::{ClientConfig, ClientHandshake, ServerConfig, ServerHandshake};
use wswire_fuzz::{FuzzKeys, pieces};

/// Work units allowed per byte: scanned, copied, parsed, and at most one header slot.
const WORK_PER_BYTE: u64 = 4;
const MAX_HEAD: usize = 1 << 20;
const MAX_HEADERS: usize = 1 << 16;

fn check_work(work: u64, fed: usize) {
    assert!(
        work <= WORK_PER_BYTE * fed as u64,
        "{work} units of work for {fed} bytes"
    );
}

/// Feeds `cuts` to a server; the first answer, as text.
fn server(cuts: &[&[u8]]) -> String {
    let config = ServerConfig::new()
        .max_head_bytes(MAX_HEAD)
        .max_headers(MAX_HEADERS)
        .max_pre_accept_bytes(usize::MAX);
    let mut handshake = ServerHandshake::new(config);
    let mut fed = 0;
    let mut answer = None;
    for piece in cuts {
        let result = handshake.receive(piece);
        fed += piece.len();
        check_work(handshake.head_work(), fed);
        match result {
            Ok(None) => {}
            Ok(Some(request)) => {
                answer.get_or_insert_with(|| format!("{:?} {}", request.headers(), request.path()));
            }
            Err(e) => {
                answer.get_or_insert_with(|| format!("{e:?}"));
            }
        }
    }
    answer.unwrap_or_default()
}

/// Feeds `cuts` to a client, then the end of input; the first answer, as text.
fn client(cuts: &[&[u8]]) -> String {
    let config = ClientConfig::new("ws://example.com/chat")
        .expect("a valid URL")
        .max_head_bytes(MAX_HEAD)
        .max_headers(MAX_HEADERS);
    let mut handshake =
        ClientHandshake::with_keys(config, FuzzKeys::rfc(0)).expect("a valid configuration");
    let mut fed = 0;
    let mut answer = None;
    let describe = |result: Result<Option<wswire::Accepted>, wswire::ResponseError>| match result {
        Ok(None) => None,
        Ok(Some(accepted)) => Some(format!("{:?} {:?}", accepted.headers, accepted.extensions)),
        Err(e) => Some(format!("{e:?}")),
    };
    for piece in cuts {
        let result = handshake.receive(piece);
        fed += piece.len();
        check_work(handshake.head_work(), fed);
        if answer.is_none() {
            answer = describe(result);
        }
    }
    if answer.is_none() {
        answer = describe(handshake.receive_eof());
    }
    answer.unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let [b0, split_seed, ref pattern @ ..] = *data else {
        return;
    };
    let wire = pattern.repeat(usize::from(b0 >> 1) + 1);
    let cuts = pieces(&wire, split_seed);
    if b0 & 1 == 0 {
        assert_eq!(server(&cuts), server(&[&wire]));
    } else {
        assert_eq!(client(&cuts), client(&[&wire]));
    }
});
