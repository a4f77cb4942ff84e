//! The echo server on tokio: every text and binary message comes back unchanged.
//!
//! ```text
//! cargo run -p wswire-tokio --features rustls --release --example tokio_echo_server [ADDR]
//!     [--protocol NAME]... [--no-deflate] [--max-message BYTES]
//!     [--max-pending-output BYTES] [--keepalive SECS] [--pong-timeout SECS]
//!     [--idle-timeout SECS] [--close-timeout SECS]
//!     [--tls [--write-ca FILE] | --cert FILE --key FILE]
//! ```
//!
//! The arguments and behaviour of `examples/echo_server` (ADDR defaults to
//! 127.0.0.1:9001; permessage-deflate whenever a client offers it, unless `--no-deflate`;
//! the timers off unless given), on one tokio runtime instead of a thread per connection.
//! `--tls` serves `wss://` with a certificate for `localhost`, `127.0.0.1` and `::1` signed
//! by a certificate authority made at start-up, whose certificate `--write-ca` writes to a
//! PEM file for clients to trust (`tokio_client --ca FILE`); `--cert` and `--key` serve
//! `wss://` with PEM files instead.
//!
//! Logs `PATH: EXTENSION` for each connection that negotiates permessage-deflate and
//! `PEER: ERROR` for each that fails on the transport (a peer that breaks the protocol is
//! answered with the Close code, as `echo_server` does, and not logged).

#[path = "../../examples/support/mod.rs"]
mod std_support;
mod support;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use wswire::{Accept, Config, DeflateConfig, ServerConfig};
use wswire_tokio::Error;

use support::tls;

enum Tls {
    Off,
    Generate { write_ca: Option<PathBuf> },
    Files { cert: PathBuf, key: PathBuf },
}

struct Options {
    addr: String,
    config: ServerConfig,
    tls: Tls,
}

fn usage() -> String {
    format!(
        "usage: tokio_echo_server [ADDR] [--protocol NAME]... [--no-deflate] {} \
         [--tls [--write-ca FILE] | --cert FILE --key FILE]",
        std_support::CONNECTION_OPTIONS
    )
}

fn parse_args() -> Result<Options, String> {
    let mut addr = "127.0.0.1:9001".to_owned();
    let mut config = ServerConfig::new();
    let mut connection = Config::new();
    let mut deflate = true;
    let (mut tls, mut write_ca, mut cert, mut key) = (false, None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if std_support::connection_option(&arg, &mut args, &mut connection)? {
            continue;
        }
        let mut path = || {
            args.next()
                .map(PathBuf::from)
                .ok_or(format!("{arg} needs a file"))
        };
        match arg.as_str() {
            "--protocol" => config = config.protocol(args.next().ok_or("--protocol needs a name")?),
            "--no-deflate" => deflate = false,
            "--tls" => tls = true,
            "--write-ca" => write_ca = Some(path()?),
            "--cert" => cert = Some(path()?),
            "--key" => key = Some(path()?),
            "-h" | "--help" => return Err(usage()),
            flag if flag.starts_with('-') => {
                return Err(format!("unknown option {flag}\n{}", usage()));
            }
            _ => addr = arg,
        }
    }
    config = config.connection(connection);
    if deflate {
        config = config.deflate(DeflateConfig::new());
    }
    let tls = match (tls, write_ca, cert, key) {
        (false, None, None, None) => Tls::Off,
        (true, write_ca, None, None) => Tls::Generate { write_ca },
        (_, None, Some(cert), Some(key)) => Tls::Files { cert, key },
        _ => {
            return Err(format!(
                "--tls [--write-ca FILE] or --cert FILE --key FILE\n{}",
                usage()
            ));
        }
    };
    Ok(Options { addr, config, tls })
}

/// The TLS acceptor the options ask for, if any.
fn acceptor(option: &Tls) -> Result<Option<TlsAcceptor>, Box<dyn std::error::Error>> {
    let (chain, key) = match option {
        Tls::Off => return Ok(None),
        Tls::Generate { write_ca } => {
            let generated = tls::generate()?;
            if let Some(path) = write_ca {
                std::fs::write(path, &generated.ca_pem)?;
            }
            (generated.chain, generated.key)
        }
        Tls::Files { cert, key } => (tls::load_certs(cert)?, tls::load_key(key)?),
    };
    Ok(Some(TlsAcceptor::from(tls::server_config(chain, key)?)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let acceptor = match acceptor(&options.tls) {
        Ok(acceptor) => acceptor,
        Err(e) => {
            eprintln!("tokio_echo_server: TLS: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(&options.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    let scheme = if acceptor.is_some() { "wss" } else { "ws" };
    eprintln!("tokio_echo_server listening on {scheme}://{}", options.addr);
    let config = Arc::new(options.config);
    loop {
        let Ok((tcp, peer)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (config, acceptor) = (ServerConfig::clone(&config), acceptor.clone());
        tokio::spawn(async move {
            let result = match acceptor {
                None => serve(tcp, config).await,
                Some(acceptor) => {
                    let tls =
                        tokio::time::timeout(wswire_tokio::HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
                    match tls.await {
                        Ok(Ok(stream)) => serve(stream, config).await,
                        Ok(Err(e)) => Err(Error::Tls(e)),
                        Err(_) => Err(Error::HandshakeTimeout),
                    }
                }
            };
            match result {
                // The peer's faults were answered with their Close code or status.
                Ok(()) | Err(Error::Protocol(_) | Error::Request(_)) => {}
                Err(e) => eprintln!("{peer}: {e}"),
            }
        });
    }
}

async fn serve<S>(stream: S, config: ServerConfig) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut ws = wswire_tokio::accept_with(stream, config, |request| {
        if let Some(params) = request.deflate() {
            eprintln!("{}: {}", request.path(), params.to_extension());
        }
        Ok(Accept::new())
    })
    .await?;
    let mut failure = None;
    while let Some(message) = ws.next().await {
        match message {
            Ok(message) if message.is_data() => ws.send(message).await?,
            // Pings are answered, and Closes replied to, by the connection itself.
            Ok(_) => {}
            // The Close frame with the error's code is queued: polling on sends it and
            // ends the transport.
            Err(e) => failure = Some(e),
        }
    }
    failure.map_or(Ok(()), Err)
}
