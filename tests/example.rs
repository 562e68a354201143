//! The example manifest (the root `vault.toml`, `policies/`, `.env.example`)
//! applied to a real OpenBao dev server as the quick start does, with the
//! audit device declared in the server's configuration: every kind it uses
//! (audit, KV, database, transit, PKI, AppRole, Kubernetes) is created or
//! adopted, the next plan is empty, and no value from `.env.example` is
//! printed.

mod common;

use common::{BaoDev, vaultform_cmd};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn the_example_manifest_applies_and_then_plans_no_changes() {
    let bao = BaoDev::start_with_stdout_audit();

    let dir = tempfile::tempdir().unwrap();
    let values = common::workspace::copy_example(dir.path());
    assert!(values.len() >= 10, "{values:?}");

    let run = |args: &[&str]| {
        let out = vaultform_cmd(&bao)
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for v in &values {
            assert!(
                !text.contains(v.as_str()),
                "{args:?} printed a value:\n{text}"
            );
        }
        (out.status.code().unwrap_or(-1), text)
    };

    let (code, text) = run(&["validate"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&["plan", "--no-color"]);
    assert_eq!(code, 0, "{text}");
    for want in [
        "audit.stdout",
        "database_connection.database/user-db",
        "database_role.database/notification-app",
        "transit_key.transit/chat-messages",
        "pki_issuer.pki/platform-root",
        "pki_role.pki/service",
        "approle.approle/flask",
        "kv.secret/app/redis",
    ] {
        assert!(text.contains(want), "{want} not planned:\n{text}");
    }
    let (code, text) = run(&["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(code, 0, "the second plan is not empty:\n{text}");

    // What the server holds.
    let (s, key) = bao.get("transit/keys/chat-messages");
    assert_eq!(s, 200, "{key}");
    let (s, conn) = bao.get("database/config/user-db");
    assert_eq!(s, 200, "{conn}");
    assert_eq!(conn["data"]["allowed_roles"][0], "user-app");
    let (s, cert) = bao.write(
        "pki/issue/service",
        &serde_json::json!({"common_name": "gateway.svc.internal"}),
    );
    assert_eq!(s, 200, "{cert}");
    let (s, audit) = bao.get("sys/audit");
    assert_eq!(s, 200, "{audit}");
    assert!(audit["data"]["stdout/"].is_object(), "{audit}");
}

/// The example declares its services once (templates and instances); it
/// plans exactly the resources of the manifest that wrote every service out
/// (`fixtures/example-expanded/vault.toml`, the example before templates).
#[test]
fn the_templated_example_plans_the_same_resources_as_the_written_out_one() {
    let root = Path::new(ROOT);
    let plan_of = |manifest: &Path| {
        let bao = BaoDev::start_with_stdout_audit();
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(manifest, dir.path().join("vault.toml")).unwrap();
        std::fs::copy(root.join(".env.example"), dir.path().join(".env")).unwrap();
        copy_dir(&root.join("policies"), &dir.path().join("policies"));
        let out = vaultform_cmd(&bao)
            .current_dir(dir.path())
            .args(["plan", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Addresses, actions and field or key names with what happens to
        // them: not the fingerprints (each server has its own key).
        let mut changes: Vec<String> = plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if let Some(keys) = c["secret"]["keys"].as_array_mut() {
                    for k in keys {
                        if let Some(k) = k.as_object_mut() {
                            k.retain(|name, _| name == "key" || name == "action");
                        }
                    }
                }
                c.to_string()
            })
            .collect();
        changes.sort();
        changes
    };
    let templated = plan_of(&root.join("vault.toml"));
    let written_out = plan_of(&root.join("fixtures/example-expanded/vault.toml"));
    assert!(templated.len() > 50, "{templated:#?}");
    assert_eq!(templated, written_out);
}

/// A problem in a template's copy points at the template's line and names
/// the instance (with its line); one in an override points at the override.
/// Nothing is written: this is `validate`, offline.
#[test]
fn template_problems_point_at_the_template_and_name_the_instance() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    for p in ["web-policy", "api-policy"] {
        std::fs::write(
            dir.path().join(format!("policies/{p}.hcl")),
            "path \"secret/data/x\" {\n  capabilities = [\"read\"]\n}\n",
        )
        .unwrap();
    }
    let manifest = r#"[templates.service.approles."{name}"]
token_policies = ["{name}-policy"]
token_ttl = "{ttl}"

[instances.web]
template = "service"
vars = { ttl = "1h" }

[instances.api]
template = "service"
vars = { ttl = "soon" }
approles.api.token_max_ttl = "later"
"#;
    std::fs::write(dir.path().join("vault.toml"), manifest).unwrap();
    let out = common::offline_vaultform_cmd(dir.path())
        .current_dir(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    let err = common::flat(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{err}");
    // The template's `token_ttl` line (3), for instance api (line 9).
    assert!(err.contains("vault.toml:3:"), "{err}");
    assert!(
        err.contains("in instance `api`, [instances.api] at") && err.contains("vault.toml:9:1"),
        "{err}"
    );
    // The override's own line (12).
    assert!(err.contains("vault.toml:12:"), "{err}");
    // web's copy is fine: no problem names it.
    assert!(!err.contains("instance `web`"), "{err}");

    // A resource written by hand and again by an instance: refused.
    let twice = "[templates.service.approles.\"{name}\"]\ntoken_policies = [\"{name}-policy\"]\n[templates.service.secrets.\"secret/{name}\"]\nA = \"x\"\n\n[approles.web]\ntoken_policies = [\"web-policy\"]\n[secrets.\"secret/web\"]\nB = \"y\"\n\n[instances.web]\ntemplate = \"service\"\n";
    std::fs::write(dir.path().join("vault.toml"), twice).unwrap();
    let out = common::offline_vaultform_cmd(dir.path())
        .current_dir(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    let err = common::flat(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("role `approle/web` is declared twice")
            && err.contains("`kv.secret/web` is declared twice"),
        "{err}"
    );
}
