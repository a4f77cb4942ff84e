//! The smallest echo server: `cargo run -p wswire-tokio --example minimal_echo_server [ADDR]`.
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("minimal_echo_server listening on ws://{addr}");
    loop {
        let (tcp, _) = listener.accept().await?;
        tokio::spawn(async move {
            let mut ws = wswire_tokio::accept(tcp).await?;
            while let Some(message) = ws.next().await {
                let message = message?;
                if message.is_data() {
                    ws.send(message).await?;
                }
            }
            Ok::<_, wswire_tokio::Error>(())
        });
    }
}
