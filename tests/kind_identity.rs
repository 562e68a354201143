//! Identity entities and internal groups (issue 13, item 6, in part) against a
//! real OpenBao through the CLI: created with members named by entity, a
//! no-op next plan, one field changed in place, membership drift (a member
//! removed, a stranger added by hand) put back, deleted when dropped, and
//! offline refusals.

mod common;

use common::{BaoDev, flat, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;

const MANIFEST: &str = r#"
[policies]
dir = "policies"

[entities.alice]
policies = ["dev"]
metadata = { team = "web" }

[entities.bob]
metadata = { team = "data" }

[groups.developers]
policies = ["dev"]
member_entities = ["alice", "bob"]
"#;

fn run(bao: &BaoDev, dir: &Path, manifest: &str, args: &[&str]) -> (i32, String, String) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(
        dir.join("policies/dev.hcl"),
        "path \"secret/data/dev/*\" {\n  capabilities = [\"read\"]\n}\n",
    )
    .unwrap();
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

fn id(bao: &BaoDev, entity: &str) -> String {
    let (s, b) = bao.get(&format!("identity/entity/name/{entity}"));
    assert_eq!(s, 200, "{b}");
    b["data"]["id"].as_str().unwrap().to_string()
}

fn members(bao: &BaoDev) -> Vec<String> {
    let (s, b) = bao.get("identity/group/name/developers");
    assert_eq!(s, 200, "{b}");
    let mut ids: Vec<String> = b["data"]["member_entity_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn no_changes(bao: &BaoDev, dir: &Path, manifest: &str) {
    let (code, out, err) = run(bao, dir, manifest, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "expected no changes:\n{out}{err}");
}

#[test]
fn entities_and_groups_are_created_with_members_by_name_and_kept_as_declared() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&bao, dir.path(), MANIFEST, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let mut want = vec![id(&bao, "alice"), id(&bao, "bob")];
    want.sort();
    assert_eq!(members(&bao), want);
    assert_eq!(
        bao.get("identity/entity/name/alice").1["data"]["metadata"],
        json!({"team": "web"})
    );
    no_changes(&bao, dir.path(), MANIFEST);

    // One field changed in place.
    let changed = MANIFEST.replace("team = \"data\"", "team = \"platform\"");
    let (code, out, _) = run(&bao, dir.path(), &changed, &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let p: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(p["changes"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["changes"][0]["address"], "entity.bob");
    assert_eq!(p["changes"][0]["action"], "update");
    let (code, _, err) = run(&bao, dir.path(), &changed, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    no_changes(&bao, dir.path(), &changed);

    // Membership drift: bob removed and a hand-made entity added, by hand.
    let (s, b) = bao.write("identity/entity/name/mallory", &json!({}));
    assert!(s < 300, "{b}");
    let mallory = id(&bao, "mallory");
    let (s, b) = bao.write(
        "identity/group/name/developers",
        &json!({"member_entity_ids": [id(&bao, "alice"), mallory]}),
    );
    assert!(s < 300, "{b}");
    let (code, out, _) = run(
        &bao,
        dir.path(),
        &changed,
        &["plan", "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("member_entities"), "{out}");
    assert!(
        out.contains(&mallory),
        "the stranger is shown by its ID:\n{out}"
    );
    let (code, _, err) = run(&bao, dir.path(), &changed, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(members(&bao), want);
    no_changes(&bao, dir.path(), &changed);

    // Dropped: the group and bob are deleted; mallory (never managed) stays.
    let only_alice = "[policies]\ndir = \"policies\"\n\n[entities.alice]\npolicies = [\"dev\"]\nmetadata = { team = \"web\" }\n";
    let (code, _, err) = run(&bao, dir.path(), only_alice, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(bao.get("identity/group/name/developers").0, 404);
    assert_eq!(bao.get("identity/entity/name/bob").0, 404);
    assert_eq!(bao.get("identity/entity/name/mallory").0, 200);
    no_changes(&bao, dir.path(), only_alice);
}

#[test]
fn undeclared_members_and_non_string_metadata_are_refused_before_any_write() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        (
            "[groups.g]\nmember_entities = [\"ghost\"]\n",
            "vaultform::manifest::unknown_member",
        ),
        (
            "[entities.e]\nmetadata = { tier = 1 }\n",
            "metadata values must be strings",
        ),
    ] {
        let (code, _, err) = run(&bao, dir.path(), text, &["apply", "--auto-approve"]);
        assert_eq!(code, 1, "{text}\n{err}");
        let err = flat(&err);
        assert!(err.contains(want), "{text}\n{err}");
        assert!(err.contains("vault.toml:"), "{err}");
    }
    assert_eq!(bao.get("identity/group/name/g").0, 404);
    assert_eq!(bao.get("identity/entity/name/e").0, 404);
}

#[test]
fn entity_aliases_are_created_renamed_and_removed_by_auth_method_path() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let manifest = |aliases: &str| {
        format!(
            "[auth.userpass]\ntype = \"userpass\"\n[auth.jwt]\ntype = \"jwt\"\n\n[entities.alice]\naliases = {{ {aliases} }}\n"
        )
    };
    let aliases = |bao: &BaoDev| -> Vec<(String, String)> {
        let (s, b) = bao.get("identity/entity/name/alice");
        assert_eq!(s, 200, "{b}");
        let mut out: Vec<(String, String)> = b["data"]["aliases"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                (
                    a["mount_path"].as_str().unwrap().to_string(),
                    a["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let both = manifest("userpass = \"alice\", jwt = \"alice@example.com\"");
    let (code, out, err) = run(&bao, dir.path(), &both, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        aliases(&bao),
        vec![
            ("auth/jwt/".to_string(), "alice@example.com".to_string()),
            ("auth/userpass/".to_string(), "alice".to_string()),
        ]
    );
    no_changes(&bao, dir.path(), &both);

    // Renamed on one method, removed from the other.
    let one = manifest("userpass = \"a.smith\"");
    let (code, out, _) = run(&bao, dir.path(), &one, &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let p: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(p["changes"][0]["address"], "entity.alice", "{p}");
    assert_eq!(p["changes"][0]["fields"][0]["name"], "aliases", "{p}");
    let (code, _, err) = run(&bao, dir.path(), &one, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        aliases(&bao),
        vec![("auth/userpass/".to_string(), "a.smith".to_string())]
    );
    no_changes(&bao, dir.path(), &one);
}

#[test]
fn external_groups_carry_one_alias_and_a_type_change_replaces_the_group() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let manifest = |group: &str| {
        format!(
            "[policies]\ndir = \"policies\"\n\n[auth.jwt]\ntype = \"jwt\"\n\n[groups.ops]\npolicies = [\"dev\"]\n{group}\n"
        )
    };
    let alias = |bao: &BaoDev| -> (String, Value) {
        let (s, b) = bao.get("identity/group/name/ops");
        assert_eq!(s, 200, "{b}");
        (
            b["data"]["type"].as_str().unwrap().to_string(),
            b["data"]["alias"]["name"].clone(),
        )
    };
    let external = manifest("type = \"external\"\nalias = { jwt = \"ops-team\" }");
    let (code, out, err) = run(&bao, dir.path(), &external, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(alias(&bao), ("external".to_string(), json!("ops-team")));
    no_changes(&bao, dir.path(), &external);

    // The alias renamed in place.
    let renamed = manifest("type = \"external\"\nalias = { jwt = \"operations\" }");
    let (code, _, err) = run(&bao, dir.path(), &renamed, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(alias(&bao), ("external".to_string(), json!("operations")));
    no_changes(&bao, dir.path(), &renamed);

    // External to internal: the server cannot change a type, so a replacement.
    let internal = manifest("type = \"internal\"");
    let (code, out, _) = run(&bao, dir.path(), &internal, &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let p: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(p["changes"][0]["action"], "replace", "{p}");
    let (code, _, err) = run(&bao, dir.path(), &internal, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(alias(&bao).0, "internal");
    no_changes(&bao, dir.path(), &internal);

    // Offline: an alias on an internal group, members of an external one.
    for (group, want) in [
        (
            "alias = { jwt = \"x\" }",
            "only an external group has an alias",
        ),
        (
            "type = \"external\"\nmember_entities = []",
            "an external group's members come from its auth method",
        ),
        (
            "type = \"external\"\nalias = { jwt = \"a\", oidc = \"b\" }",
            "alias maps one auth method path",
        ),
    ] {
        let (code, _, err) = run(&bao, dir.path(), &manifest(group), &["validate"]);
        assert_eq!(code, 1, "{group}\n{err}");
        assert!(flat(&err).contains(want), "{group}\n{err}");
    }
}

/// Groups inside groups: named by group name, written after their member
/// groups (created in the same apply, so no ID at plan time), compared
/// through the IDs the server keeps, a stranger added by hand removed, and
/// cycles or undeclared member groups refused offline.
#[test]
fn groups_have_member_groups_by_name_written_in_dependency_order() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    // Names chosen so that a member sorts after the group holding it: the
    // applier must order by membership, not by name.
    let m = r#"
[entities.alice]

[groups.a-company]
member_groups = ["b-engineering"]

[groups.b-engineering]
member_groups = ["c-developers", "c-ops"]

[groups.c-developers]
member_entities = ["alice"]

[groups.c-ops]
"#;
    let (code, out, err) = run(&bao, dir.path(), m, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let gid = |name: &str| {
        let (s, b) = bao.get(&format!("identity/group/name/{name}"));
        assert_eq!(s, 200, "{b}");
        b["data"]["id"].as_str().unwrap().to_string()
    };
    let member_ids = |name: &str| {
        let mut v: Vec<String> =
            bao.get(&format!("identity/group/name/{name}")).1["data"]["member_group_ids"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
        v.sort();
        v
    };
    assert_eq!(member_ids("a-company"), [gid("b-engineering")]);
    let mut want = vec![gid("c-developers"), gid("c-ops")];
    want.sort();
    assert_eq!(member_ids("b-engineering"), want);
    no_changes(&bao, dir.path(), m);

    // A stranger group added by hand: shown by ID, removed.
    let (s, b) = bao.write("identity/group/name/stranger", &json!({"type": "internal"}));
    assert!(s < 300, "{b}");
    let stranger = gid("stranger");
    let (s, b) = bao.write(
        "identity/group/name/a-company",
        &json!({"member_group_ids": [gid("b-engineering"), stranger.clone()]}),
    );
    assert!(s < 300, "{b}");
    let (code, out, _) = run(
        &bao,
        dir.path(),
        m,
        &["plan", "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("member_groups") && out.contains(&stranger),
        "{out}"
    );
    let (code, out, err) = run(&bao, dir.path(), m, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(member_ids("a-company"), [gid("b-engineering")]);
    no_changes(&bao, dir.path(), m);

    // Refused offline: a cycle, and a member group the manifest lacks.
    for (bad, code_name) in [
        (
            m.replace(
                "[groups.c-ops]\n",
                "[groups.c-ops]\nmember_groups = [\"a-company\"]\n",
            ),
            "vaultform::manifest::member_cycle",
        ),
        (
            m.replace(
                "\"c-developers\", \"c-ops\"",
                "\"c-developers\", \"nobody\"",
            ),
            "vaultform::manifest::unknown_member",
        ),
    ] {
        let (code, _, err) = run(&bao, dir.path(), &bad, &["apply", "--auto-approve"]);
        assert_eq!(code, 1, "{err}");
        assert!(flat(&err).contains(code_name), "{err}");
    }
    assert_eq!(bao.get("identity/group/name/nobody").0, 404);
}
