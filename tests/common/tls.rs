//! A dev server that listens with TLS (`-dev-tls`), for testing `VAULT_CACERT`
//! and `VAULT_SKIP_VERIFY`. Same watchdog as [`super::BaoDev`]; ready when its
//! CA file exists and its log says it started.

use super::{bao_bin, free_port_pair, random_token, spawn_watchdog, stop};
use std::fs;
use std::path::PathBuf;
use std::process::{Child, ChildStdin};
use std::thread;
use std::time::{Duration, Instant};

/// A running TLS dev server.
pub struct BaoTls {
    /// `https://127.0.0.1:<port>`.
    pub addr: String,
    /// The root token.
    pub token: String,
    /// The server's CA certificate (PEM).
    pub ca: PathBuf,
    watchdog: Child,
    lifeline: Option<ChildStdin>,
    _dir: tempfile::TempDir,
}

impl BaoTls {
    /// Starts one, retrying on a new port after an early exit (at most 5 tries).
    pub fn start() -> BaoTls {
        let bin = bao_bin();
        let dir = tempfile::Builder::new()
            .prefix("vaultform-bao-tls-")
            .tempdir()
            .unwrap();
        let token = random_token();
        let mut failures = Vec::new();
        for attempt in 1..=5 {
            let port = free_port_pair().unwrap();
            let certs = dir.path().join(format!("certs-{attempt}"));
            fs::create_dir_all(&certs).unwrap();
            let log = dir.path().join(format!("bao-{attempt}.log"));
            let pid = dir.path().join(format!("bao-{attempt}.pid"));
            let wlog = dir.path().join(format!("watchdog-{attempt}.log"));
            let extra = vec![
                "-dev-tls".to_string(),
                format!("-dev-tls-cert-dir={}", certs.display()),
            ];
            let mut watchdog =
                spawn_watchdog(&bin, dir.path(), &token, port, (&log, &pid, &wlog), &extra)
                    .unwrap();
            let lifeline = watchdog.stdin.take();
            let ca = certs.join("vault-ca.pem");
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let text = fs::read_to_string(&log).unwrap_or_default();
                if ca.exists() && text.contains("OpenBao server started") {
                    return BaoTls {
                        addr: format!("https://127.0.0.1:{port}"),
                        token,
                        ca,
                        watchdog,
                        lifeline,
                        _dir: dir,
                    };
                }
                if let Ok(Some(_)) = watchdog.try_wait() {
                    failures.push(format!("attempt {attempt}: exited early:\n{text}"));
                    break;
                }
                if Instant::now() > deadline {
                    stop(&mut watchdog, lifeline);
                    panic!("TLS dev server not ready after 30 s:\n{text}");
                }
                thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("cannot start a TLS dev server:\n{}", failures.join("\n"));
    }
}

impl Drop for BaoTls {
    fn drop(&mut self) {
        stop(&mut self.watchdog, self.lifeline.take());
    }
}
