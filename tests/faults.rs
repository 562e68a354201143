//! Timeouts and retries against real OpenBao servers: a server that never
//! answers fails within the timeout with a clear message; transient 500s,
//! 503s and 429s injected by a proxy in front of a real server are retried and
//! the apply succeeds; persistent ones fail naming the attempts. Issue 10,
//! item 3.

mod common;

use common::faultproxy::{FaultProxy, Rule};
use common::workspace::Workspace;
use common::{BaoDev, vaultform_cmd};
use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn a_server_that_never_answers_fails_within_the_timeout() {
    // Accepts connections (the kernel's backlog) and never reads or answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", silent.local_addr().unwrap());
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let mut cmd = vaultform_cmd(&bao);
    cmd.env("VAULT_ADDR", &addr)
        .env("VAULT_CLIENT_TIMEOUT", "2s")
        .env("VAULT_MAX_RETRIES", "1")
        .arg("-f")
        .arg(ws.manifest())
        .arg("plan")
        .timeout(Duration::from_secs(60));
    let started = Instant::now();
    let r = ws.record(cmd);
    let took = started.elapsed();
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("vaultform::vault::timeout"),
        "{}",
        r.stderr
    );
    // The message as one line (miette wraps at 80 columns).
    let flat = r.stderr.replace("\n  | ", " ");
    assert!(flat.contains("within 2s"), "{}", r.stderr);
    assert!(flat.contains("after 2 attempts"), "{}", r.stderr);
    // Two attempts of 2 s and a backoff, not "as long as you let it".
    assert!(took < Duration::from_secs(20), "took {took:?}");
    drop(silent);
}

#[test]
fn transient_server_errors_are_retried_and_the_apply_succeeds() {
    let bao = BaoDev::start();
    let proxy = FaultProxy::start(
        bao.port(),
        vec![
            Rule::new("GET", "sys/mounts", 500, 2),
            Rule::new("POST", "sys/policies/acl/web-policy", 500, 2),
            Rule::new("POST", "auth/approle/role/worker", 503, 1),
            Rule::new("LIST", "sys/policies/acl", 429, 2),
            // Creating a mount is not repeated after a 500 (its effect is
            // unknown), but a 429 means the server did not act: repeated.
            Rule::new("POST", "sys/mounts/kv-test", 429, 1),
            Rule::new("POST", "kv-test/data/web", 502, 2),
        ],
    );
    let mut ws = Workspace::new();
    let mut cmd = vaultform_cmd(&bao);
    cmd.env("VAULT_ADDR", proxy.addr())
        .env("VAULT_MAX_RETRIES", "2")
        .arg("-f")
        .arg(ws.manifest())
        .args(["apply", "--auto-approve"]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(proxy.injected(), 10, "{:?}", proxy.seen.lock().unwrap());
    assert!(r.stderr.contains("retrying"), "{}", r.stderr);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.assert_converged(&bao);
}

#[test]
fn persistent_server_errors_fail_naming_the_attempts_and_unsafe_writes_are_not_repeated() {
    let bao = BaoDev::start();
    let proxy = FaultProxy::start(
        bao.port(),
        vec![
            Rule::new("POST", "sys/policies/acl/web-policy", 500, 100),
            Rule::new("POST", "sys/mounts/kv-test", 500, 100),
        ],
    );
    let mut ws = Workspace::new();
    let mut cmd = vaultform_cmd(&bao);
    cmd.env("VAULT_ADDR", proxy.addr())
        .env("VAULT_MAX_RETRIES", "2")
        .arg("-f")
        .arg(ws.manifest())
        .args(["apply", "--auto-approve"]);
    let r = ws.record(cmd);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let seen = proxy.seen.lock().unwrap().clone();
    let count = |m: &str, p: &str| seen.iter().filter(|(sm, sp, _)| sm == m && sp == p).count();
    // A mount creation whose outcome is unknown is sent once.
    assert_eq!(count("POST", "sys/mounts/kv-test"), 1, "{seen:?}");
    assert!(r.stderr.contains("kv-test"), "{}", r.stderr);
    // Through the proxy, the failed create left nothing claimed.
    let (_, record) = bao.get("vaultform/data/managed");
    let recorded = record["data"]["data"]["addresses"].as_str().unwrap_or("");
    assert!(!recorded.contains("mount.kv-test"), "{recorded}");
    // A policy write (idempotent) is retried: 1 + 2 attempts, if it ran.
    let policy = count("POST", "sys/policies/acl/web-policy");
    assert!(policy == 0 || policy == 3, "{seen:?}");
    if policy == 3 {
        let flat = r.stderr.replace("\n  | ", " ");
        assert!(flat.contains("after 3 attempts"), "{}", r.stderr);
    }
}
