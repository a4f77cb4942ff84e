//! The opening handshake over an async transport: bytes in and out of the core's
//! `ServerHandshake` and `ClientHandshake`, their timers on tokio's clock.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use wswire::{
    Accept, ClientConfig, ClientHandshake, Config, Connection, DeflateConfig, Headers, Request,
    RequestError, ResponseError, ServerConfig, ServerHandshake,
};

use crate::tls::MaybeTlsStream;
use crate::{Error, WebSocketStream};

/// How long an opening handshake may take when its configuration sets no limit
/// (`ServerConfig::handshake_timeout`, `ClientConfig::handshake_timeout`): 10 s. The
/// core's handshake timer enforces it on tokio's clock (a server answers `408`); a
/// [`Connector`] also gives opening the transport (TCP, TLS) this long.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of the handshake is read at once.
const READ_SIZE: usize = 4096;

/// The connection settings the layer's shortcuts use ([`accept`], [`connect`]): the core's
/// defaults, plus a 10 s close timeout (so that [`WebSocketStream::close`] and a client's
/// wait for the peer's Close end) and a 4 MiB mark on the pending output (so that a slow
/// peer makes [`Sink::poll_ready`](futures_sink::Sink::poll_ready) wait rather than the
/// output grow).
pub fn default_config() -> Config {
    Config::new()
        .close_timeout(Duration::from_secs(10))
        .max_pending_output(4 << 20)
}

/// How the application answers an upgrade request it does not want: a status from 200 to
/// 599, header fields and a body, which
/// [`ServerHandshake::reject`](wswire::ServerHandshake::reject) writes. (The core's
/// [`wswire::Refusal`] is its own answer to an invalid request.)
#[derive(Debug, Clone)]
pub struct Reject {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reject {
    /// A rejection with `status` (`403`, `404`, `401`, a redirect, ...), no body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header field (`Location`, `WWW-Authenticate`, ...).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body (sent with a `Content-Length`).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

/// Accepts a WebSocket upgrade on `stream` with [`default_config`], permessage-deflate
/// when the client offers it, any path, any origin: reads the request, answers `101`, and
/// returns the stream. An invalid request is answered (`400`, `426`, ...) and returned as
/// [`Error::Request`].
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
/// let (tcp, _) = listener.accept().await?;
/// let mut ws = wswire_tokio::accept(tcp).await?;
/// # Ok(()) }
/// ```
pub async fn accept<S>(stream: S) -> Result<WebSocketStream<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let config = ServerConfig::new()
        .connection(default_config())
        .deflate(DeflateConfig::new());
    accept_with(stream, config, |_| Ok(Accept::new())).await
}

/// Accepts a WebSocket upgrade with `config` (limits, timers, subprotocols, origins,
/// permessage-deflate), asking `decide` about the valid request: `Ok(Accept)` answers
/// `101` (with the subprotocol and extra header fields it names), `Err(Reject)` answers
/// the refusal, closes the transport and returns [`Error::Rejected`]. A request that does
/// not arrive whole within `config`'s handshake timeout ([`HANDSHAKE_TIMEOUT`] if it sets
/// none) is answered `408` and returned as [`Error::HandshakeTimeout`].
///
/// ```no_run
/// use wswire::{Accept, ServerConfig};
/// use wswire_tokio::Reject;
/// # async fn f(tcp: tokio::net::TcpStream) -> Result<(), wswire_tokio::Error> {
/// let config = ServerConfig::new().connection(wswire_tokio::default_config());
/// let ws = wswire_tokio::accept_with(tcp, config, |request| match request.path() {
///     "/chat" => Ok(Accept::new()),
///     _ => Err(Reject::new(404)),
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn accept_with<S, F>(
    mut stream: S,
    config: ServerConfig,
    decide: F,
) -> Result<WebSocketStream<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&Request) -> Result<Accept, Reject>,
{
    let conn = server_handshake(&mut stream, config, decide).await?;
    Ok(WebSocketStream::from_connection(stream, conn))
}

async fn server_handshake<S, F>(
    stream: &mut S,
    config: ServerConfig,
    decide: F,
) -> Result<Connection, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&Request) -> Result<Accept, Reject>,
{
    // The core's timer, with the layer's limit if the configuration sets none.
    let mut handshake = ServerHandshake::new(config.clone());
    if handshake.poll_timeout().is_none() {
        handshake = ServerHandshake::new(config.handshake_timeout(HANDSHAKE_TIMEOUT));
    }
    let epoch = Instant::now();
    let mut buf = vec![0u8; READ_SIZE];
    let request = loop {
        let received = match handshake.handle_timeout(epoch.elapsed()) {
            Err(late) => Err(late),
            Ok(()) => {
                let deadline = handshake.poll_timeout().map(|at| epoch + at);
                match read_until(stream, &mut buf, deadline).await? {
                    Some(0) => return Err(Error::HandshakeEof),
                    Some(n) => handshake.receive(&buf[..n]),
                    None => continue, // the deadline passed: handle_timeout says so
                }
            }
        };
        match received {
            Ok(Some(request)) => break request,
            Ok(None) => {}
            Err(invalid) => {
                answer(stream, &invalid.response()).await;
                return Err(match invalid {
                    RequestError::Timeout => Error::HandshakeTimeout,
                    invalid => Error::Request(invalid),
                });
            }
        }
    };
    let mut conn = match decide(&request) {
        Ok(accept) => handshake.accept(accept)?,
        Err(refusal) => {
            let headers: Vec<(&str, &str)> = refusal
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let response = handshake.reject(refusal.status, &headers, &refusal.body)?;
            answer(stream, &response).await;
            return Err(Error::Rejected(refusal.status));
        }
    };
    // The 101, so that a transport that fails shows here rather than at the first message.
    while conn.pending_output_len() > 0 {
        let n = stream.write(conn.pending_output()).await?;
        if n == 0 {
            return Err(Error::Io(std::io::ErrorKind::WriteZero.into()));
        }
        conn.consume_output(n);
    }
    stream.flush().await?;
    Ok(conn)
}

/// Writes a refusal and ends the transport; the peer may be gone already.
async fn answer<S: AsyncWrite + Unpin>(stream: &mut S, response: &[u8]) {
    if stream.write_all(response).await.is_ok() {
        let _ = stream.shutdown().await;
    }
}

/// Connects to a `ws://` or `wss://` URL (TLS with the `rustls` feature) with
/// [`default_config`] and permessage-deflate offered: resolves the host, opens TCP, runs
/// TLS, then the opening handshake, each within [`HANDSHAKE_TIMEOUT`]. Returns the stream
/// and the `101` response's header fields.
///
/// ```no_run
/// # async fn f() -> Result<(), wswire_tokio::Error> {
/// let (mut ws, _headers) = wswire_tokio::connect("ws://127.0.0.1:9001/").await?;
/// ws.send("hello").await?;
/// # Ok(()) }
/// ```
pub async fn connect(
    url: &str,
) -> Result<(WebSocketStream<MaybeTlsStream<TcpStream>>, Headers), Error> {
    let config = ClientConfig::new(url)?
        .connection(default_config())
        .deflate(DeflateConfig::new());
    Connector::new().connect(config).await
}

/// Runs the client's opening handshake over a transport the caller opened (a Unix socket,
/// a proxy tunnel, a TLS stream of its own), within `config`'s handshake timeout
/// ([`HANDSHAKE_TIMEOUT`] if it sets none): the URL in `config` names the `Host` and the
/// resource, not where to connect.
pub async fn client<S>(
    mut stream: S,
    config: ClientConfig,
) -> Result<(WebSocketStream<S>, Headers), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (conn, headers) = client_handshake(&mut stream, config, HANDSHAKE_TIMEOUT).await?;
    Ok((WebSocketStream::from_connection(stream, conn), headers))
}

async fn client_handshake<S>(
    stream: &mut S,
    config: ClientConfig,
    limit: Duration,
) -> Result<(Connection, Headers), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The core's timer, with `limit` if the configuration sets none.
    let mut handshake = ClientHandshake::new(config.clone())?;
    if handshake.poll_timeout().is_none() {
        handshake = ClientHandshake::new(config.handshake_timeout(limit))?;
    }
    let epoch = Instant::now();
    stream.write_all(handshake.request()).await?;
    stream.flush().await?;
    let mut buf = vec![0u8; READ_SIZE];
    loop {
        let result = match handshake.handle_timeout(epoch.elapsed()) {
            Err(late) => Err(late),
            Ok(()) => {
                let deadline = handshake.poll_timeout().map(|at| epoch + at);
                match read_until(stream, &mut buf, deadline).await? {
                    Some(0) => match handshake.receive_eof() {
                        Ok(None) => return Err(Error::HandshakeEof),
                        other => other,
                    },
                    Some(n) => handshake.receive(&buf[..n]),
                    None => continue, // the deadline passed: handle_timeout says so
                }
            }
        };
        match result {
            Ok(Some(accepted)) => return Ok((accepted.connection, accepted.headers)),
            Ok(None) => {}
            Err(ResponseError::Timeout) => return Err(Error::HandshakeTimeout),
            Err(e) => return Err(Error::Response(e)),
        }
    }
}

/// Reads once, or until `deadline` passes (`Ok(None)`).
async fn read_until<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    deadline: Option<Instant>,
) -> io::Result<Option<usize>> {
    let read = stream.read(buf);
    match deadline {
        Some(at) => match tokio::time::timeout_at(at, read).await {
            Ok(n) => n.map(Some),
            Err(_) => Ok(None),
        },
        None => read.await.map(Some),
    }
}

/// How [`connect`] reaches a server: the handshake's time limit and, with the `rustls`
/// feature, the TLS settings for `wss://`.
///
/// ```no_run
/// # async fn f() -> Result<(), wswire_tokio::Error> {
/// use std::time::Duration;
/// use wswire::ClientConfig;
/// use wswire_tokio::Connector;
/// let config = ClientConfig::new("ws://127.0.0.1:9001/")?.protocol("chat");
/// let (ws, _) = Connector::new()
///     .handshake_timeout(Duration::from_secs(3))
///     .connect(config)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Connector {
    handshake_timeout: Duration,
    #[cfg(feature = "rustls")]
    tls: Option<std::sync::Arc<tokio_rustls::rustls::ClientConfig>>,
}

impl Default for Connector {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// [`HANDSHAKE_TIMEOUT`]; for `wss://`, the `webpki-roots` trust and rustls's
    /// defaults.
    pub fn new() -> Self {
        Self {
            handshake_timeout: HANDSHAKE_TIMEOUT,
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }

    /// How long opening the transport (DNS, TCP, TLS) may take, and then the opening
    /// handshake if the `ClientConfig` sets no `handshake_timeout` of its own.
    pub fn handshake_timeout(mut self, limit: Duration) -> Self {
        self.handshake_timeout = limit;
        self
    }

    /// The TLS settings for `wss://` (trusted roots, client certificates, ...). Without
    /// it, the roots of `webpki-roots` and rustls's process-default cryptography provider
    /// (or `ring`, if none is installed). ALPN is the caller's to set: an upgrade needs
    /// HTTP/1.1 (`b"http/1.1"`, or none).
    #[cfg(feature = "rustls")]
    pub fn rustls(mut self, config: std::sync::Arc<tokio_rustls::rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Connects to `config`'s URL: DNS, TCP, TLS for `wss://`, the opening handshake.
    pub async fn connect(
        &self,
        config: ClientConfig,
    ) -> Result<(WebSocketStream<MaybeTlsStream<TcpStream>>, Headers), Error> {
        let url = config.url();
        let transport = async {
            let tcp = TcpStream::connect((url.host(), url.port())).await?;
            tcp.set_nodelay(true)?;
            if url.is_secure() {
                self.tls(url.host(), tcp).await
            } else {
                Ok(MaybeTlsStream::Plain(tcp))
            }
        };
        let mut stream = tokio::time::timeout(self.handshake_timeout, transport)
            .await
            .unwrap_or(Err(Error::HandshakeTimeout))?;
        let (conn, headers) = client_handshake(&mut stream, config, self.handshake_timeout).await?;
        Ok((WebSocketStream::from_connection(stream, conn), headers))
    }

    #[cfg(feature = "rustls")]
    async fn tls(&self, host: &str, tcp: TcpStream) -> Result<MaybeTlsStream<TcpStream>, Error> {
        let config = match &self.tls {
            Some(config) => std::sync::Arc::clone(config),
            None => crate::tls::default_client_config()?,
        };
        crate::tls::connect(config, host, tcp).await
    }

    #[cfg(not(feature = "rustls"))]
    async fn tls(&self, _host: &str, _tcp: TcpStream) -> Result<MaybeTlsStream<TcpStream>, Error> {
        Err(Error::TlsNotEnabled)
    }
}
