//! The apply lock against a real OpenBao server: a held lock makes apply wait
//! and then fail naming the holder; `plan` never needs it; `force-unlock`
//! frees it only for the holder's id; an expired lock is taken over; two
//! concurrent applies (of one manifest, or of two on a fresh server) both end
//! well with nothing lost. Issue 10, item 2.

mod common;

use common::workspace::Workspace;
use common::{BaoDev, vaultform_cmd};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Plants a lock of the `default` manifest held by someone else.
fn plant_lock(bao: &BaoDev, id: &str, expires: u64) {
    let (s, _) = bao.write(
        "sys/mounts/vaultform",
        &json!({ "type": "kv", "options": { "version": "2" } }),
    );
    assert!(s == 204 || s == 400, "{s}");
    let body = json!({ "data": { "state": "held", "holder": {
        "id": id, "user": "alice", "host": "ci-runner-7", "pid": 4242,
        "started": now() - 30, "expires": expires } } });
    assert_eq!(bao.write_kv("vaultform/data/locks/default", &body), 200);
}

#[test]
fn a_held_lock_makes_apply_wait_then_fail_naming_the_holder() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    plant_lock(&bao, "abc123lockid", now() + 600);

    // plan never takes the lock.
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);

    let started = Instant::now();
    let r = ws.run(&bao, &["apply", "--auto-approve", "--lock-timeout", "2s"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(
        common::flat(&r.stderr).contains("vaultform::lock::held"),
        "{}",
        r.stderr
    );
    assert!(
        common::flat(&r.stderr).contains("abc123lockid"),
        "{}",
        r.stderr
    );
    assert!(
        common::flat(&r.stderr).contains("alice@ci-runner-7"),
        "{}",
        r.stderr
    );
    assert!(
        common::flat(&r.stderr).contains("force-unlock abc123lockid"),
        "{}",
        r.stderr
    );
    // Nothing was applied.
    assert_eq!(bao.get("sys/policies/acl/web-policy").0, 404);

    let r = ws.run(&bao, &["force-unlock", "not-the-id"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        common::flat(&r.stderr).contains("not_holder"),
        "{}",
        r.stderr
    );
    let r = ws.run(&bao, &["force-unlock", "abc123lockid"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    ws.apply(&bao);
    ws.assert_converged(&bao);
    let (_, lock) = bao.get("vaultform/data/locks/default");
    assert_eq!(lock["data"]["data"]["state"], "free", "{lock}");
}

#[test]
fn an_expired_lock_is_taken_over_and_a_no_op_apply_takes_none() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    plant_lock(&bao, "deadholder", now() - 5);
    let r = ws.run(&bao, &["apply", "--auto-approve", "--lock-timeout", "0s"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let (_, lock) = bao.get("vaultform/data/locks/default");
    let version = lock["data"]["metadata"]["version"].clone();
    assert_eq!(lock["data"]["data"]["state"], "free");
    // No changes: no lock taken, nothing written.
    let r = ws.apply(&bao);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
    let (_, lock) = bao.get("vaultform/data/locks/default");
    assert_eq!(lock["data"]["metadata"]["version"], version);
}

fn spawn_apply(bao: &BaoDev, manifest: &std::path::Path) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vaultform"));
    cmd.env_clear()
        .env("VAULT_ADDR", bao.addr())
        .env("VAULT_TOKEN", bao.token())
        .env("HOME", bao.fresh_home())
        .env("NO_COLOR", "1")
        .arg("-f")
        .arg(manifest)
        .args(["apply", "--auto-approve", "--lock-timeout", "60s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd.spawn().unwrap()
}

#[test]
fn concurrent_applies_of_one_manifest_both_succeed_and_lose_nothing() {
    let bao = BaoDev::start();
    let ws = Workspace::new();
    // A fresh server: both race to create the ownership mount too.
    let children: Vec<_> = (0..3).map(|_| spawn_apply(&bao, &ws.manifest())).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        for s in common::workspace::FIXTURE_SECRETS {
            assert!(!stdout.contains(s) && !stderr.contains(s));
        }
    }
    let mut ws = ws;
    ws.assert_converged(&bao);
    let (_, record) = bao.get("vaultform/data/managed");
    let addresses = record["data"]["data"]["addresses"].as_str().unwrap();
    assert!(addresses.contains("kv.kv-test/web") && addresses.contains("policy.worker-policy"));
}

#[test]
fn concurrent_applies_of_two_manifests_on_a_fresh_server_both_succeed() {
    let bao = BaoDev::start();
    let a = Workspace::new();
    let b = Workspace::new();
    a.edit("vault.toml", |t| {
        format!("{t}\n[vaultform]\nname = \"a\"\n")
    });
    // b: its own names for everything, so the two do not overlap.
    b.edit("vault.toml", |t| {
        format!("{t}\n[vaultform]\nname = \"b\"\n")
            .replace("kv-test", "kv-b")
            .replace("[auth.approle]", "[auth.approle-b]")
            .replace("[approles.web]", "[approles.web]\nmount = \"approle-b\"")
            .replace(
                "[approles.worker]",
                "[approles.worker]\nmount = \"approle-b\"",
            )
    });
    b.edit("policies/web-policy.hcl", |t| t.replace("kv-test", "kv-b"));
    b.edit("policies/worker-policy.hcl", |t| {
        t.replace("kv-test", "kv-b")
    });
    std::fs::rename(
        b.path("policies/web-policy.hcl"),
        b.path("policies/b-web-policy.hcl"),
    )
    .unwrap();
    std::fs::rename(
        b.path("policies/worker-policy.hcl"),
        b.path("policies/b-worker-policy.hcl"),
    )
    .unwrap();
    b.edit("vault.toml", |t| {
        t.replace("\"web-policy\"", "\"b-web-policy\"")
            .replace("\"worker-policy\"", "\"b-worker-policy\"")
    });
    let ca = spawn_apply(&bao, &a.manifest());
    let cb = spawn_apply(&bao, &b.manifest());
    for child in [ca, cb] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (mut a, mut b) = (a, b);
    a.assert_converged(&bao);
    b.assert_converged(&bao);
    let _ = vaultform_cmd(&bao);
}
