//! Userpass users and write-only fields (issue 13, item 5 and "write-only
//! fields") against a real OpenBao through the CLI: the password comes from
//! the environment, is never shown or stored (only a keyed fingerprint beside
//! the ownership record), a changed password is planned as a change of that
//! field, a user made by hand is written once to record it, token fields
//! drift and are put back, and the user is deleted when dropped.

mod common;

use common::{BaoDev, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;

const MANIFEST: &str = r#"
[auth.userpass]
type = "userpass"

[auth.userpass.users.ops]
password = { env = "OPS_PASSWORD" }
token_policies = ["default"]
token_ttl = "1h"
"#;

const FIRST: &str = "first-s3cret-Value-8d1c";
const SECOND: &str = "second-s3cret-Value-47be";

fn run(
    bao: &BaoDev,
    dir: &Path,
    manifest: &str,
    password: &str,
    args: &[&str],
) -> (i32, String, String) {
    let path = dir.join("vault.toml");
    std::fs::write(&path, manifest).unwrap();
    let out = vaultform_cmd(bao)
        .env("OPS_PASSWORD", password)
        .arg("--manifest")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    for secret in [FIRST, SECOND] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "a password leaked:\n{stdout}\n{stderr}"
        );
    }
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

fn login(bao: &BaoDev, password: &str) -> u16 {
    bao.write("auth/userpass/login/ops", &json!({ "password": password }))
        .0
}

fn plan(bao: &BaoDev, dir: &Path, password: &str) -> Value {
    let (code, out, err) = run(bao, dir, MANIFEST, password, &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn passwords_are_written_compared_by_fingerprint_and_never_shown() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();

    let p = plan(&bao, dir.path(), FIRST);
    let fields = &p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "userpass_user.userpass/ops")
        .expect("user planned")["fields"];
    assert!(
        fields
            .as_array()
            .unwrap()
            .contains(&json!({"name": "password", "before": null, "after": "(write-only)"})),
        "{fields}"
    );
    let (code, _, err) = run(
        &bao,
        dir.path(),
        MANIFEST,
        FIRST,
        &["apply", "--auto-approve"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(login(&bao, FIRST), 200);

    // Recorded as a keyed fingerprint, never the value.
    let (s, record) = bao.get("vaultform/data/write-only/default");
    assert_eq!(s, 200, "{record}");
    let text = record.to_string();
    assert!(!text.contains(FIRST), "{text}");
    let fp = record["data"]["data"]["userpass_user.userpass/ops#password"]
        .as_str()
        .unwrap();
    assert_eq!(fp.len(), 64, "{fp}");

    let (code, out, _) = run(
        &bao,
        dir.path(),
        MANIFEST,
        FIRST,
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "a second plan is not empty:\n{out}");

    // A new password in the environment: a change of that field only.
    let p = plan(&bao, dir.path(), SECOND);
    assert_eq!(p["changes"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["changes"][0]["action"], "update");
    assert_eq!(
        p["changes"][0]["fields"],
        json!([{"name": "password", "before": "(write-only)", "after": "(write-only, changed in the manifest)"}])
    );
    let (code, out, _) = run(&bao, dir.path(), MANIFEST, SECOND, &["plan", "--no-color"]);
    assert_eq!(code, 0);
    assert!(out.contains("password"), "{out}");
    let (code, _, err) = run(
        &bao,
        dir.path(),
        MANIFEST,
        SECOND,
        &["apply", "--auto-approve"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(login(&bao, SECOND), 200);
    assert_eq!(login(&bao, FIRST), 400);
    let (code, out, _) = run(
        &bao,
        dir.path(),
        MANIFEST,
        SECOND,
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}");

    // A token field changed by hand: drift, put back (the password is not
    // written again: it still matches its fingerprint).
    let (s, b) = bao.write("auth/userpass/users/ops", &json!({"token_ttl": 60}));
    assert!(s < 300, "{b}");
    let p = plan(&bao, dir.path(), SECOND);
    assert_eq!(
        p["changes"][0]["fields"],
        json!([{"name": "token_ttl", "before": "1m", "after": "1h"}]),
        "{p}"
    );
    let (code, _, err) = run(
        &bao,
        dir.path(),
        MANIFEST,
        SECOND,
        &["apply", "--auto-approve"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        bao.get("auth/userpass/users/ops").1["data"]["token_ttl"],
        json!(3600)
    );

    // Dropped: deleted, and its fingerprint forgotten.
    let (code, _, err) = run(
        &bao,
        dir.path(),
        "[auth.userpass]\ntype = \"userpass\"\n",
        SECOND,
        &["apply", "--auto-approve"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(bao.get("auth/userpass/users/ops").0, 404);
    let record = bao.get("vaultform/data/write-only/default").1;
    assert!(
        record["data"]["data"]["userpass_user.userpass/ops#password"].is_null(),
        "{record}"
    );
}

#[test]
fn a_user_made_by_hand_cannot_be_compared_and_is_written_once() {
    let bao = BaoDev::start();
    let (s, b) = bao.write("sys/auth/userpass", &json!({"type": "userpass"}));
    assert!(s < 300, "{b}");
    let (s, b) = bao.write(
        "auth/userpass/users/ops",
        &json!({"password": "set-by-hand", "token_policies": ["default"], "token_ttl": 3600}),
    );
    assert!(s < 300, "{b}");
    let dir = tempfile::tempdir().unwrap();
    let p = plan(&bao, dir.path(), FIRST);
    let user = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "userpass_user.userpass/ops")
        .expect("user planned")
        .clone();
    assert_eq!(user["action"], "update", "{p}");
    assert_eq!(
        user["fields"],
        json!([{"name": "password", "before": "(write-only, cannot be compared with the server)", "after": "(write-only, written once to record it)"}])
    );
    let (code, _, err) = run(
        &bao,
        dir.path(),
        MANIFEST,
        FIRST,
        &["apply", "--auto-approve"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(login(&bao, FIRST), 200);
    let (code, out, _) = run(
        &bao,
        dir.path(),
        MANIFEST,
        FIRST,
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}");
}
