//! Transit keys (issue 13, item 4) against a real OpenBao through the CLI:
//! created and used (an encrypt/decrypt round trip), a no-op on the next
//! plan, one field changed in place, drift after a hand edit put back, a type
//! change planned as a destructive replacement, and deletion guarded by
//! `--allow-destroy` like a mount.

mod common;

use common::{BaoDev, flat, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;

fn write(dir: &Path, key: &str) -> std::path::PathBuf {
    let path = dir.join("vault.toml");
    std::fs::write(
        &path,
        format!("[mounts.transit]\ntype = \"transit\"\n\n{key}\n"),
    )
    .unwrap();
    path
}

fn run(bao: &BaoDev, path: &Path, args: &[&str]) -> (i32, String, String) {
    let out = vaultform_cmd(bao)
        .arg("--manifest")
        .arg(path)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn plan(bao: &BaoDev, path: &Path) -> Value {
    let (code, out, err) = run(bao, path, &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn key(bao: &BaoDev) -> (u16, Value) {
    let (s, b) = bao.get("transit/keys/orders");
    (s, b["data"].clone())
}

const KEY: &str =
    "[mounts.transit.keys.orders]\ntype = \"aes256-gcm96\"\nauto_rotate_period = \"30d\"\n";

#[test]
fn transit_keys_are_created_used_changed_put_back_and_destroyed_only_when_allowed() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), KEY);

    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let (s, k) = key(&bao);
    assert_eq!(s, 200);
    assert_eq!(k["type"], "aes256-gcm96");
    assert_eq!(k["auto_rotate_period"], json!(2_592_000), "{k}");

    // The key works: an encrypt/decrypt round trip.
    let plaintext = "dmF1bHRmb3JtIHJvdW5kIHRyaXA="; // base64("vaultform round trip")
    let (s, enc) = bao.write("transit/encrypt/orders", &json!({ "plaintext": plaintext }));
    assert_eq!(s, 200, "{enc}");
    let ciphertext = enc["data"]["ciphertext"].as_str().unwrap().to_string();
    assert!(ciphertext.starts_with("vault:v1:"), "{ciphertext}");
    let (s, dec) = bao.write(
        "transit/decrypt/orders",
        &json!({ "ciphertext": ciphertext }),
    );
    assert_eq!(s, 200, "{dec}");
    assert_eq!(dec["data"]["plaintext"], plaintext);

    let (code, out, _) = run(&bao, &path, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "a second plan is not empty:\n{out}");

    // One field changed in place: an update, not destructive, key kept.
    let path = write(dir.path(), &KEY.replace("\"30d\"", "\"7d\""));
    let p = plan(&bao, &path);
    assert_eq!(p["changes"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["changes"][0]["action"], "update");
    assert_eq!(p["changes"][0]["destructive"], false);
    assert_eq!(
        p["changes"][0]["fields"],
        json!([{"name": "auto_rotate_period", "before": "30d", "after": "7d"}])
    );
    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(key(&bao).1["auto_rotate_period"], json!(604_800));
    let (s, dec) = bao.write(
        "transit/decrypt/orders",
        &json!({ "ciphertext": ciphertext }),
    );
    assert_eq!(s, 200, "the key was replaced by an in-place change: {dec}");

    // Drift: changed by hand, reported (exit 2) and put back.
    let (s, b) = bao.write(
        "transit/keys/orders/config",
        &json!({"auto_rotate_period": "1h"}),
    );
    assert!(s < 300, "{b}");
    let (code, out, _) = run(&bao, &path, &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("auto_rotate_period"), "{out}");
    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(key(&bao).1["auto_rotate_period"], json!(604_800));

    // A new type cannot be set in place: a destructive replacement, refused
    // without --allow-destroy (nothing changes).
    let typed = write(
        dir.path(),
        &KEY.replace("aes256-gcm96", "chacha20-poly1305")
            .replace("\"30d\"", "\"7d\""),
    );
    let p = plan(&bao, &typed);
    assert_eq!(p["changes"][0]["action"], "replace", "{p}");
    assert_eq!(p["changes"][0]["destructive"], true);
    let (code, _, err) = run(&bao, &typed, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{err}");
    assert!(flat(&err).contains("--allow-destroy"), "{err}");
    assert_eq!(key(&bao).1["type"], "aes256-gcm96");

    // Dropped from the manifest: a destructive delete, only with the flag.
    let gone = write(dir.path(), "");
    let p = plan(&bao, &gone);
    assert_eq!(
        p["changes"][0]["address"], "transit_key.transit/orders",
        "{p}"
    );
    assert_eq!(p["changes"][0]["action"], "delete");
    assert_eq!(p["changes"][0]["destructive"], true);
    let (code, _, _) = run(&bao, &gone, &["apply", "--auto-approve"]);
    assert_eq!(code, 1);
    assert_eq!(key(&bao).0, 200, "deleted without --allow-destroy");
    let (code, _, err) = run(&bao, &gone, &["apply", "--auto-approve", "--allow-destroy"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(key(&bao).0, 404);
    let (code, out, _) = run(&bao, &gone, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn keys_on_a_mount_that_is_not_transit_are_refused_offline() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        (
            "[mounts.kv]\ntype = \"kv\"\n[mounts.kv.keys.k]\ntype = \"aes256-gcm96\"\n",
            "vaultform::manifest::wrong_mount",
        ),
        (
            "[mounts.t]\ntype = \"transit\"\n[mounts.t.keys.k]\ntype = \"aes512\"\n",
            "type must be one of",
        ),
    ] {
        let path = dir.path().join("vault.toml");
        std::fs::write(&path, text).unwrap();
        let out = common::offline_vaultform_cmd(home.path())
            .arg("--manifest")
            .arg(&path)
            .arg("validate")
            .output()
            .unwrap();
        let err = flat(&String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{text}\n{err}");
        assert!(err.contains(want), "{text}\n{err}");
    }
}
