//! Errors that name the cause, against real OpenBao servers: a token that is
//! not valid is not "permission denied", an uninitialised server is not
//! "sealed", `https://` on a plain listener says so, an address without a
//! scheme is an error (not a panic), a missing `.env` is one error, and a
//! closed stderr or stdout never panics. Issue 10, item 5.

mod common;

use common::server::{BaoServer, vaultform_at};
use common::{BaoDev, vaultform_cmd};
use std::fs;
use std::process::Stdio;

fn basic() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/vault.toml")
}

fn stderr_of(mut cmd: assert_cmd::Command) -> (Option<i32>, String) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), stderr)
}

#[test]
fn an_invalid_token_is_named_as_such() {
    let bao = BaoDev::start();
    let mut cmd = vaultform_cmd(&bao);
    cmd.env("VAULT_TOKEN", "s.not-a-real-token-at-all")
        .arg("-f")
        .arg(basic())
        .arg("plan");
    let (code, stderr) = stderr_of(cmd);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("invalid_token"), "{stderr}");
    assert!(!stderr.contains("permission_denied"), "{stderr}");
}

#[test]
fn an_uninitialised_server_is_not_called_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let server = BaoServer::start(&dir.path().join("data"));
    let mut cmd = vaultform_at(&server);
    cmd.env("VAULT_TOKEN", "s.whatever")
        .arg("-f")
        .arg(basic())
        .arg("plan");
    let (code, stderr) = stderr_of(cmd);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("not_initialised"), "{stderr}");
    assert!(stderr.contains("operator init"), "{stderr}");
}

#[test]
fn https_against_a_plain_listener_says_to_use_http() {
    let bao = BaoDev::start();
    let mut cmd = vaultform_cmd(&bao);
    let https = bao.addr().replacen("http://", "https://", 1);
    cmd.env("VAULT_ADDR", &https)
        .arg("-f")
        .arg(basic())
        .arg("plan");
    let (code, stderr) = stderr_of(cmd);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("wrong_scheme"), "{stderr}");
    assert!(
        stderr.contains(&format!("VAULT_ADDR={}", bao.addr())),
        "{stderr}"
    );
}

#[test]
fn an_address_without_a_scheme_is_an_error_not_a_panic() {
    for addr in ["127.0.0.1:8200", "localhost:8200", "ftp://x", "http://"] {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = common::offline_vaultform_cmd(home.path());
        cmd.env("VAULT_ADDR", addr)
            .env("VAULT_TOKEN", "x")
            .arg("-f")
            .arg(basic())
            .arg("plan");
        let (code, stderr) = stderr_of(cmd);
        assert_eq!(code, Some(1), "{addr}: {stderr}");
        assert!(
            stderr.contains("vaultform::vault::settings"),
            "{addr}: {stderr}"
        );
    }
}

#[test]
fn a_missing_env_file_is_one_error_listing_every_variable() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("env_file = \".env\"\n");
    for i in 0..18 {
        text.push_str(&format!(
            "[secrets.\"secret/s{i}\"]\nK = {{ env = \"VF_MISSING_{i}\" }}\n"
        ));
    }
    fs::write(dir.path().join("vault.toml"), text).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = common::offline_vaultform_cmd(home.path());
    cmd.current_dir(dir.path())
        .args(["validate", "-f", "vault.toml"]);
    let (code, stderr) = stderr_of(cmd);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("1 problem in"), "{stderr}");
    assert!(stderr.contains("18 environment variable(s)"), "{stderr}");
    for i in 0..18 {
        assert!(stderr.contains(&format!("VF_MISSING_{i}")), "{stderr}");
    }
    assert!(stderr.lines().count() < 30, "{stderr}");
}

#[test]
fn closed_output_streams_never_panic() {
    let bao = BaoDev::start();
    // A plan long enough to fill a pipe, read by nobody, with stderr closed too.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[mounts.kvb]\ntype = \"kv\"\noptions = { version = \"2\" }\n");
    for i in 0..3000 {
        text.push_str(&format!("[secrets.\"kvb/s{i}\"]\nA = \"x\"\n"));
    }
    fs::write(dir.path().join("vault.toml"), text).unwrap();
    for bad in [false, true] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vaultform"));
        cmd.env_clear()
            .env("VAULT_ADDR", bao.addr())
            .env(
                "VAULT_TOKEN",
                if bad { "s.invalid-token" } else { bao.token() },
            )
            .env("HOME", dir.path())
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .args(["-f", "vault.toml", "plan"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        // Close both ends at once: every write fails with EPIPE.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_ne!(status.code(), Some(101), "panicked (invalid token: {bad})");
        assert!(status.code().is_some(), "killed by a signal: {status:?}");
    }
}
