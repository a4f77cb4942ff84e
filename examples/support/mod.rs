//! Blocking `std::net` glue shared by the examples: the few lines any runtime writes to
//! drive a `wswire::Connection` over a socket.

#![allow(dead_code)] // each example uses a different part

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use wswire::{Config, Connection, TransportAction};

/// Writes everything the connection has queued.
pub fn flush(stream: &mut TcpStream, conn: &mut Connection) -> io::Result<()> {
    while conn.pending_output_len() > 0 {
        let n = stream.write(conn.pending_output())?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        conn.consume_output(n);
    }
    Ok(())
}

/// The connection's clock: time since the connection started, as `handle_timeout` takes it.
pub struct Clock(Instant);

impl Clock {
    pub fn start() -> Self {
        Self(Instant::now())
    }

    pub fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// Reads once from the socket straight into the connection's input space, waiting at most
/// until the connection's next deadline, then gives the connection the time (its timers
/// act then). At the end of the input the connection is told (`receive_eof`). Returns the
/// number of bytes read: 0 when the peer ended the transport or the deadline came first.
pub fn fill(stream: &mut TcpStream, conn: &mut Connection, clock: &Clock) -> io::Result<usize> {
    let wait = conn.poll_timeout().map(|deadline| {
        deadline
            .saturating_sub(clock.now())
            .max(Duration::from_millis(1))
    });
    stream.set_read_timeout(wait)?;
    let read = if conn.wants_input() {
        loop {
            match stream.read(conn.input_buffer()) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break None;
                }
                other => break Some(other?),
            }
        }
    } else {
        None
    };
    let n = match read {
        Some(0) => {
            conn.receive_eof();
            0
        }
        Some(n) => {
            conn.commit_input(n);
            n
        }
        None => 0,
    };
    conn.handle_timeout(clock.now());
    Ok(n)
}

/// Applies a connection option shared by the examples, taking its value from `args`.
/// Returns `Ok(false)` if `arg` is not one of them.
pub fn connection_option(
    arg: &str,
    args: &mut impl Iterator<Item = String>,
    config: &mut Config,
) -> Result<bool, String> {
    let mut number = |what: &str| -> Result<u64, String> {
        let value = args.next().ok_or(format!("{arg} needs {what}"))?;
        value.parse().map_err(|_| format!("bad {what} {value:?}"))
    };
    let seconds = |n: u64| Duration::from_secs(n);
    let taken = config.clone();
    *config = match arg {
        "--keepalive" => taken.keepalive(seconds(number("seconds")?)),
        "--pong-timeout" => taken.pong_timeout(seconds(number("seconds")?)),
        "--idle-timeout" => taken.idle_timeout(seconds(number("seconds")?)),
        "--close-timeout" => taken.close_timeout(seconds(number("seconds")?)),
        "--max-pending-output" => taken.max_pending_output(number("a byte count")? as usize),
        "--max-message" => {
            let bytes = number("a byte count")? as usize;
            taken.max_message_size(bytes).max_frame_size(bytes)
        }
        _ => return Ok(false),
    };
    Ok(true)
}

/// The shared options, as `--help` lists them.
pub const CONNECTION_OPTIONS: &str = "[--max-message BYTES] [--max-pending-output BYTES] \
[--keepalive SECS] [--pong-timeout SECS] [--idle-timeout SECS] [--close-timeout SECS]";

/// Ends the transport as the connection asks, once its output is written. Returns `true`
/// when the caller should stop using the socket.
pub fn settle(stream: &mut TcpStream, conn: &mut Connection) -> io::Result<bool> {
    match conn.transport() {
        TransportAction::KeepOpen => Ok(false),
        TransportAction::CloseAfterFlush => {
            flush(stream, conn)?;
            linger_close(stream);
            Ok(true)
        }
        TransportAction::AwaitPeerClose => {
            flush(stream, conn)?;
            // RFC 6455 §7.1.1: the server closes first; give it a moment, then close.
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            let mut scratch = [0u8; 512];
            while matches!(stream.read(&mut scratch), Ok(n) if n > 0) {}
            Ok(true)
        }
    }
}

/// Closes our sending side, then reads until the peer closes (briefly), so that unread
/// input does not make the kernel reset the connection and destroy the Close frame in
/// flight.
pub fn linger_close(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut scratch = [0u8; 4096];
    while matches!(stream.read(&mut scratch), Ok(n) if n > 0) {}
}

/// Connects to a `ws://` URL and completes the opening handshake.
pub fn connect(
    config: wswire::ClientConfig,
) -> Result<(TcpStream, Connection), Box<dyn std::error::Error>> {
    if config.url().is_secure() {
        return Err("wss:// needs TLS, which these examples do not include".into());
    }
    let mut stream = TcpStream::connect((config.url().host(), config.url().port()))?;
    stream.set_nodelay(true)?;
    let mut handshake = wswire::ClientHandshake::new(config)?;
    stream.write_all(handshake.request())?;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf)?;
        let result = if n == 0 {
            handshake.receive_eof()
        } else {
            handshake.receive(&buf[..n])
        };
        if let Some(accepted) = result? {
            return Ok((stream, accepted.connection));
        }
    }
}

/// Echoes every data message the connection has ready, answering each event with its own
/// payload through the sending half lent with it: no copy out of the connection. Returns
/// when more input is needed or the connection failed (its Close frame is then queued).
pub fn echo(
    conn: &mut Connection,
    mut on_text: impl FnMut(&str),
) -> Result<(), wswire::UsageError> {
    loop {
        match conn.poll_event_with_sender() {
            Ok(Some((wswire::Event::Text(message), mut sender))) => {
                on_text(message);
                sender.send_text(message)?;
            }
            Ok(Some((wswire::Event::Binary(message), mut sender))) => {
                sender.send_binary(message)?;
            }
            // Pings are answered, and Closes replied to, by the connection itself.
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Ok(()),
        }
    }
}
