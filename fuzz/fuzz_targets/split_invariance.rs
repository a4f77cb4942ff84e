//! The same bytes fed whole, one byte at a time and in arbitrary pieces give the same
//! events (chunks joined: their boundaries follow the cuts), the same error and the same
//! output.
//!
//! Input: the frames targets' four setup bytes (`Setup`; byte 3's low bit picks the role
//! here, as no local actions are taken, and bits 3–4 how the cut runs read), then the
//! stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wswire::Role;
use wswire_fuzz::{Driver, Setup, comparable, pieces};

fuzz_target!(|data: &[u8]| {
    let Some((setup, stream)) = Setup::parse(data) else {
        return;
    };
    let role = if setup.ops_seed & 1 == 0 {
        Role::Server
    } else {
        Role::Client
    };
    let run = |split_seed: u8| {
        let conn = setup.connection(role)?;
        // The whole stream goes in with `receive`; the others as the setup byte says,
        // possibly through `input_buffer`, so that both ways of reading are compared.
        let mut limits = setup.limits;
        limits.reads &= split_seed != 0;
        let mut driver = Driver::new(conn, limits, setup.min_compress);
        // Output stays queued, to be compared whole.
        driver.drain = false;
        for piece in pieces(stream, split_seed) {
            driver.receive(piece);
        }
        driver.poll_all();
        let events = comparable(setup.limits.delivery, &driver.events, &driver.error);
        Some((
            events,
            driver.error.clone(),
            driver.conn.pending_output().to_vec(),
        ))
    };
    let Some(whole) = run(0) else {
        return;
    };
    let bytewise = run(1).expect("same setup");
    assert_eq!(bytewise, whole, "byte by byte vs whole");
    if setup.split_seed > 1 {
        let split = run(setup.split_seed).expect("same setup");
        assert_eq!(
            split, whole,
            "pieces from seed {} vs whole",
            setup.split_seed
        );
    }
});
