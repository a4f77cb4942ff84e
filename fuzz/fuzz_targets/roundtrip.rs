//! Structured input: a sequence of messages and control frames sent by one endpoint and
//! fed to its peer in arbitrary pieces, after a real handshake between the two, with or
//! without permessage-deflate (each side's parameters arbitrary), whole or streamed.
//!
//! Checked: the handshake between any two configurations completes and both ends agree on
//! the parameters; the peer sees exactly what was sent (chunks joined), in order; the
//! Pings come back as Pongs and a Close as its echo; both ends' output is well-formed
//! (`Wire`); sending after Close is refused.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wswire::{
    Accept, ClientConfig, ClientHandshake, CloseCode, Config, Connection, Delivery, MessageKind,
    OwnedEvent, Role, ServerConfig, ServerHandshake, UsageError,
};
use wswire_fuzz::{FuzzKeys, Wire, comparable, deflate_config};

#[derive(Debug, Arbitrary)]
struct Input {
    client_sends: bool,
    /// Each side's `DeflateConfig` byte, when it offers (client) or accepts (server).
    client_deflate: Option<u8>,
    server_deflate: Option<u8>,
    sender_chunks: bool,
    receiver_chunks: bool,
    key_seed: u64,
    ops: Vec<Op>,
    /// Lengths of the pieces the bytes travel in, used in turn (0: all that is queued).
    cuts: Vec<u16>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Text(String),
    Binary(Vec<u8>),
    TextUncompressed(String),
    BinaryUncompressed(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Fragments {
        text: bool,
        /// For text, the whole message is this string's bytes cut at `cuts`.
        data: String,
        cuts: Vec<u8>,
        ping_inside: bool,
    },
    Close {
        code: u16,
        reason: String,
    },
    /// Move what is queued to the peer now.
    Deliver,
    Shrink,
}

/// Carries bytes from one connection to the other in the input's pieces.
struct Link {
    cuts: Vec<u16>,
    next: usize,
}

impl Link {
    fn piece_len(&mut self, available: usize) -> usize {
        if self.cuts.is_empty() {
            return available;
        }
        let cut = self.cuts[self.next % self.cuts.len()];
        self.next += 1;
        match cut {
            0 => available,
            n => usize::from(n).min(available),
        }
    }

    /// Moves everything `from` has queued into `to`, checking it on `wire` and collecting
    /// `to`'s events.
    fn carry(
        &mut self,
        from: &mut Connection,
        wire: &mut Wire,
        to: &mut Connection,
    ) -> Vec<OwnedEvent> {
        let mut events = Vec::new();
        while from.pending_output_len() > 0 {
            let n = self.piece_len(from.pending_output_len());
            let piece = from.pending_output()[..n].to_vec();
            from.consume_output(n);
            wire.push(&piece);
            to.receive(&piece);
            loop {
                match to.poll_event() {
                    Ok(Some(event)) => events.push(event.into_owned()),
                    Ok(None) => break,
                    Err(e) => panic!("peer failed: {e:?} after {events:?}"),
                }
            }
        }
        assert!(wire.at_boundary(), "output ends inside a frame");
        events
    }
}

fn delivery(chunks: bool) -> Delivery {
    if chunks {
        Delivery::Chunks
    } else {
        Delivery::WholeMessages
    }
}

fn handshake(input: &Input) -> (Connection, Connection) {
    let connection = |chunks| Config::new().delivery(delivery(chunks));
    let (client_chunks, server_chunks) = if input.client_sends {
        (input.sender_chunks, input.receiver_chunks)
    } else {
        (input.receiver_chunks, input.sender_chunks)
    };
    let mut client_config = ClientConfig::new("ws://example.com/")
        .unwrap()
        .connection(connection(client_chunks));
    if let Some(b) = input.client_deflate {
        client_config = client_config.deflate(deflate_config(b));
    }
    let mut server_config = ServerConfig::new().connection(connection(server_chunks));
    if let Some(b) = input.server_deflate {
        server_config = server_config.deflate(deflate_config(b));
    }
    let mut client =
        ClientHandshake::with_keys(client_config, FuzzKeys::rfc(input.key_seed)).unwrap();
    let mut server = ServerHandshake::new(server_config);
    server
        .receive(client.request())
        .unwrap()
        .expect("a whole request");
    let mut server_conn = server.accept(Accept::new()).expect("accept");
    let response = server_conn.pending_output().to_vec();
    server_conn.consume_output(response.len());
    let client_conn = client
        .receive(&response)
        .unwrap_or_else(|e| panic!("client refused the server's answer: {e:?}"))
        .expect("a whole response")
        .connection;
    // Both ends agree; deflate exactly when both sides wanted it.
    assert_eq!(client_conn.deflate(), server_conn.deflate());
    assert_eq!(
        client_conn.deflate().is_some(),
        input.client_deflate.is_some() && input.server_deflate.is_some()
    );
    (client_conn, server_conn)
}

/// A reason of at most 123 bytes, cut on a character boundary.
fn short_reason(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

fuzz_target!(|input: Input| {
    let (client, server) = handshake(&input);
    let (mut sender, mut receiver) = if input.client_sends {
        (client, server)
    } else {
        (server, client)
    };
    let deflate = sender.deflate().is_some();
    let sender_role = sender.role();
    let receiver_role = if sender_role == Role::Client {
        Role::Server
    } else {
        Role::Client
    };
    let mut to_receiver = Wire::new(sender_role, deflate);
    let mut to_sender = Wire::new(receiver_role, deflate);
    let mut link = Link {
        cuts: input.cuts.clone(),
        next: 0,
    };

    let mut expected = Vec::new();
    let mut pings = Vec::new();
    let mut received = Vec::new();
    let mut close_sent: Option<CloseCode> = None;
    for op in &input.ops {
        // After Close, data is refused; Pings and Pongs may still go.
        let data_refusal = close_sent.map(|_| UsageError::Closing);
        match op {
            Op::Text(t) | Op::TextUncompressed(t) => {
                let result = match op {
                    Op::Text(_) => sender.send_text(t),
                    _ => sender.send_text_uncompressed(t),
                };
                assert_eq!(result.err(), data_refusal);
                if close_sent.is_none() {
                    expected.push(OwnedEvent::Text(t.clone()));
                }
            }
            Op::Binary(b) | Op::BinaryUncompressed(b) => {
                let result = match op {
                    Op::Binary(_) => sender.send_binary(b),
                    _ => sender.send_binary_uncompressed(b),
                };
                assert_eq!(result.err(), data_refusal);
                if close_sent.is_none() {
                    expected.push(OwnedEvent::Binary(b.clone()));
                }
            }
            Op::Ping(p) | Op::Pong(p) => {
                let p = &p[..p.len().min(125)];
                let ping = matches!(op, Op::Ping(_));
                let result = if ping {
                    sender.send_ping(p)
                } else {
                    sender.send_pong(p)
                };
                assert_eq!(result, Ok(()));
                // The peer stops reporting at the Close.
                if close_sent.is_none() {
                    if ping {
                        expected.push(OwnedEvent::Ping(p.to_vec()));
                        pings.push(p.to_vec());
                    } else {
                        expected.push(OwnedEvent::Pong(p.to_vec()));
                    }
                }
            }
            Op::Fragments {
                text,
                data,
                cuts,
                ping_inside,
            } => {
                let bytes = data.as_bytes();
                let mut bounds: Vec<usize> = cuts
                    .iter()
                    .map(|&c| usize::from(c) % (bytes.len() + 1))
                    .collect();
                bounds.sort_unstable();
                bounds.push(bytes.len());
                let kind = if *text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                let mut from = 0;
                for (i, &to) in bounds.iter().enumerate() {
                    let last = i + 1 == bounds.len();
                    let result = sender.send_fragment(kind, &bytes[from..to], last);
                    assert_eq!(result.err(), data_refusal);
                    from = to;
                    if i == 0 && !last && *ping_inside && close_sent.is_none() {
                        sender.send_ping(b"inside").unwrap();
                        expected.push(OwnedEvent::Ping(b"inside".to_vec()));
                        pings.push(b"inside".to_vec());
                    }
                }
                if close_sent.is_none() {
                    expected.push(if *text {
                        OwnedEvent::Text(data.clone())
                    } else {
                        OwnedEvent::Binary(bytes.to_vec())
                    });
                }
            }
            Op::Close { code, reason } => {
                let code = CloseCode::from(*code);
                let reason = short_reason(reason);
                let result = sender.close(code, reason);
                if close_sent.is_some() {
                    assert_eq!(result, Err(UsageError::Closing));
                } else if !code.is_valid_on_wire() {
                    assert_eq!(result, Err(UsageError::InvalidCloseCode(code.as_u16())));
                } else {
                    assert_eq!(result, Ok(()));
                    close_sent = Some(code);
                    expected.push(OwnedEvent::Close {
                        code,
                        reason: reason.to_owned(),
                    });
                }
            }
            Op::Deliver => {
                received.extend(link.carry(&mut sender, &mut to_receiver, &mut receiver));
            }
            Op::Shrink => {
                sender.shrink_buffers();
                receiver.shrink_buffers();
            }
        }
    }
    received.extend(link.carry(&mut sender, &mut to_receiver, &mut receiver));
    let receiver_delivery = delivery(input.receiver_chunks);
    assert_eq!(comparable(receiver_delivery, &received, &None), expected);

    // Back: a Pong for every Ping, then the Close echoed.
    let answers = link.carry(&mut receiver, &mut to_sender, &mut sender);
    let mut expected_back: Vec<OwnedEvent> = pings.into_iter().map(OwnedEvent::Pong).collect();
    if let Some(code) = close_sent {
        expected_back.push(OwnedEvent::Close {
            code,
            reason: String::new(),
        });
        assert_eq!(sender.state(), wswire::ConnectionState::Closed);
        assert_eq!(receiver.state(), wswire::ConnectionState::Closed);
    }
    assert_eq!(answers, expected_back);
});
