//! Uses `wswire` from a `#![no_std]` crate with only `alloc`: the handshake on parsed
//! parts, a connection pair with permessage-deflate, time and timers. If the library, with
//! its default features off, needed the standard library anywhere, this would not build.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec::Vec;
use core::time::Duration;

use wswire::{
    Accept, ClientConfig, ClientRequest, Config, Connection, DeflateConfig, Event, Headers,
    HttpVersion, KeySource, ServerConfig,
};

/// A deterministic key source (an embedded system would wire its hardware RNG here).
pub struct Counter(u8);

impl KeySource for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_mul(31).wrapping_add(7);
            *b = self.0;
        }
    }
}

/// A whole exchange without `std`: returns the echoed text's length.
pub fn exchange(text: &str) -> usize {
    let client_config = ClientConfig::new("ws://device.local/data")
        .unwrap()
        .deflate(DeflateConfig::new());
    let request = ClientRequest::with_keys(client_config, HttpVersion::Http11, Counter(1)).unwrap();
    let headers: Headers = request
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let server_config = ServerConfig::new().deflate(DeflateConfig::new());
    let handover = server_config
        .check_request("GET", request.target(), HttpVersion::Http11, headers)
        .unwrap()
        .accept(Accept::new())
        .unwrap();
    let mut server = handover.connection;
    let answer: Headers = handover
        .response
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut client = request
        .check_response(handover.response.status, &answer)
        .unwrap()
        .connection;

    client.handle_timeout(Duration::ZERO);
    client.send_text(text).unwrap();
    let wire: Vec<u8> = client.pending_chunks().flatten().copied().collect();
    client.consume_output(wire.len());
    server.receive(&wire);
    let mut echoed = 0;
    while let Some((event, mut sender)) = server.poll_event_with_sender().unwrap() {
        if let Event::Text(t) = event {
            sender.send_text(t).unwrap();
        }
    }
    let wire: Vec<u8> = server.pending_chunks().flatten().copied().collect();
    client.receive(&wire);
    if let Some(Event::Text(t)) = client.poll_event().unwrap() {
        echoed = t.len();
    }
    let _ = Connection::server(Config::new().keepalive(Duration::from_secs(20)));
    echoed
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_whole_exchange_without_std() {
        assert_eq!(super::exchange("hello from no_std"), 17);
    }
}
