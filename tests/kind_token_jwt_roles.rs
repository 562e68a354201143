//! Token roles and JWT/OIDC roles (issue 13, items 5 and 7), against a real
//! OpenBao through the CLI: created, a no-op on the next plan, one field
//! changed in place, drift after a hand edit put back, deleted when dropped
//! from the manifest, and the declaration refused offline where it is wrong.

mod common;

use common::{BaoDev, flat, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("vault.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(
        dir.join("policies/ci-policy.hcl"),
        "path \"secret/data/ci\" {\n  capabilities = [\"read\"]\n}\n",
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

fn plan_json(bao: &BaoDev, path: &Path) -> Value {
    let (code, out, err) = run(bao, path, &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn actions(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn apply(bao: &BaoDev, path: &Path) {
    let (code, out, err) = run(bao, path, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
}

fn assert_no_changes(bao: &BaoDev, path: &Path) {
    let (code, out, err) = run(bao, path, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "expected no changes:\n{out}{err}");
}

const MANIFEST: &str = r#"
[policies]
dir = "policies"

[auth.jwt]
type = "jwt"

[auth.jwt.roles.ci]
role_type = "jwt"
user_claim = "sub"
bound_audiences = ["vault"]
bound_claims = { repository = "org/app", ref = ["refs/heads/main", "refs/heads/release"] }
claim_mappings = { email = "email" }
token_policies = ["ci-policy"]
token_ttl = "15m"

[token_roles.deploy]
allowed_policies = ["ci-policy"]
orphan = true
token_period = "1h"
token_type = "default-service"
token_bound_cidrs = ["127.0.0.1/32"]
"#;

#[test]
fn token_and_jwt_roles_are_created_compared_changed_put_back_and_deleted() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), MANIFEST);

    let (code, out, err) = run(&bao, &path, &["validate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 token role(s)"), "{out}");

    // Created in dependency order: policy, then the roles that grant it.
    let plan = plan_json(&bao, &path);
    let acts = actions(&plan);
    let pos = |a: &str| acts.iter().position(|(x, _)| x == a).expect(a);
    assert!(
        pos("policy.ci-policy") < pos("token_role.deploy"),
        "{acts:?}"
    );
    assert!(pos("auth.jwt") < pos("jwt_role.jwt/ci"), "{acts:?}");
    apply(&bao, &path);
    let (_, role) = bao.get("auth/token/roles/deploy");
    assert_eq!(role["data"]["orphan"], json!(true), "{role}");
    assert_eq!(role["data"]["token_period"], json!(3600), "{role}");
    let (_, jwt) = bao.get("auth/jwt/role/ci");
    assert_eq!(
        jwt["data"]["bound_claims"]["repository"],
        json!("org/app"),
        "{jwt}"
    );
    assert_eq!(jwt["data"]["token_ttl"], json!(900), "{jwt}");

    // The server's forms (127.0.0.1 for 127.0.0.1/32, seconds, claim maps)
    // compare equal.
    assert_no_changes(&bao, &path);

    // One field changed in the manifest: an update of that field only.
    let path = write(
        dir.path(),
        &MANIFEST
            .replace("token_ttl = \"15m\"", "token_ttl = \"30m\"")
            .replace("orphan = true", "orphan = false"),
    );
    let plan = plan_json(&bao, &path);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{plan}");
    for c in changes {
        assert_eq!(c["action"], "update", "{c}");
        assert_eq!(c["fields"].as_array().unwrap().len(), 1, "{c}");
    }
    apply(&bao, &path);
    assert_eq!(
        bao.get("auth/jwt/role/ci").1["data"]["token_ttl"],
        json!(1800)
    );
    assert_no_changes(&bao, &path);

    // Drift: both changed by hand, reported (exit 2) and put back.
    let (s, b) = bao.write(
        "auth/jwt/role/ci",
        // (the server wants role_type on every write of a jwt role)
        &json!({"role_type": "jwt", "bound_claims": {"repository": "evil/fork"}}),
    );
    assert!(s < 300, "{b}");
    let (s, b) = bao.write("auth/token/roles/deploy", &json!({"token_period": 60}));
    assert!(s < 300, "{b}");
    let (code, out, _) = run(&bao, &path, &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("bound_claims"), "{out}");
    assert!(out.contains("token_period"), "{out}");
    apply(&bao, &path);
    assert_no_changes(&bao, &path);
    assert_eq!(
        bao.get("auth/jwt/role/ci").1["data"]["bound_claims"]["repository"],
        json!("org/app")
    );

    // Dropped from the manifest: deleted (they are managed), a role made by
    // hand on the same mount is not.
    let (s, b) = bao.write(
        "auth/jwt/role/handmade",
        &json!({"user_claim": "sub", "role_type": "jwt", "bound_audiences": ["x"]}),
    );
    assert!(s < 300, "{b}");
    let kept = MANIFEST
        .split("[auth.jwt.roles.ci]")
        .next()
        .unwrap()
        .to_string();
    let path = write(dir.path(), &kept);
    let plan = plan_json(&bao, &path);
    let acts = actions(&plan);
    assert!(
        acts.contains(&("jwt_role.jwt/ci".into(), "delete".into())),
        "{acts:?}"
    );
    assert!(
        acts.contains(&("token_role.deploy".into(), "delete".into())),
        "{acts:?}"
    );
    assert!(
        plan["unmanaged"]
            .as_array()
            .unwrap()
            .contains(&json!("jwt_role.jwt/handmade")),
        "{plan}"
    );
    apply(&bao, &path);
    assert_eq!(bao.get("auth/jwt/role/ci").0, 404);
    assert_eq!(bao.get("auth/token/roles/deploy").0, 404);
    assert_eq!(bao.get("auth/jwt/role/handmade").0, 200);
    assert_no_changes(&bao, &path);
}

#[test]
fn wrong_role_declarations_are_refused_offline_at_their_place() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[auth.jwt]\ntype = \"jwt\"\n[auth.jwt.roles.ci]\nrole_type = \"jwt\"\nbound_audiences = [\"x\"]\n",
            "needs `user_claim`",
        ),
        (
            "[auth.jwt]\ntype = \"jwt\"\n[auth.jwt.roles.ci]\nrole_type = \"jwt\"\nuser_claim = \"sub\"\n",
            "a `jwt` role needs a bound constraint",
        ),
        (
            "[auth.jwt]\ntype = \"jwt\"\n[auth.jwt.roles.ci]\nuser_claim = \"sub\"\n",
            "needs allowed_redirect_uris",
        ),
        (
            "[auth.up]\ntype = \"userpass\"\n[auth.up.roles.x]\nuser_claim = \"sub\"\n",
            "vaultform::manifest::roles_unsupported",
        ),
        (
            "[auth.jwt]\ntype = \"jwt\"\n[auth.jwt.roles.ci]\nrole_type = \"jwt\"\nuser_claim = \"sub\"\nbound_claims = \"repo\"\n",
            "bound_claims must be a table",
        ),
        ("[token_roles.Deploy]\norphan = true\n", "upper-case"),
        (
            "[token_roles.deploy]\norphen = true\n",
            "did you mean `orphan`",
        ),
        (
            "[token_roles.\"../x\"]\norphan = true\n",
            "vaultform::manifest::bad_name",
        ),
    ];
    for (text, want) in cases {
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
        assert!(err.contains(want), "{text}\nwanted {want}:\n{err}");
        assert!(err.contains("vault.toml:"), "{text}\n{err}");
    }
}
