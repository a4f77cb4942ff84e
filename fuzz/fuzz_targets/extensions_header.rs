//! Arbitrary `Sec-WebSocket-Extensions` values through `Extension::parse_list`, then
//! through a server's `DeflateConfig::accept_offers` and a client's `check_response`.
//!
//! Checked: nothing panics; a list that parses prints (`Display`, elements joined with
//! ", ") to a value that parses to the same list, each element on its own too; what a
//! server accepts it can compress with (`with_deflate` succeeds) and prints as one valid
//! extension; what a client accepts from a response stays within its offer and it can
//! compress with.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wswire::{Config, Connection, DeflateConfig, Extension, SeededKeys};

fn configs() -> [(DeflateConfig, u8, u8); 4] {
    [
        (DeflateConfig::new(), 15, 15),
        (
            DeflateConfig::new()
                .server_no_context_takeover(true)
                .client_max_window_bits(9),
            15,
            9,
        ),
        (
            DeflateConfig::new()
                .server_max_window_bits(9)
                .client_max_window_bits(12),
            9,
            12,
        ),
        (
            DeflateConfig::new()
                .server_max_window_bits(12)
                .client_no_context_takeover(true)
                .client_max_window_bits(15),
            12,
            15,
        ),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(list) = Extension::parse_list(data) else {
        return;
    };
    // Display, then parse again: the same list.
    let printed: Vec<String> = list.iter().map(ToString::to_string).collect();
    let joined = printed.join(", ");
    assert_eq!(
        Extension::parse_list(joined.as_bytes()).as_ref(),
        Ok(&list),
        "{joined:?}"
    );
    for (extension, text) in list.iter().zip(&printed) {
        assert_eq!(
            Extension::parse_list(text.as_bytes()),
            Ok(vec![extension.clone()])
        );
    }

    for (config, server_bits, client_bits) in configs() {
        // As a server, the list being a client's offers.
        if let Some(params) = config.accept_offers(&list) {
            if let Some(bits) = params.server_max_window_bits {
                assert!((9..=server_bits).contains(&bits), "{params:?}");
            }
            let answer = params.to_extension().to_string();
            assert_eq!(
                Extension::parse_list(answer.as_bytes()),
                Ok(vec![params.to_extension()])
            );
            assert!(
                Connection::server(Config::new())
                    .with_deflate(&config, params)
                    .is_ok(),
                "server cannot use what it accepted: {params:?}"
            );
        }
        // As a client, each element being a server's response.
        for response in &list {
            let Ok(params) = config.check_response(response) else {
                continue;
            };
            if let Some(bits) = params.server_max_window_bits {
                assert!(bits <= server_bits, "{params:?}");
            }
            if let Some(bits) = params.client_max_window_bits {
                assert!((9..=client_bits).contains(&bits), "{params:?}");
            }
            let client = Connection::client(Config::new(), SeededKeys::new(0));
            assert!(
                client.with_deflate(&config, params).is_ok(),
                "client cannot use what it accepted: {params:?}"
            );
        }
    }
});
