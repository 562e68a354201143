//! Several manifests on one real OpenBao server: each `[vaultform] name` has
//! its own ownership record; neither can adopt, change or delete the other's
//! resources; a manifest that gains a name takes its resources over from the
//! single record of earlier versions. Issue 10, item 1.

mod common;

use common::{BaoDev, vaultform_cmd};
use std::fs;
use std::path::{Path, PathBuf};

/// A team's manifest: a KV mount, a policy, an AppRole and two secrets.
fn team(dir: &Path, name: Option<&str>, team: &str) -> PathBuf {
    let root = dir.join(team);
    fs::create_dir_all(root.join("policies")).unwrap();
    fs::write(
        root.join(format!("policies/{team}-policy.hcl")),
        format!("path \"kv-{team}/data/*\" {{\n  capabilities = [\"read\"]\n}}\n"),
    )
    .unwrap();
    let header = match name {
        Some(n) => format!("[vaultform]\nname = \"{n}\"\n\n"),
        None => String::new(),
    };
    let manifest = root.join("vault.toml");
    fs::write(
        &manifest,
        format!(
            "{header}[mounts.kv-{team}]\ntype = \"kv\"\noptions = {{ version = \"2\" }}\n\n[auth.approle-{team}]\ntype = \"approle\"\n\n[policies]\ndir = \"policies\"\n\n[approles.svc]\nmount = \"approle-{team}\"\ntoken_policies = [\"{team}-policy\"]\ntoken_ttl = \"1h\"\n\n[secrets.\"kv-{team}/a\"]\nK = \"{team}-a\"\n\n[secrets.\"kv-{team}/b\"]\nK = \"{team}-b\"\n"
        ),
    )
    .unwrap();
    manifest
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(bao: &BaoDev, manifest: &Path, args: &[&str]) -> Out {
    let out = vaultform_cmd(bao)
        .arg("-f")
        .arg(manifest)
        .args(args)
        .output()
        .unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn apply(bao: &BaoDev, manifest: &Path) -> Out {
    let r = run(bao, manifest, &["apply", "--auto-approve"]);
    assert_eq!(r.code, Some(0), "apply failed:\n{}\n{}", r.stdout, r.stderr);
    r
}

fn assert_no_changes(bao: &BaoDev, manifest: &Path) {
    let r = run(bao, manifest, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        r.code,
        Some(0),
        "plan is not empty:\n{}\n{}",
        r.stdout,
        r.stderr
    );
}

fn record(bao: &BaoDev, path: &str) -> Vec<String> {
    let (status, body) = bao.get(&format!("vaultform/data/{path}"));
    if status == 404 {
        return Vec::new();
    }
    body["data"]["data"]["addresses"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn team_exists(bao: &BaoDev, team: &str) -> bool {
    bao.get(&format!("kv-{team}/data/a")).0 == 200
        && bao.get(&format!("sys/policies/acl/{team}-policy")).0 == 200
        && bao.get(&format!("auth/approle-{team}/role/svc")).0 == 200
}

#[test]
fn two_named_manifests_share_a_server_without_touching_each_other() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let alpha = team(dir.path(), Some("alpha"), "alpha");
    let beta = team(dir.path(), Some("beta"), "beta");
    apply(&bao, &alpha);
    apply(&bao, &beta);
    assert!(team_exists(&bao, "alpha") && team_exists(&bao, "beta"));
    assert_no_changes(&bao, &alpha);
    assert_no_changes(&bao, &beta);
    assert!(record(&bao, "records/alpha").contains(&"policy.alpha-policy".to_string()));
    assert!(record(&bao, "records/beta").contains(&"policy.beta-policy".to_string()));
    assert!(record(&bao, "managed").is_empty());
    let r = run(&bao, &beta, &["plan"]);
    assert!(
        r.stdout.contains("Owned by manifest `alpha`"),
        "{}",
        r.stdout
    );

    // Beta declares alpha's policy: refused, naming the owner; nothing written.
    let policy = dir.path().join("beta/policies/alpha-policy.hcl");
    fs::write(&policy, "path \"x\" {\n  capabilities = [\"deny\"]\n}\n").unwrap();
    let before = bao.get("sys/policies/acl/alpha-policy").1["data"].clone();
    let r = run(&bao, &beta, &["apply", "--auto-approve"]);
    assert_eq!(r.code, Some(1), "{}\n{}", r.stdout, r.stderr);
    assert!(
        common::flat(&r.stderr).contains("owned_elsewhere"),
        "{}",
        r.stderr
    );
    assert!(
        common::flat(&r.stderr).contains("manifest `alpha`"),
        "{}",
        r.stderr
    );
    assert_eq!(bao.get("sys/policies/acl/alpha-policy").1["data"], before);
    fs::remove_file(&policy).unwrap();

    // Beta declares nothing any more: only beta's resources go.
    fs::write(&beta, "[vaultform]\nname = \"beta\"\n").unwrap();
    fs::remove_dir_all(dir.path().join("beta/policies")).unwrap();
    let r = run(&bao, &beta, &["apply", "--auto-approve", "--allow-destroy"]);
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    let changes: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("  ")).collect();
    assert!(
        !changes.iter().any(|l| l.contains("alpha")),
        "beta's apply changes alpha's resources:\n{}",
        r.stdout
    );
    assert!(!team_exists(&bao, "beta"));
    assert!(team_exists(&bao, "alpha"));
    assert_no_changes(&bao, &alpha);
    assert!(record(&bao, "records/beta").is_empty());
}

#[test]
fn a_manifest_that_gains_a_name_takes_its_resources_over_from_the_single_record() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    // Applied by an earlier version's way: no name, the single record.
    let web = team(dir.path(), None, "web");
    apply(&bao, &web);
    let legacy = record(&bao, "managed");
    assert!(legacy.contains(&"kv.kv-web/a".to_string()), "{legacy:?}");
    // Something else in the old record that this manifest does not declare.
    let (s, _) = bao.write(
        "vaultform/data/managed",
        &serde_json::json!({ "data": { "addresses": format!("{}\npolicy.someone-else", legacy.join("\n")), "format": 2 } }),
    );
    assert_eq!(s, 200);

    let text = fs::read_to_string(&web).unwrap();
    fs::write(&web, format!("[vaultform]\nname = \"web\"\n\n{text}")).unwrap();
    let r = run(&bao, &web, &["plan", "--detailed-exitcode"]);
    assert_eq!(r.code, Some(2), "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("taken over from manifest `default`"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("\n  + ") && !r.stdout.contains("\n  - "),
        "{}",
        r.stdout
    );
    apply(&bao, &web);
    let mine = record(&bao, "records/web");
    assert_eq!(mine, legacy, "everything moved");
    assert_eq!(record(&bao, "managed"), ["policy.someone-else"]);
    assert_no_changes(&bao, &web);
    assert!(team_exists(&bao, "web"));
}

/// Issue 10, item 6: secrets nobody declares are reported like other
/// unmanaged resources (a count and the first paths), never deleted.
#[test]
fn unmanaged_kv_paths_are_reported_with_a_count_and_a_sample() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let web = team(dir.path(), Some("web"), "web");
    apply(&bao, &web);
    for i in 0..12 {
        let (s, _) = bao.write(
            &format!("kv-web/data/hand/made-{i:02}"),
            &serde_json::json!({ "data": { "k": "v" } }),
        );
        assert_eq!(s, 200);
    }
    let r = run(&bao, &web, &["plan", "--detailed-exitcode"]);
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "Unmanaged secrets on kv-web/ (never deleted by vaultform): 12: hand/made-00"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("and 2 more"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("kv-web/a"),
        "a declared path is not unmanaged:\n{}",
        r.stdout
    );
    let j = run(&bao, &web, &["plan", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(plan["unmanaged_kv"]["kv-web"]["count"], 12);
    assert_eq!(
        plan["unmanaged_kv"]["kv-web"]["sample"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}
