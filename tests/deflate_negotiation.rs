//! Negotiating permessage-deflate (RFC 7692 §5, §7.1), both roles: a table of offers and
//! server settings with the expected answer, checked through `DeflateConfig::accept_offers`
//! and through a real `ServerHandshake`; the client's offers; and the client's checks of
//! responses, through `DeflateConfig::check_response` and a real `ClientHandshake`.

mod common;

use common::deflate::{extensions_line, handshake, params};
use common::take_output;
use wswire::{
    Accept, ClientConfig, ClientHandshake, Config, DeflateConfig, DeflateNegotiationError,
    DeflateParams, Extension, KeySource, ResponseError, ServerConfig, ServerHandshake,
};

const PMD: &str = "permessage-deflate";

/// A default server configuration, and the configurations the table varies.
fn server() -> DeflateConfig {
    DeflateConfig::new()
}

/// (header value offered, server configuration, expected response element or `None` for
/// declined).
fn server_table() -> Vec<(&'static str, DeflateConfig, Option<&'static str>)> {
    vec![
        // What browsers offer.
        (
            "permessage-deflate; client_max_window_bits",
            server(),
            Some(PMD),
        ),
        ("permessage-deflate", server(), Some(PMD)),
        // client_max_window_bits: only when offered, never above the offered value.
        (
            "permessage-deflate; client_max_window_bits",
            server().client_max_window_bits(10),
            Some("permessage-deflate; client_max_window_bits=10"),
        ),
        (
            "permessage-deflate",
            server().client_max_window_bits(10),
            Some(PMD),
        ),
        (
            "permessage-deflate; client_max_window_bits=12",
            server().client_max_window_bits(10),
            Some("permessage-deflate; client_max_window_bits=10"),
        ),
        (
            "permessage-deflate; client_max_window_bits=9",
            server().client_max_window_bits(10),
            Some("permessage-deflate; client_max_window_bits=9"),
        ),
        (
            "permessage-deflate; client_max_window_bits=8",
            server().client_max_window_bits(10),
            Some("permessage-deflate; client_max_window_bits=8"),
        ),
        // A client limiting its own window needs no answer: the server inflates with 15.
        (
            "permessage-deflate; client_max_window_bits=9",
            server(),
            Some(PMD),
        ),
        // server_max_window_bits: answered with the offered value or less.
        (
            "permessage-deflate; server_max_window_bits=10",
            server(),
            Some("permessage-deflate; server_max_window_bits=10"),
        ),
        (
            "permessage-deflate; server_max_window_bits=15",
            server(),
            Some("permessage-deflate; server_max_window_bits=15"),
        ),
        (
            "permessage-deflate; server_max_window_bits=12",
            server().server_max_window_bits(10),
            Some("permessage-deflate; server_max_window_bits=10"),
        ),
        (
            "permessage-deflate; server_max_window_bits=9",
            server().server_max_window_bits(10),
            Some("permessage-deflate; server_max_window_bits=9"),
        ),
        // Not asked, but the server states its own smaller window (§7.1.2.1).
        (
            "permessage-deflate",
            server().server_max_window_bits(11),
            Some("permessage-deflate; server_max_window_bits=11"),
        ),
        // An 8-bit server window cannot be honoured: declined, and a later offer taken.
        (
            "permessage-deflate; server_max_window_bits=8",
            server(),
            None,
        ),
        (
            "permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits",
            server(),
            Some(PMD),
        ),
        (
            "permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=9",
            server(),
            Some("permessage-deflate; server_max_window_bits=9"),
        ),
        // Context takeover flags.
        (
            "permessage-deflate; server_no_context_takeover",
            server(),
            Some("permessage-deflate; server_no_context_takeover"),
        ),
        (
            "permessage-deflate",
            server().server_no_context_takeover(true),
            Some("permessage-deflate; server_no_context_takeover"),
        ),
        (
            "permessage-deflate; client_no_context_takeover",
            server(),
            Some("permessage-deflate; client_no_context_takeover"),
        ),
        (
            "permessage-deflate",
            server().client_no_context_takeover(true),
            Some("permessage-deflate; client_no_context_takeover"),
        ),
        // Everything at once.
        (
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits",
            server().client_max_window_bits(12),
            Some(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
                 server_max_window_bits=10; client_max_window_bits=12",
            ),
        ),
        // Declined: unknown, duplicated or invalid parameters.
        ("permessage-deflate; x=1", server(), None),
        ("permessage-deflate; x", server(), None),
        (
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            server(),
            None,
        ),
        (
            "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
            server(),
            None,
        ),
        (
            "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
            server(),
            None,
        ),
        ("permessage-deflate; server_max_window_bits", server(), None),
        (
            "permessage-deflate; server_max_window_bits=16",
            server(),
            None,
        ),
        (
            "permessage-deflate; server_max_window_bits=7",
            server(),
            None,
        ),
        (
            "permessage-deflate; server_max_window_bits=09",
            server(),
            None,
        ),
        (
            "permessage-deflate; server_max_window_bits=010",
            server(),
            None,
        ),
        (
            "permessage-deflate; server_max_window_bits=ten",
            server(),
            None,
        ),
        (
            "permessage-deflate; client_max_window_bits=16",
            server(),
            None,
        ),
        (
            "permessage-deflate; client_max_window_bits=08",
            server(),
            None,
        ),
        (
            "permessage-deflate; server_no_context_takeover=1",
            server(),
            None,
        ),
        (
            "permessage-deflate; client_no_context_takeover=true",
            server(),
            None,
        ),
        // ... and a later acceptable offer is taken instead.
        (
            "permessage-deflate; x=1, permessage-deflate; server_no_context_takeover",
            server(),
            Some("permessage-deflate; server_no_context_takeover"),
        ),
        // A quoted value is the same value (RFC 6455 §9.1).
        (
            "permessage-deflate; server_max_window_bits=\"10\"",
            server(),
            Some("permessage-deflate; server_max_window_bits=10"),
        ),
        (
            "permessage-deflate; client_max_window_bits=\"11\"",
            server().client_max_window_bits(12),
            Some("permessage-deflate; client_max_window_bits=11"),
        ),
        // Other extensions are ignored.
        ("x-webkit-deflate-frame", server(), None),
        ("deflate-frame; no_context_takeover", server(), None),
        (
            "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits",
            server(),
            Some(PMD),
        ),
        // Several acceptable offers: the client's first is taken.
        (
            "permessage-deflate; server_max_window_bits=10, permessage-deflate",
            server(),
            Some("permessage-deflate; server_max_window_bits=10"),
        ),
        (
            "permessage-deflate, permessage-deflate; server_max_window_bits=10",
            server(),
            Some(PMD),
        ),
        ("", server(), None),
    ]
}

#[test]
fn server_accepts_offers_per_table() {
    for (offer, config, expected) in server_table() {
        let offers = Extension::parse_list(offer.as_bytes()).unwrap();
        let answer = config.accept_offers(&offers);
        assert_eq!(
            answer.map(|p| p.to_extension().to_string()).as_deref(),
            expected,
            "offer {offer:?}, config {config:?}"
        );
    }
}

/// The request a client would send, with these `Sec-WebSocket-Extensions` lines.
fn request_with_extensions(lines: &[&str]) -> Vec<u8> {
    let mut request = String::from(
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n",
    );
    for line in lines {
        request.push_str(&format!("Sec-WebSocket-Extensions: {line}\r\n"));
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// Runs a request with these extension lines through a server handshake; returns the
/// request's agreed parameters, the response's extension line and the connection's.
fn server_handshake(
    lines: &[&str],
    config: Option<DeflateConfig>,
    accept: Accept,
) -> (Option<DeflateParams>, Option<String>, Option<DeflateParams>) {
    let mut server_config = ServerConfig::new();
    if let Some(config) = config {
        server_config = server_config.deflate(config);
    }
    let mut handshake = ServerHandshake::new(server_config);
    let request = handshake
        .receive(&request_with_extensions(lines))
        .unwrap()
        .expect("a whole request");
    let agreed = request.deflate().copied();
    let mut conn = handshake.accept(accept).unwrap();
    let response = take_output(&mut conn);
    assert!(response.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    assert!(
        std::str::from_utf8(&response)
            .unwrap()
            .contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")
    );
    (agreed, extensions_line(&response), conn.deflate().copied())
}

#[test]
fn server_handshake_answers_per_table() {
    for (offer, config, expected) in server_table() {
        let lines: &[&str] = if offer.is_empty() { &[] } else { &[offer] };
        let (agreed, line, conn) = server_handshake(lines, Some(config.clone()), Accept::new());
        assert_eq!(
            line.as_deref(),
            expected,
            "offer {offer:?}, config {config:?}"
        );
        assert_eq!(agreed, conn, "offer {offer:?}");
        assert_eq!(
            conn.map(|p| p.to_extension().to_string()).as_deref(),
            expected,
            "offer {offer:?}"
        );
    }
}

#[test]
fn server_handshake_reads_offers_across_header_lines() {
    // The client's order runs across lines: x-foo, the 8-bit offer (declined), then 11.
    let (_, line, conn) = server_handshake(
        &[
            "x-foo",
            "permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; server_max_window_bits=11, permessage-deflate",
        ],
        Some(server()),
        Accept::new(),
    );
    assert_eq!(
        line.as_deref(),
        Some("permessage-deflate; server_max_window_bits=11")
    );
    assert_eq!(conn, Some(params(false, false, Some(11), None)));
    // Reversed line order, reversed choice.
    let (_, line, _) = server_handshake(
        &[
            "permessage-deflate",
            "permessage-deflate; server_max_window_bits=11",
        ],
        Some(server()),
        Accept::new(),
    );
    assert_eq!(line.as_deref(), Some(PMD));
}

#[test]
fn server_handshake_without_deflate() {
    // Not configured: offers are ignored.
    let (agreed, line, conn) = server_handshake(
        &["permessage-deflate; client_max_window_bits"],
        None,
        Accept::new(),
    );
    assert_eq!((agreed, line, conn), (None, None, None));
    // Configured and agreed, but the application turns it down for this connection.
    let (agreed, line, conn) = server_handshake(
        &["permessage-deflate; client_max_window_bits"],
        Some(server()),
        Accept::new().no_deflate(),
    );
    assert_eq!(agreed, Some(params(false, false, None, None)));
    assert_eq!((line, conn), (None, None));
}

// ---- client side ----

#[test]
fn client_offers() {
    let cases = [
        (
            DeflateConfig::new(),
            "permessage-deflate; client_max_window_bits",
        ),
        (
            DeflateConfig::new().server_no_context_takeover(true),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits",
        ),
        (
            DeflateConfig::new().client_no_context_takeover(true),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits",
        ),
        (
            DeflateConfig::new().server_max_window_bits(10),
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits",
        ),
        (
            DeflateConfig::new().client_max_window_bits(12),
            "permessage-deflate; client_max_window_bits=12",
        ),
        // Clamped to 9-15: never an 8-bit window, 15 is the default and goes unsaid.
        (
            DeflateConfig::new()
                .server_max_window_bits(8)
                .client_max_window_bits(8),
            "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9",
        ),
        (
            DeflateConfig::new()
                .server_max_window_bits(15)
                .client_max_window_bits(30),
            "permessage-deflate; client_max_window_bits",
        ),
        // Local choices are not on the wire.
        (
            DeflateConfig::new().level(9).min_compress_size(100),
            "permessage-deflate; client_max_window_bits",
        ),
        (
            DeflateConfig::new()
                .server_no_context_takeover(true)
                .client_no_context_takeover(true)
                .server_max_window_bits(9)
                .client_max_window_bits(9),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=9; client_max_window_bits=9",
        ),
    ];
    for (config, expected) in cases {
        assert_eq!(config.offer().to_string(), expected, "{config:?}");
        // The request carries it as the one extensions line.
        let client = ClientConfig::new("ws://example.com/")
            .unwrap()
            .deflate(config.clone());
        let handshake = ClientHandshake::with_keys(client, NonceThenMask).unwrap();
        assert_eq!(
            extensions_line(handshake.request()).as_deref(),
            Some(expected)
        );
    }
    // Not configured: no offer.
    let client = ClientConfig::new("ws://example.com/").unwrap();
    let handshake = ClientHandshake::with_keys(client, NonceThenMask).unwrap();
    assert_eq!(extensions_line(handshake.request()), None);
}

fn parse_one(s: &str) -> Extension {
    let mut list = Extension::parse_list(s.as_bytes()).unwrap();
    assert_eq!(list.len(), 1, "{s}");
    list.remove(0)
}

type Expected = Result<DeflateParams, DeflateNegotiationError>;

/// (client configuration, response element, expected result).
fn client_table() -> Vec<(DeflateConfig, &'static str, Expected)> {
    use DeflateNegotiationError::*;
    let d = DeflateConfig::new;
    let invalid = |p: &str| Err(InvalidValue(p.to_owned()));
    vec![
        (d(), PMD, Ok(params(false, false, None, None))),
        (
            d(),
            "permessage-deflate; server_no_context_takeover",
            Ok(params(true, false, None, None)),
        ),
        (
            d(),
            "permessage-deflate; client_no_context_takeover",
            Ok(params(false, true, None, None)),
        ),
        // Asked for but left out: accepted (inflating copes either way).
        (
            d().server_no_context_takeover(true),
            PMD,
            Ok(params(false, false, None, None)),
        ),
        // The server may state a smaller window of its own, asked or not.
        (
            d(),
            "permessage-deflate; server_max_window_bits=10",
            Ok(params(false, false, Some(10), None)),
        ),
        (
            d().server_max_window_bits(10),
            "permessage-deflate; server_max_window_bits=10",
            Ok(params(false, false, Some(10), None)),
        ),
        (
            d().server_max_window_bits(10),
            "permessage-deflate; server_max_window_bits=9",
            Ok(params(false, false, Some(9), None)),
        ),
        // The server compressing with 8 bits is fine: the client inflates with 15.
        (
            d(),
            "permessage-deflate; server_max_window_bits=8",
            Ok(params(false, false, Some(8), None)),
        ),
        (
            d(),
            "permessage-deflate; server_max_window_bits=\"12\"",
            Ok(params(false, false, Some(12), None)),
        ),
        (
            d(),
            "permessage-deflate; client_max_window_bits=10",
            Ok(params(false, false, None, Some(10))),
        ),
        (
            d().client_max_window_bits(12),
            "permessage-deflate; client_max_window_bits=12",
            Ok(params(false, false, None, Some(12))),
        ),
        (
            d(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=11; client_max_window_bits=9",
            Ok(params(true, true, Some(11), Some(9))),
        ),
        // Failures.
        (
            d(),
            "permessage-deflate; client_max_window_bits",
            invalid("client_max_window_bits"),
        ),
        (
            d(),
            "permessage-deflate; client_max_window_bits=8",
            Err(EightBitWindow),
        ),
        (
            d().client_max_window_bits(10),
            "permessage-deflate; client_max_window_bits=8",
            Err(EightBitWindow),
        ),
        (
            d().server_max_window_bits(10),
            "permessage-deflate; server_max_window_bits=11",
            Err(WindowLargerThanOffered("server_max_window_bits".into())),
        ),
        (
            d().server_max_window_bits(10),
            "permessage-deflate",
            Ok(params(false, false, None, None)),
        ),
        (
            d().client_max_window_bits(10),
            "permessage-deflate; client_max_window_bits=12",
            Err(WindowLargerThanOffered("client_max_window_bits".into())),
        ),
        (
            d(),
            "permessage-deflate; x=1",
            Err(UnknownParam("x".into())),
        ),
        (
            d(),
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            Err(DuplicateParam("server_no_context_takeover".into())),
        ),
        (
            d(),
            "permessage-deflate; client_max_window_bits=10; client_max_window_bits=10",
            Err(DuplicateParam("client_max_window_bits".into())),
        ),
        (
            d(),
            "permessage-deflate; server_max_window_bits",
            invalid("server_max_window_bits"),
        ),
        (
            d(),
            "permessage-deflate; server_max_window_bits=16",
            invalid("server_max_window_bits"),
        ),
        (
            d(),
            "permessage-deflate; server_max_window_bits=09",
            invalid("server_max_window_bits"),
        ),
        (
            d(),
            "permessage-deflate; client_no_context_takeover=1",
            invalid("client_no_context_takeover"),
        ),
    ]
}

#[test]
fn client_checks_responses_per_table() {
    for (config, response, expected) in client_table() {
        assert_eq!(
            config.check_response(&parse_one(response)),
            expected,
            "{response:?} to {config:?}"
        );
    }
}

/// The RFC 6455 §1.3 nonce for the handshake, then a fixed mask for every frame.
struct NonceThenMask;

impl KeySource for NonceThenMask {
    fn fill(&mut self, buf: &mut [u8]) {
        if buf.len() == 16 {
            buf.copy_from_slice(b"the sample nonce");
        } else {
            buf.fill(0x5a);
        }
    }
}

/// A `101` response to the RFC nonce with these extension lines.
fn response_with_extensions(lines: &[&str]) -> Vec<u8> {
    let mut response = String::from(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n",
    );
    for line in lines {
        response.push_str(&format!("Sec-WebSocket-Extensions: {line}\r\n"));
    }
    response.push_str("\r\n");
    response.into_bytes()
}

fn client_handshake(
    config: Option<DeflateConfig>,
    lines: &[&str],
) -> Result<Option<DeflateParams>, ResponseError> {
    let mut client = ClientConfig::new("ws://example.com/chat").unwrap();
    if let Some(config) = config {
        client = client.deflate(config);
    }
    let mut handshake = ClientHandshake::with_keys(client, NonceThenMask).unwrap();
    let accepted = handshake
        .receive(&response_with_extensions(lines))?
        .expect("a whole response");
    Ok(accepted.connection.deflate().copied())
}

#[test]
fn client_handshake_checks_responses_per_table() {
    for (config, response, expected) in client_table() {
        assert_eq!(
            client_handshake(Some(config.clone()), &[response]),
            expected.map(Some).map_err(ResponseError::Deflate),
            "{response:?} to {config:?}"
        );
    }
}

#[test]
fn client_handshake_refuses_extensions_not_offered() {
    let not_offered = |name: &str| Err(ResponseError::ExtensionNotOffered(name.to_owned()));
    // permessage-deflate was not offered.
    assert_eq!(client_handshake(None, &[PMD]), not_offered(PMD));
    assert_eq!(
        client_handshake(None, &["permessage-deflate; server_no_context_takeover"]),
        not_offered(PMD)
    );
    // Offered, but accepted twice: on one line and on two.
    assert_eq!(
        client_handshake(
            Some(DeflateConfig::new()),
            &["permessage-deflate, permessage-deflate"]
        ),
        not_offered(PMD)
    );
    assert_eq!(
        client_handshake(Some(DeflateConfig::new()), &[PMD, PMD]),
        not_offered(PMD)
    );
    // An extension nobody offered, with or without permessage-deflate beside it.
    assert_eq!(client_handshake(None, &["x-foo"]), not_offered("x-foo"));
    assert_eq!(
        client_handshake(Some(DeflateConfig::new()), &["x-foo"]),
        not_offered("x-foo")
    );
    assert_eq!(
        client_handshake(Some(DeflateConfig::new()), &["permessage-deflate, x-foo"]),
        not_offered("x-foo")
    );
    assert!(client_handshake(Some(DeflateConfig::new()), &["x-foo", PMD]).is_err());
}

#[test]
fn client_handshake_without_the_extension_in_the_response() {
    // Offered, not accepted: the connection runs without compression.
    assert_eq!(client_handshake(Some(DeflateConfig::new()), &[]), Ok(None));
    let mut client = ClientConfig::new("ws://example.com/chat")
        .unwrap()
        .deflate(DeflateConfig::new());
    client = client.connection(Config::new());
    let mut handshake = ClientHandshake::with_keys(client, NonceThenMask).unwrap();
    let mut conn = handshake
        .receive(&response_with_extensions(&[]))
        .unwrap()
        .unwrap()
        .connection;
    conn.send_text(&"a".repeat(200)).unwrap();
    let out = take_output(&mut conn);
    assert_eq!(out[0], 0x81, "sent compressed without the extension");
}

#[test]
fn both_handshakes_agree_end_to_end() {
    // (client config, server config, response line, agreed parameters)
    let d = DeflateConfig::new;
    let cases = [
        (d(), d(), PMD.to_owned(), params(false, false, None, None)),
        (
            d().server_no_context_takeover(true)
                .client_no_context_takeover(true),
            d(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover".to_owned(),
            params(true, true, None, None),
        ),
        (
            d().server_max_window_bits(10),
            d().client_max_window_bits(11),
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits=11".to_owned(),
            params(false, false, Some(10), Some(11)),
        ),
        (
            d().client_max_window_bits(9),
            d().client_max_window_bits(11).server_max_window_bits(12),
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=9".to_owned(),
            params(false, false, Some(12), Some(9)),
        ),
        (
            d(),
            d().server_no_context_takeover(true)
                .client_no_context_takeover(true),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover".to_owned(),
            params(true, true, None, None),
        ),
    ];
    for (client, server, line, agreed) in cases {
        let pair = handshake(
            ClientConfig::new("ws://example.com/")
                .unwrap()
                .deflate(client.clone()),
            ServerConfig::new().deflate(server.clone()),
        );
        assert_eq!(
            pair.response_extensions.as_deref(),
            Some(&*line),
            "{client:?} / {server:?}"
        );
        assert_eq!(pair.client.deflate(), Some(&agreed));
        assert_eq!(pair.server.deflate(), Some(&agreed));
    }
}

#[test]
fn with_deflate_refuses_to_compress_with_an_8_bit_window() {
    use wswire::{Connection, UsageError};
    let eight = |server, client| params(false, false, server, client);
    // The server would have to compress with 8 bits.
    let err = Connection::server(Config::new())
        .with_deflate(&DeflateConfig::new(), eight(Some(8), None))
        .unwrap_err();
    assert_eq!(err, UsageError::UnsupportedWindowBits(8));
    // The client likewise.
    let err = Connection::client(Config::new(), NonceThenMask)
        .with_deflate(&DeflateConfig::new(), eight(None, Some(8)))
        .unwrap_err();
    assert_eq!(err, UsageError::UnsupportedWindowBits(8));
    // The other end's 8-bit window is only inflated: fine.
    assert!(
        Connection::server(Config::new())
            .with_deflate(&DeflateConfig::new(), eight(None, Some(8)))
            .is_ok()
    );
    assert!(
        Connection::client(Config::new(), NonceThenMask)
            .with_deflate(&DeflateConfig::new(), eight(Some(8), None))
            .is_ok()
    );
}
