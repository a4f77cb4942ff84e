//! The full-duplex drive loop: one `select!` over a read into the connection's input space
//! and a write of its pending output, over any `AsyncRead + AsyncWrite` (here the halves of
//! `tokio::io::split`), against the blocking `std::net` echo server of the examples over
//! loopback. Both ends push 16 MiB at once: a loop that wrote everything before reading
//! would deadlock once both sockets' buffers filled.

#[path = "../examples/support/mod.rs"]
mod support;

use std::io::Read;
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use wswire::{
    Accept, ClientConfig, ClientHandshake, CloseCode, Config, Connection, Event, SeededKeys,
    ServerConfig, ServerHandshake, TransportAction,
};

const MESSAGES: usize = 64;
const SIZE: usize = 256 * 1024;

fn message(i: usize) -> Vec<u8> {
    (0..SIZE).map(|j| (i * 31 + j * 7) as u8).collect()
}

/// The echo server of `examples/echo_server.rs`, one connection, on a thread.
fn echo_server() -> (u16, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut handshake = ServerHandshake::new(ServerConfig::new());
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            if handshake.receive(&buf[..n]).unwrap().is_some() {
                break;
            }
        }
        let mut conn = handshake.accept(Accept::new()).unwrap();
        let clock = support::Clock::start();
        loop {
            support::flush(&mut stream, &mut conn).unwrap();
            if support::settle(&mut stream, &mut conn).unwrap() {
                return;
            }
            support::fill(&mut stream, &mut conn, &clock).unwrap();
            support::echo(&mut conn, |_| {}).unwrap();
        }
    });
    (port, handle)
}

/// What one turn of the loop did.
enum Done {
    Read(usize),
    Wrote(usize),
}

/// Runs the connection over any reader and writer until the closing handshake is done,
/// sending `MESSAGES` messages as the output limit allows and checking every echo.
async fn drive(
    mut reader: impl AsyncRead + Unpin,
    mut writer: impl AsyncWrite + Unpin,
    conn: &mut Connection,
) -> usize {
    let (mut sent, mut echoed) = (0, 0);
    while conn.transport() == TransportAction::KeepOpen {
        while sent < MESSAGES && conn.can_send(SIZE) {
            conn.send_binary(&message(sent)).unwrap();
            sent += 1;
        }
        let done = {
            let io = conn.io();
            tokio::select! {
                n = reader.read(io.input), if !io.input.is_empty() => Done::Read(n.unwrap()),
                n = writer.write(io.output), if !io.output.is_empty() => Done::Wrote(n.unwrap()),
            }
        };
        match done {
            Done::Read(0) => conn.receive_eof(),
            Done::Read(n) => conn.commit_input(n),
            Done::Wrote(n) => conn.consume_output(n),
        }
        while let Some(event) = conn.poll_event().unwrap() {
            match event {
                Event::Binary(data) => {
                    assert!(data == message(echoed).as_slice(), "echo {echoed} differs");
                    echoed += 1;
                }
                Event::Close { code, .. } => assert_eq!(code, CloseCode::NORMAL),
                other => panic!("unexpected {other:?}"),
            }
        }
        if echoed == MESSAGES && conn.state() == wswire::ConnectionState::Open {
            conn.close(CloseCode::NORMAL, "done").unwrap();
        }
    }
    // Write what is left (nothing, normally) and end our side.
    while conn.pending_output_len() > 0 {
        let n = writer.write(conn.pending_output()).await.unwrap();
        conn.consume_output(n);
    }
    writer.shutdown().await.unwrap();
    echoed
}

#[test]
fn select_loop_over_split_async_halves_against_the_std_echo_server() {
    let (port, server) = echo_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let echoed = runtime.block_on(async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        // At most 1 MiB queued: the loop sends as the output drains.
        let config = ClientConfig::new(&format!("ws://127.0.0.1:{port}/"))
            .unwrap()
            .connection(Config::new().max_pending_output(1 << 20));
        let mut handshake = ClientHandshake::with_keys(config, SeededKeys::new(3)).unwrap();
        stream.write_all(handshake.request()).await.unwrap();
        let mut buf = [0u8; 4096];
        let accepted = loop {
            let n = stream.read(&mut buf).await.unwrap();
            if let Some(accepted) = handshake.receive(&buf[..n]).unwrap() {
                break accepted;
            }
        };
        let mut conn = accepted.connection;
        let (reader, writer) = tokio::io::split(stream);
        // Bounded: the loop either finishes or the test fails.
        tokio::time::timeout(Duration::from_secs(120), drive(reader, writer, &mut conn))
            .await
            .expect("the duplex loop did not finish in time")
    });
    assert_eq!(echoed, MESSAGES);
    server.join().unwrap();
}
