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
    let config = tempfile::tempdir().unwrap();
    let audit = config.path().join("audit.hcl");
    std::fs::write(
        &audit,
        "audit \"file\" \"stdout\" {\n  options {\n    file_path = \"stdout\"\n  }\n}\n",
    )
    .unwrap();
    let bao = BaoDev::start_with_args(&[format!("-config={}", audit.display())]);

    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(ROOT);
    std::fs::copy(root.join("vault.toml"), dir.path().join("vault.toml")).unwrap();
    std::fs::copy(root.join(".env.example"), dir.path().join(".env")).unwrap();
    copy_dir(&root.join("policies"), &dir.path().join("policies"));
    let values: Vec<String> = std::fs::read_to_string(root.join(".env.example"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(_, v)| v.to_string()))
        .filter(|v| v.len() >= 8)
        .collect();
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
