//! tokio glue for the HTTP/2 examples: a `wswire::Connection` over any async byte stream,
//! here one HTTP/2 stream that hyper hands over after an extended CONNECT. The few lines
//! any runtime writes; the connection decides everything.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use wswire::Connection;

/// Writes everything the connection has queued.
pub async fn flush<W: AsyncWrite + Unpin>(io: &mut W, conn: &mut Connection) -> io::Result<()> {
    while conn.pending_output_len() > 0 {
        let n = io.write(conn.pending_output()).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        conn.consume_output(n);
    }
    io.flush().await
}

/// Reads once straight into the connection's input buffer. Returns the number of bytes
/// read: 0 means the peer ended the stream, which the connection is told.
pub async fn fill<R: AsyncRead + Unpin>(io: &mut R, conn: &mut Connection) -> io::Result<usize> {
    let n = io.read(conn.input_buffer()).await?;
    if n == 0 {
        conn.receive_eof();
    } else {
        conn.commit_input(n);
    }
    Ok(n)
}
