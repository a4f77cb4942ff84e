//! Side-by-side benchmarks of `wswire` against other Rust WebSocket crates: the same
//! bytes, the same socket copies, interleaved rounds, medians. See `docs/performance.md`
//! in the repository for the method and the results.
#![forbid(unsafe_code)]

pub mod data;
pub mod harness;
pub mod io;
pub mod json;
pub mod subjects;
