//! Audit devices (issue 13, item 1) against real OpenBao servers: on a stock
//! server (API creation refused: drift is reported and apply fails with the
//! configuration stanza to add), on a server whose configuration declares a
//! device (matching declaration adopted, drift reported, disabling refused
//! with a clear message), and on a server started with
//! `unsafe_allow_api_audit_creation = true` (created, no-op, changed,
//! removed by hand and put back, deleted when dropped).

mod common;

use common::{BaoDev, flat, vaultform_cmd};
use serde_json::Value;
use std::path::Path;

fn run(bao: &BaoDev, dir: &Path, manifest: &str, args: &[&str]) -> (i32, String, String) {
    let path = dir.join("vault.toml");
    std::fs::write(&path, manifest).unwrap();
    let out = vaultform_cmd(bao)
        .arg("--manifest")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn devices(bao: &BaoDev) -> Value {
    let (s, b) = bao.get("sys/audit");
    assert_eq!(s, 200, "{b}");
    b["data"].clone()
}

fn manifest(path: &str, file: &Path, description: &str) -> String {
    format!(
        "[audit.{path}]\ntype = \"file\"\ndescription = \"{description}\"\noptions = {{ file_path = \"{}\" }}\n",
        file.display()
    )
}

#[test]
fn on_a_stock_server_creation_fails_with_the_stanza_to_add_and_nothing_is_claimed() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let m = manifest("file", &log, "all requests");
    let (code, out, _) = run(
        &bao,
        dir.path(),
        &m,
        &["plan", "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("audit"), "{out}");
    let (code, _, err) = run(&bao, dir.path(), &m, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{err}");
    let err = flat(&err);
    assert!(err.contains("vaultform::vault::refused_by_config"), "{err}");
    assert!(err.contains("audit \"file\" \"file\" {"), "{err}");
    assert!(err.contains("unsafe_allow_api_audit_creation"), "{err}");
    assert_eq!(devices(&bao).as_object().map(|m| m.len()), Some(0));
    // The failed create left no claim: a manifest without it plans nothing.
    let (code, out, _) = run(&bao, dir.path(), "", &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["changes"], serde_json::json!([]), "{out}");
}

#[test]
fn a_device_from_the_server_configuration_is_adopted_and_its_drift_reported() {
    let bao = BaoDev::start_audited();
    let dir = tempfile::tempdir().unwrap();
    let log = bao.audit_log_path();
    // As the server's configuration declares it (no description): adopted.
    let same = format!(
        "[audit.trail]\ntype = \"file\"\noptions = {{ file_path = \"{}\" }}\n",
        log.display()
    );
    let (code, out, _) = run(&bao, dir.path(), &same, &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["changes"][0]["address"], "audit.trail", "{out}");
    assert_eq!(plan["changes"][0]["action"], "adopt", "{out}");
    let (code, _, err) = run(&bao, dir.path(), &same, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    // Declared otherwise: drift (exit 2), and apply explains the server refuses.
    let other = manifest("trail", &log, "changed in the manifest");
    let (code, out, _) = run(
        &bao,
        dir.path(),
        &other,
        &["plan", "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("description"), "{out}");
    let (code, _, err) = run(&bao, dir.path(), &other, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{err}");
    let err = flat(&err);
    assert!(
        err.contains("declared in the server's configuration"),
        "{err}"
    );
    assert!(devices(&bao)["trail/"].is_object());
}

#[test]
fn with_api_creation_allowed_devices_are_created_changed_put_back_and_deleted() {
    let conf = tempfile::tempdir().unwrap();
    let file = conf.path().join("allow.hcl");
    std::fs::write(&file, "unsafe_allow_api_audit_creation = true\n").unwrap();
    let bao = BaoDev::start_with_args(&[format!("-config={}", file.display())]);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let m = manifest("file", &log, "all requests");

    let (code, _, err) = run(&bao, dir.path(), &m, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(devices(&bao)["file/"]["description"], "all requests");
    assert!(log.exists(), "the device does not log");
    let (code, out, _) = run(&bao, dir.path(), &m, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");

    // One field changed: replaced (audit devices cannot be tuned).
    let changed = manifest("file", &log, "every request");
    let (code, out, _) = run(&bao, dir.path(), &changed, &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["changes"][0]["action"], "replace", "{out}");
    assert_eq!(plan["changes"][0]["destructive"], false, "{out}");
    let (code, _, err) = run(&bao, dir.path(), &changed, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(devices(&bao)["file/"]["description"], "every request");

    // Disabled by hand: drift, put back.
    assert_eq!(bao.delete("sys/audit/file"), 204);
    let (code, out, _) = run(&bao, dir.path(), &changed, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}");
    let (code, _, err) = run(&bao, dir.path(), &changed, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert!(devices(&bao)["file/"].is_object());

    // Dropped from the manifest: disabled (the log file stays).
    let (code, _, err) = run(&bao, dir.path(), "", &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert!(devices(&bao)["file/"].is_null());
    assert!(log.exists());
}
