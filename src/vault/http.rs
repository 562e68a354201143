//! The HTTP/1.1 exchange under every request: hyper's connections over a
//! rustls connector, in a small pool of our own ([`Pool`]), with a
//! whole-exchange timeout, and nothing else.
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
use hyper::client::conn::http1;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What went wrong below HTTP: the connection, the exchange or the time.
#[derive(Debug)]
pub struct TransportError {
    kind: Kind,
    source: Option<BoxError>,
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
    /// The answer's body is larger than [`MAX_ANSWER`]: not read further.
    TooLarge,
}

/// The largest answer body read, 512 MiB: far above any real answer (a
/// `SCAN` of 10,000 secrets' metadata is about 5 MB), it keeps a server or
/// proxy that sends without end from filling the memory within the timeout.
pub const MAX_ANSWER: usize = 512 << 20;

impl TransportError {
    fn new(kind: Kind, source: impl Into<BoxError>) -> Self {
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
            Kind::TooLarge => "the answer is larger than 512 MiB; not read further",
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

/// The connection pool, the address it sends to, and the timeout.
#[derive(Clone)]
pub struct Http {
    pool: Arc<Pool>,
    /// The request target's form: origin (`/v1/...`), or absolute
    /// (`http://host:port/v1/...`) for a forwarding proxy.
    absolute: Option<(Scheme, Authority)>,
    /// `Host`: the address's authority.
    host: http::HeaderValue,
    timeout: Duration,
    /// `Proxy-Authorization` for requests forwarded by an HTTP proxy.
    proxy_auth: Option<http::HeaderValue>,
    /// [`MAX_ANSWER`] (smaller in tests).
    max_answer: usize,
}

/// Where the proxy comes from.
pub enum Proxies<'a> {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` (see [`route`]).
    FromEnvironment,
    /// `VAULT_PROXY_ADDR`: every request through this proxy, loopback too.
    Given(&'a str),
}

impl Http {
    /// A client sending to `scheme://authority` with `tls` for `https`,
    /// directly or through a proxy (see [`route`]).
    pub fn new(
        tls: rustls::ClientConfig,
        server_name: Option<rustls::pki_types::ServerName<'static>>,
        scheme: Scheme,
        authority: Authority,
        timeout: Duration,
        proxies: Proxies<'_>,
    ) -> Result<Self, String> {
        let mut tcp = HttpConnector::new();
        // The https connector below does TLS for `https` and passes `http` through.
        tcp.enforce_http(false);
        // Requests are small and answered at once: no Nagle delay.
        tcp.set_nodelay(true);
        let (matcher, given) = match proxies {
            Proxies::FromEnvironment => (Matcher::from_env(), false),
            Proxies::Given(proxy) => {
                // The value may hold a password: the message never shows it.
                let http_url = proxy
                    .parse::<http::Uri>()
                    .is_ok_and(|u| u.scheme() == Some(&Scheme::HTTP) && u.host().is_some());
                if !http_url {
                    return Err("VAULT_PROXY_ADDR (or VAULT_HTTP_PROXY) is not an http://[user:password@]host:port URL".into());
                }
                (Matcher::builder().all(proxy).build(), true)
            }
        };
        let (route, proxy_auth) = route(&matcher, given, &scheme, &authority, tcp)?;
        let absolute =
            matches!(route, Route::Forward { .. }).then(|| (scheme.clone(), authority.clone()));
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        let builder = match server_name {
            Some(name) => {
                builder.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name))
            }
            None => builder,
        };
        let connector = builder.enable_http1().wrap_connector(route);
        let server = http::Uri::builder()
            .scheme(scheme)
            .authority(authority.clone())
            .path_and_query("/")
            .build()
            .map_err(|e| e.to_string())?;
        let host = http::HeaderValue::from_str(authority.as_str()).map_err(|e| e.to_string())?;
        Ok(Self {
            pool: Arc::new(Pool {
                connector,
                server,
                idle: Mutex::new(Vec::new()),
            }),
            absolute,
            host,
            timeout,
            proxy_auth,
            max_answer: MAX_ANSWER,
        })
    }

    /// Sends `req` and reads the whole answer: its status and body.
    pub async fn send(&self, req: Request<'_>) -> Result<(u16, Bytes), TransportError> {
        let timed = PACE.start();
        let build = |e: http::Error| TransportError::new(Kind::Build, e);
        let path = PathAndQuery::try_from(req.path_and_query).map_err(|e| build(e.into()))?;
        let uri = match &self.absolute {
            Some((scheme, authority)) => http::Uri::builder()
                .scheme(scheme.clone())
                .authority(authority.clone())
                .path_and_query(path)
                .build()
                .map_err(build)?,
            None => http::Uri::from(path),
        };
        let mut builder = http::Request::builder().method(req.method).uri(uri);
        let headers = builder
            .headers_mut()
            .ok_or_else(|| TransportError::new(Kind::Build, "invalid request"))?;
        headers.insert(http::header::HOST, self.host.clone());
        for (name, value, sensitive) in req.headers.into_iter().flatten() {
            let mut value = http::HeaderValue::from_str(value).map_err(|_| {
                TransportError::new(Kind::Build, format!("{name} is not a valid header value"))
            })?;
            value.set_sensitive(sensitive);
            headers.insert(name, value);
        }
        if let Some(auth) = &self.proxy_auth {
            headers.insert(http::header::PROXY_AUTHORIZATION, auth.clone());
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
            let (resp, connection) = self.pool.send(request).await?;
            let status = resp.status().as_u16();
            let body = http_body_util::Limited::new(resp.into_body(), self.max_answer)
                .collect()
                .await
                .map_err(|e| {
                    let kind = if e.is::<http_body_util::LengthLimitError>() {
                        Kind::TooLarge
                    } else {
                        Kind::Exchange
                    };
                    TransportError {
                        kind,
                        source: Some(e),
                    }
                })?
                .to_bytes();
            // Answered in full: the connection takes the next request.
            self.pool.put(connection);
            Ok((status, body))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(answer) => {
                if answer.is_ok() {
                    timed.answered();
                }
                answer
            }
            Err(elapsed) => Err(TransportError::new(Kind::Timeout, elapsed)),
        }
    }
}

/// Exchanges in flight and how long they take, for [`nap_before_park`].
static PACE: Pace = Pace::new();

/// Before the runtime's thread blocks to wait for answers: a short nap while
/// the server has a queue of ours, so that one wake-up serves several.
///
/// Each time the thread blocks and is woken costs CPU of its own (about
/// 10 us on the 2-core VM the benchmark runs on, measured with two threads
/// passing a byte), and in a wave of reads the thread blocked after nearly
/// every answer: about 1,550 context switches in a no-op plan of 1,000
/// services, about 470 with the nap. The nap is taken only where it costs
/// no throughput: while at least [`WAVE`] exchanges are in flight and they
/// take three times as long as the quickest answer did, that is while our
/// requests wait in the server's queue, and for a quarter of that wait at
/// most (never over 1 ms). Against a server that answers a wave about as
/// fast as one request (far away, or not busy), there is no queue and no
/// nap.
///
/// Measured on a no-op plan of 1,000 services, 6 runs each, alternating,
/// the machine busy: against the local dev server, 143 -> 95 ms of CPU and
/// 0.452 -> 0.378 s (the server had the CPU the client gave back); through a
/// proxy adding 0.3 ms each way, a slower path with its own queue, 127 ->
/// 113 ms and 0.668 -> 0.678 s (half the wait instead of a quarter: 0.742 s,
/// which is why a quarter).
pub fn nap_before_park() {
    if let Some(nap) = PACE.nap() {
        std::thread::sleep(nap);
    }
}

/// In flight at once for a nap to be worth it: a wave, not the sequential
/// reads before it.
const WAVE: usize = 4;

/// The longest nap.
const MAX_NAP: Duration = Duration::from_millis(1);

/// Exchanges in flight, and how long answered ones took: the quickest of
/// all (at most what one takes without a queue) and the moving average in a
/// wave. Atomics: the runtime's park hook reads them outside any task.
struct Pace {
    in_flight: AtomicUsize,
    /// Nanoseconds; `u64::MAX` until an exchange was answered. Failures are
    /// not timed: one refused before it was sent would pass for a quick
    /// server.
    fastest_ns: AtomicU64,
    /// Nanoseconds; 0 until an exchange in a wave was answered.
    wave_ns: AtomicU64,
}

/// An exchange being timed: counted in flight until dropped (answered,
/// failed or abandoned alike), its time taken when [`Timed::answered`].
struct Timed {
    pace: &'static Pace,
    started: Instant,
    /// In flight when it started, itself included.
    company: usize,
}

impl Pace {
    const fn new() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            fastest_ns: AtomicU64::new(u64::MAX),
            wave_ns: AtomicU64::new(0),
        }
    }

    fn start(&'static self) -> Timed {
        let company = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        Timed {
            pace: self,
            started: Instant::now(),
            company,
        }
    }

    fn nap(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Relaxed) < WAVE {
            return None;
        }
        nap_for(
            self.fastest_ns.load(Ordering::Relaxed),
            self.wave_ns.load(Ordering::Relaxed),
        )
    }
}

impl Timed {
    /// The server answered: the exchange's time counts.
    fn answered(self) {
        let pace = self.pace;
        let took = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        pace.fastest_ns.fetch_min(took, Ordering::Relaxed);
        if self.company >= WAVE {
            let old = pace.wave_ns.load(Ordering::Relaxed);
            pace.wave_ns
                .store(moving_average(old, took), Ordering::Relaxed);
        }
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        self.pace.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The average moved an eighth of the way to `sample` (the first sample
/// taken as it is).
fn moving_average(old: u64, sample: u64) -> u64 {
    if old == 0 {
        sample
    } else {
        old - old / 8 + sample / 8
    }
}

/// The nap for exchanges that take `wave_ns` in a wave when the quickest
/// took `fastest_ns`: a quarter of the time they wait beyond that, when they
/// take at least three times as long (a queue), up to [`MAX_NAP`]; none
/// under 100 us. In a nap of a quarter of the wait the server answers about
/// a quarter of the requests of ours it has queued: it never runs out of
/// work.
fn nap_for(fastest_ns: u64, wave_ns: u64) -> Option<Duration> {
    if fastest_ns == u64::MAX || wave_ns < fastest_ns.saturating_mul(3) {
        return None;
    }
    let nap = Duration::from_nanos((wave_ns - fastest_ns) / 4).min(MAX_NAP);
    (nap >= Duration::from_micros(100)).then_some(nap)
}

/// One connection's sending half.
type Sender = http1::SendRequest<Full<Bytes>>;

/// Connections to the server, each carrying one request at a time: an idle
/// one is reused, else a new one is made (so there are as many as requests
/// in flight at once). hyper's own connection API with this small pool
/// instead of hyper-util's pooled client, which keys, locks and times its
/// pool per request: about a fifth of the client's CPU per request.
struct Pool {
    connector: HttpsConnector<Route>,
    /// `scheme://authority/`: where new connections go.
    server: http::Uri,
    /// Idle connections, and since when.
    idle: Mutex<Vec<(Sender, Instant)>>,
}

/// How long a connection may stay idle and still be used: past it, a
/// middlebox may have dropped it without a word (hyper-util's default).
const IDLE: Duration = Duration::from_secs(90);

impl Pool {
    /// Sends `req` on an idle connection, else on a new one; the answer's
    /// head and the connection, to [`Pool::put`] back once the body is read.
    /// A request an idle connection could not send (the server had closed
    /// it) comes back and goes on the next one: it never reached the server.
    async fn send(
        &self,
        mut req: http::Request<Full<Bytes>>,
    ) -> Result<(http::Response<hyper::body::Incoming>, Sender), TransportError> {
        let exchange = |e: hyper::Error| TransportError::new(Kind::Exchange, e);
        while let Some(mut sender) = self.checkout() {
            if sender.ready().await.is_err() {
                continue;
            }
            match sender.try_send_request(req).await {
                Ok(resp) => return Ok((resp, sender)),
                Err(mut e) => match e.take_message() {
                    Some(back) => req = back,
                    None => return Err(exchange(e.into_error())),
                },
            }
        }
        let mut sender = self.connect().await?;
        match sender.try_send_request(req).await {
            Ok(resp) => Ok((resp, sender)),
            // Not sent: the new connection closed first; the server did not act.
            Err(e) if e.message().is_some() => {
                Err(TransportError::new(Kind::Connect, e.into_error()))
            }
            Err(e) => Err(exchange(e.into_error())),
        }
    }

    /// An idle connection the server has not closed, idle for less than
    /// [`IDLE`] (the most recently used first).
    fn checkout(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        std::iter::from_fn(|| idle.pop())
            .find(|(s, since)| !s.is_closed() && since.elapsed() < IDLE)
            .map(|(s, _)| s)
    }

    /// Keeps `sender` for the next request.
    fn put(&self, sender: Sender) {
        if !sender.is_closed() {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.push((sender, Instant::now()));
        }
    }

    /// A new connection (through the proxy and TLS as [`route`] decided),
    /// its HTTP/1.1 handshake done and its task running.
    async fn connect(&self) -> Result<Sender, TransportError> {
        use tower_service::Service;
        let connect = |e: BoxError| TransportError::new(Kind::Connect, e);
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(connect)?;
        let io = connector.call(self.server.clone()).await.map_err(connect)?;
        let (mut sender, connection) = http1::handshake(io).await.map_err(|e| connect(e.into()))?;
        // Its errors reach the request being sent on it.
        tokio::spawn(connection);
        sender.ready().await.map_err(|e| connect(e.into()))?;
        Ok(sender)
    }
}

/// How connections reach the server, decided once per run from `matcher`
/// (the environment's `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
/// `NO_PROXY`, read as curl reads them; or `VAULT_PROXY_ADDR`, `given`):
/// directly, or through an HTTP proxy. Like the Vault CLI (Go's
/// `ProxyFromEnvironment`), `localhost` and loopback addresses never go
/// through a proxy from the environment; a given one takes everything. Also
/// the `Proxy-Authorization` value that forwarded requests carry (from the
/// proxy URL's user and password).
pub fn route(
    matcher: &Matcher,
    given: bool,
    scheme: &Scheme,
    authority: &Authority,
    tcp: HttpConnector,
) -> Result<(Route, Option<http::HeaderValue>), String> {
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let dst = http::Uri::builder()
        .scheme(scheme.clone())
        .authority(authority.clone())
        .path_and_query("/")
        .build()
        .map_err(|e| e.to_string())?;
    let proxy = match matcher.intercept(&dst) {
        Some(proxy) if given || !loopback => proxy,
        _ => return Ok((Route::Direct(tcp), None)),
    };
    // The URI has no user or password left in it: safe to name.
    if proxy.uri().scheme() != Some(&Scheme::HTTP) {
        return Err(format!(
            "the proxy {} from the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) is not an http:// proxy; vaultform reaches servers directly or through HTTP proxies only (NO_PROXY={} connects directly)",
            proxy.uri(),
            authority.host()
        ));
    }
    let auth = proxy.basic_auth().cloned();
    if *scheme == Scheme::HTTPS {
        let tunnel = Tunnel::new(proxy.uri().clone(), tcp);
        let tunnel = match auth {
            Some(auth) => tunnel.with_auth(auth),
            None => tunnel,
        };
        Ok((Route::Tunnel(tunnel), None))
    } else {
        Ok((
            Route::Forward {
                proxy: proxy.uri().clone(),
                tcp,
            },
            auth,
        ))
    }
}

/// See [`route`].
#[derive(Clone)]
pub enum Route {
    /// Straight to the server.
    Direct(HttpConnector),
    /// `https://` through an HTTP proxy: a CONNECT tunnel, TLS inside it.
    Tunnel(Tunnel<HttpConnector>),
    /// `http://` through an HTTP proxy: every request to the proxy, in
    /// absolute form (`GET http://host:port/v1/...`).
    Forward {
        /// The proxy.
        proxy: http::Uri,
        /// Connects to it.
        tcp: HttpConnector,
    },
}

impl tower_service::Service<http::Uri> for Route {
    type Response = Stream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self {
            Route::Direct(tcp) | Route::Forward { tcp, .. } => {
                tcp.poll_ready(cx).map_err(Into::into)
            }
            Route::Tunnel(tunnel) => tunnel.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        match self {
            Route::Direct(tcp) => stream(tcp.call(dst), false),
            Route::Tunnel(tunnel) => stream(tunnel.call(dst), false),
            Route::Forward { proxy, tcp } => stream(tcp.call(proxy.clone()), true),
        }
    }
}

/// The [`Stream`] a connection attempt makes.
fn stream<F, E>(
    connecting: F,
    proxied: bool,
) -> Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>
where
    F: Future<Output = Result<TokioIo<tokio::net::TcpStream>, E>> + Send + 'static,
    E: Into<BoxError>,
{
    Box::pin(async move {
        Ok(Stream {
            io: connecting.await.map_err(Into::into)?,
            proxied,
        })
    })
}

/// A TCP connection, and whether requests on it go to a forwarding proxy
/// (then hyper writes them in absolute form).
pub struct Stream {
    io: TokioIo<tokio::net::TcpStream>,
    proxied: bool,
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.proxied)
    }
}

impl hyper::rt::Read for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
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
    fn naps_only_while_answers_wait_in_a_queue() {
        let ms = |n: u64| n * 1_000_000;
        // Nothing measured yet, or a wave about as fast as the quickest
        // answer (a far server, or one not busy): no nap.
        assert_eq!(nap_for(u64::MAX, ms(5)), None);
        assert_eq!(nap_for(ms(5), ms(5)), None);
        assert_eq!(nap_for(ms(5), ms(14)), None);
        // Three times as long: a quarter of the wait beyond the quickest.
        assert_eq!(nap_for(ms(1), ms(3)), Some(Duration::from_micros(500)));
        assert_eq!(
            nap_for(100_000, 2_100_000),
            Some(Duration::from_micros(500))
        );
        // Never over 1 ms, never under 100 us.
        assert_eq!(nap_for(100_000, ms(40)), Some(MAX_NAP));
        assert_eq!(nap_for(100_000, 450_000), None);
        assert_eq!(nap_for(0, 300_000), None);
        assert_eq!(nap_for(0, 500_000), Some(Duration::from_micros(125)));
        // A moving average: the first sample as it is, then an eighth of
        // the way to each new one; no overflow at the extremes.
        assert_eq!(moving_average(0, 800), 800);
        assert_eq!(moving_average(800, 1_600), 900);
        assert_eq!(moving_average(u64::MAX, u64::MAX), u64::MAX);
    }

    #[test]
    fn exchanges_are_counted_until_answered_or_abandoned() {
        let pace: &'static Pace = Box::leak(Box::new(Pace::new()));
        let timed: Vec<Timed> = (0..WAVE).map(|_| pace.start()).collect();
        assert_eq!(pace.in_flight.load(Ordering::Relaxed), WAVE);
        assert_eq!(timed.last().map(|t| t.company), Some(WAVE));
        // Nothing answered yet: nothing known, no nap.
        assert_eq!(pace.nap(), None);
        // Failed (dropped unanswered): counted out, and not timed.
        drop(timed);
        assert_eq!(pace.in_flight.load(Ordering::Relaxed), 0);
        assert_eq!(pace.fastest_ns.load(Ordering::Relaxed), u64::MAX);
        assert_eq!(pace.wave_ns.load(Ordering::Relaxed), 0);
        let timed: Vec<Timed> = (0..WAVE).map(|_| pace.start()).collect();
        timed.into_iter().for_each(Timed::answered);
        assert_eq!(pace.in_flight.load(Ordering::Relaxed), 0);
        assert!(pace.fastest_ns.load(Ordering::Relaxed) < u64::MAX);
        assert!(pace.wave_ns.load(Ordering::Relaxed) > 0);
        // Below a wave in flight: no nap, whatever the times say.
        pace.fastest_ns.store(100_000, Ordering::Relaxed);
        pace.wave_ns.store(5_000_000, Ordering::Relaxed);
        let one = pace.start();
        assert_eq!(pace.nap(), None);
        let more: Vec<Timed> = (1..WAVE).map(|_| pace.start()).collect();
        assert_eq!(pace.nap(), Some(MAX_NAP));
        // A future dropped before its answer (a timeout) is no longer counted.
        drop((one, more));
        assert_eq!(pace.nap(), None);
    }

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
    fn proxies_are_used_for_remote_servers_never_for_loopback() {
        let m = Matcher::builder()
            .all("http://user:pass@proxy.test:3128")
            .no("skip.test")
            .build();
        let auth = |a: &str| Authority::try_from(a).expect("a literal authority");
        let route_of = |scheme: &Scheme, a: &str| {
            route(&m, false, scheme, &auth(a), HttpConnector::new()).expect("an http proxy")
        };
        for a in [
            "127.0.0.1:8200",
            "localhost:8200",
            "[::1]:8200",
            "skip.test:8200",
        ] {
            assert!(
                matches!(route_of(&Scheme::HTTPS, a), (Route::Direct(_), None)),
                "{a}"
            );
            assert!(
                matches!(route_of(&Scheme::HTTP, a), (Route::Direct(_), None)),
                "{a}"
            );
        }
        // A proxy given by VAULT_PROXY_ADDR takes loopback too.
        let given = route(
            &m,
            true,
            &Scheme::HTTP,
            &auth("127.0.0.1:8200"),
            HttpConnector::new(),
        );
        assert!(matches!(given, Ok((Route::Forward { .. }, Some(_)))));
        let (r, auth_header) = route_of(&Scheme::HTTPS, "vault.test:8200");
        assert!(matches!(r, Route::Tunnel(_)) && auth_header.is_none());
        let (r, auth_header) = route_of(&Scheme::HTTP, "vault.test:8200");
        assert!(matches!(r, Route::Forward { .. }));
        let auth_header = auth_header.expect("the proxy URL's user and password");
        assert!(auth_header.is_sensitive());
        // A SOCKS proxy is refused, without its password in the message.
        let socks = Matcher::builder()
            .all("socks5://user:hunter2@proxy.test:1080")
            .build();
        let err = route(
            &socks,
            false,
            &Scheme::HTTPS,
            &auth("vault.test:8200"),
            HttpConnector::new(),
        )
        .err()
        .expect("not an http proxy");
        assert!(
            err.contains("not an http:// proxy") && !err.contains("hunter2"),
            "{err}"
        );
    }

    /// A listener on a free loopback port, and the port.
    async fn loopback_listener() -> (tokio::net::TcpListener, u16) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let port = listener.local_addr().expect("a bound listener").port();
        (listener, port)
    }

    /// A client for `http://127.0.0.1:port` with no TLS roots.
    fn loopback_client(port: u16) -> Http {
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("the default versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
        let authority = Authority::try_from(format!("127.0.0.1:{port}")).expect("an authority");
        Http::new(
            tls,
            None,
            Scheme::HTTP,
            authority,
            Duration::from_secs(30),
            Proxies::FromEnvironment,
        )
        .expect("a client")
    }

    fn get(path: &str) -> Request<'static> {
        Request {
            method: http::Method::GET,
            path_and_query: path.into(),
            headers: [None, None, None],
            json: None,
        }
    }

    #[tokio::test]
    async fn connections_are_reused_and_one_the_server_closed_is_replaced() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // Each connection answers two requests (200 when the request is in
        // origin form with the right Host, else 400), then the server closes
        // it. Bounded: three connections at most.
        let (listener, port) = loopback_listener().await;
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            for _ in 0..3 {
                let Ok((mut conn, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                for _ in 0..2 {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                    let good = head.starts_with("get /v1/sys/health http/1.1\r\n")
                        && head.contains(&format!("\r\nhost: 127.0.0.1:{port}\r\n"));
                    let status = if good { "200 OK" } else { "400 Bad Request" };
                    let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\n\r\nok");
                    if conn.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
                drop(conn);
            }
        });
        let http = loopback_client(port);
        for _ in 0..2 {
            let (status, body) = http.send(get("/v1/sys/health")).await.expect("an answer");
            assert_eq!((status, &body[..]), (200, &b"ok"[..]));
        }
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "one connection for both"
        );
        // The server has closed the first connection: the pool notices and
        // makes a new one.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (status, _) = http.send(get("/v1/sys/health")).await.expect("an answer");
        assert_eq!(status, 200);
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_answer_without_end_is_cut_at_the_limit() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // A server that answers every request with a chunked body of up to
        // 64 MiB (bounded: the test cannot run forever if the limit fails).
        let (listener, port) = loopback_listener().await;
        tokio::spawn(async move {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let mut head = [0u8; 4096];
            let _ = conn.read(&mut head).await;
            let chunk = vec![b'x'; 65536];
            let mut out = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
            for _ in 0..1024 {
                out.extend_from_slice(b"10000\r\n");
                out.extend_from_slice(&chunk);
                out.extend_from_slice(b"\r\n");
                if conn.write_all(&out).await.is_err() {
                    return;
                }
                out.clear();
            }
        });
        let mut http = loopback_client(port);
        http.max_answer = 1 << 20;
        let err = http
            .send(get("/v1/sys/health"))
            .await
            .expect_err("cut at 1 MiB");
        assert_eq!(err.kind, Kind::TooLarge, "{err}");
        assert!(!err.is_exchange() && !err.is_connect() && !err.is_timeout());
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
