//! The demonstration kind of issue 12, `kv_config` (KV v2 mount settings at
//! `<mount>/config`), against a real OpenBao through the CLI: created, a no-op
//! on the next plan, one field changed in place, drift after a hand edit put
//! back, adopted when it already matches, refused on a mount that is not KV v2,
//! and forgotten (never deleted) when dropped from the manifest.

mod common;

use common::{BaoDev, flat, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;

fn manifest(dir: &Path, settings: &str) -> std::path::PathBuf {
    let path = dir.join("vault.toml");
    let text =
        format!("[mounts.app]\ntype = \"kv\"\noptions = {{ version = \"2\" }}\n\n{settings}\n");
    std::fs::write(&path, text).unwrap();
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

fn config(bao: &BaoDev) -> Value {
    let (status, body) = bao.get("app/config");
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

#[test]
fn kv_mount_settings_are_created_compared_changed_and_put_back() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(
        dir.path(),
        "[mounts.app.kv_config]\nmax_versions = 7\ncas_required = true\ndelete_version_after = \"90d\"\n",
    );

    let (code, out, err) = run(&bao, &path, &["validate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 mount(s), 1 KV mount setting(s)"), "{out}");

    // Created after its mount, in one apply.
    let (code, out, err) = run(&bao, &path, &["plan", "--no-color"]);
    assert_eq!(code, 0, "{err}");
    let mount_at = out.find("mount.app").expect(&out);
    let settings_at = out.find("kv_config.app").expect(&out);
    assert!(mount_at < settings_at, "{out}");
    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let live = config(&bao);
    assert_eq!(live["max_versions"], json!(7));
    assert_eq!(live["cas_required"], json!(true));
    assert_eq!(live["delete_version_after"], json!("2160h0m0s"));

    // The server's form of the duration compares equal: nothing to do.
    let (code, out, err) = run(&bao, &path, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    // One field changed in the manifest: an update of that field only.
    let path = manifest(
        dir.path(),
        "[mounts.app.kv_config]\nmax_versions = 3\ncas_required = true\ndelete_version_after = \"90d\"\n",
    );
    let (code, out, _) = run(&bao, &path, &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&out).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{out}");
    assert_eq!(changes[0]["address"], "kv_config.app");
    assert_eq!(changes[0]["action"], "update");
    assert_eq!(
        changes[0]["fields"],
        json!([{"name": "max_versions", "before": "7", "after": "3"}])
    );
    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(config(&bao)["max_versions"], json!(3));

    // Drift: changed by hand, reported (exit 2) and put back.
    let (status, body) = bao.write("app/config", &json!({"cas_required": false}));
    assert!(status < 300, "{body}");
    let (code, out, _) = run(&bao, &path, &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cas_required"), "{out}");
    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(config(&bao)["cas_required"], json!(true));

    // `--target` takes the mount along.
    let (code, out, _) = run(&bao, &path, &["plan", "--target", "kv_config.app"]);
    assert_eq!(code, 0, "{out}");

    // Dropped from the manifest: forgotten, the server's settings stay.
    let path = manifest(dir.path(), "");
    let (code, out, _) = run(&bao, &path, &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["changes"], json!([]), "{out}");
    assert_eq!(
        plan["ownership"]["remove"],
        json!(["kv_config.app"]),
        "{out}"
    );
    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(config(&bao)["max_versions"], json!(3));
    let (code, out, err) = run(&bao, &path, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn matching_settings_are_adopted_and_a_mount_that_is_not_kv2_is_refused() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    // The dev server's secret/ is KV v2 with max_versions 0: declared as it is,
    // the settings are adopted (recorded, not written).
    let path = dir.path().join("vault.toml");
    std::fs::write(
        &path,
        "[mounts.secret]\ntype = \"kv\"\noptions = { version = \"2\" }\n\n[mounts.secret.kv_config]\nmax_versions = 0\n",
    )
    .unwrap();
    let (code, out, _) = run(&bao, &path, &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let actions: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("kv_config.secret".into(), "adopt".into())),
        "{actions:?}"
    );

    // On a KV version 1 mount: refused at its declaration (offline, by
    // validate too), nothing written.
    std::fs::write(
        &path,
        "[mounts.old]\ntype = \"kv\"\noptions = { version = \"1\" }\n\n[mounts.old.kv_config]\nmax_versions = 2\n",
    )
    .unwrap();
    let (code, _, err) = run(&bao, &path, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{err}");
    let err = flat(&err);
    assert!(err.contains("vaultform::manifest::not_kv2"), "{err}");
    assert!(
        err.contains("`kv_config` needs a KV v2 mount; `old` is `kv`"),
        "{err}"
    );
    let (status, _) = bao.get("sys/mounts/old");
    assert_eq!(
        status, 400,
        "the mount was created although the plan was refused"
    );

    // A wrong field type points at its place.
    std::fs::write(
        &path,
        "[mounts.app]\ntype = \"kv\"\noptions = { version = \"2\" }\n[mounts.app.kv_config]\nmax_versions = \"ten\"\nmax_version = 1\n",
    )
    .unwrap();
    let (code, _, err) = run(&bao, &path, &["validate"]);
    assert_eq!(code, 1);
    let err = flat(&err);
    assert!(err.contains("max_versions"), "{err}");
    assert!(err.contains("did you mean `max_versions`"), "{err}");
    assert!(err.contains("vault.toml:5:"), "{err}");
}
