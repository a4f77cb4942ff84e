//! Blocking `std::net` glue shared by the examples: the few lines any runtime writes to
//! drive a `wswire::Connection` over a socket.

#![allow(dead_code)] // each example uses a different part

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use wswire::{Connection, TransportAction};

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

/// Reads once from the socket straight into the connection's input buffer. Returns the
/// number of bytes read: 0 means the peer closed the transport.
pub fn fill(stream: &mut TcpStream, conn: &mut Connection) -> io::Result<usize> {
    let n = loop {
        match stream.read(conn.input_buffer()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other?,
        }
    };
    conn.commit_input(n);
    Ok(n)
}

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

/// Echoes every data message the connection has ready, copying each out of its event
/// (which borrows the connection) into buffers reused from message to message. Returns
/// when more input is needed or the connection failed (its Close frame is then queued).
#[derive(Default)]
pub struct Echo {
    text: String,
    binary: Vec<u8>,
}

impl Echo {
    pub fn answer(
        &mut self,
        conn: &mut Connection,
        mut on_text: impl FnMut(&str),
    ) -> Result<(), wswire::UsageError> {
        loop {
            match conn.poll_event() {
                Ok(Some(wswire::Event::Text(message))) => {
                    on_text(message);
                    self.text.clear();
                    self.text.push_str(message);
                    conn.send_text(&self.text)?;
                }
                Ok(Some(wswire::Event::Binary(message))) => {
                    self.binary.clear();
                    self.binary.extend_from_slice(message);
                    conn.send_binary(&self.binary)?;
                }
                // Pings are answered, and Closes replied to, by the connection itself.
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => return Ok(()),
            }
        }
    }
}
