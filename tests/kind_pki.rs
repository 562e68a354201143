//! PKI (issue 13, item 3) against a real OpenBao through the CLI: a root CA
//! generated inside Vault, issuing URLs and a role; a certificate issued with
//! the declared role chains to the declared CA (checked by `openssl verify`);
//! a no-op next plan; a role changed in place; drift put back; the role
//! deleted when dropped and the CA only with `--allow-destroy`.

mod common;

use common::{BaoDev, flat, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const MANIFEST: &str = r#"
[mounts.pki]
type = "pki"
max_lease_ttl = "87600h"

[mounts.pki.urls]
issuing_certificates = ["http://127.0.0.1:8200/v1/pki/ca"]

[mounts.pki.issuers.root-2026]
common_name = "vaultform test root"
key_type = "ec"
ttl = "8760h"
default = true

[mounts.pki.roles.web]
allowed_domains = ["example.com"]
allow_subdomains = true
max_ttl = "72h"
key_type = "ec"
"#;

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

fn plan(bao: &BaoDev, dir: &Path, manifest: &str) -> Value {
    let (code, out, err) = run(bao, dir, manifest, &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_declared_ca_issues_certificates_that_chain_to_it_and_the_pki_kinds_converge() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&bao, dir.path(), MANIFEST, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");

    // A certificate from the declared role chains to the declared root.
    let (s, issued) = bao.write("pki/issue/web", &json!({"common_name": "app.example.com"}));
    assert_eq!(s, 200, "{issued}");
    let (s, ca) = bao.get("pki/cert/ca");
    assert_eq!(s, 200, "{ca}");
    let ca_pem = ca["data"]["certificate"].as_str().unwrap();
    assert_eq!(
        issued["data"]["issuing_ca"].as_str().unwrap().trim(),
        ca_pem.trim()
    );
    std::fs::write(dir.path().join("ca.pem"), ca_pem).unwrap();
    std::fs::write(
        dir.path().join("cert.pem"),
        issued["data"]["certificate"].as_str().unwrap(),
    )
    .unwrap();
    let verify = Command::new("openssl")
        .args(["verify", "-CAfile", "ca.pem", "cert.pem"])
        .current_dir(dir.path())
        .output()
        .expect("openssl is needed to check the chain (the distribution's openssl package)");
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && said.contains("OK"),
        "{said}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let subject = Command::new("openssl")
        .args(["x509", "-in", "ca.pem", "-noout", "-subject"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&subject.stdout).contains("vaultform test root"),
        "{}",
        String::from_utf8_lossy(&subject.stdout)
    );
    // Outside the role's domains: refused by the role.
    let (s, _) = bao.write("pki/issue/web", &json!({"common_name": "evil.org"}));
    assert_eq!(s, 400);

    let (code, out, _) = run(&bao, dir.path(), MANIFEST, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "a second plan is not empty:\n{out}");

    // One field of the role changed in place.
    let changed = MANIFEST.replace("max_ttl = \"72h\"", "max_ttl = \"48h\"");
    let p = plan(&bao, dir.path(), &changed);
    assert_eq!(p["changes"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["changes"][0]["address"], "pki_role.pki/web");
    assert_eq!(
        p["changes"][0]["fields"],
        json!([{"name": "max_ttl", "before": "3d", "after": "48h"}])
    );
    let (code, _, err) = run(&bao, dir.path(), &changed, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        bao.get("pki/roles/web").1["data"]["max_ttl"],
        json!(172_800)
    );

    // Drift on the role and the URLs, put back.
    let (s, b) = bao.write("pki/roles/web", &json!({"allowed_domains": ["evil.org"]}));
    assert!(s < 300, "{b}");
    let (s, b) = bao.write("pki/config/urls", &json!({"issuing_certificates": []}));
    assert!(s < 300, "{b}");
    let (code, out, _) = run(
        &bao,
        dir.path(),
        &changed,
        &["plan", "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("allowed_domains") && out.contains("issuing_certificates"),
        "{out}"
    );
    let (code, _, err) = run(&bao, dir.path(), &changed, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&bao, dir.path(), &changed, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");

    // Dropped: the role is deleted; the CA only with --allow-destroy.
    let without = changed
        .split("[mounts.pki.issuers.root-2026]")
        .next()
        .unwrap()
        .to_string();
    let p = plan(&bao, dir.path(), &without);
    let acts: Vec<(String, String, bool)> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
                c["destructive"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        acts.contains(&("pki_role.pki/web".into(), "delete".into(), false)),
        "{acts:?}"
    );
    assert!(
        acts.contains(&("pki_issuer.pki/root-2026".into(), "delete".into(), true)),
        "{acts:?}"
    );
    let (code, _, err) = run(&bao, dir.path(), &without, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{err}");
    assert!(flat(&err).contains("--allow-destroy"), "{err}");
    let (code, _, err) = run(
        &bao,
        dir.path(),
        &without,
        &["apply", "--auto-approve", "--allow-destroy"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(bao.get("pki/roles/web").0, 404);
    let (code, out, _) = run(&bao, dir.path(), &without, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
}

/// An intermediate CA in a second mount, signed by the root of the first in
/// the same apply: a certificate from the intermediate's role verifies
/// against the root through the intermediate; the next plan is empty; the
/// intermediate is deleted only with `--allow-destroy`.
#[test]
fn an_intermediate_signed_by_the_declared_root_issues_certificates_that_chain_to_the_root() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let with_int = format!(
        r#"{MANIFEST}
[mounts.pki_int]
type = "pki"
max_lease_ttl = "43800h"

[mounts.pki_int.intermediates.int-2026]
common_name = "vaultform test intermediate"
signed_by = "pki/root-2026"
key_type = "ec"
ttl = "4380h"
default = true

[mounts.pki_int.roles.svc]
allowed_domains = ["svc.internal"]
allow_subdomains = true
max_ttl = "24h"
key_type = "ec"
"#
    );
    let p = plan(&bao, dir.path(), &with_int);
    let order: Vec<&str> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(
        order.contains(&"pki_intermediate.pki_int/int-2026"),
        "{order:?}"
    );
    let (code, out, err) = run(&bao, dir.path(), &with_int, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");

    let (s, issued) = bao.write(
        "pki_int/issue/svc",
        &json!({"common_name": "api.svc.internal"}),
    );
    assert_eq!(s, 200, "{issued}");
    let root = bao.get("pki/cert/ca").1["data"]["certificate"]
        .as_str()
        .unwrap()
        .to_string();
    let int = issued["data"]["issuing_ca"].as_str().unwrap().to_string();
    assert_ne!(
        root.trim(),
        int.trim(),
        "issued by the root, not the intermediate"
    );
    std::fs::write(dir.path().join("root.pem"), &root).unwrap();
    std::fs::write(dir.path().join("int.pem"), &int).unwrap();
    std::fs::write(
        dir.path().join("leaf.pem"),
        issued["data"]["certificate"].as_str().unwrap(),
    )
    .unwrap();
    let verify = Command::new("openssl")
        .args([
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "int.pem",
            "leaf.pem",
        ])
        .current_dir(dir.path())
        .output()
        .expect("openssl is needed to check the chain (the distribution's openssl package)");
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    // Without the intermediate, the leaf does not verify against the root
    // alone: the chain really goes through it.
    let alone = Command::new("openssl")
        .args(["verify", "-CAfile", "root.pem", "leaf.pem"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!alone.status.success());
    let listed = bao.request("LIST", "pki_int/issuers", None).1;
    let named: Vec<&str> = listed["data"]["key_info"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v["issuer_name"].as_str())
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(named, ["int-2026"], "{listed}");

    let (code, out, _) = run(
        &bao,
        dir.path(),
        &with_int,
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "a second plan is not empty:\n{out}");

    // Drift: the mount's default issuer moved by hand to the root's
    // certificate imported beside it; planned as `default` and put back.
    let keyless = listed["data"]["key_info"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v["issuer_name"] == "")
        .map(|(id, _)| id.clone())
        .expect("the root's certificate is imported without a key");
    let (s, b) = bao.write("pki_int/config/issuers", &json!({"default": keyless}));
    assert!(s < 300, "{b}");
    let p = plan(&bao, dir.path(), &with_int);
    assert_eq!(
        p["changes"],
        json!([{"address": "pki_intermediate.pki_int/int-2026", "action": "update", "destructive": false,
                "fields": [{"name": "default", "before": "false", "after": "true"}]}]),
        "{p}"
    );
    let (code, _, err) = run(&bao, dir.path(), &with_int, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(
        &bao,
        dir.path(),
        &with_int,
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "not put back:\n{out}");

    // Dropped: deleting it destroys its key, so only with --allow-destroy.
    let without = with_int.replace(
        "[mounts.pki_int.intermediates.int-2026]\ncommon_name = \"vaultform test intermediate\"\nsigned_by = \"pki/root-2026\"\nkey_type = \"ec\"\nttl = \"4380h\"\ndefault = true\n",
        "",
    );
    assert_ne!(without, with_int);
    let (code, _, err) = run(&bao, dir.path(), &without, &["apply", "--auto-approve"]);
    assert_ne!(code, 0);
    assert!(flat(&err).contains("--allow-destroy"), "{err}");
    let (code, _, err) = run(
        &bao,
        dir.path(),
        &without,
        &["apply", "--auto-approve", "--allow-destroy"],
    );
    assert_eq!(code, 0, "{err}");
    let listed = bao.request("LIST", "pki_int/issuers", None).1.to_string();
    assert!(!listed.contains("int-2026"), "{listed}");

    // signed_by must name a root issuer of the manifest: refused offline.
    let wrong = with_int.replace("signed_by = \"pki/root-2026\"", "signed_by = \"pki/nope\"");
    let (code, _, err) = run(&bao, dir.path(), &wrong, &["plan"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        flat(&err).contains("vaultform::manifest::unknown_issuer"),
        "{err}"
    );
}
