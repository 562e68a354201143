//! Offline policy evaluation against the server: for generated policy sets
//! and paths (seeded; `VAULTFORM_EVAL_SEED` repeats a run), vaultform's answer
//! (`kinds::policy::acl`) must equal what OpenBao's `sys/capabilities` answers
//! for a token holding exactly those policies, on every pair.

mod common;

use common::BaoDev;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::BTreeSet;
use vaultform::kinds::policy::acl::{Acl, DEFAULT_POLICY};

const SEGMENTS: &[&str] = &[
    "secret", "data", "metadata", "app", "a", "b", "ab", "x", "user",
];
const CAPS: &[&str] = &[
    "create", "read", "update", "patch", "delete", "list", "sudo", "scan",
];

fn segment(rng: &mut StdRng) -> String {
    SEGMENTS.choose(rng).unwrap().to_string()
}

/// A rule path: 1-4 segments, some `+`, perhaps a trailing `*` (after a `/`
/// or inside the last segment), perhaps a trailing `/`.
fn rule_path(rng: &mut StdRng) -> String {
    let n = rng.gen_range(1..=4);
    let mut parts: Vec<String> = (0..n)
        .map(|_| {
            if rng.gen_bool(0.2) {
                "+".to_string()
            } else {
                segment(rng)
            }
        })
        .collect();
    let mut path = parts.join("/");
    match rng.gen_range(0..10) {
        0..=2 => path.push_str("/*"),
        3..=4 => {
            let last = parts.pop().unwrap();
            let cut = rng.gen_range(0..=last.len().min(2));
            parts.push(format!("{}*", &last[..cut]));
            path = parts.join("/");
        }
        5 => path.push('/'),
        _ => {}
    }
    path
}

fn capabilities(rng: &mut StdRng) -> Vec<&'static str> {
    if rng.gen_bool(0.12) {
        return vec!["deny"];
    }
    let mut caps: Vec<&str> = CAPS.iter().copied().filter(|_| rng.gen_bool(0.3)).collect();
    if caps.is_empty() {
        caps.push("read");
    }
    caps
}

/// A policy vaultform accepts (the parity test covers refusals; a text
/// vaultform accepts and the server refuses fails below).
fn policy(rng: &mut StdRng) -> String {
    loop {
        let text = any_policy(rng);
        let src = vaultform::manifest::diag::SourceFile::from(&miette::NamedSource::new(
            "p.hcl",
            text.clone(),
        ));
        if vaultform::manifest::policy_lint::lint(&src, &text)
            .problems
            .is_empty()
        {
            return text;
        }
    }
}

fn any_policy(rng: &mut StdRng) -> String {
    let mut text = String::new();
    for _ in 0..rng.gen_range(1..=6) {
        let caps: Vec<String> = capabilities(rng)
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        if rng.gen_bool(0.1) {
            let legacy = ["read", "write", "deny", "sudo"].choose(rng).unwrap();
            text.push_str(&format!(
                "path \"{}\" {{\n  policy = \"{legacy}\"\n}}\n",
                rule_path(rng)
            ));
        } else {
            text.push_str(&format!(
                "path \"{}\" {{\n  capabilities = [{}]\n}}\n",
                rule_path(rng),
                caps.join(", ")
            ));
        }
    }
    text
}

fn query_path(rng: &mut StdRng) -> String {
    let n = rng.gen_range(1..=5);
    let mut p: Vec<String> = (0..n).map(|_| segment(rng)).collect();
    if rng.gen_bool(0.1) {
        // A segment that only a partial glob matches.
        let last = p.pop().unwrap();
        p.push(format!("{last}zz"));
    }
    let mut path = p.join("/");
    if rng.gen_bool(0.15) {
        path.push('/');
    }
    path
}

#[test]
fn offline_answers_equal_the_servers_capabilities() {
    let seed: u64 = std::env::var("VAULTFORM_EVAL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261201);
    let bao = BaoDev::start();
    // The built-in default policy vaultform evaluates with is the server's.
    let (status, body) = bao.get("sys/policies/acl/default");
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["policy"].as_str().unwrap().trim_end(),
        DEFAULT_POLICY.trim_end()
    );

    let mut rng = StdRng::seed_from_u64(seed);
    let (sets, paths_per_set) = (100, 100);
    let mut pairs = 0;
    let mut disagreements = Vec::new();
    for set in 0..sets {
        let count = rng.gen_range(1..=3);
        let texts: Vec<(String, String)> = (0..count)
            .map(|i| (format!("eval-{set}-{i}"), policy(&mut rng)))
            .collect();
        for (name, text) in &texts {
            let (status, body) = bao.write(
                &format!("sys/policies/acl/{name}"),
                &json!({ "policy": text }),
            );
            assert_eq!(
                status, 204,
                "seed {seed}: policy {name} refused: {body}\n{text}"
            );
        }
        let with_default = rng.gen_bool(0.3);
        let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
        let (status, body) = bao.write(
            "auth/token/create",
            &json!({"policies": names, "no_default_policy": !with_default, "ttl": "10m"}),
        );
        assert_eq!(status, 200, "{body}");
        let token = body["auth"]["client_token"].as_str().unwrap().to_string();
        let paths: Vec<String> = (0..paths_per_set).map(|_| query_path(&mut rng)).collect();
        let (status, answer) =
            bao.write("sys/capabilities", &json!({"token": token, "paths": paths}));
        assert_eq!(status, 200, "{answer}");
        let mut policies: Vec<(&str, Option<&str>, &str)> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), None, t.as_str()))
            .collect();
        if with_default {
            policies.push(("default", None, DEFAULT_POLICY));
        }
        let acl = Acl::new(policies);
        for path in &paths {
            let server: BTreeSet<String> = answer["data"][path.as_str()]
                .as_array()
                .unwrap_or_else(|| panic!("no answer for {path}: {answer}"))
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect();
            let ours = acl.decide(path);
            pairs += 1;
            if ours.capabilities != server {
                disagreements.push(format!(
                    "path {path:?}: server {server:?}, vaultform {:?} (rule {:?})\npolicies:\n{}",
                    ours.capabilities,
                    ours.rule,
                    texts
                        .iter()
                        .map(|(n, t)| format!("# {n}\n{t}"))
                        .collect::<String>()
                ));
            }
        }
    }
    assert!(pairs >= 10_000, "{pairs} pairs");
    assert!(
        disagreements.is_empty(),
        "seed {seed}: {} of {pairs} pairs disagree; first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
}

#[test]
fn policy_can_and_who_answer_offline_from_the_manifest() {
    let home = tempfile::tempdir().unwrap();
    let manifest =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/vault.toml");
    let run = |args: &[&str]| {
        let out = common::offline_vaultform_cmd(home.path())
            .arg("-f")
            .arg(&manifest)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run(&["policy", "can", "approle.approle/web", "kv-test/data/web"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with("approle.approle/web on kv-test/data/web: read\n"),
        "{stdout}"
    );
    assert!(stdout.contains("policy web-policy at"), "{stdout}");
    assert!(stdout.contains("web-policy.hcl:2"), "{stdout}");
    let (_, stdout, _) = run(&[
        "policy",
        "can",
        "approle.approle/web",
        "kv-test/data/worker",
    ]);
    assert!(
        stdout.starts_with("approle.approle/web on kv-test/data/worker: deny"),
        "{stdout}"
    );
    // The default policy comes with a role unless token_no_default_policy.
    let (_, stdout, _) = run(&[
        "policy",
        "can",
        "approle.approle/web",
        "auth/token/lookup-self",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["capabilities"], json!(["read"]));
    assert_eq!(doc["origins"][0]["policy"], "default");
    let (_, stdout, _) = run(&["policy", "who", "kv-test/data/worker", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let who: Vec<&str> = doc["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["principal"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["approle.approle/worker"]);
    // A prefix lists every rule path under it.
    let (_, stdout, _) = run(&["policy", "who", "kv-test/*"]);
    assert!(
        stdout.contains("approle.approle/web on kv-test/data/web: read"),
        "{stdout}"
    );
    assert!(
        stdout.contains("approle.approle/worker on kv-test/data/worker: read"),
        "{stdout}"
    );
    assert!(
        stdout.contains("approle.approle/worker on kv-test/metadata/: list"),
        "{stdout}"
    );
    let (code, _, stderr) = run(&["policy", "can", "nope-policy", "x"]);
    assert_eq!(code, Some(1));
    assert!(
        common::flat(&stderr).contains("policy `nope-policy` is not in the manifest"),
        "{stderr}"
    );
}

#[test]
fn the_example_manifests_policy_tests_pass_and_a_widening_change_fails_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("vault.toml"), dir.path().join("vault.toml")).unwrap();
    std::fs::copy(root.join(".env.example"), dir.path().join(".env")).unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    for e in std::fs::read_dir(root.join("policies")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join("policies").join(e.file_name())).unwrap();
    }
    let validate = || {
        let out = common::offline_vaultform_cmd(dir.path())
            .current_dir(dir.path())
            .arg("validate")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = validate();
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // A pull request widens the user service's policy to every secret.
    let policy = dir.path().join("policies/user-policy.hcl");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replacen("path \"secret/data/user\" {", "path \"secret/data/*\" {", 1),
    )
    .unwrap();
    let (code, _, stderr) = validate();
    assert_eq!(code, Some(1));
    let e = common::flat(&stderr);
    assert!(e.contains("vaultform::policy::test_failed"), "{e}");
    // (miette wraps long lines; `flat` joins them with a space.)
    let e = e.replace("user- policy", "user-policy");
    assert!(
        e.contains("approle.approle/user on secret/data/chat_db has read (granted: read; decided by path \"secret/data/*\" at ./policies/user-policy.hcl:4)"),
        "{e}"
    );
    assert!(e.contains("this expectation"), "{e}");
    assert!(
        e.contains("[vault.toml:"),
        "it points into the manifest: {e}"
    );
}

#[test]
fn policy_lints_warn_with_a_name_and_can_be_silenced() {
    let ws = common::workspace::Workspace::new();
    std::fs::write(
        ws.path("policies/ops-policy.hcl"),
        "path \"kv-test/web\" {\n  capabilities = [\"read\"]\n}\npath \"transit/encrypt/app\" {\n  capabilities = [\"update\"]\n}\npath \"sys/mounts/*\" {\n  capabilities = [\"read\", \"sudo\"]\n}\npath \"kv-test/data/*\" {\n  capabilities = [\"read\"]\n}\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let validate = || {
        let out = common::offline_vaultform_cmd(home.path())
            .arg("-f")
            .arg(ws.manifest())
            .arg("validate")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = validate();
    assert_eq!(code, Some(0), "warnings do not fail validate: {stdout}");
    for want in [
        "[unused_policy]",
        "[kv_v2_path]",
        "ops-policy.hcl:1: `kv-test/` is KV v2, so \"kv-test/web\" matches no secret",
        "[unknown_mount]",
        "ops-policy.hcl:4: no mount or auth method of the manifest serves \"transit/encrypt/app\"",
        "[sys_sudo]",
        "ops-policy.hcl:7: path \"sys/mounts/*\" grants sudo",
    ] {
        assert!(stdout.contains(want), "{want}: {stdout}");
    }
    assert_eq!(stdout.matches("Warning:").count(), 4, "{stdout}");
    ws.edit("vault.toml", |t| {
        t.replacen(
            "[policies]\n",
            "[policies]\nallow = [\"unused_policy\", \"sys_sudo\"]\n",
            1,
        )
    });
    let (_, stdout) = validate();
    assert_eq!(stdout.matches("Warning:").count(), 2, "{stdout}");
    assert!(
        !stdout.contains("[sys_sudo]") && !stdout.contains("[unused_policy]"),
        "{stdout}"
    );
}

#[test]
fn a_plan_shows_the_access_a_policy_change_adds_or_removes() {
    let bao = BaoDev::start();
    let mut ws = common::workspace::Workspace::new();
    ws.apply(&bao);
    // The pull request: web may now read every secret on the mount.
    std::fs::write(
        ws.path("policies/web-policy.hcl"),
        "# web: widened\npath \"kv-test/data/*\" {\n  capabilities = [\"read\"]\n}\n",
    )
    .unwrap();
    let r = ws.run(&bao, &["plan", "--format", "markdown"]);
    assert!(r.stdout.contains("#### Access changes"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("| `approle.approle/web` | `kv-test/data/*` | `deny` | `read` |"),
        "{}",
        r.stdout
    );
    let r = ws.run(&bao, &["plan", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let access = doc["access"].as_array().unwrap();
    assert!(
        access
            .iter()
            .any(|a| a["principal"] == "approle.approle/web"
                && a["path"] == "kv-test/data/*"
                && a["after"] == json!(["read"])),
        "{doc}"
    );
    // Only the role whose policy changed is listed.
    assert!(
        access
            .iter()
            .all(|a| a["principal"] == "approle.approle/web"),
        "{doc}"
    );
    ws.apply(&bao);
    let r = ws.run(&bao, &["plan", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        doc.get("access").is_none(),
        "no access change once applied: {doc}"
    );
}
