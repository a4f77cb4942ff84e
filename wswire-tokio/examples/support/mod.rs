//! Shared by the tokio examples: TLS set-up, and the hand-over from an HTTP library.

#![allow(dead_code, unused_imports)] // each example uses a different part

pub mod tls;
pub mod upgrade;
