//! wss:// end to end on 127.0.0.1: a server with a certificate from a CA made at start-up;
//! a client that trusts the CA talks to it, one that does not is refused before any
//! WebSocket byte moves, with an error that says why.

#![cfg(feature = "rustls")]

#[path = "../examples/support/tls.rs"]
mod tls;

use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use wswire::{ClientConfig, CloseCode};
use wswire_tokio::{Connector, Error, Message};

const STEP: Duration = Duration::from_secs(10);

/// A TLS echo server on a free loopback port; returns its port and the CA to trust. Each
/// connection's outcome goes to the returned channel.
async fn tls_echo_server() -> (
    u16,
    tls::Generated,
    tokio::sync::mpsc::UnboundedReceiver<Result<(), String>>,
) {
    let generated = tls::generate().unwrap();
    let config = tls::server_config(generated.chain.clone(), generated.key.clone_key()).unwrap();
    let acceptor = TlsAcceptor::from(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (outcomes, outcome) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, outcomes) = (acceptor.clone(), outcomes.clone());
            tokio::spawn(async move {
                let result = async {
                    let stream = acceptor.accept(tcp).await.map_err(|e| e.to_string())?;
                    let mut ws = wswire_tokio::accept(stream)
                        .await
                        .map_err(|e| e.to_string())?;
                    while let Some(message) = ws.next().await {
                        let message = message.map_err(|e| e.to_string())?;
                        if message.is_data() {
                            ws.send(message).await.map_err(|e| e.to_string())?;
                        }
                    }
                    Ok(())
                };
                let _ = outcomes.send(result.await);
            });
        }
    });
    (port, generated, outcome)
}

#[tokio::test]
async fn a_client_that_trusts_the_ca_gets_through() {
    let (port, generated, mut outcome) = tls_echo_server().await;
    for host in ["127.0.0.1", "localhost"] {
        let connector =
            Connector::new().rustls(tls::client_config(vec![generated.ca.clone()]).unwrap());
        let config = ClientConfig::new(&format!("wss://{host}:{port}/secure")).unwrap();
        let (mut ws, _) = timeout(STEP, connector.connect(config))
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(
            ws.with_connection(|c| c.role()),
            wswire::Role::Client
        ));
        for message in [
            Message::text("over TLS"),
            Message::binary(vec![7u8; 300_000]),
        ] {
            ws.send(message.clone()).await.unwrap();
            let echo = timeout(STEP, ws.next()).await.unwrap().unwrap().unwrap();
            assert_eq!(echo, message, "via {host}");
        }
        timeout(STEP, ws.close(CloseCode::NORMAL, ""))
            .await
            .unwrap()
            .unwrap();
        // The server saw a clean closing handshake and TLS close_notify.
        assert_eq!(timeout(STEP, outcome.recv()).await.unwrap(), Some(Ok(())));
    }
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let (port, _generated, mut outcome) = tls_echo_server().await;
    // The default trust: the webpki roots, which do not include a CA made a moment ago.
    let result = timeout(
        STEP,
        wswire_tokio::connect(&format!("wss://127.0.0.1:{port}/")),
    )
    .await
    .unwrap();
    let error = match result {
        Err(error @ Error::Tls(_)) => error,
        Err(other) => panic!("expected a TLS error, got {other}"),
        Ok(_) => panic!("a certificate from an unknown CA was accepted"),
    };
    let text = error.to_string();
    assert!(
        text.contains("invalid peer certificate") && text.contains("UnknownIssuer"),
        "{text}"
    );
    // The server's side of the same story: the client's alert.
    let server = timeout(STEP, outcome.recv()).await.unwrap().unwrap();
    assert!(
        matches!(&server, Err(why) if why.contains("UnknownCA")),
        "{server:?}"
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let (port, generated, _outcome) = tls_echo_server().await;
    let connector = Connector::new().rustls(tls::client_config(vec![generated.ca]).unwrap());
    // 127.0.0.2 is loopback too, but not among the certificate's names.
    let config = ClientConfig::new(&format!("wss://127.0.0.2:{port}/")).unwrap();
    let result = timeout(STEP, connector.connect(config)).await.unwrap();
    match result {
        Err(Error::Tls(e)) => assert!(e.to_string().contains("NotValidForName"), "{e}"),
        Err(Error::Io(e)) => {
            // A machine where 127.0.0.2 does not reach the listener on 127.0.0.1.
            eprintln!("skipped: {e}");
        }
        other => panic!("expected a name mismatch, got {:?}", other.map(|_| ())),
    }
}
