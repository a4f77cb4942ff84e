//! The stream's promises, over an in-memory duplex with a hand-driven peer: replies while
//! only the reader is polled, full duplex, backpressure, the timers on tokio's clock, and
//! the end of a connection.

mod common;

use std::time::Duration;

use common::{STEP, client_pair, server_pair};
use futures_util::{SinkExt, StreamExt};
use tokio::time::timeout;
use wswire::{CloseCode, Config, OwnedEvent, ProtocolError};
use wswire_tokio::{Error, Message};

#[tokio::test]
async fn pongs_and_the_close_reply_go_out_while_only_the_reader_is_polled() {
    let (ws, mut peer) = server_pair(Config::new(), 64 * 1024);
    let (mut reader, writer) = ws.split();
    // The writer half exists and is never polled.
    let reading = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(message) = reader.next().await {
            seen.push(message.unwrap());
        }
        (seen, writer)
    });

    peer.send(|c| c.send_ping(b"are you there").unwrap()).await;
    let event = timeout(STEP, peer.next_event()).await.unwrap();
    assert_eq!(event, Some(OwnedEvent::Pong(b"are you there".to_vec())));

    peer.send(|c| c.close(CloseCode::NORMAL, "bye").unwrap())
        .await;
    let event = timeout(STEP, peer.next_event()).await.unwrap();
    assert_eq!(
        event,
        Some(OwnedEvent::Close {
            code: CloseCode::NORMAL,
            reason: String::new()
        })
    );
    // The server closes the transport after the closing handshake (RFC 6455 §7.1.1).
    assert_eq!(timeout(STEP, peer.next_event()).await.unwrap(), None);

    let (seen, _writer) = timeout(STEP, reading).await.unwrap().unwrap();
    assert_eq!(
        seen,
        [
            Message::ping(&b"are you there"[..]),
            Message::close(CloseCode::NORMAL, "bye"),
        ]
    );
}

#[tokio::test]
async fn a_large_send_does_not_hold_up_reading() {
    // 64 KiB of transport buffer each way, and the peer does not read for now: an 8 MiB
    // message cannot leave.
    let (ws, mut peer) = server_pair(Config::new(), 64 * 1024);
    let (mut reader, mut writer) = ws.split();
    let big = vec![0x5a; 8 << 20];
    let sending = tokio::spawn({
        let big = big.clone();
        async move { writer.send(Message::binary(big)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!sending.is_finished(), "8 MiB went through a 64 KiB pipe");

    // Meanwhile the reader gets what the peer sends, Pings included.
    peer.send(|c| c.send_ping(b"p").unwrap()).await;
    peer.send(|c| c.send_text("during the send").unwrap()).await;
    let first = timeout(STEP, reader.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let second = timeout(STEP, reader.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first, Message::ping(&b"p"[..]));
    assert_eq!(second, Message::text("during the send"));
    assert!(!sending.is_finished());

    // Once the peer reads, the message arrives whole, then the Pong queued behind it.
    let event = timeout(STEP, peer.next_event()).await.unwrap();
    assert_eq!(event, Some(OwnedEvent::Binary(big)));
    let event = timeout(STEP, peer.next_event()).await.unwrap();
    assert_eq!(event, Some(OwnedEvent::Pong(b"p".to_vec())));
    timeout(STEP, sending).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn poll_ready_waits_while_the_output_is_over_its_mark() {
    let limit = 64 * 1024;
    let (ws, mut peer) = server_pair(Config::new().max_pending_output(limit), 16 * 1024);
    let (_reader, mut writer) = ws.split();
    let chunk = Message::binary(vec![1u8; 16 * 1024]);

    // `feed` is poll_ready + start_send, without flushing: only the limit stops it.
    let mut fed = 0;
    while timeout(Duration::from_millis(100), writer.feed(chunk.clone()))
        .await
        .is_ok()
    {
        fed += 1;
        assert!(fed < 100, "poll_ready never pushed back");
    }
    // The transport took 16 KiB, the output holds at most the mark, and one message waits.
    let pending = writer.with_connection(|c| c.pending_output_len());
    assert!(
        pending <= limit,
        "{pending} bytes pending over a {limit} mark"
    );
    assert!(
        fed <= (limit + 2 * 16 * 1024) / (16 * 1024) + 1,
        "fed {fed}"
    );

    // The peer reads: everything fed arrives, and poll_ready is ready again.
    let reading = tokio::spawn(async move {
        let mut count = 0;
        while let Some(event) = peer.next_event().await {
            if let OwnedEvent::Binary(data) = event {
                assert_eq!(data.len(), 16 * 1024);
                count += 1;
            }
        }
        count
    });
    timeout(STEP, writer.feed(chunk.clone()))
        .await
        .unwrap()
        .unwrap();
    timeout(STEP, writer.close(CloseCode::NORMAL, ""))
        .await
        .unwrap()
        .unwrap();
    drop(writer);
    drop(_reader);
    assert_eq!(timeout(STEP, reading).await.unwrap().unwrap(), fed + 1);
}

#[tokio::test]
async fn a_peer_that_does_not_read_stops_our_reading() {
    // The peer floods Pings and never reads the Pongs: once the output is over the mark,
    // the reader stops reading, so the flood backs up in the peer's transport instead of
    // our memory.
    let limit = 8 * 1024;
    let (ws, mut peer) = server_pair(Config::new().max_pending_output(limit), 4 * 1024);
    let (mut reader, writer) = ws.split();
    let reading = tokio::spawn(async move {
        let mut pings = 0;
        while let Some(Ok(message)) = reader.next().await {
            if message.is_ping() {
                pings += 1;
            }
        }
        pings
    });
    let flood = async {
        for _ in 0..100_000 {
            peer.send(|c| c.send_ping(&[0u8; 125]).unwrap()).await;
        }
    };
    // The flood cannot finish: our side stopped reading.
    assert!(timeout(Duration::from_millis(500), flood).await.is_err());
    // The Pings read before the mark was reached are answered, no more: the output stays
    // within a read's worth of Pongs (the transport passes 4 KiB at a time) of the mark.
    let pending = writer.with_connection(|c| c.pending_output_len());
    assert!(pending <= limit + 4 * 1024, "{pending} bytes pending");
    reading.abort();
}

#[tokio::test(start_paused = true)]
async fn keepalive_pings_and_the_pong_timeout_run_on_tokios_clock() {
    let config = Config::new()
        .keepalive(Duration::from_secs(20))
        .pong_timeout(Duration::from_secs(10));
    let (mut ws, mut peer) = server_pair(config, 64 * 1024);
    let reading = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let result = ws.next().await;
        (result, started.elapsed(), ws.next().await)
    });
    // The paused clock jumps to each deadline: a Ping after 20 s of silence.
    assert_eq!(peer.read_raw().await, [0x89, 0x00]);
    // Unanswered for 10 s: Close 1011, and the reader returns the error, then ends.
    let close = peer.read_raw().await;
    assert_eq!(&close[..4], [0x88, close[1], 0x03, 0xf3]); // 1011
    let (result, took, after) = reading.await.unwrap();
    assert!(matches!(
        result,
        Some(Err(Error::Protocol(ProtocolError::PongTimeout)))
    ));
    assert_eq!(took.as_secs(), 30);
    assert!(after.is_none());
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_close_times_out() {
    let config = Config::new().close_timeout(Duration::from_secs(5));
    let (ws, mut peer) = server_pair(config, 64 * 1024);
    let (mut reader, mut writer) = ws.split();
    let reading = tokio::spawn(async move { reader.next().await });
    // The writer sends the Close; the reader, already waiting, must see the new deadline.
    writer.close(CloseCode::GOING_AWAY, "later").await.unwrap();
    let close = peer.read_raw().await;
    assert_eq!(&close[..4], [0x88, 7, 0x03, 0xe9]);
    let result = reading.await.unwrap();
    assert!(
        matches!(
            result,
            Some(Err(Error::Protocol(ProtocolError::CloseTimeout)))
        ),
        "{result:?}"
    );
    assert!(matches!(
        writer.send(Message::text("late")).await,
        Err(e) if e.is_closed()
    ));
}

#[tokio::test]
async fn a_peer_leaving_without_a_close_is_an_abnormal_closure() {
    let (mut ws, peer) = server_pair(Config::new(), 1024);
    drop(peer);
    let result = timeout(STEP, ws.next()).await.unwrap();
    assert!(matches!(
        result,
        Some(Err(Error::Protocol(ProtocolError::AbnormalClosure)))
    ));
    assert!(timeout(STEP, ws.next()).await.unwrap().is_none());
    assert!(matches!(ws.send("x").await, Err(e) if e.is_closed()));
}

#[tokio::test]
async fn a_protocol_error_sends_its_close_code() {
    let (mut ws, mut peer) = server_pair(Config::new(), 64 * 1024);
    // Text that is not UTF-8.
    peer.send(|c| {
        c.send_fragment(wswire::MessageKind::Text, &[0xff], true)
            .unwrap()
    })
    .await;
    let result = timeout(STEP, ws.next()).await.unwrap();
    assert!(matches!(
        result,
        Some(Err(Error::Protocol(ProtocolError::InvalidUtf8)))
    ));
    let event = timeout(STEP, peer.next_event()).await.unwrap();
    assert!(matches!(
        event,
        Some(OwnedEvent::Close { code, .. }) if code == CloseCode::INVALID_PAYLOAD
    ));
    // Polled on, the stream shuts the transport down and ends.
    assert!(timeout(STEP, ws.next()).await.unwrap().is_none());
}

#[tokio::test]
async fn split_halves_reunite() {
    let (ws, _peer) = server_pair(Config::new(), 1024);
    let (reader, writer) = ws.split();
    let (other, _other_peer) = server_pair(Config::new(), 1024);
    let (other_reader, other_writer) = other.split();
    let (reader, other_writer) = reader.reunite(other_writer).unwrap_err();
    assert!(reader.reunite(writer).is_ok());
    assert!(other_reader.reunite(other_writer).is_ok());
}

#[tokio::test]
async fn what_the_writer_queued_leaves_while_only_the_reader_is_polled() {
    let (ws, mut peer) = server_pair(Config::new(), 64 * 1024);
    let (mut reader, mut writer) = ws.split();
    // `feed` queues without flushing; the writer is then left alone.
    writer.feed(Message::text("queued")).await.unwrap();
    let reading = tokio::spawn(async move { reader.next().await });
    let event = timeout(STEP, peer.next_event()).await.unwrap();
    assert_eq!(event, Some(OwnedEvent::Text("queued".into())));
    reading.abort();
}

#[tokio::test(start_paused = true)]
async fn a_client_waits_a_while_for_the_server_to_close_the_transport() {
    let (mut ws, mut peer) = client_pair(Config::new(), 64 * 1024);
    let closing = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let result = ws.close(CloseCode::NORMAL, "").await;
        (result, started.elapsed())
    });
    // The server answers the Close, and keeps the transport open.
    let event = peer.next_event().await;
    assert!(matches!(event, Some(OwnedEvent::Close { code, .. }) if code == CloseCode::NORMAL));
    peer.flush().await;
    // RFC 6455 §7.1.1: the client waits for the server to close first, then closes itself.
    let (result, took) = closing.await.unwrap();
    result.unwrap();
    assert_eq!(took, wswire_tokio::LINGER);
    assert_eq!(peer.next_event().await, None);
}
