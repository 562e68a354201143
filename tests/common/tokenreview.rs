//! A stand-in for a Kubernetes API server's TokenReview endpoint, over TLS on
//! 127.0.0.1, so that OpenBao's (real) Kubernetes auth method can be exercised
//! without a cluster. It approves every review as one service account. Bounded:
//! it serves at most 32 connections and stops when dropped.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A running stand-in.
pub struct TokenReview {
    /// `https://127.0.0.1:<port>`.
    pub host: String,
    /// The certificate to give OpenBao as `kubernetes_ca_cert`.
    pub ca_pem: String,
    stop: Arc<AtomicBool>,
}

impl TokenReview {
    /// Starts it, approving tokens as `system:serviceaccount:<namespace>:<name>`.
    pub fn start(namespace: &str, name: &str) -> TokenReview {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let ca_pem = certified.cert.pem();
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let host = format!("https://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let username = format!("system:serviceaccount:{namespace}:{name}");
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while !stop2.load(Ordering::Relaxed) && Instant::now() < deadline && served < 32 {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        served += 1;
                        tcp.set_nonblocking(false).ok();
                        tcp.set_read_timeout(Some(Duration::from_secs(5))).ok();
                        let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                        let mut tls = rustls::StreamOwned::new(conn, tcp);
                        let _ = answer(&mut tls, &username);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TokenReview { host, ca_pem, stop }
    }
}

impl Drop for TokenReview {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn answer(stream: &mut (impl Read + Write), username: &str) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::json!({
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "status": {
            "authenticated": true,
            "user": {
                "username": username,
                "uid": "7f3c2a9e-0000-4000-8000-000000000001",
                "groups": ["system:serviceaccounts"]
            }
        }
    })
    .to_string();
    write!(
        stream,
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// A service-account token (a signed JWT) for `namespace`/`name`, with the
/// uid this stand-in's TokenReview answers with.
#[allow(dead_code)]
pub fn service_account_jwt(namespace: &str, name: &str) -> String {
    let claims = serde_json::json!({
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/service-account.name": name,
        "kubernetes.io/serviceaccount/service-account.uid": "7f3c2a9e-0000-4000-8000-000000000001",
        "kubernetes.io/serviceaccount/secret.name": format!("{name}-token"),
        "sub": format!("system:serviceaccount:{namespace}:{name}")
    });
    let pem = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/jwt/test-signing-key.pem"),
    )
    .unwrap();
    let key = jsonwebtoken::EncodingKey::from_ec_pem(&pem).unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
        &key,
    )
    .unwrap()
}
