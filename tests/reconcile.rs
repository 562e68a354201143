//! The core reconciler against a real OpenBao dev server: every kind created,
//! updated, left alone and deleted; bad input leaves the server unchanged; no
//! secret value used here appears in any output.

mod common;

use common::workspace::Workspace;
use common::{BaoDev, vaultform_cmd};
use serde_json::{Value, json};
use std::fs;
use std::path::Path;

/// A snapshot of what a test may have changed: mounts, auth, policies, roles.
fn server_state(bao: &BaoDev) -> Value {
    let (_, mounts) = bao.get("sys/mounts");
    let (_, auths) = bao.get("sys/auth");
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v["data"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    json!({
        "mounts": keys(&mounts),
        "auths": keys(&auths),
        "policies": bao.list("sys/policies/acl"),
        "roles": bao.list("auth/approle/role"),
    })
}

#[test]
fn apply_creates_everything_and_a_second_plan_is_empty() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let first = ws.plan(&bao);
    assert_eq!(first.code, 2, "{}\n{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("+ mount.kv-test"), "{}", first.stdout);
    assert!(
        first.stdout.contains("+ kv.kv-test/web"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("DB_PASSWORD = (sensitive)"),
        "{}",
        first.stdout
    );
    ws.apply(&bao);

    let (status, mount) = bao.get("sys/mounts/kv-test");
    assert_eq!(status, 200);
    assert_eq!(mount["data"]["options"]["version"], "2");
    let (_, auth) = bao.get("sys/auth");
    assert_eq!(auth["data"]["approle/"]["type"], "approle");
    let (_, policy) = bao.get("sys/policies/acl/web-policy");
    let text = fs::read_to_string(ws.path("policies/web-policy.hcl")).unwrap();
    assert_eq!(policy["data"]["policy"], text.as_str());
    let (_, role) = bao.get("auth/approle/role/worker");
    assert_eq!(role["data"]["token_ttl"], 1800);
    assert_eq!(role["data"]["token_max_ttl"], 7200);
    assert_eq!(role["data"]["secret_id_ttl"], 600);
    assert_eq!(role["data"]["token_policies"], json!(["worker-policy"]));
    let (_, web) = bao.get("kv-test/data/web");
    assert_eq!(web["data"]["data"]["DB_USER"], "web_user");
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "fixture-web-db-password"
    );
    assert_eq!(web["data"]["data"]["DB_HOST"], "web-db");
    assert_eq!(
        web["data"]["data"]["SESSION_KEY"].as_str().unwrap().len(),
        32
    );
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.remember_server_secrets(&bao, "kv-test/data/worker");
    let (_, record) = bao.get("vaultform/data/managed");
    let addresses: Vec<&str> = record["data"]["data"]["addresses"]
        .as_str()
        .unwrap()
        .lines()
        .collect();
    assert!(addresses.contains(&"approle.approle/web"));
    assert!(addresses.contains(&"kv.kv-test/worker"));

    ws.assert_converged(&bao);
    // A no-op apply writes nothing: the policy version and the KV version stay.
    let r = ws.apply(&bao);
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
    let (_, policy_after) = bao.get("sys/policies/acl/web-policy");
    assert_eq!(policy_after["data"]["version"], policy["data"]["version"]);
    let (_, web_after) = bao.get("kv-test/data/web");
    assert_eq!(web_after["data"]["metadata"]["version"], 1);
    assert_eq!(
        web_after["data"]["data"]["SESSION_KEY"],
        web["data"]["data"]["SESSION_KEY"]
    );
}

#[test]
fn changing_one_env_value_plans_exactly_one_key_update() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.set_env("VF_BASIC_WEB_DB_PASSWORD", "rotated-web-db-password-42");

    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("~ kv.kv-test/web"), "{}", r.stdout);
    assert!(
        r.stdout.contains("~ DB_PASSWORD = (sensitive)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stdout.matches(" ~ ").count(),
        2,
        "one resource, one key:\n{}",
        r.stdout
    );

    let j = ws.run(&bao, &["plan", "--format", "json"]);
    assert_eq!(j.code, 0);
    let plan: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(plan["format_version"], 1);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["address"], "kv.kv-test/web");
    assert_eq!(changes[0]["action"], "update");
    assert_eq!(changes[0]["secret"]["keys"][0]["key"], "DB_PASSWORD");
    assert_eq!(changes[0]["secret"]["cas"], 1);
    let md = ws.run(&bao, &["plan", "--format", "markdown"]);
    assert!(
        md.stdout.contains("`DB_PASSWORD`: changed (sensitive)"),
        "{}",
        md.stdout
    );

    ws.apply(&bao);
    let (_, web) = bao.get("kv-test/data/web");
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "rotated-web-db-password-42"
    );
    assert_eq!(web["data"]["metadata"]["version"], 2);
    ws.assert_converged(&bao);
}

#[test]
fn editing_a_policy_shows_a_text_diff_and_updates_it() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.edit("policies/web-policy.hcl", |t| {
        t + "\npath \"kv-test/metadata/web\" {\n  capabilities = [\"list\"]\n}\n"
    });
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("~ policy.web-policy"), "{}", r.stdout);
    assert!(
        r.stdout.contains("+path \"kv-test/metadata/web\" {"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("@@"), "{}", r.stdout);
    ws.apply(&bao);
    let (_, p) = bao.get("sys/policies/acl/web-policy");
    assert!(
        p["data"]["policy"]
            .as_str()
            .unwrap()
            .contains("kv-test/metadata/web")
    );
    ws.assert_converged(&bao);
}

#[test]
fn removing_an_approle_deletes_it_but_never_a_role_made_by_hand() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    let (status, _) = bao.write("auth/approle/role/handmade", &json!({"token_ttl": "1h"}));
    assert_eq!(status, 204);
    ws.edit("vault.toml", |t| {
        let start = t.find("[approles.worker]").unwrap();
        let end = start + t[start..].find("\n\n").unwrap();
        format!("{}{}", &t[..start], &t[end..])
    });
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("- approle.approle/worker"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("- approle.approle/handmade"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Unmanaged"), "{}", r.stdout);
    assert!(
        r.stdout.contains("approle.approle/handmade"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Plan: 0 to add, 0 to change, 1 to destroy."),
        "{}",
        r.stdout
    );
    ws.apply(&bao);
    assert_eq!(bao.get("auth/approle/role/worker").0, 404);
    assert_eq!(bao.get("auth/approle/role/handmade").0, 200);
    ws.assert_converged(&bao);
    let (_, record) = bao.get("vaultform/data/managed");
    let addresses: Vec<&str> = record["data"]["data"]["addresses"]
        .as_str()
        .unwrap()
        .lines()
        .collect();
    assert!(!addresses.contains(&"approle.approle/worker"));
}

#[test]
fn role_fields_update_in_place_with_durations_as_written() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.edit("vault.toml", |t| {
        t.replacen("token_ttl = \"30m\"", "token_ttl = \"1h\"", 1)
    });
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("~ approle.approle/worker"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("token_ttl = 30m -> 1h"), "{}", r.stdout);
    ws.apply(&bao);
    assert_eq!(
        bao.get("auth/approle/role/worker").1["data"]["token_ttl"],
        3600
    );
    ws.assert_converged(&bao);
}

#[test]
fn a_role_changed_by_hand_is_drift_and_is_put_back() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    bao.write("auth/approle/role/web", &json!({"token_ttl": "2h"}));
    bao.write(
        "kv-test/data/web",
        &json!({"data": {"DB_USER": "web_user", "STRAY": "x"}}),
    );
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("token_ttl = 2h -> 1h"), "{}", r.stdout);
    assert!(r.stdout.contains("- STRAY"), "{}", r.stdout);
    assert!(
        r.stdout.contains("+ SESSION_KEY = (generated at apply)"),
        "{}",
        r.stdout
    );
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    let (_, web) = bao.get("kv-test/data/web");
    assert!(web["data"]["data"].get("STRAY").is_none());
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "fixture-web-db-password"
    );
    ws.assert_converged(&bao);
}

#[test]
fn mounts_tune_in_place_and_destruction_needs_allow_destroy() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    let (_, before) = bao.get("sys/mounts/kv-test");
    ws.edit("vault.toml", |t| {
        t.replacen(
            "description = \"vaultform integration tests\"\n",
            "description = \"tuned\"\nmax_lease_ttl = \"24h\"\n",
            1,
        )
    });
    let r = ws.plan(&bao);
    assert!(r.stdout.contains("~ mount.kv-test"), "{}", r.stdout);
    assert!(r.stdout.contains("max_lease_ttl"), "{}", r.stdout);
    ws.apply(&bao);
    let (_, after) = bao.get("sys/mounts/kv-test");
    assert_eq!(after["data"]["description"], "tuned");
    assert_eq!(after["data"]["config"]["max_lease_ttl"], 86400);
    assert_eq!(
        after["data"]["uuid"], before["data"]["uuid"],
        "tuned, not re-created"
    );
    ws.assert_converged(&bao);

    // Drop the mount and its secrets from the manifest: destructive.
    ws.edit("vault.toml", |t| {
        let start = t.find("[mounts.kv-test]").unwrap();
        let end = start + t[start..].find("\n\n").unwrap();
        let t = format!("{}{}", &t[..start], &t[end..]);
        let cut = t.find("[secrets.").unwrap();
        t[..cut].to_string()
    });
    let state = server_state(&bao);
    let r = ws.run(&bao, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("--allow-destroy"), "{}", r.stderr);
    assert!(r.stdout.contains("- mount.kv-test"), "{}", r.stdout);
    assert_eq!(server_state(&bao), state, "refused apply wrote something");
    assert_eq!(bao.get("kv-test/data/web").0, 200);
    let r = ws.run(&bao, &["apply", "--auto-approve", "--allow-destroy"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(bao.get("sys/mounts/kv-test").0, 400);
    ws.assert_converged(&bao);
}

#[test]
fn an_existing_matching_policy_is_adopted_then_managed() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let text = fs::read_to_string(ws.path("policies/web-policy.hcl")).unwrap();
    bao.write("sys/policies/acl/web-policy", &json!({"policy": text}));
    let r = ws.plan(&bao);
    assert!(r.stdout.contains("= policy.web-policy"), "{}", r.stdout);
    assert!(r.stdout.contains("1 to adopt"), "{}", r.stdout);
    ws.apply(&bao);
    assert_eq!(
        bao.get("sys/policies/acl/web-policy").1["data"]["version"],
        1,
        "adopting writes nothing"
    );
    ws.assert_converged(&bao);
    fs::remove_file(ws.path("policies/web-policy.hcl")).unwrap();
    ws.edit("vault.toml", |t| {
        t.replace(
            "token_policies = [\"web-policy\"]",
            "token_policies = [\"default\"]",
        )
    });
    let r = ws.plan(&bao);
    assert!(r.stdout.contains("- policy.web-policy"), "{}", r.stdout);
    ws.apply(&bao);
    assert_eq!(bao.get("sys/policies/acl/web-policy").0, 404);
}

#[test]
fn taking_over_the_dev_servers_secret_mount_is_counted_as_an_adoption() {
    // `secret/` exists on a dev server with another description: the plan
    // tunes it and takes it over, and says so.
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.edit("vault.toml", |t| {
        format!(
            "{t}\n[mounts.secret]\ntype = \"kv\"\noptions = {{ version = \"2\" }}\ndescription = \"Application secrets\"\n"
        )
    });
    let r = ws.plan(&bao);
    assert!(
        r.stdout.contains(
            "~ mount.secret (will be updated in place; vaultform will manage it from now on)"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 to adopt"), "{}", r.stdout);
    let r = ws.run(&bao, &["plan", "--format", "json"]);
    let plan: Value = serde_json::from_str(&r.stdout).unwrap();
    let change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "mount.secret")
        .unwrap();
    assert_eq!(change["action"], "update");
    assert_eq!(change["adopted"], true);
    assert_eq!(plan["summary"]["adopt"], 1);
    let r = ws.apply(&bao);
    assert!(r.stdout.contains(" 1 adopted."), "{}", r.stdout);
    let (_, record) = bao.get("vaultform/data/managed");
    let addresses = record["data"]["data"]["addresses"].as_str().unwrap();
    assert!(addresses.contains("mount.secret"), "{addresses}");
    ws.assert_converged(&bao);
}

#[test]
fn bad_manifests_are_rejected_before_any_write() {
    let bao = BaoDev::start();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let before = server_state(&bao);
    for case in [
        "unknown_key",
        "bad_duration",
        "undefined_policy",
        "missing_env",
        "several_errors",
    ] {
        let out = vaultform_cmd(&bao)
            .current_dir(root)
            .args([
                "apply",
                "--auto-approve",
                "-f",
                &format!("fixtures/invalid/{case}.toml"),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{case}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("nothing was changed"), "{case}: {stderr}");
        assert_eq!(server_state(&bao), before, "{case} wrote to the server");
    }
}

#[test]
fn a_secret_on_a_mount_that_is_not_kv2_is_rejected_at_plan_time() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.edit("vault.toml", |t| {
        t + "\n[secrets.\"nowhere/app\"]\nA = \"b\"\n"
    });
    let before = server_state(&bao);
    let r = ws.run(&bao, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("vaultform::manifest::not_kv2"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nowhere"), "{}", r.stderr);
    assert_eq!(server_state(&bao), before);
}

#[test]
fn kubernetes_auth_config_and_roles_round_trip() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let ca = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/k8s/ca.pem"))
        .unwrap();
    ws.edit("vault.toml", |t| {
        t + &format!(
            "\n[auth.k8s]\ntype = \"kubernetes\"\nconfig = {{ kubernetes_host = \"https://k8s.example:443\", kubernetes_ca_cert = \"\"\"{ca}\"\"\" }}\n\n[auth.k8s.roles.web]\nbound_service_account_names = [\"web\"]\nbound_service_account_namespaces = [\"prod\"]\ntoken_policies = [\"web-policy\"]\ntoken_ttl = \"1h\"\n"
        )
    });
    let r = ws.plan(&bao);
    assert!(
        r.stdout.contains("+ kubernetes_role.k8s/web"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("+ auth_config.k8s"), "{}", r.stdout);
    ws.apply(&bao);
    let (_, role) = bao.get("auth/k8s/role/web");
    assert_eq!(
        role["data"]["bound_service_account_namespaces"],
        json!(["prod"])
    );
    let (_, config) = bao.get("auth/k8s/config");
    assert_eq!(config["data"]["kubernetes_host"], "https://k8s.example:443");
    ws.assert_converged(&bao);
    ws.edit("vault.toml", |t| {
        t.replace("https://k8s.example:443", "https://k8s.other:443")
    });
    let r = ws.plan(&bao);
    assert!(r.stdout.contains("~ auth_config.k8s"), "{}", r.stdout);
    ws.apply(&bao);
    ws.assert_converged(&bao);
}

/// `vaultform plan` of `ws` with a new token holding `policy`: exit code,
/// stderr and the token.
fn plan_with_a_token_of(
    bao: &BaoDev,
    ws: &Workspace,
    policy: &str,
) -> (Option<i32>, String, String) {
    let (_, tok) = bao.write(
        "auth/token/create",
        &json!({"policies": [policy], "ttl": "10m"}),
    );
    let weak = tok["auth"]["client_token"].as_str().unwrap().to_string();
    let out = vaultform_cmd(bao)
        .env("VAULT_TOKEN", &weak)
        .args(["plan", "-f"])
        .arg(ws.manifest())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        weak,
    )
}

/// A role the token may not read is a "permission denied" that names the
/// role's path, like any other read (the role reads decode only the fields a
/// plan compares, through their own path: checked not to lose the server's
/// error).
#[test]
fn a_role_the_token_may_not_read_is_permission_denied_naming_it() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    bao.write(
        "sys/policies/acl/all-but-web",
        &json!({ "policy": "path \"*\" { capabilities = [\"read\", \"list\"] }\npath \"auth/approle/role/web\" { capabilities = [\"deny\"] }\n" }),
    );
    let (code, stderr, weak) = plan_with_a_token_of(&bao, &ws, "all-but-web");
    let stderr = common::flat(&stderr);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("permission denied"), "{stderr}");
    assert!(stderr.contains("auth/approle/role/web"), "{stderr}");
    assert!(!stderr.contains(&weak), "token leaked: {stderr}");
}

#[test]
fn server_errors_name_the_path_and_the_cause() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    // A token without permission.
    let (code, stderr, weak) = plan_with_a_token_of(&bao, &ws, "default");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("permission denied"), "{stderr}");
    assert!(
        stderr.contains("GET sys/")
            || stderr.contains("LIST sys/")
            || stderr.contains("GET vaultform/")
            || stderr.contains("LIST vaultform/"),
        "names the path: {stderr}"
    );
    assert!(!stderr.contains(&weak), "token leaked: {stderr}");
    // A server nobody listens on.
    let out = vaultform_cmd(&bao)
        .env("VAULT_ADDR", "http://127.0.0.1:9")
        .args(["plan", "-f"])
        .arg(ws.manifest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach Vault"));
    // A sealed server.
    assert_eq!(bao.write("sys/seal", &json!({})).0, 204);
    let r = ws.plan(&bao);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("sealed"), "{}", r.stderr);
}

#[test]
fn removing_a_secret_path_destroys_it_and_keeps_unmanaged_ones() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/worker");
    bao.write("kv-test/data/handmade", &json!({"data": {"K": "v"}}));
    ws.edit("vault.toml", |t| {
        let cut = t.find("[secrets.\"kv-test/worker\"]").unwrap();
        t[..cut].to_string()
    });
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("- kv.kv-test/worker"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Plan: 0 to add, 0 to change, 1 to destroy."),
        "{}",
        r.stdout
    );
    ws.apply(&bao);
    assert_eq!(bao.get("kv-test/metadata/worker").0, 404);
    assert_eq!(bao.get("kv-test/data/handmade").0, 200);
    assert_eq!(bao.get("kv-test/data/web").0, 200);
    ws.assert_converged(&bao);
}

#[test]
fn auth_methods_tune_in_place_and_are_destroyed_only_with_the_flag() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    let accessor = bao.get("sys/auth").1["data"]["approle/"]["accessor"].clone();
    ws.edit("vault.toml", |t| {
        t.replacen(
            "[auth.approle]\ntype = \"approle\"\ndescription = \"vaultform integration tests\"",
            "[auth.approle]\ntype = \"approle\"\ndescription = \"machines\"\ndefault_lease_ttl = \"30m\"",
            1,
        )
    });
    let r = ws.plan(&bao);
    assert!(r.stdout.contains("~ auth.approle"), "{}", r.stdout);
    assert!(r.stdout.contains("default_lease_ttl"), "{}", r.stdout);
    ws.apply(&bao);
    let (_, auth) = bao.get("sys/auth");
    assert_eq!(auth["data"]["approle/"]["description"], "machines");
    assert_eq!(
        auth["data"]["approle/"]["config"]["default_lease_ttl"],
        1800
    );
    assert_eq!(
        auth["data"]["approle/"]["accessor"], accessor,
        "tuned, not re-enabled"
    );
    ws.assert_converged(&bao);

    ws.edit("vault.toml", |t| {
        let start = t.find("[auth.approle]").unwrap();
        let end = t.find("[policies]").unwrap();
        let t = format!("{}{}", &t[..start], &t[end..]);
        let a = t.find("[approles.web]").unwrap();
        let b = t.find("[secrets.").unwrap();
        format!("{}{}", &t[..a], &t[b..])
    });
    let r = ws.run(&bao, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(bao.get("sys/auth").1["data"].get("approle/").is_some());
    let r = ws.run(&bao, &["apply", "--auto-approve", "--allow-destroy"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(bao.get("sys/auth").1["data"].get("approle/").is_none());
    ws.assert_converged(&bao);
}

#[test]
fn secrets_on_a_nested_mount_made_outside_the_manifest_are_placed_on_it() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    assert_eq!(
        bao.write(
            "sys/mounts/team/kv",
            &json!({"type": "kv", "options": {"version": "2"}})
        )
        .0,
        204
    );
    ws.edit("vault.toml", |t| {
        t + "\n[secrets.\"team/kv/app\"]\nREGION = \"eu-west-1\"\n"
    });
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("+ kv.team/kv/app"), "{}", r.stdout);
    ws.apply(&bao);
    assert_eq!(
        bao.get("team/kv/data/app").1["data"]["data"]["REGION"],
        "eu-west-1"
    );
    ws.assert_converged(&bao);
}

#[test]
fn an_unmanaged_backend_of_another_type_is_never_replaced() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    assert_eq!(
        bao.write("sys/auth/approle", &json!({"type": "userpass"}))
            .0,
        204
    );
    let before = server_state(&bao);
    let r = ws.run(&bao, &["apply", "--auto-approve", "--allow-destroy"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("vaultform::manifest::foreign_backend"),
        "{}",
        r.stderr
    );
    assert_eq!(server_state(&bao), before);
    assert_eq!(
        bao.get("sys/auth").1["data"]["approle/"]["type"],
        "userpass"
    );
}

#[test]
fn a_record_of_many_resources_fits_openbao_request_limits() {
    // OpenBao refuses request bodies with more than 1000 JSON strings; the
    // ownership record must hold far more addresses than that.
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let mut extra = String::new();
    for i in 0..1100 {
        extra.push_str(&format!("\n[secrets.\"kv-test/many/s{i}\"]\nV = \"x\"\n"));
    }
    ws.edit("vault.toml", |t| t + &extra);
    ws.apply(&bao);
    let (_, record) = bao.get("vaultform/data/managed");
    assert!(
        record["data"]["data"]["addresses"]
            .as_str()
            .unwrap()
            .lines()
            .count()
            > 1100
    );
    ws.assert_converged(&bao);
}

#[test]
fn tls_servers_are_trusted_through_vault_cacert_or_vault_skip_verify() {
    let bao = common::tls::BaoTls::start();
    let ws = Workspace::new();
    let plan = |envs: &[(&str, &str)]| {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("vaultform");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("VAULT_")
                || key.to_string_lossy().starts_with("BAO_")
            {
                cmd.env_remove(key);
            }
        }
        cmd.env("HOME", ws.path("."))
            .env("NO_COLOR", "1")
            .env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &bao.token)
            .envs(envs.iter().copied())
            .args(["plan", "--detailed-exitcode", "-f"])
            .arg(ws.manifest());
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ca = bao.ca.to_str().unwrap().to_string();
    let (code, stdout, stderr) = plan(&[("VAULT_CACERT", &ca)]);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stdout.contains("+ mount.kv-test"), "{stdout}");
    let (code, _, stderr) = plan(&[]);
    assert_eq!(code, Some(1), "an untrusted certificate is refused");
    assert!(stderr.contains("cannot reach Vault"), "{stderr}");
    let (code, stdout, stderr) = plan(&[("VAULT_SKIP_VERIFY", "true")]);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
}

#[test]
fn vault_namespace_puts_everything_inside_the_namespace() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    assert_eq!(bao.write("sys/namespaces/team-a", &json!({})).0, 200);
    let in_ns = |path: &str| -> (u16, Value) {
        let resp = ureq::get(&bao.url(path))
            .header("X-Vault-Token", bao.token())
            .header("X-Vault-Namespace", "team-a")
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.into_body().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    };
    let run = |ws: &mut Workspace, args: &[&str]| {
        let out = vaultform_cmd(&bao)
            .env("VAULT_NAMESPACE", "team-a")
            .arg("-f")
            .arg(ws.manifest())
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        ws.outputs.push(stdout.clone());
        ws.outputs.push(stderr.clone());
        (out.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = run(&mut ws, &["apply", "--auto-approve"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let web = in_ns("kv-test/data/web").1;
    assert_eq!(web["data"]["data"]["DB_HOST"], "web-db");
    ws.secrets.push(
        web["data"]["data"]["SESSION_KEY"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    assert_eq!(in_ns("auth/approle/role/web").0, 200);
    assert_eq!(in_ns("sys/policies/acl/web-policy").0, 200);
    assert_eq!(
        bao.get("sys/policies/acl/web-policy").0,
        404,
        "nothing in the root namespace"
    );
    assert_eq!(bao.get("sys/mounts/kv-test").0, 400);
    let (code, stdout, _) = run(&mut ws, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// `(reads, lists, writes)` from the `-v` log line `... requests reads=R lists=L writes=W`.
fn request_counts(stderr: &str) -> (u64, u64, u64) {
    let line = stderr
        .lines()
        .rfind(|l| l.contains(" requests ") && l.contains("reads="))
        .unwrap_or_else(|| panic!("no request counts in:\n{stderr}"));
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name}= in `{line}`"))
    };
    (field("reads"), field("lists"), field("writes"))
}

#[test]
fn a_no_op_apply_reads_each_resource_once_and_writes_nothing() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let cold = ws.run(&bao, &["-v", "apply", "--auto-approve"]);
    assert_eq!(cold.code, 0, "{}\n{}", cold.stdout, cold.stderr);
    let (_, _, cold_writes) = request_counts(&cold.stderr);
    assert!(cold_writes > 0, "{}", cold.stderr);

    for args in [
        &["-v", "apply", "--auto-approve"][..],
        &["-v", "plan", "--detailed-exitcode"][..],
    ] {
        let r = ws.run(&bao, args);
        assert_eq!(r.code, 0, "{args:?}:\n{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("No changes."), "{}", r.stdout);
        // One GET per declared policy and role (2 + 2), none for the secrets
        // (the SCAN shows the versions the cold apply wrote and recorded),
        // plus sys/mounts, sys/auth, the ownership record, the known record
        // and the fingerprint key (mounts and auth methods come from those
        // two); one LIST of policies, one of the AppRole mount's roles and one
        // of the other manifests' ownership records, one SCAN of the KV
        // mount's metadata (unmanaged secrets, and which secrets changed); no
        // write at all.
        assert_eq!(
            request_counts(&r.stderr),
            (9, 4, 0),
            "{args:?}:\n{}",
            r.stderr
        );
    }
}

#[test]
fn a_secret_whose_latest_version_was_deleted_is_written_back_with_its_version() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    // A soft delete of the latest version: reads answer 404 with the metadata.
    assert_eq!(bao.delete("kv-test/data/web"), 204);
    let (status, body) = bao.get("kv-test/data/web");
    assert_eq!(status, 404);
    assert_eq!(body["data"]["metadata"]["version"], 1, "{body}");

    let j = ws.run(&bao, &["plan", "--format", "json", "--detailed-exitcode"]);
    assert_eq!(j.code, 2, "{}\n{}", j.stdout, j.stderr);
    let plan: Value = serde_json::from_str(&j.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan:#}");
    assert_eq!(changes[0]["address"], "kv.kv-test/web");
    // Check-and-set against the deleted version, not 0 (which would fail).
    assert_eq!(changes[0]["secret"]["cas"], 1, "{plan:#}");

    ws.apply(&bao);
    let (status, web) = bao.get("kv-test/data/web");
    assert_eq!(status, 200);
    assert_eq!(web["data"]["metadata"]["version"], 2);
    assert_eq!(web["data"]["data"]["DB_HOST"], "web-db");
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "fixture-web-db-password"
    );
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.assert_converged(&bao);
}

/// Issue 10, item 7: an auth config secret comes from `.env`, is masked by
/// the declared list (not by its name), and never appears in any output.
#[test]
fn auth_config_secrets_come_from_sources_and_are_masked_by_the_declared_list() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let jwt = "eyJhbGciOiJSUzI1NiJ9.reviewer-jwt-fixture-value.c2lnbmF0dXJl";
    ws.set_env("VF_REVIEWER_JWT", jwt);
    let ca = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/k8s/ca.pem"))
        .unwrap();
    ws.edit("vault.toml", |t| {
        t.replacen(
            "[auth.approle]",
            &format!(
                "[auth.k8s]\ntype = \"kubernetes\"\nconfig = {{ kubernetes_host = \"https://k8s.example:443\", kubernetes_ca_cert = \"\"\"{ca}\"\"\", token_reviewer_jwt = {{ env = \"VF_REVIEWER_JWT\" }} }}\n\n[auth.approle]"
            ),
            1,
        )
    });
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("token_reviewer_jwt = (sensitive)"),
        "{}",
        r.stdout
    );
    // Not sensitive by the declared list: shown.
    assert!(
        r.stdout.contains("\"https://k8s.example:443\""),
        "{}",
        r.stdout
    );
    for format in ["json", "markdown"] {
        let r = ws.run(&bao, &["plan", "--format", format]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    ws.apply(&bao);
    // The server has it (write-only: it says that it is set).
    let (_, config) = bao.get("auth/k8s/config");
    assert_eq!(config["data"]["kubernetes_host"], "https://k8s.example:443");
    ws.assert_converged(&bao);
    // Write-only: recorded as a keyed fingerprint, never the value.
    let record = bao.get("vaultform/data/write-only/default").1.to_string();
    assert!(
        record.contains("auth_config.k8s#token_reviewer_jwt") && !record.contains(jwt),
        "{record}"
    );

    // A new reviewer JWT in .env: planned as that key only, and written.
    let rotated = "eyJhbGciOiJSUzI1NiJ9.rotated-reviewer-jwt-fixture.c2lnbmF0dXJl";
    ws.set_env("VF_REVIEWER_JWT", rotated);
    let r = ws.run(&bao, &["plan", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        plan["changes"],
        serde_json::json!([{
            "address": "auth_config.k8s",
            "action": "update",
            "destructive": false,
            "fields": [{"name": "token_reviewer_jwt", "before": "(write-only)", "after": "(write-only, changed in the manifest)"}]
        }]),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains(rotated) && !r.stdout.contains(jwt));
    ws.apply(&bao);
    ws.assert_converged(&bao);
}
