//! An echo server: every text and binary message comes back unchanged.
//!
//! ```text
//! cargo run --release --example echo_server [ADDR] [--protocol NAME]... [--no-deflate]
//!     [--max-message BYTES] [--max-pending-output BYTES] [--keepalive SECS]
//!     [--pong-timeout SECS] [--idle-timeout SECS] [--close-timeout SECS]
//! ```
//!
//! ADDR defaults to 127.0.0.1:9001. permessage-deflate is negotiated whenever a client
//! offers it, unless `--no-deflate` is given. The timers (keep-alive Pings, the pong
//! timeout, the idle timeout, the closing-handshake timeout) are off unless given.
//! Blocking `std::net`, a thread per connection: the point is to show the whole drive loop
//! of a `wswire::Connection`, time and end of input included, in a few lines.

mod support;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;

use wswire::{Accept, Config, DeflateConfig, ServerConfig, ServerHandshake};

fn usage() -> String {
    format!(
        "usage: echo_server [ADDR] [--protocol NAME]... [--no-deflate] {}",
        support::CONNECTION_OPTIONS
    )
}

struct Options {
    addr: String,
    config: ServerConfig,
}

fn parse_args() -> Result<Options, String> {
    let mut addr = "127.0.0.1:9001".to_owned();
    let mut config = ServerConfig::new();
    let mut connection = Config::new();
    let mut deflate = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if support::connection_option(&arg, &mut args, &mut connection)? {
            continue;
        }
        match arg.as_str() {
            "--protocol" => config = config.protocol(args.next().ok_or("--protocol needs a name")?),
            "--no-deflate" => deflate = false,
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
    Ok(Options { addr, config })
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(&options.addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    eprintln!("echo_server listening on ws://{}", options.addr);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let config = options.config.clone();
        thread::spawn(move || {
            let peer = stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_default();
            if let Err(e) = serve(stream, config) {
                eprintln!("{peer}: {e}");
            }
        });
    }
    ExitCode::SUCCESS
}

fn serve(mut stream: TcpStream, config: ServerConfig) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut handshake = ServerHandshake::new(config);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        match handshake.receive(&buf[..n]) {
            Ok(Some(request)) => {
                if let Some(params) = request.deflate() {
                    eprintln!("{}: {}", request.path(), params.to_extension());
                }
                break;
            }
            Ok(None) => {}
            Err(refusal) => {
                stream.write_all(&refusal.response())?;
                support::linger_close(&mut stream);
                return Ok(());
            }
        }
    }
    let mut conn = handshake.accept(Accept::new()).map_err(io::Error::other)?;
    let clock = support::Clock::start();
    loop {
        support::flush(&mut stream, &mut conn)?;
        if support::settle(&mut stream, &mut conn)? {
            return Ok(());
        }
        // Reads, or waits for the next deadline; the end of the input and the timers
        // show in the events and in `transport()`.
        support::fill(&mut stream, &mut conn, &clock)?;
        support::echo(&mut conn, |_| {}).map_err(io::Error::other)?;
    }
}
