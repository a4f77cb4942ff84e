//! The client testee for the Autobahn TestSuite's fuzzingserver, on tokio.
//!
//! ```text
//! cargo run -p wswire-tokio --release --example tokio_autobahn_client [URL] [AGENT]
//! ```
//!
//! What `examples/autobahn_client` does, through the tokio layer: URL (default
//! `$AUTOBAHN_URL`, else `ws://127.0.0.1:9001`) is the fuzzingserver; AGENT (default
//! `$AUTOBAHN_AGENT`, else `wswire-tokio`) names this client in the reports. It asks for
//! the number of cases, runs each (echoing every message until the server closes), then
//! asks for the reports. permessage-deflate is offered on every connection.

use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use wswire::{ClientConfig, Config, DeflateConfig};
use wswire_tokio::{Connector, Error};

/// Section 9 sends messages of up to 16 MiB.
const MAX_MESSAGE: usize = 16 << 20;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_URL").ok())
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let agent = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_AGENT").ok())
        .unwrap_or_else(|| "wswire-tokio".to_owned());
    let base = base.trim_end_matches('/');
    match run(base, &agent).await {
        Ok(count) => {
            eprintln!("tokio_autobahn_client: ran {count} cases as {agent}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tokio_autobahn_client: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(base: &str, agent: &str) -> Result<u32, Error> {
    let mut count = None;
    session(&format!("{base}/getCaseCount"), |text| {
        count = text.trim().parse::<u32>().ok();
    })
    .await?;
    let count = count.ok_or(Error::Closed)?;
    for case in 1..=count {
        // A failed case is the suite's to judge, not a reason to stop.
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        if let Err(e) = session(&url, |_| {}).await {
            eprintln!("tokio_autobahn_client: case {case}: {e}");
        }
    }
    session(&format!("{base}/updateReports?agent={agent}"), |_| {}).await?;
    Ok(count)
}

/// One connection: echoes every data message (text ones also to `on_text`) until the
/// connection ends.
async fn session(url: &str, mut on_text: impl FnMut(&str)) -> Result<(), Error> {
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
    let (mut ws, _) = Connector::new().connect(config).await?;
    while let Some(message) = ws.next().await {
        match message {
            Ok(message) if message.is_data() => {
                if let Ok(text) = message.to_text() {
                    if message.is_text() {
                        on_text(text);
                    }
                }
                ws.send(message).await?;
            }
            Ok(_) => {}
            // The server's fault: the Close with its code is queued; polling on sends it.
            Err(Error::Protocol(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
