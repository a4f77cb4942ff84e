//! The client testee for the Autobahn TestSuite's fuzzingserver.
//!
//! ```text
//! cargo run --release --example autobahn_client [URL] [AGENT]
//! ```
//!
//! URL (default `$AUTOBAHN_URL`, else `ws://127.0.0.1:9001`) is the fuzzingserver; AGENT
//! (default `$AUTOBAHN_AGENT`, else `wswire`) names this client in the reports. The client
//! asks for the number of cases (`/getCaseCount`), runs each (`/runCase?case=N&agent=A`,
//! echoing every message until the server closes), then asks for the reports to be written
//! (`/updateReports?agent=A`). permessage-deflate is offered on every connection.

mod support;

use std::process::ExitCode;
use std::time::Duration;

use wswire::{ClientConfig, Config, DeflateConfig};

/// Section 9 sends messages of up to 16 MiB.
const MAX_MESSAGE: usize = 16 << 20;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_URL").ok())
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let agent = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_AGENT").ok())
        .unwrap_or_else(|| "wswire".to_owned());
    let base = base.trim_end_matches('/');
    match run(base, &agent) {
        Ok(count) => {
            eprintln!("autobahn_client: ran {count} cases as {agent}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("autobahn_client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(base: &str, agent: &str) -> Result<u32, Box<dyn std::error::Error>> {
    let mut count = None;
    session(&format!("{base}/getCaseCount"), |text| {
        count = text.trim().parse::<u32>().ok();
    })?;
    let count = count.ok_or("the server sent no case count")?;
    for case in 1..=count {
        // A failed case is the suite's to judge, not a reason to stop.
        if let Err(e) = session(&format!("{base}/runCase?case={case}&agent={agent}"), |_| {}) {
            eprintln!("autobahn_client: case {case}: {e}");
        }
    }
    session(&format!("{base}/updateReports?agent={agent}"), |_| {})?;
    Ok(count)
}

/// One connection: echoes every message (reporting text ones to `on_text`) until the
/// connection ends.
fn session(url: &str, mut on_text: impl FnMut(&str)) -> Result<(), Box<dyn std::error::Error>> {
    let config = ClientConfig::new(url)?
        .deflate(DeflateConfig::new())
        .connection(
            Config::new()
                .max_message_size(MAX_MESSAGE)
                .max_frame_size(MAX_MESSAGE)
                // A safety net: a case that stalls ends instead of hanging the run.
                .idle_timeout(Duration::from_secs(60))
                .close_timeout(Duration::from_secs(10)),
        );
    let (mut stream, mut conn) = support::connect(config)?;
    let clock = support::Clock::start();
    loop {
        support::echo(&mut conn, &mut on_text)?;
        support::flush(&mut stream, &mut conn)?;
        if support::settle(&mut stream, &mut conn)? {
            return Ok(());
        }
        support::fill(&mut stream, &mut conn, &clock)?;
    }
}
