//! An echo client: sends messages described on standard input and checks their echo.
//!
//! ```text
//! cargo run --release --example echo_client ws://127.0.0.1:9001/ [--protocol NAME]...
//!     [--no-deflate] [--server-no-context-takeover] [--client-no-context-takeover]
//!     [--server-max-window-bits N] [--client-max-window-bits N]
//!     [--max-message BYTES] [--max-pending-output BYTES] [--keepalive SECS]
//!     [--pong-timeout SECS] [--idle-timeout SECS] [--close-timeout SECS]
//! ```
//!
//! permessage-deflate is offered unless `--no-deflate` is given; the other deflate flags
//! shape the offer. The timers are off unless given. Once connected, the negotiated
//! subprotocol and extension go to standard error.
//!
//! One command per line: `text N` sends a text message of N bytes (`a`..`z` repeating),
//! `binary N` a binary message of N bytes (byte i is `i % 256`). Each echo is checked byte
//! for byte and `ok` printed. At end of input the client closes with 1000, waits for the
//! server's Close, and exits 0; any error exits non-zero. Plain `ws://` only: TLS would be
//! the caller's transport, and this example has none.

mod support;

use std::io::{self, BufRead, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use wswire::{
    ClientConfig, CloseCode, Config, Connection, ConnectionState, DeflateConfig, Event,
    MessageKind, ProtocolError,
};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: echo_client URL [OPTIONS]")?;
    if url == "-h" || url == "--help" {
        println!(
            "usage: echo_client URL [--protocol NAME]... [--no-deflate] \
             [--server-no-context-takeover] [--client-no-context-takeover] \
             [--server-max-window-bits N] [--client-max-window-bits N] {}",
            support::CONNECTION_OPTIONS
        );
        return Ok(());
    }
    let mut config = ClientConfig::new(&url)?;
    let mut connection = Config::new();
    let mut deflate = Some(DeflateConfig::new());
    while let Some(arg) = args.next() {
        if support::connection_option(&arg, &mut args, &mut connection)? {
            continue;
        }
        let mut window_bits = || -> Result<u8, String> {
            let value = args.next().ok_or(format!("{arg} needs a number"))?;
            value
                .parse()
                .map_err(|_| format!("bad window bits {value:?}"))
        };
        match arg.as_str() {
            "--protocol" => config = config.protocol(args.next().ok_or("--protocol needs a name")?),
            "--no-deflate" => deflate = None,
            "--server-no-context-takeover" => {
                deflate = deflate.map(|d| d.server_no_context_takeover(true));
            }
            "--client-no-context-takeover" => {
                deflate = deflate.map(|d| d.client_no_context_takeover(true));
            }
            "--server-max-window-bits" => {
                let bits = window_bits()?;
                deflate = deflate.map(|d| d.server_max_window_bits(bits));
            }
            "--client-max-window-bits" => {
                let bits = window_bits()?;
                deflate = deflate.map(|d| d.client_max_window_bits(bits));
            }
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    config = config.connection(connection);
    if let Some(deflate) = deflate {
        config = config.deflate(deflate);
    }
    let (mut stream, mut conn) = support::connect(config)?;
    let clock = support::Clock::start();
    if let Some(protocol) = conn.protocol() {
        eprintln!("echo_client: subprotocol {protocol}");
    }
    match conn.deflate() {
        Some(params) => eprintln!("echo_client: {}", params.to_extension()),
        None => eprintln!("echo_client: no extension"),
    }

    let stdout = io::stdout();
    let mut out = stdout.lock();
    for line in io::stdin().lock().lines() {
        let line = line?;
        let mut words = line.split_whitespace();
        let (kind, len) = match (words.next(), words.next().map(str::parse::<usize>)) {
            (None, _) => continue,
            (Some("text"), Some(Ok(n))) => (MessageKind::Text, n),
            (Some("binary"), Some(Ok(n))) => (MessageKind::Binary, n),
            _ => return Err(format!("bad command {line:?}").into()),
        };
        let payload = make_payload(kind, len);
        match kind {
            MessageKind::Text => conn.send_text(std::str::from_utf8(&payload)?)?,
            MessageKind::Binary => conn.send_binary(&payload)?,
        }
        let echoed = next_message(&mut stream, &mut conn, &clock)?;
        if echoed != (kind, payload) {
            return Err(format!("echo of {line:?} differs").into());
        }
        writeln!(out, "ok")?;
        out.flush()?;
    }

    conn.close(CloseCode::NORMAL, "")?;
    while conn.state() != ConnectionState::Closed {
        support::flush(&mut stream, &mut conn)?;
        support::fill(&mut stream, &mut conn, &clock)?;
        loop {
            match conn.poll_event() {
                Ok(Some(Event::Close { code, .. })) if code != CloseCode::NORMAL => {
                    return Err(format!("server closed with {code}").into());
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(error) => return Err(failed(&mut stream, &mut conn, error)),
            }
        }
    }
    support::settle(&mut stream, &mut conn)?;
    Ok(())
}

fn make_payload(kind: MessageKind, len: usize) -> Vec<u8> {
    match kind {
        MessageKind::Text => (0..len).map(|i| b'a' + (i % 26) as u8).collect(),
        MessageKind::Binary => (0..len).map(|i| (i % 256) as u8).collect(),
    }
}

/// Drives the connection until a whole data message arrives.
fn next_message(
    stream: &mut TcpStream,
    conn: &mut Connection,
    clock: &support::Clock,
) -> Result<(MessageKind, Vec<u8>), Box<dyn std::error::Error>> {
    loop {
        support::flush(stream, conn)?;
        loop {
            match conn.poll_event() {
                Ok(Some(Event::Text(text))) => {
                    return Ok((MessageKind::Text, text.as_bytes().to_vec()));
                }
                Ok(Some(Event::Binary(data))) => return Ok((MessageKind::Binary, data.to_vec())),
                Ok(Some(Event::Close { code, reason })) => {
                    return Err(format!("server closed ({code} {reason:?})").into());
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(error) => return Err(failed(stream, conn, error)),
            }
        }
        if conn.transport() != wswire::TransportAction::KeepOpen {
            return Err("the connection ended".into());
        }
        support::fill(stream, conn, clock)?;
    }
}

/// The server broke the protocol: sends the Close frame the connection queued with the
/// error's code, ends the transport, and returns the error to report.
fn failed(
    stream: &mut TcpStream,
    conn: &mut Connection,
    error: ProtocolError,
) -> Box<dyn std::error::Error> {
    if let Err(e) = support::settle(stream, conn) {
        eprintln!("echo_client: could not send the Close frame: {e}");
    }
    error.into()
}
