//! The only HTTP code: one client per run, our own endpoint calls over
//! hyper connections in a small pool (`http.rs`; vaultrs only checks the connection
//! settings): vaultrs lacks some endpoints, parses others lossily on OpenBao,
//! and its typed calls cost about 1.7 times ours per request (callgrind, KV v2
//! writes), which shows at thousands of requests. Reads decode straight into
//! the fields used and writes encode straight from borrowed data.
//!
//! Errors name the method, the path, the status and Vault's own `errors` list;
//! they never include a request body.

mod connect;
mod error;
mod http;
mod login;

pub use connect::{ConnectError, Connection};
pub use error::VaultError;
pub use http::nap_before_park;
pub use login::{AuthMethod, LoginError, Session};

pub use ::http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts of requests by kind, for `--stats` and the benchmark.
#[derive(Debug, Default)]
pub struct RequestCounts {
    /// GET requests.
    pub reads: AtomicU64,
    /// LIST requests.
    pub lists: AtomicU64,
    /// POST, PUT and DELETE requests.
    pub writes: AtomicU64,
    /// Requests sent again after a transient failure (also counted above).
    pub retries: AtomicU64,
}

impl RequestCounts {
    /// (reads, lists, writes) so far.
    pub fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.reads.load(Ordering::Relaxed),
            self.lists.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }
}

/// A connected Vault client. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    http: http::Http,
    base: String,
    /// The start of every request's path: the address's own path, then
    /// `/v1/` (`https://host/prefix` sends to `/prefix/v1/...`).
    path_base: String,
    namespace: Option<String>,
    counts: RequestCounts,
    timeout: std::time::Duration,
    max_retries: u32,
    /// The token (vaultrs's settings hold none).
    token: crate::secret::Token,
    /// When this client last created a mount: for a few seconds after, a
    /// `404 no handler for route` under it means "not ready yet" (measured
    /// through raft standbys), not "missing".
    mount_created: std::sync::Mutex<Option<std::time::Instant>>,
    /// Set when a request ran out of retries because the server could not be
    /// reached: later requests of this run get one attempt each, so that a
    /// dead server fails a large apply at once instead of every one of its
    /// thousands of requests retrying on its own (measured: 100 s).
    unreachable: std::sync::atomic::AtomicBool,
}

/// How long a new mount may answer `no handler for route` or be upgrading.
const NEW_MOUNT_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);
/// Attempts while a KV v2 mount upgrades (about 5 s in all): the server did
/// not act on these requests, so every method may repeat them.
const UPGRADE_ATTEMPTS: u32 = 40;

/// Whether a request may be sent again after a failure whose effect is
/// unknown (a timeout, a 500). Reads, deletes and writes that set a whole
/// object (or are guarded by check-and-set) may; creating a mount, issuing a
/// secret ID, logging in, initialising and unsealing may not. Either kind is
/// sent again when the server certainly did not act on it: the connection
/// was refused, or it answered 429 (standby, rate limit) or 412.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repeat {
    Safe,
    Once,
}

/// A response: the HTTP status and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Parsed body, or `Null` for an empty body.
    pub body: Value,
}

impl Vault {
    /// Builds a client from connection settings.
    pub fn new(conn: &Connection) -> Result<Self, ConnectError> {
        // vaultrs checks the settings (address, CA bundle); requests go through
        // our own client built from the same settings, without redirects.
        conn.build_client()?;
        let (http, prefix) = conn.build_http()?;
        let base = conn.address.trim_end_matches('/').to_string();
        let path_base = format!("{prefix}/v1/");
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                path_base,
                namespace: conn.namespace.clone(),
                counts: RequestCounts::default(),
                timeout: conn.timeout,
                max_retries: conn.max_retries,
                token: conn.token.clone(),
                mount_created: std::sync::Mutex::new(None),
                unreachable: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// A client that sends `token` and shares this one's connection pool
    /// and settings (building a client costs far more than a request: a
    /// service's start-up logs in, then reads with the token it got).
    pub fn with_token(&self, token: &crate::secret::Token) -> Vault {
        let i = &self.inner;
        Vault {
            inner: Arc::new(Inner {
                http: i.http.clone(),
                base: i.base.clone(),
                path_base: i.path_base.clone(),
                namespace: i.namespace.clone(),
                counts: RequestCounts::default(),
                timeout: i.timeout,
                max_retries: i.max_retries,
                token: token.clone(),
                mount_created: std::sync::Mutex::new(None),
                unreachable: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// The server address.
    pub fn address(&self) -> &str {
        &self.inner.base
    }

    /// Request counts so far.
    pub fn counts(&self) -> &RequestCounts {
        &self.inner.counts
    }

    /// The path and query of API path `path`: `/v1/<path>?<query>`, after
    /// the address's own path, percent-encoded.
    fn path_and_query(&self, path: &str, query: &[(&str, &str)]) -> String {
        let path = path.trim_start_matches('/');
        let mut out = String::with_capacity(self.inner.path_base.len() + path.len() + 1);
        out.push_str(&self.inner.path_base);
        http::push_path(&mut out, path);
        if !query.is_empty() {
            out.push('?');
            let start = out.len();
            url::form_urlencoded::Serializer::for_suffix(&mut out, start)
                .extend_pairs(query)
                .finish();
        }
        out
    }

    /// Sends one request to `/v1/<path>` and returns status and body, whatever
    /// the status. Only transport failures are errors here.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, VaultError> {
        self.send_with_token(method, path, body, None).await
    }

    /// One GET with no retry, for callers that poll on their own (waiting for
    /// a server to come up): a retry would only delay the next poll.
    pub async fn probe(&self, path: &str) -> Result<Response, VaultError> {
        crate::names::api_path(path).map_err(|why| VaultError::UnsafePath {
            method: "GET".into(),
            why,
        })?;
        let (status, bytes) = self
            .send_once(Method::GET, path, &[], None::<&Value>, None, None)
            .await?;
        Ok(Response {
            status,
            body: json_or_null(&bytes),
        })
    }

    /// Like [`Vault::send`], with another token than the client's.
    pub async fn send_with_token(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> Result<Response, VaultError> {
        let repeat = if method == Method::POST || method == Method::PUT {
            Repeat::Once
        } else {
            Repeat::Safe
        };
        let (status, bytes) = self
            .send_bytes(method, path, &[], body, token, None, repeat)
            .await?;
        Ok(Response {
            status,
            body: json_or_null(&bytes),
        })
    }

    /// One request with bounded retries: the status and the raw body.
    /// `wrap_ttl` asks Vault to answer with a response-wrapping token
    /// (`X-Vault-Wrap-TTL`, seconds). Transient failures (see [`Repeat`]) are
    /// retried up to `max_retries` times with exponential backoff and jitter;
    /// when they persist, the error says how many attempts were made.
    #[allow(clippy::too_many_arguments)]
    async fn send_bytes<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        token: Option<&str>,
        wrap_ttl: Option<u64>,
        repeat: Repeat,
    ) -> Result<(u16, bytes::Bytes), VaultError> {
        // The last line of defence: whatever built `path`, a request can only
        // address the path it names (the URL parser would collapse `..`).
        crate::names::api_path(path).map_err(|why| VaultError::UnsafePath {
            method: method.to_string(),
            why,
        })?;
        let safe = repeat == Repeat::Safe;
        let mut attempt: u32 = 0;
        let mut settling: u32 = 0;
        loop {
            attempt += 1;
            // Boxed: the HTTP exchange's state (about 1 KB) is then allocated
            // when the request starts, not inside every future that will send
            // one. A plan makes its reads' futures before sending them (three
            // per service), and holding 20,000 of that size was a quarter of
            // the peak memory at 10,000 services.
            let result =
                Box::pin(self.send_once(method.clone(), path, query, body, token, wrap_ttl)).await;
            // A mount that is not ready yet: KV v2 upgrading its storage, or
            // just created and not yet routed (through a standby). The server
            // did not act; wait a little and repeat, up to about 5 s.
            if let Ok((status, bytes)) = &result
                && settling < UPGRADE_ATTEMPTS
                && self.mount_settling(*status, bytes)
            {
                settling += 1;
                attempt -= 1;
                self.inner.counts.retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(
                    25 * u64::from(settling.min(8)),
                ))
                .await;
                continue;
            }
            if (200..300).contains(&result.as_ref().map(|(s, _)| *s).unwrap_or(0))
                && method == Method::POST
                && (path.starts_with("sys/mounts/") || path.starts_with("sys/auth/"))
                && !path.ends_with("/tune")
                && let Ok(mut t) = self.inner.mount_created.lock()
            {
                *t = Some(std::time::Instant::now());
            }
            let transient = match &result {
                // The server was found unreachable earlier in this run.
                Err(VaultError::Transport { .. })
                    if self.inner.unreachable.load(Ordering::Relaxed) =>
                {
                    false
                }
                Err(VaultError::Transport { source, .. }) => {
                    source.is_connect() || (safe && (source.is_timeout() || source.is_exchange()))
                }
                Err(_) => false,
                Ok((status, bytes)) => transient_status(*status, bytes, safe),
            };
            if result.is_ok() && self.inner.unreachable.load(Ordering::Relaxed) {
                // It answers again: retries are worth it again.
                self.inner.unreachable.store(false, Ordering::Relaxed);
            }
            if !transient {
                return match result {
                    Err(VaultError::Transport {
                        method,
                        path,
                        address,
                        source,
                    }) if source.is_timeout() => Err(VaultError::Timeout {
                        method,
                        path,
                        address,
                        seconds: self.inner.timeout.as_secs(),
                    }),
                    other => other,
                };
            }
            if attempt > self.inner.max_retries {
                if matches!(&result, Err(VaultError::Transport { source, .. }) if source.is_connect())
                {
                    self.inner.unreachable.store(true, Ordering::Relaxed);
                }
                let attempts = format!("{path} (after {attempt} attempts)");
                return match result {
                    Err(VaultError::Transport {
                        method,
                        address,
                        source,
                        ..
                    }) if source.is_timeout() => Err(VaultError::Timeout {
                        method,
                        path: attempts,
                        address,
                        seconds: self.inner.timeout.as_secs(),
                    }),
                    Err(VaultError::Transport {
                        method,
                        address,
                        source,
                        ..
                    }) => Err(VaultError::Transport {
                        method,
                        path: attempts,
                        address,
                        source,
                    }),
                    Ok((status, bytes)) if attempt > 1 => Err(VaultError::from_response(
                        method.as_str(),
                        &attempts,
                        Response {
                            status,
                            body: json_or_null(&bytes),
                        },
                    )),
                    other => other,
                };
            }
            self.inner.counts.retries.fetch_add(1, Ordering::Relaxed);
            let wait = backoff(attempt);
            tracing::warn!(
                method = %method,
                path,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "transient failure; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Whether an answer means a mount is still settling: a KV v2 mount
    /// upgrading its storage (the leader's and a standby's words), or a
    /// `no handler for route` shortly after this client created a mount.
    fn mount_settling(&self, status: u16, bytes: &[u8]) -> bool {
        if status != 400 && status != 404 {
            return false;
        }
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
        if status == 400 {
            return text.contains("Upgrading from non-versioned")
                || text.contains("Waiting for the primary to upgrade");
        }
        text.contains("no handler for route")
            && self
                .inner
                .mount_created
                .lock()
                .ok()
                .and_then(|t| *t)
                .is_some_and(|t| t.elapsed() < NEW_MOUNT_WINDOW)
    }

    /// One request, no retry.
    async fn send_once<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        token: Option<&str>,
        wrap_ttl: Option<u64>,
    ) -> Result<(u16, bytes::Bytes), VaultError> {
        let counter = match method.as_str() {
            "GET" => &self.inner.counts.reads,
            "LIST" | "SCAN" => &self.inner.counts.lists,
            _ => &self.inner.counts.writes,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let token = token.unwrap_or(self.inner.token.expose());
        let wrap_ttl = wrap_ttl.map(|ttl| ttl.to_string());
        let json = match body {
            Some(body) => Some(serde_json::to_vec(body).map_err(|e| VaultError::Internal {
                what: format!("cannot encode the body of {method} {path}: {e}"),
            })?),
            None => None,
        };
        let req = http::Request {
            method: method.clone(),
            path_and_query: self.path_and_query(path, query),
            headers: [
                (!token.is_empty()).then_some(("X-Vault-Token", token, true)),
                self.inner
                    .namespace
                    .as_deref()
                    .map(|ns| ("X-Vault-Namespace", ns, false)),
                wrap_ttl
                    .as_deref()
                    .map(|ttl| ("X-Vault-Wrap-TTL", ttl, false)),
            ],
            json,
        };
        let (status, bytes) = self
            .inner
            .http
            .send(req)
            .await
            .map_err(|e| transport_error(&method, path, &self.inner.base, e))?;
        Ok((status, bytes))
    }

    /// GET, decoding a 2xx body straight into `T` (no intermediate JSON tree:
    /// the reads of a plan are most of its requests). `None` on 404.
    pub async fn read_as<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, VaultError> {
        self.read_seed(path, std::marker::PhantomData::<T>).await
    }

    /// [`Vault::read_as`] decoding with `seed`, which may keep only part of
    /// the answer. `None` on 404; any other status is the server's error.
    pub async fn read_seed<S, T>(&self, path: &str, seed: S) -> Result<Option<T>, VaultError>
    where
        S: for<'de> serde::de::DeserializeSeed<'de, Value = T>,
    {
        let (status, bytes) = self.get_bytes(path).await?;
        if status == 404 {
            return Ok(None);
        }
        decode_seed(&bytes, seed)
            .map(Some)
            .map_err(|e| undecodable("GET", path, &e))
    }

    /// GET: the status and body of a 2xx or 404 answer; any other status is
    /// the server's error.
    async fn get_bytes(&self, path: &str) -> Result<(u16, bytes::Bytes), VaultError> {
        let (status, bytes) = self
            .send_bytes(
                Method::GET,
                path,
                &[],
                None::<&Value>,
                None,
                None,
                Repeat::Safe,
            )
            .await?;
        match status {
            200..=299 | 404 => Ok((status, bytes)),
            _ => Err(VaultError::from_response(
                "GET",
                path,
                Response {
                    status,
                    body: json_or_null(&bytes),
                },
            )),
        }
    }

    /// GET, decoding the body into `T` on 2xx and on 404 (where KV v2 puts the
    /// metadata of a deleted version): the status and the body, `None` when a
    /// 404 body does not decode. Other statuses are errors.
    pub async fn get_as<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(u16, Option<T>), VaultError> {
        let (status, bytes) = self.get_bytes(path).await?;
        if status == 404 {
            return Ok((status, decode(&bytes).ok()));
        }
        decode(&bytes)
            .map(|t| (status, Some(t)))
            .map_err(|e| undecodable("GET", path, &e))
    }

    /// Sends `method` (no body) to `path` with `query` and decodes a 2xx
    /// body straight into `T`; any other status comes back as it is, for
    /// the caller to judge (`SCAN` refused, a 404 empty list). A 2xx body
    /// that does not decode is an error that says where, never what.
    pub async fn fetch_as<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Result<T, Response>, VaultError> {
        let (status, bytes) = self
            .send_bytes(
                method.clone(),
                path,
                query,
                None::<&Value>,
                None,
                None,
                Repeat::Safe,
            )
            .await?;
        if !(200..300).contains(&status) {
            return Ok(Err(Response {
                status,
                body: json_or_null(&bytes),
            }));
        }
        decode(&bytes)
            .map(Ok)
            .map_err(|e| undecodable(method.as_str(), path, &e))
    }

    /// GET: `Some(body)` on 2xx, `None` on 404, an error otherwise.
    pub async fn read(&self, path: &str) -> Result<Option<Value>, VaultError> {
        let resp = self.send(Method::GET, path, None).await?;
        match resp.status {
            200..=299 => Ok(Some(resp.body)),
            404 => Ok(None),
            _ => Err(VaultError::from_response("GET", path, resp)),
        }
    }

    /// LIST: the `keys`, empty on 404 (Vault's answer for an empty list).
    pub async fn list(&self, path: &str) -> Result<Vec<String>, VaultError> {
        let method = Method::from_bytes(b"LIST").map_err(|_| VaultError::Internal {
            what: "LIST is a valid method token".into(),
        })?;
        let resp = self.send(method, path, None).await?;
        match resp.status {
            200..=299 => Ok(resp.body["data"]["keys"]
                .as_array()
                .map(|keys| {
                    keys.iter()
                        .filter_map(|k| k.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()),
            404 => Ok(Vec::new()),
            _ => Err(VaultError::from_response("LIST", path, resp)),
        }
    }

    /// POST a JSON body; the response body on 2xx.
    pub async fn write(&self, path: &str, body: &Value) -> Result<Value, VaultError> {
        self.post(path, body).await
    }

    /// POST any serialisable body, encoded straight from it (no JSON tree
    /// built first); the response body on 2xx.
    pub async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<Value, VaultError> {
        let (status, bytes) = self
            .send_bytes(
                Method::POST,
                path,
                &[],
                Some(body),
                None,
                None,
                Repeat::Safe,
            )
            .await?;
        post_answer(path, status, &bytes)
    }

    /// POST that must not be repeated after a failure whose effect is unknown
    /// (creating a mount, issuing a secret ID, logging in).
    pub async fn write_once(&self, path: &str, body: &Value) -> Result<Value, VaultError> {
        let (status, bytes) = self
            .send_bytes(
                Method::POST,
                path,
                &[],
                Some(body),
                None,
                None,
                Repeat::Once,
            )
            .await?;
        post_answer(path, status, &bytes)
    }

    /// POST asking for a response-wrapped answer (`X-Vault-Wrap-TTL`).
    pub async fn write_wrapped(
        &self,
        path: &str,
        body: &Value,
        ttl_seconds: u64,
    ) -> Result<Value, VaultError> {
        let (status, bytes) = self
            .send_bytes(
                Method::POST,
                path,
                &[],
                Some(body),
                None,
                Some(ttl_seconds),
                Repeat::Once,
            )
            .await?;
        post_answer(path, status, &bytes)
    }

    /// DELETE; idempotent on Vault's side (204 for missing things too).
    pub async fn delete(&self, path: &str) -> Result<(), VaultError> {
        let resp = self.send(Method::DELETE, path, None).await?;
        match resp.status {
            200..=299 | 404 => Ok(()),
            _ => Err(VaultError::from_response("DELETE", path, resp)),
        }
    }
}

/// Whether an answer is worth another attempt: 429 and 412 always (the
/// server did not act), 500, 502, 503 (unless sealed) and 504 for requests
/// that are [`Repeat::Safe`]. A mount that is still settling (KV v2 upgrade
/// window, not yet routed) has its own, longer wait (`mount_settling`).
fn transient_status(status: u16, bytes: &[u8], safe: bool) -> bool {
    match status {
        // 307: a standby pointing at a leader (OpenBao forwards requests
        // itself; it redirects while the leader is gone): not acted on.
        307 | 429 | 412 => true,
        500 | 502 | 504 => safe,
        503 => safe && !String::from_utf8_lossy(bytes).contains("sealed"),
        _ => false,
    }
}

/// The wait before attempt `attempt + 1`: 500 ms doubling, capped at 5 s,
/// with ±50% jitter so that concurrent clients do not retry in step (about
/// 1.5 s over the default two retries, as the Vault CLI; a raft election
/// takes 1.6-2.6 s here, measured).
fn backoff(attempt: u32) -> std::time::Duration {
    use rand::Rng;
    let base = 250u64.saturating_mul(1 << attempt.min(6)).min(5_000);
    let jitter = rand::thread_rng().gen_range(0.5..1.5);
    std::time::Duration::from_millis((base as f64 * jitter) as u64)
}

/// Decodes a whole JSON answer into `T` (see [`decode_seed`]).
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    decode_seed(bytes, std::marker::PhantomData::<T>)
}

/// Decodes a whole JSON answer with `seed`, nothing but white space after
/// it. The body's UTF-8 is checked once and the JSON parsed from the text:
/// parsed from bytes, serde_json checks every string again (measured: 61,000
/// checks, 2.6% of a no-op plan's instructions at 1,000 services).
fn decode_seed<S, T>(bytes: &[u8], seed: S) -> serde_json::Result<T>
where
    S: for<'de> serde::de::DeserializeSeed<'de, Value = T>,
{
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let t = seed.deserialize(&mut de)?;
            de.end()?;
            Ok(t)
        }
        // serde_json's error says where the JSON breaks, if it does; a
        // string that is not UTF-8 is an error of its own.
        Err(_) => serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .and_then(|_| Err(serde::de::Error::custom("the answer is not UTF-8"))),
    }
}

/// A 2xx answer that does not decode: where, never what (serde's message
/// can quote the offending value).
fn undecodable(method: &str, path: &str, e: &serde_json::Error) -> VaultError {
    VaultError::Unexpected {
        method: method.into(),
        path: path.into(),
        what: format!(
            "cannot decode the response ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ),
    }
}

/// A transport error, or a clearer one when the cause is an `https://` address
/// for a plain-HTTP listener.
fn transport_error(
    method: &Method,
    path: &str,
    address: &str,
    e: http::TransportError,
) -> VaultError {
    let mut chain = String::new();
    let mut cause: Option<&dyn std::error::Error> = Some(&e);
    while let Some(c) = cause {
        chain.push_str(&c.to_string());
        chain.push(' ');
        cause = c.source();
    }
    if address.starts_with("https://")
        && (chain.contains("InvalidContentType") || chain.contains("corrupt message"))
    {
        return VaultError::WrongScheme {
            what: format!(
                "{method} {path} at {address}: the server answered the TLS handshake in plain HTTP"
            ),
            help: format!(
                "the listener does not use TLS: set VAULT_ADDR={}",
                address.replacen("https://", "http://", 1)
            ),
        };
    }
    VaultError::Transport {
        method: method.to_string(),
        path: path.to_string(),
        address: address.to_string(),
        source: e,
    }
}

impl Vault {
    /// A clearer error for a failure whose cause the server can tell: a 403
    /// from a token that is not valid at all, a 503 from a server that is not
    /// initialised rather than sealed. One extra request, only on failure.
    pub async fn diagnose(&self, err: VaultError) -> VaultError {
        match err {
            VaultError::PermissionDenied { method, path } => {
                match self.send(Method::GET, "auth/token/lookup-self", None).await {
                    Ok(r) if r.status == 403 => VaultError::InvalidToken { method, path },
                    _ => VaultError::PermissionDenied { method, path },
                }
            }
            VaultError::Sealed { method, path } => {
                match self.send(Method::GET, "sys/seal-status", None).await {
                    Ok(r) if r.body["initialized"] == Value::Bool(false) => {
                        VaultError::NotInitialised {
                            address: self.inner.base.clone(),
                            method,
                            path,
                        }
                    }
                    _ => VaultError::Sealed { method, path },
                }
            }
            other => other,
        }
    }
}

/// A POST's answer: the body on 2xx, an error naming the path otherwise.
fn post_answer(path: &str, status: u16, bytes: &[u8]) -> Result<Value, VaultError> {
    let body = json_or_null(bytes);
    match status {
        200..=299 => Ok(body),
        _ => Err(VaultError::from_response(
            "POST",
            path,
            Response { status, body },
        )),
    }
}

/// The body as JSON; `Null` when empty. A body that is not JSON (a proxy's
/// page, "Client sent an HTTP request to an HTTPS server.") becomes an
/// `errors` list holding its first line, cut to 120 characters, so that the
/// error says what answered.
fn json_or_null(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    decode(bytes).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
        let line: String = text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect();
        serde_json::json!({ "errors": [format!("(not a Vault answer) {line}")] })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_decode_from_their_text_and_only_whole() {
        let v: Value = decode(br#"{"data":{"k":"\u00e9t\u00e9","n":1}}"#).unwrap();
        assert_eq!(v["data"]["k"], "\u{e9}t\u{e9}");
        let v: Value = decode(" {\"a\":\"\u{e9}\"} \n".as_bytes()).unwrap();
        assert_eq!(v["a"], "\u{e9}");
        // Trailing text, broken JSON, and bytes that are not UTF-8 (inside a
        // string or out of one) are errors.
        for bad in [
            &b"{} {}"[..],
            b"{\"a\":",
            b"{\"a\":\"\xff\"}",
            b"\xff{}",
            b"",
        ] {
            assert!(decode::<Value>(bad).is_err(), "{bad:?}");
        }
    }

    fn connection(address: &str) -> Connection {
        Connection::new(address, "t")
    }

    fn vault(address: &str) -> Vault {
        Vault::new(&connection(address)).expect("a valid address")
    }

    #[test]
    fn request_paths_keep_the_address_path_prefix_and_encode_the_query() {
        let cases = [
            (
                "http://127.0.0.1:8200",
                "secret/data/app",
                &[][..],
                "/v1/secret/data/app",
            ),
            (
                "http://127.0.0.1:8200",
                "/sys/mounts",
                &[],
                "/v1/sys/mounts",
            ),
            (
                "https://vault.example.com/prefix/",
                "sys/policies/acl/a_b",
                &[],
                "/prefix/v1/sys/policies/acl/a_b",
            ),
            (
                "http://127.0.0.1:8200",
                "kv/metadata/app",
                &[("list", "true"), ("after", "a b&c=d/é")],
                "/v1/kv/metadata/app?list=true&after=a+b%26c%3Dd%2F%C3%A9",
            ),
        ];
        for (address, path, query, want) in cases {
            assert_eq!(
                vault(address).path_and_query(path, query),
                want,
                "{address} + {path}"
            );
        }
    }

    #[tokio::test]
    async fn paths_that_could_address_something_else_are_never_sent() {
        // Port 9 on loopback: were anything sent, it would fail as a transport
        // error, not as an unsafe path.
        let v = vault("http://127.0.0.1:9");
        for path in [
            "secret/data/a/../../../sys/mounts/important",
            "secret/data/./x",
            "secret/data/%2e%2e/x",
            "secret/data/a//b",
            "sys/policies/acl/a b",
            "kv/data/x?y",
            "kv/data/x#y",
            "kv/data/a\\..\\b",
            "kv/data/a\nb",
        ] {
            let err = v.send(Method::DELETE, path, None).await.unwrap_err();
            assert!(
                matches!(err, VaultError::UnsafePath { .. }),
                "{path}: {err:?}"
            );
        }
        assert_eq!(v.counts().snapshot(), (0, 0, 0));
    }

    #[test]
    fn an_address_that_is_not_a_url_is_refused() {
        assert!(Vault::new(&connection("mailto:x@y")).is_err());
    }
}
