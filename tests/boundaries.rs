//! Names and paths at the boundary, against a real OpenBao with a file audit
//! device: no manifest and no ownership record can make vaultform send a
//! request outside the path of the resource it declares, and nothing that
//! vaultform does not manage is ever deleted.
//!
//! Regression for issue 9, item 1: `[secrets."secret/a/../../../sys/mounts/important"]`
//! was sent as `sys/mounts/important` (the URL parser collapsed `..`), entered
//! the ownership record although the write failed, and was then deleted.

mod common;

use common::{BaoDev, vaultform_cmd};
use serde_json::json;
use std::fs;
use std::path::Path;

/// Hostile names: dot segments, encoded dots and slashes, doubled slashes,
/// Unicode lookalikes, spaces and control characters. `{}` is where a
/// plausible name goes.
const HOSTILE: &[&str] = &[
    "{}/../../../sys/mounts/important",
    "{}/..",
    "..",
    ".",
    "{}/./x",
    "{}/%2e%2e/%2e%2e/sys/mounts/important",
    "%2e%2e",
    "{}%2F..%2Fimportant",
    "{}//important",
    "{}/",
    "/{}",
    "{}\u{2215}..\u{2215}important",
    "\u{ff0e}\u{ff0e}",
    "{} x",
    "{}\nx",
    "{}\\..\\important",
    "{}?x=1",
    "{}#x",
];

fn hostile(plausible: &str) -> Vec<String> {
    HOSTILE.iter().map(|t| t.replace("{}", plausible)).collect()
}

/// A TOML key, quoted (JSON string escapes are valid TOML basic-string escapes).
fn key(name: &str) -> String {
    serde_json::to_string(name).unwrap()
}

/// Something unmanaged worth protecting: a KV v2 mount with data and a policy.
fn plant_precious_things(bao: &BaoDev) {
    let (s, _) = bao.write(
        "sys/mounts/important",
        &json!({ "type": "kv", "options": { "version": "2" } }),
    );
    assert_eq!(s, 204);
    assert_eq!(
        bao.write_kv(
            "important/data/db",
            &json!({ "data": { "pw": "precious" } })
        ),
        200
    );
    let (s, _) = bao.write(
        "sys/policies/acl/precious",
        &json!({ "policy": "path \"x\" { capabilities = [\"read\"] }" }),
    );
    assert_eq!(s, 204);
    let (s, _) = bao.write("sys/auth/keep", &json!({ "type": "approle" }));
    assert_eq!(s, 204);
    let (s, _) = bao.write("auth/keep/role/keeper", &json!({ "token_ttl": 60 }));
    assert_eq!(s, 204);
}

fn assert_precious_things_intact(bao: &BaoDev) {
    let (s, body) = bao.get("important/data/db");
    assert_eq!(s, 200, "important/db is gone: {body}");
    assert_eq!(body["data"]["data"]["pw"], "precious");
    assert_eq!(bao.get("sys/policies/acl/precious").0, 200);
    assert_eq!(bao.get("auth/keep/role/keeper").0, 200);
    let (_, mounts) = bao.get("sys/mounts");
    assert!(mounts["data"]["important/"].is_object());
    let (_, auths) = bao.get("sys/auth");
    assert!(auths["data"]["keep/"].is_object());
}

/// A manifest's text, and a policy file to write beside it (name, text).
type Case = (&'static str, String, Option<(String, String)>);

/// One manifest per kind that declares `name` where that kind's name goes.
fn manifests_naming(name: &str) -> Vec<Case> {
    let k = key(name);
    let kv = key(&format!("secret/{name}"));
    let policy_file = Some((
        format!("{name}.hcl"),
        "path \"x\" { capabilities = [\"read\"] }\n".to_string(),
    ));
    vec![
        ("mount", format!("[mounts.{k}]\ntype = \"kv\"\n"), None),
        ("auth", format!("[auth.{k}]\ntype = \"approle\"\n"), None),
        (
            "auth_config",
            format!(
                "[auth.{k}]\ntype = \"kubernetes\"\nconfig = {{ kubernetes_host = \"https://127.0.0.1:1\" }}\n"
            ),
            None,
        ),
        (
            "policy",
            "[policies]\ndir = \"policies\"\n".to_string(),
            policy_file,
        ),
        (
            "approle",
            format!("[auth.approle]\ntype = \"approle\"\n[approles.{k}]\ntoken_ttl = \"1h\"\n"),
            None,
        ),
        (
            "approle mount",
            format!("[approles.web]\nmount = {k}\ntoken_ttl = \"1h\"\n"),
            None,
        ),
        (
            "kubernetes_role",
            format!(
                "[auth.kubernetes]\ntype = \"kubernetes\"\n[auth.kubernetes.roles.{k}]\nbound_service_account_names = [\"a\"]\nbound_service_account_namespaces = [\"b\"]\n"
            ),
            None,
        ),
        ("kv", format!("[secrets.{kv}]\nK = \"v\"\n"), None),
        (
            "kv mount",
            format!("[secrets.{}]\nK = \"v\"\n", key(&format!("{name}/x"))),
            None,
        ),
        (
            "credentials",
            format!(
                "[auth.approle]\ntype = \"approle\"\n[approles.{k}]\ntoken_ttl = \"1h\"\ncredentials_dir = \"creds\"\n"
            ),
            None,
        ),
        (
            "ownership_mount",
            format!("[vaultform]\nownership_mount = {k}\n"),
            None,
        ),
    ]
}

#[test]
fn no_manifest_name_can_send_a_request_outside_its_resource() {
    let bao = BaoDev::start_audited();
    plant_precious_things(&bao);
    let mut cases = 0;
    for plausible in ["secret", "important", "a"] {
        for name in hostile(plausible) {
            for (kind, text, file) in manifests_naming(&name) {
                let dir = tempfile::tempdir().unwrap();
                fs::create_dir(dir.path().join("policies")).unwrap();
                fs::write(dir.path().join("vault.toml"), &text).unwrap();
                if let Some((fname, body)) = &file {
                    // Names with `/` cannot be file names: the policy kind
                    // cannot be declared with them at all.
                    if fname.contains('/') || fname.contains('\0') {
                        continue;
                    }
                    fs::write(dir.path().join("policies").join(fname), body).unwrap();
                }
                let before = bao.audited_requests().len();
                let out = vaultform_cmd(&bao)
                    .current_dir(dir.path())
                    .args(["-f", "vault.toml", "apply", "--auto-approve"])
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{kind} named {name:?} was accepted:\n{text}\n{stderr}"
                );
                assert!(
                    stderr.contains("bad_name") || stderr.contains("upper_case"),
                    "{kind} named {name:?}: expected a name diagnostic:\n{stderr}"
                );
                assert!(!stderr.contains("panicked"), "{stderr}");
                let after = bao.audited_requests();
                assert_eq!(
                    after.len(),
                    before,
                    "{kind} named {name:?}: requests were sent: {:?}",
                    &after[before..]
                );
                cases += 1;
            }
        }
    }
    assert!(cases > 400, "only {cases} cases ran");
    assert_precious_things_intact(&bao);
}

/// Manifest v1 of the issue's reproduction, then v2 without the secret: v1 is
/// refused before any request, v2 deletes nothing.
#[test]
fn the_reported_traversal_deletes_nothing() {
    let bao = BaoDev::start_audited();
    plant_precious_things(&bao);
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1.toml");
    let v2 = dir.path().join("v2.toml");
    fs::write(
        &v1,
        "[mounts.secret]\ntype = \"kv\"\noptions = { version = \"2\" }\n\n[secrets.\"secret/a/../../../sys/mounts/important\"]\nK = \"v\"\n",
    )
    .unwrap();
    fs::write(
        &v2,
        "[mounts.secret]\ntype = \"kv\"\noptions = { version = \"2\" }\n",
    )
    .unwrap();
    let run = |manifest: &Path| {
        let out = vaultform_cmd(&bao)
            .arg("-f")
            .arg(manifest)
            .args(["apply", "--auto-approve"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, stderr) = run(&v1);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("`..` segment"), "{stderr}");
    assert_eq!(
        bao.get("vaultform/data/managed").0,
        404,
        "v1 wrote a record"
    );
    let (code, stdout, stderr) = run(&v2);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(" 0 deleted"), "{stdout}");
    assert!(!stdout.contains("\n  - "), "{stdout}");
    assert_precious_things_intact(&bao);
    assert!(
        !bao.audited_requests().iter().any(|(op, _)| op == "delete"),
        "a delete was sent"
    );
}

/// A record written by an older vaultform (or by hand) that names things
/// through traversal: every such entry is ignored, never read, never deleted.
#[test]
fn hostile_addresses_in_the_ownership_record_are_never_used() {
    let bao = BaoDev::start_audited();
    plant_precious_things(&bao);
    let mut planted = Vec::new();
    for kind in [
        "mount",
        "auth",
        "auth_config",
        "policy",
        "approle",
        "kubernetes_role",
        "kv",
    ] {
        for plausible in ["secret", "keep", "x/y"] {
            for name in hostile(plausible) {
                if !name.contains('\n') {
                    planted.push(format!("{kind}.{name}"));
                }
            }
        }
    }
    // Paths that collapse onto the precious things, for each kind.
    planted.extend(
        [
            "mount.x/../important",
            "policy.x/../precious",
            "auth.x/../keep",
            "approle.keep/x/../keeper",
            "approle.x/../../keep/role/keeper",
            "kv.secret/a/../../../sys/mounts/important",
            "kv.important/data/../../important/metadata/db",
        ]
        .map(String::from),
    );
    let (s, _) = bao.write(
        "sys/mounts/vaultform",
        &json!({ "type": "kv", "options": { "version": "2" } }),
    );
    assert_eq!(s, 204);
    assert_eq!(
        bao.write_kv(
            "vaultform/data/managed",
            &json!({ "data": { "addresses": planted.join("\n"), "format": 2 } })
        ),
        200
    );

    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("vault.toml");
    fs::write(
        &manifest,
        "[mounts.secret]\ntype = \"kv\"\noptions = { version = \"2\" }\n[secrets.\"secret/app\"]\nK = \"v\"\n",
    )
    .unwrap();
    let before = bao.audited_requests().len();
    for args in [
        &["plan", "--detailed-exitcode"][..],
        &["apply", "--auto-approve"][..],
        &["plan", "--detailed-exitcode"][..],
    ] {
        let out = vaultform_cmd(&bao)
            .arg("-f")
            .arg(&manifest)
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "{args:?}: {stdout}\n{stderr}"
        );
        assert!(!stdout.contains("- "), "{args:?} plans a delete:\n{stdout}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let sent = bao.audited_requests()[before..].to_vec();
    assert!(!sent.is_empty());
    for (op, path) in &sent {
        assert_ne!(op, "delete", "a delete was sent to {path}");
        let allowed = [
            "sys/mounts",
            "sys/auth",
            "sys/policies/acl",
            "vaultform/",
            "secret/",
        ];
        assert!(
            allowed.iter().any(|a| path.starts_with(a)),
            "{op} {path} is outside what the manifest declares"
        );
        assert!(!path.starts_with("sys/mounts/"), "{op} {path}");
        assert!(
            !path.contains("important") && !path.contains("precious") && !path.contains("keep"),
            "{op} {path}"
        );
    }
    assert_precious_things_intact(&bao);
    // The rewritten record keeps only what the manifest declares.
    let (_, record) = bao.get("vaultform/data/managed");
    let kept: Vec<&str> = record["data"]["data"]["addresses"]
        .as_str()
        .unwrap()
        .lines()
        .collect();
    assert_eq!(kept, ["mount.secret", "kv.secret/app"]);
}

/// The ownership record is written before the first create (so a crash never
/// leaves something created but unclaimed); a create that fails takes its
/// address back out, so a later manifest without it deletes nothing.
#[test]
fn a_failed_create_leaves_no_claim_in_the_ownership_record() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("vault.toml");
    fs::write(
        &manifest,
        "[mounts.kept]\ntype = \"kv\"\noptions = { version = \"2\" }\n[mounts.broken]\ntype = \"no-such-plugin\"\n",
    )
    .unwrap();
    let out = vaultform_cmd(&bao)
        .arg("-f")
        .arg(&manifest)
        .args(["apply", "--auto-approve"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("broken"), "{stderr}");
    let (_, record) = bao.get("vaultform/data/managed");
    let kept: Vec<&str> = record["data"]["data"]["addresses"]
        .as_str()
        .unwrap()
        .lines()
        .collect();
    assert_eq!(kept, ["mount.kept"], "{record}");

    // Someone else now mounts `broken/`; a manifest without it never deletes it.
    let (s, _) = bao.write("sys/mounts/broken", &json!({ "type": "kv" }));
    assert_eq!(s, 204);
    fs::write(
        &manifest,
        "[mounts.kept]\ntype = \"kv\"\noptions = { version = \"2\" }\n",
    )
    .unwrap();
    let out = vaultform_cmd(&bao)
        .arg("-f")
        .arg(&manifest)
        .args(["apply", "--auto-approve"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("mount.broken"),
        "listed as unmanaged: {stdout}"
    );
    let (_, mounts) = bao.get("sys/mounts");
    assert!(mounts["data"]["broken/"].is_object(), "broken/ was deleted");
}

/// Percent-encodes every byte but ASCII letters and digits (for the test's own requests).
fn enc(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Names and values that come from the server (an unmanaged policy's name, a
/// KV key vaultform will remove, a mount's description, a policy's old text)
/// cannot inject terminal escapes into a plan or markup into a pull-request
/// comment.
#[test]
fn text_from_the_server_cannot_inject_into_plans() {
    let bao = BaoDev::start();
    let evil = "evil\u{1b}[2J`|</details>\u{202e}\r\n- [x](http://127.0.0.1)";
    // Policy names cannot hold control or bidi characters (400); markup they can.
    let evil_name = "evil`|</details>x";
    let (s, body) = bao.request(
        "PUT",
        &format!("sys/policies/acl/{}", enc(evil_name)),
        Some(&json!({ "policy": "path \"x\" { capabilities = [\"read\"] }" })),
    );
    assert_eq!(s, 204, "{body}");
    let (s, _) = bao.write(
        "sys/policies/acl/p",
        &json!({ "policy": "path \"x\" { capabilities = [\"read\"] }\n/*\n````\nevil \u{1b}[2J \u{202e}\n*/\n" }),
    );
    assert_eq!(s, 204);
    let (s, _) = bao.write(
        "sys/mounts/kvh",
        &json!({ "type": "kv", "options": { "version": "2" }, "description": evil }),
    );
    assert_eq!(s, 204);
    assert_eq!(
        bao.write_kv(
            "kvh/data/app",
            &json!({ "data": { "GOOD": "v", evil: "x" } })
        ),
        200
    );

    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::write(
        dir.path().join("policies/p.hcl"),
        "path \"x\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    let manifest = dir.path().join("vault.toml");
    fs::write(
        &manifest,
        "[policies]\ndir = \"policies\"\n[mounts.kvh]\ntype = \"kv\"\noptions = { version = \"2\" }\ndescription = \"clean\"\n[secrets.\"kvh/app\"]\nGOOD = \"v\"\n",
    )
    .unwrap();
    for format in ["human", "markdown"] {
        let out = vaultform_cmd(&bao)
            .arg("-f")
            .arg(&manifest)
            .args(["plan", "--format", format])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Everything hostile was shown (escaped), and nothing raw got through.
        assert!(stdout.contains("evil"), "{format}:\n{stdout}");
        for raw in ['\u{1b}', '\u{202e}', '\r'] {
            assert!(!stdout.contains(raw), "{format}: raw {raw:?} in\n{stdout}");
        }
        assert!(
            !stdout.contains("\n- [x]"),
            "{format}: injected line:\n{stdout}"
        );
        if format == "markdown" {
            // Our own tags, or text inside a code span (where markup is literal).
            for line in stdout.lines().filter(|l| l.contains("</details>")) {
                assert!(
                    line == "</details>" || line.starts_with("| `") || line.starts_with("- `"),
                    "injected </details>: {line}\n{stdout}"
                );
            }
            // The policy diff block is closed only by its own fence.
            let fence = stdout
                .lines()
                .find(|l| l.starts_with("```") && l.ends_with("diff"))
                .expect("a diff block");
            let fence = fence.trim_end_matches("diff");
            assert!(
                fence.len() > 4,
                "fence {fence:?} is not longer than the text's ````"
            );
        }
    }
}
