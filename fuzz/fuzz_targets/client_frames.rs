//! Arbitrary bytes received by a client after the handshake: the first four bytes choose
//! the configuration (deflate on or off and its parameters, whole messages or chunks,
//! limits), how the rest is cut and what the client sends between pieces. `Driver`
//! checks every event and every byte of output (see docs/fuzzing.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wswire::Role;

fuzz_target!(|data: &[u8]| wswire_fuzz::frames_target(Role::Client, data));
