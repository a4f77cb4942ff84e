//! The echo client on tokio: sends messages described on standard input and checks their
//! echo.
//!
//! ```text
//! cargo run -p wswire-tokio --features rustls --release --example tokio_client URL
//!     [--protocol NAME]... [--no-deflate] [--server-no-context-takeover]
//!     [--client-no-context-takeover] [--server-max-window-bits N]
//!     [--client-max-window-bits N] [--max-message BYTES] [--max-pending-output BYTES]
//!     [--keepalive SECS] [--pong-timeout SECS] [--idle-timeout SECS] [--close-timeout SECS]
//!     [--ca FILE]
//! ```
//!
//! The arguments and behaviour of `examples/echo_client`, over `ws://` or `wss://` (TLS
//! by rustls; `--ca FILE` trusts the certificate authorities of that PEM file instead of
//! the `webpki-roots` ones). Once connected, the negotiated subprotocol and extension go to
//! standard error. One command per line: `text N` sends a text message of N bytes
//! (`a`..`z` repeating), `binary N` a binary message of N bytes (byte i is `i % 256`);
//! each echo is checked byte for byte and `ok` printed. At the end of the input the client
//! closes with 1000, waits for the server's Close and the end of the transport, and exits
//! 0; any error exits non-zero.

#[path = "../../examples/support/mod.rs"]
mod std_support;
mod support;

use std::path::PathBuf;
use std::process::ExitCode;

use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use wswire::{ClientConfig, CloseCode, Config, DeflateConfig, MessageKind};
use wswire_tokio::{Connector, Message};

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokio_client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    format!(
        "usage: tokio_client URL [--protocol NAME]... [--no-deflate] \
         [--server-no-context-takeover] [--client-no-context-takeover] \
         [--server-max-window-bits N] [--client-max-window-bits N] {} [--ca FILE]",
        std_support::CONNECTION_OPTIONS
    )
}

fn parse_args() -> Result<(ClientConfig, Connector), BoxError> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or_else(usage)?;
    if url == "-h" || url == "--help" {
        return Err(usage().into());
    }
    let mut config = ClientConfig::new(&url)?;
    let mut connection = Config::new();
    let mut deflate = Some(DeflateConfig::new());
    let mut ca: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        if std_support::connection_option(&arg, &mut args, &mut connection)? {
            continue;
        }
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--protocol" => config = config.protocol(value()?),
            "--no-deflate" => deflate = None,
            "--server-no-context-takeover" => {
                deflate = deflate.map(|d| d.server_no_context_takeover(true));
            }
            "--client-no-context-takeover" => {
                deflate = deflate.map(|d| d.client_no_context_takeover(true));
            }
            "--server-max-window-bits" => {
                let bits = value()?.parse()?;
                deflate = deflate.map(|d| d.server_max_window_bits(bits));
            }
            "--client-max-window-bits" => {
                let bits = value()?.parse()?;
                deflate = deflate.map(|d| d.client_max_window_bits(bits));
            }
            "--ca" => ca = Some(value()?.into()),
            other => return Err(format!("unknown option {other}\n{}", usage()).into()),
        }
    }
    config = config.connection(connection);
    if let Some(deflate) = deflate {
        config = config.deflate(deflate);
    }
    let mut connector = Connector::new();
    if let Some(ca) = ca {
        let roots = support::tls::load_certs(&ca)?;
        connector = connector.rustls(support::tls::client_config(roots)?);
    }
    Ok((config, connector))
}

async fn run() -> Result<(), BoxError> {
    let (config, connector) = parse_args()?;
    let (mut ws, _headers) = connector.connect(config).await?;
    let (protocol, deflate) = ws.with_connection(|c| {
        let deflate = c.deflate().map(|params| params.to_extension().to_string());
        (c.protocol().map(str::to_owned), deflate)
    });
    if let Some(protocol) = protocol {
        eprintln!("tokio_client: subprotocol {protocol}");
    }
    eprintln!(
        "tokio_client: {}",
        deflate.as_deref().unwrap_or("no extension")
    );

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    while let Some(line) = lines.next_line().await? {
        let mut words = line.split_whitespace();
        let (kind, len) = match (words.next(), words.next().map(str::parse::<usize>)) {
            (None, _) => continue,
            (Some("text"), Some(Ok(n))) => (MessageKind::Text, n),
            (Some("binary"), Some(Ok(n))) => (MessageKind::Binary, n),
            _ => return Err(format!("bad command {line:?}").into()),
        };
        let sent = payload(kind, len);
        ws.send(sent.clone()).await?;
        let echo = loop {
            match ws.next().await {
                Some(Ok(message)) if message.is_data() => break message,
                Some(Ok(Message::Close(frame))) => {
                    return Err(format!("server closed ({frame:?})").into());
                }
                Some(Ok(_)) => {} // Pings (answered already) and Pongs
                Some(Err(e)) => return Err(e.into()),
                None => return Err("the connection ended".into()),
            }
        };
        if echo != sent {
            return Err(format!("echo of {line:?} differs").into());
        }
        stdout.write_all(b"ok\n").await?;
        stdout.flush().await?;
    }

    // Close with 1000, then read until the server's Close and the end of the stream.
    ws.send(Message::close(CloseCode::NORMAL, "")).await?;
    while let Some(message) = ws.next().await {
        match message? {
            Message::Close(Some(frame)) if frame.code != CloseCode::NORMAL => {
                return Err(format!("server closed with {}", frame.code).into());
            }
            _ => {}
        }
    }
    Ok(())
}

fn payload(kind: MessageKind, len: usize) -> Message {
    match kind {
        MessageKind::Text => Message::text(
            (0..len)
                .map(|i| (b'a' + (i % 26) as u8) as char)
                .collect::<String>(),
        ),
        MessageKind::Binary => {
            Message::binary((0..len).map(|i| (i % 256) as u8).collect::<Vec<u8>>())
        }
    }
}
