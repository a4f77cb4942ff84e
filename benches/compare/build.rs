//! Records what the results depend on: the compiler and the locked versions of the
//! subjects, so that every results file names them.

use std::process::Command;

const CRATES: [&str; 9] = [
    "wswire",
    "tungstenite",
    "tokio-websockets",
    "fastwebsockets",
    "websocket-sans-io",
    "yawc",
    "flate2",
    "zlib-rs",
    "tokio",
];

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=COMPARE_RUSTC={}", version.trim());

    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let mut found = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take())
            && CRATES.contains(&n.as_str())
        {
            found.push(format!("{n}={}", v.trim_matches('"')));
        }
    }
    println!("cargo:rustc-env=COMPARE_VERSIONS={}", found.join(","));
}
