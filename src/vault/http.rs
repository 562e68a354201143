//! The HTTP/1.1 exchange under every request: hyper's pooled client over a
//! rustls connector, with a whole-exchange timeout, and nothing else.
//!
//! Why not reqwest (which vaultrs uses): reqwest puts a redirect layer and a
//! retry layer around hyper that run even with redirects turned off, and
//! formats and parses every request's URL twice on the way (`Url::parse` of
//! the URI's text, host and IDNA included). Measured against a real OpenBao
//! with 3,000 reads at concurrency 4, reqwest cost about 0.045 ms of client
//! CPU per request and this client about 0.027 ms; at a plan's 20,000
//! requests that difference is most of vaultform's own CPU beyond the
//! exchange. Redirects were never followed (see [`super::Connection`]) and
//! retries are ours, so nothing is lost.

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::time::Duration;

/// What went wrong below HTTP: the connection, the exchange or the time.
#[derive(Debug)]
pub struct TransportError {
    kind: Kind,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// No connection: refused, unresolvable, TLS handshake refused.
    Connect,
    /// No complete answer within the client timeout.
    Timeout,
    /// The connection failed while the request was sent or its answer read.
    Exchange,
    /// The request could not be built (a header value that HTTP cannot carry).
    Build,
}

impl TransportError {
    fn new(kind: Kind, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    /// No connection could be made: the server certainly did not act.
    pub fn is_connect(&self) -> bool {
        self.kind == Kind::Connect
    }

    /// The client timeout ran out.
    pub fn is_timeout(&self) -> bool {
        self.kind == Kind::Timeout
    }

    /// The connection broke during the exchange: whether the server acted is
    /// unknown, so only a request that may be repeated is sent again.
    pub fn is_exchange(&self) -> bool {
        self.kind == Kind::Exchange
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.kind {
            Kind::Connect => "cannot connect",
            Kind::Timeout => "timed out",
            Kind::Exchange => "the connection failed during the exchange",
            Kind::Build => "the request cannot be sent",
        })
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// One request: method, path and query (already encoded), headers, body.
pub struct Request<'a> {
    /// HTTP method.
    pub method: http::Method,
    /// `/v1/...` with its query, percent-encoded.
    pub path_and_query: String,
    /// Header names and values; a value marked sensitive is never shown by
    /// `Debug` (the token).
    pub headers: [Option<(&'static str, &'a str, bool)>; 3],
    /// A JSON body.
    pub json: Option<Vec<u8>>,
}

/// The pooled client, the address it sends to, and the timeout.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    scheme: Scheme,
    authority: Authority,
    timeout: Duration,
}

impl Http {
    /// A client sending to `scheme://authority` with `tls` for `https`.
    pub fn new(
        tls: rustls::ClientConfig,
        server_name: Option<rustls::pki_types::ServerName<'static>>,
        scheme: Scheme,
        authority: Authority,
        timeout: Duration,
    ) -> Self {
        let mut tcp = HttpConnector::new();
        // The https connector below does TLS for `https` and passes `http` through.
        tcp.enforce_http(false);
        // Requests are small and answered at once: no Nagle delay.
        tcp.set_nodelay(true);
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        let builder = match server_name {
            Some(name) => {
                builder.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name))
            }
            None => builder,
        };
        let connector = builder.enable_http1().wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        Self {
            client,
            scheme,
            authority,
            timeout,
        }
    }

    /// Sends `req` and reads the whole answer: its status and body.
    pub async fn send(&self, req: Request<'_>) -> Result<(u16, Bytes), TransportError> {
        let build = |e: http::Error| TransportError::new(Kind::Build, e);
        let path = PathAndQuery::try_from(req.path_and_query).map_err(|e| build(e.into()))?;
        let uri = http::Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path)
            .build()
            .map_err(build)?;
        let mut builder = http::Request::builder().method(req.method).uri(uri);
        let headers = builder
            .headers_mut()
            .ok_or_else(|| TransportError::new(Kind::Build, "invalid request"))?;
        for (name, value, sensitive) in req.headers.into_iter().flatten() {
            let mut value = http::HeaderValue::from_str(value).map_err(|_| {
                TransportError::new(Kind::Build, format!("{name} is not a valid header value"))
            })?;
            value.set_sensitive(sensitive);
            headers.insert(name, value);
        }
        let body = match req.json {
            Some(json) => {
                headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json"),
                );
                Full::new(Bytes::from(json))
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder.body(body).map_err(build)?;
        let exchange = async {
            let resp = self.client.request(request).await.map_err(|e| {
                let kind = if e.is_connect() {
                    Kind::Connect
                } else {
                    Kind::Exchange
                };
                TransportError::new(kind, e)
            })?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| TransportError::new(Kind::Exchange, e))?
                .to_bytes();
            Ok((status, body))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(answer) => answer,
            Err(elapsed) => Err(TransportError::new(Kind::Timeout, elapsed)),
        }
    }
}

/// Appends `path` to `out`, percent-encoding what a URL path may not hold as
/// it is: the WHATWG URL path set (controls, space, `"`, `#`, `<`, `>`, `?`,
/// `` ` ``, `{`, `}`, and every non-ASCII byte), the same bytes the `url`
/// crate put on the wire before. [`crate::names::api_path`] has already
/// refused `%`, `?`, `#`, `\`, spaces and controls in every path sent.
pub fn push_path(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in path.as_bytes() {
        let plain = b.is_ascii_graphic()
            && !matches!(b, b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}');
        if plain {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// A verifier that accepts any certificate: `VAULT_SKIP_VERIFY`, as the Vault
/// CLI does. Signatures are still checked, so the handshake itself is sound.
#[derive(Debug)]
pub struct AnyCertificate(pub std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_as_the_url_crate_encodes_them() {
        // Every printable ASCII character and some non-ASCII, in a segment;
        // not a backslash, which the url crate reads as `/` (and names::api_path
        // refuses before any request).
        let mut chars: Vec<char> = (0x20u8..0x7f)
            .map(char::from)
            .filter(|&c| c != '\\')
            .collect();
        chars.extend(['é', '\u{7f}', '\u{1F600}']);
        let base = url::Url::parse("http://127.0.0.1:8200").expect("a literal URL");
        for c in chars {
            let path = format!("kv/data/a{c}b");
            let mut url = base.clone();
            url.set_path(&format!("/v1/{path}"));
            let mut ours = String::from("/v1/");
            push_path(&mut ours, &path);
            assert_eq!(ours, url.path(), "{c:?}");
        }
    }

    #[test]
    fn encoded_paths_are_valid_http_paths() {
        for b in 0x21u8..0x7f {
            let c = char::from(b);
            if matches!(c, '%' | '?' | '#' | '\\') {
                continue; // refused by names::api_path before any request
            }
            let mut p = String::from("/v1/kv/data/a");
            push_path(&mut p, &c.to_string());
            assert!(PathAndQuery::try_from(p.clone()).is_ok(), "{c:?}: {p}");
        }
    }
}
