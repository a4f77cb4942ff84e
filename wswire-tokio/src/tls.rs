//! The transport [`connect`](crate::connect) returns: TCP, or TLS over it.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A plain transport, or TLS over it (`wss://`, with the `rustls` feature).
///
/// The layers, bottom up: TCP → TLS (this type, rustls) → HTTP/1.1 upgrade (the core's
/// handshake) → WebSocket frames (the core's `Connection`). The core sees only bytes.
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTlsStream<S> {
    /// No TLS: `ws://`.
    Plain(S),
    /// TLS by rustls: `wss://`.
    #[cfg(feature = "rustls")]
    Rustls(Box<tokio_rustls::client::TlsStream<S>>),
}

impl<S> MaybeTlsStream<S> {
    /// The transport under TLS, if any.
    pub fn get_ref(&self) -> &S {
        match self {
            Self::Plain(s) => s,
            #[cfg(feature = "rustls")]
            Self::Rustls(s) => s.get_ref().0,
        }
    }
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            MaybeTlsStream::Plain($s) => {
                let $s = Pin::new($s);
                $e
            }
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls($s) => {
                let $s = Pin::new(&mut **$s);
                $e
            }
        }
    };
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for MaybeTlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        each!(self, s => s.poll_read(cx, buf))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for MaybeTlsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self, s => s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self, s => s.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            #[cfg(feature = "rustls")]
            Self::Rustls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => s.poll_shutdown(cx))
    }
}

#[cfg(feature = "rustls")]
pub(crate) use rustls_impl::{connect, default_client_config};

#[cfg(feature = "rustls")]
mod rustls_impl {
    use std::sync::Arc;

    use tokio::net::TcpStream;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
    use tokio_rustls::rustls::pki_types::ServerName;
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    use super::MaybeTlsStream;
    use crate::Error;

    /// The `webpki-roots` trust, rustls's process-default provider (or `ring`), HTTP/1.1
    /// by ALPN.
    pub(crate) fn default_client_config() -> Result<Arc<ClientConfig>, Error> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(ring::default_provider()));
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(std::io::Error::other(e)))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    pub(crate) async fn connect(
        config: Arc<ClientConfig>,
        host: &str,
        tcp: TcpStream,
    ) -> Result<MaybeTlsStream<TcpStream>, Error> {
        let name = ServerName::try_from(host.to_owned()).map_err(|e| {
            Error::Tls(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{host:?} is not a valid TLS server name: {e}"),
            ))
        })?;
        let tls = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(Error::Tls)?;
        Ok(MaybeTlsStream::Rustls(Box::new(tls)))
    }
}
