//! `vaultform import` against real OpenBao dev servers: a server configured by
//! hand with the `bao` CLI (mounts with tuned TTLs, auth methods with
//! config, 24 policies in HCL and JSON, AppRoles, a JWT role, a token role,
//! identity, KV paths with awkward values) is imported; the manifest plans
//! adoptions only, its apply rewrites nothing (KV versions unchanged), the
//! next plan is empty; the same manifest with `--with-values` applied to a
//! fresh server gives identical values. No value is ever printed or written
//! outside the 0600 `.env`.

mod common;

use common::{BaoDev, bao_bin, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// Runs the `bao` CLI against `bao`, from `dir`; panics with its output on failure.
fn bao_cli(bao: &BaoDev, dir: &Path, args: &[&str]) {
    let out = Command::new(bao_bin())
        .current_dir(dir)
        .args(args)
        .env("BAO_ADDR", bao.addr())
        .env("BAO_TOKEN", bao.token())
        .env("HOME", bao.fresh_home())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bao {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The awkward KV values, by path and key.
fn kv_values() -> Vec<(&'static str, Value)> {
    let long: String = "0123456789abcdef".repeat(640);
    vec![
        (
            "team/app/db",
            json!({
                "password": "p@ss w0rd \"quoted\" $HOME ${X} `cmd` #hash = sign",
                "multi line": "line one\nline two\r\nline three\n",
                "back\\slash.key": "C:\\path\\to\\file",
                "UPPER": "  leading and trailing spaces  ",
                "ünï-cødé": "välüé ☃ 日本語",
                "empty": "",
            }),
        ),
        (
            "team/app/certs",
            json!({"pem": "-----BEGIN KEY-----\nMIIB+abc/def==\n-----END KEY-----\n", "long": long}),
        ),
        (
            "team/deep/a/b/c/d",
            json!({"tab": "a\tb", "quote'single": "it's"}),
        ),
        (
            "secret/plain",
            json!({"user": "admin-imported", "token": "s.tok3n-value-42"}),
        ),
    ]
}

/// Values long enough to search for in outputs.
fn searchable(values: &[(&str, Value)]) -> Vec<String> {
    values
        .iter()
        .flat_map(|(_, d)| d.as_object().unwrap().values())
        .filter_map(|v| v.as_str())
        .flat_map(|s| s.lines().map(str::trim).collect::<Vec<_>>())
        .filter(|s| s.len() >= 6)
        .map(str::to_string)
        .collect()
}

fn configure(bao: &BaoDev, work: &Path) {
    let run = |args: &[&str]| bao_cli(bao, work, args);
    // Mounts, tuned.
    run(&[
        "secrets",
        "enable",
        "-path=team",
        "-version=2",
        "-default-lease-ttl=1h",
        "-max-lease-ttl=720h",
        "-description=team secrets",
        "kv",
    ]);
    run(&[
        "secrets",
        "tune",
        "-default-lease-ttl=30m",
        "-max-lease-ttl=2h",
        "secret/",
    ]);
    run(&["secrets", "enable", "-path=transit-app", "transit"]);
    run(&[
        "write",
        "-f",
        "transit-app/keys/orders",
        "type=aes256-gcm96",
    ]);
    run(&[
        "write",
        "transit-app/keys/orders/config",
        "deletion_allowed=true",
        "min_decryption_version=1",
    ]);
    run(&[
        "write",
        "team/config",
        "max_versions=7",
        "cas_required=false",
    ]);
    // Auth methods with config.
    run(&["auth", "enable", "approle"]);
    run(&[
        "auth",
        "tune",
        "-default-lease-ttl=2h",
        "-max-lease-ttl=12h",
        "approle/",
    ]);
    run(&[
        "auth",
        "enable",
        "-path=ci",
        "-description=CI pipelines",
        "jwt",
    ]);
    let key = work.join("jwt.pem");
    let pem = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519"])
        .output()
        .unwrap();
    assert!(pem.status.success());
    std::fs::write(work.join("jwt.key"), &pem.stdout).unwrap();
    let public = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(work.join("jwt.key"))
        .output()
        .unwrap();
    assert!(public.status.success());
    std::fs::write(&key, &public.stdout).unwrap();
    std::fs::write(
        work.join("ci-config.json"),
        json!({
            "jwt_validation_pubkeys": [String::from_utf8(public.stdout).unwrap()],
            "bound_issuer": "https://ci.example.com",
            "default_role": "deploy",
        })
        .to_string(),
    )
    .unwrap();
    run(&["write", "auth/ci/config", "@ci-config.json"]);
    std::fs::write(
        work.join("deploy-role.json"),
        json!({
            "role_type": "jwt",
            "user_claim": "sub",
            "bound_audiences": ["vault"],
            "bound_claims": {"project": ["web", "api"], "ref": "main"},
            "token_policies": ["policy-03", "policy-json-01"],
            "token_ttl": "15m",
        })
        .to_string(),
    )
    .unwrap();
    run(&["write", "auth/ci/role/deploy", "@deploy-role.json"]);
    run(&["auth", "enable", "userpass"]);
    run(&[
        "write",
        "auth/userpass/users/alice",
        "password=alice-pass-123",
        "token_policies=policy-01",
    ]);
    // 24 policies: HCL in several styles, and JSON.
    for i in 0..18 {
        let text = match i % 4 {
            0 => format!(
                "path \"team/data/svc{i}/*\" {{\n  capabilities = [\"read\", \"list\"]\n}}\n"
            ),
            1 => format!(
                "# policy {i}: ünïcode comment\npath \"team/data/svc{i}\" {{\r\n\tcapabilities = [\"read\"]\r\n}}\r\n"
            ),
            2 => format!(
                "path \"team/data/svc{i}\" {{ capabilities = [\"create\", \"update\"] }}\npath \"sys/*\" {{ capabilities = [\"deny\"] }}"
            ),
            _ => format!(
                "/* block comment */\npath \"transit-app/encrypt/orders\" {{\n  capabilities = [\"update\"]\n  min_wrapping_ttl = \"1m\"\n}}\n\n\n# trailing {i}\n"
            ),
        };
        let file = work.join(format!("policy-{i:02}.hcl"));
        std::fs::write(&file, text).unwrap();
        run(&[
            "policy",
            "write",
            &format!("policy-{i:02}"),
            file.to_str().unwrap(),
        ]);
    }
    for i in 0..6 {
        let text = if i % 2 == 0 {
            json!({"path": {format!("team/data/json{i}/*"): {"capabilities": ["read"]}}})
                .to_string()
        } else {
            format!(
                "{{\n  \"path\": {{\n    \"secret/data/json{i}\": {{\n      \"capabilities\": [\"read\", \"list\"]\n    }}\n  }}\n}}"
            )
        };
        let file = work.join(format!("policy-json-{i:02}.json"));
        std::fs::write(&file, text).unwrap();
        run(&[
            "policy",
            "write",
            &format!("policy-json-{i:02}"),
            file.to_str().unwrap(),
        ]);
    }
    // Roles.
    run(&[
        "write",
        "auth/approle/role/web",
        "token_ttl=1h",
        "token_max_ttl=4h",
        "token_policies=policy-00,policy-json-00",
        "secret_id_bound_cidrs=10.0.0.0/8,192.168.1.7/32",
        "secret_id_ttl=720h",
    ]);
    run(&[
        "write",
        "auth/approle/role/batch-job",
        "token_type=batch",
        "token_policies=policy-01",
        "bind_secret_id=true",
        "secret_id_num_uses=5",
    ]);
    run(&[
        "write",
        "auth/approle/role/worker.v2",
        "token_policies=default",
        "token_bound_cidrs=127.0.0.1/32",
    ]);
    run(&[
        "write",
        "auth/token/roles/ops",
        "allowed_policies=policy-02,policy-03",
        "orphan=true",
        "token_period=24h",
    ]);
    // Identity.
    run(&[
        "write",
        "identity/entity",
        "name=bob",
        "policies=policy-04",
        "metadata=team=web",
    ]);
    run(&[
        "write",
        "identity/group",
        "name=admins",
        "policies=policy-05",
    ]);
    // A PKI root and an intermediate it signed, on another mount.
    run(&["secrets", "enable", "-max-lease-ttl=87600h", "pki"]);
    run(&[
        "secrets",
        "enable",
        "-path=pki-int",
        "-max-lease-ttl=43800h",
        "pki",
    ]);
    let (status, root) = bao.write(
        "pki/root/generate/internal",
        &json!({"common_name": "Hand Root CA", "organization": "Hand Corp", "issuer_name": "hand-root", "key_type": "ec", "ttl": "87600h"}),
    );
    assert_eq!(status, 200, "{root}");
    let (status, csr) = bao.write(
        "pki-int/intermediate/generate/internal",
        &json!({"common_name": "Hand Intermediate CA", "key_type": "ec"}),
    );
    assert_eq!(status, 200, "{csr}");
    let (status, signed) = bao.write(
        "pki/root/sign-intermediate",
        &json!({"issuer_ref": "hand-root", "csr": csr["data"]["csr"], "format": "pem_bundle", "ttl": "43800h"}),
    );
    assert_eq!(status, 200, "{signed}");
    let (status, set) = bao.write(
        "pki-int/intermediate/set-signed",
        &json!({"certificate": signed["data"]["certificate"]}),
    );
    assert_eq!(status, 200, "{set}");
    let id = set["data"]["mapping"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, k)| k.as_str().is_some_and(|k| !k.is_empty()))
        .map(|(id, _)| id.clone())
        .unwrap();
    let (status, named) = bao.write(
        &format!("pki-int/issuer/{id}"),
        &json!({"issuer_name": "hand-int"}),
    );
    assert_eq!(status, 200, "{named}");
    // An older version of one secret: the import takes the latest.
    std::fs::write(
        work.join("kv.json"),
        json!({"user": "old-user-value"}).to_string(),
    )
    .unwrap();
    run(&["kv", "put", "-mount=secret", "plain", "@kv.json"]);
    // KV paths with awkward values, exactly as JSON.
    for (path, data) in kv_values() {
        let (mount, rest) = path.split_once('/').unwrap();
        let file = work.join("kv.json");
        std::fs::write(&file, data.to_string()).unwrap();
        run(&["kv", "put", &format!("-mount={mount}"), rest, "@kv.json"]);
    }
}

/// Runs vaultform from `dir`; returns the exit code and stdout+stderr, after
/// checking that no value appears in them.
fn vf(bao: &BaoDev, dir: &Path, args: &[&str], values: &[String]) -> (i32, String, String) {
    let out = vaultform_cmd(bao)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    for v in values {
        assert!(
            !stdout.contains(v.as_str()) && !stderr.contains(v.as_str()),
            "{args:?} printed a value ({v:?}):\n{stdout}{stderr}"
        );
    }
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// [`vf`], which must exit 0: its stdout and stderr.
fn vf_ok(bao: &BaoDev, dir: &Path, args: &[&str], values: &[String]) -> (String, String) {
    let (code, stdout, stderr) = vf(bao, dir, args, values);
    assert_eq!(code, 0, "{args:?}: {stdout}{stderr}");
    (stdout, stderr)
}

/// `plan --format json` from `dir`: exit 0, and every change an adoption.
/// Returns the plan.
fn plan_adopts_only(bao: &BaoDev, dir: &Path, values: &[String]) -> Value {
    let (code, stdout, stderr) = vf(bao, dir, &["plan", "--format", "json"], values);
    assert_eq!(code, 0, "{}: {stdout}{stderr}", dir.display());
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    for c in plan["changes"].as_array().unwrap() {
        assert_eq!(c["action"], "adopt", "{}: {c}", dir.display());
    }
    plan
}

fn kv_data(bao: &BaoDev, path: &str) -> (Value, u64) {
    let (mount, rest) = path.split_once('/').unwrap();
    let (status, body) = bao.get(&format!("{mount}/data/{rest}"));
    assert_eq!(status, 200, "{path}: {body}");
    (
        body["data"]["data"].clone(),
        body["data"]["metadata"]["version"].as_u64().unwrap(),
    )
}

fn policies(bao: &BaoDev) -> Vec<(String, String)> {
    let mut names = bao.list("sys/policies/acl");
    names.retain(|n| n != "root" && n != "default");
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let (_, body) = bao.get(&format!("sys/policies/acl/{n}"));
            (n, body["data"]["policy"].as_str().unwrap().to_string())
        })
        .collect()
}

/// The fields of a role or config that say what it is (not IDs or times).
fn fields(bao: &BaoDev, path: &str) -> Value {
    let (status, body) = bao.get(path);
    assert_eq!(status, 200, "{path}: {body}");
    let mut data = body["data"].clone();
    if let Some(m) = data.as_object_mut() {
        for k in [
            "id",
            "creation_time",
            "last_update_time",
            "canonical_id",
            "namespace_id",
            "mfa_secrets",
            "bucket_key_hash",
            "keys",
            "latest_version",
        ] {
            m.remove(k);
        }
    }
    data
}

#[test]
fn a_server_set_up_by_hand_imports_plans_no_change_and_rebuilds_a_fresh_server() {
    let bao = BaoDev::start();
    let work = tempfile::tempdir().unwrap();
    configure(&bao, work.path());
    let values = searchable(&kv_values());
    assert!(values.len() >= 8, "{values:?}");

    // Import with values.
    let out = tempfile::tempdir().unwrap();
    vf_ok(
        &bao,
        out.path(),
        &["-f", "imp/vault.toml", "import", "--with-values"],
        &values,
    );
    let dir = out.path().join("imp");
    let manifest = std::fs::read_to_string(dir.join("vault.toml")).unwrap();
    let example = std::fs::read_to_string(dir.join(".env.example")).unwrap();
    for v in &values {
        assert!(
            !manifest.contains(v.as_str()),
            "vault.toml holds {v:?}:\n{manifest}"
        );
        assert!(!example.contains(v.as_str()), ".env.example holds {v:?}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join(".env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let mode = std::fs::metadata(dir.join("vault.toml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o644,
        "the manifest belongs in the repository"
    );
    for want in [
        "[mounts.team]",
        "default_lease_ttl = \"1h\"",
        "max_lease_ttl = \"30d\"",
        "[mounts.secret]",
        "default_lease_ttl = \"30m\"",
        "[mounts.team.kv_config]",
        "max_versions = 7",
        "[mounts.transit-app.keys.orders]",
        "[auth.approle]",
        "[auth.ci]",
        "[auth.ci.config]",
        "[auth.ci.roles.deploy]",
        "[auth.approle.roles.\"worker.v2\"]",
        "[token_roles.ops]",
        "[entities.bob]",
        "[groups.admins]",
        "[secrets.\"team/app/db\"]",
        "\"multi line\" = { env = \"TEAM_APP_DB_MULTI_LINE\" }",
        "userpass_user.userpass/alice: needs `password`",
        "[mounts.pki.issuers.hand-root]",
        "common_name = \"Hand Root CA\"",
        "organization = \"Hand Corp\"",
        "[mounts.pki-int.intermediates.hand-int]",
        "signed_by = \"pki/hand-root\"",
    ] {
        assert!(manifest.contains(want), "no {want:?} in:\n{manifest}");
    }
    assert!(example.contains("TEAM_APP_DB_PASSWORD=\n"), "{example}");
    // Policies byte for byte, JSON ones as .json.
    let live_policies = policies(&bao);
    assert_eq!(live_policies.len(), 24);
    for (name, text) in &live_policies {
        let ext = if name.starts_with("policy-json") {
            "json"
        } else {
            "hcl"
        };
        let file =
            std::fs::read_to_string(dir.join("policies").join(format!("{name}.{ext}"))).unwrap();
        assert_eq!(&file, text, "{name}");
    }

    // Plan: adoptions only.
    let plan = plan_adopts_only(&bao, &dir, &values);
    let changes = plan["changes"].as_array().unwrap();
    assert!(changes.len() >= 40, "{}", changes.len());

    // `--external`: no values anywhere, still adoptions only.
    vf_ok(
        &bao,
        out.path(),
        &["-f", "ext/vault.toml", "import", "--external"],
        &values,
    );
    let ext = out.path().join("ext");
    assert!(!ext.join(".env").exists() && !ext.join(".env.example").exists());
    let text = std::fs::read_to_string(ext.join("vault.toml")).unwrap();
    assert!(text.contains("password = { external = true }"), "{text}");

    plan_adopts_only(&bao, &ext, &values);

    // Apply records ownership and rewrites nothing.
    let before: Vec<(Value, u64)> = kv_values().iter().map(|(p, _)| kv_data(&bao, p)).collect();
    vf_ok(&bao, &dir, &["apply", "--auto-approve"], &values);
    let after: Vec<(Value, u64)> = kv_values().iter().map(|(p, _)| kv_data(&bao, p)).collect();
    assert_eq!(before, after, "the adopting apply wrote a secret");
    assert_eq!(policies(&bao), live_policies);
    let (stdout, _) = vf_ok(&bao, &dir, &["plan", "--detailed-exitcode"], &values);
    assert!(stdout.contains("No changes"), "{stdout}");

    // Another manifest's import leaves what this one now manages to it.
    vf_ok(
        &bao,
        out.path(),
        &["-f", "second/vault.toml", "import", "--name", "second"],
        &values,
    );
    let text = std::fs::read_to_string(out.path().join("second/vault.toml")).unwrap();
    assert!(
        text.contains("mount.team: managed by the manifest `default`"),
        "{text}"
    );
    assert!(
        !text.contains("[mounts.team]") && !text.contains("[mounts.vaultform"),
        "{text}"
    );

    // The same manifest, with its .env, on a fresh server: identical values.
    let fresh = BaoDev::start();
    vf_ok(&fresh, &dir, &["apply", "--auto-approve"], &values);
    for (path, data) in kv_values() {
        assert_eq!(kv_data(&bao, path).0, data, "{path} on the first server");
        assert_eq!(kv_data(&fresh, path).0, data, "{path} on the fresh server");
    }
    assert_eq!(policies(&fresh), live_policies);
    for path in [
        "auth/approle/role/web",
        "auth/approle/role/batch-job",
        "auth/approle/role/worker.v2",
        "auth/ci/config",
        "auth/ci/role/deploy",
        "auth/token/roles/ops",
        "transit-app/keys/orders",
        "team/config",
        "identity/entity/name/bob",
        "identity/group/name/admins",
    ] {
        assert_eq!(fields(&fresh, path), fields(&bao, path), "{path}");
    }
    for (mount, key) in [
        ("sys/mounts/team/tune", "default_lease_ttl"),
        ("sys/mounts/secret/tune", "max_lease_ttl"),
        ("sys/auth/approle/tune", "default_lease_ttl"),
        ("sys/auth/ci/tune", "description"),
    ] {
        assert_eq!(
            fields(&fresh, mount)[key],
            fields(&bao, mount)[key],
            "{mount} {key}"
        );
    }
    for (mount, name) in [("pki", "hand-root"), ("pki-int", "hand-int")] {
        let (status, body) = fresh.get(&format!("{mount}/issuer/{name}"));
        assert_eq!(status, 200, "{mount}/{name}: {body}");
    }
    vf_ok(&fresh, &dir, &["plan", "--detailed-exitcode"], &values);

    // A resource this manifest's record claims that an import leaves out (a
    // userpass user, whose password the server never returns) is named.
    std::fs::write(
        dir.join("vault.toml"),
        std::fs::read_to_string(dir.join("vault.toml")).unwrap()
            + "\n[auth.userpass.users.carol]\npassword = { env = \"CAROL_PASSWORD\" }\n",
    )
    .unwrap();
    let mut env = std::fs::read_to_string(dir.join(".env")).unwrap();
    env.push_str("CAROL_PASSWORD=carol-password-1\n");
    std::fs::write(dir.join(".env"), env).unwrap();
    let mut values = values;
    values.push("carol-password-1".into());
    vf_ok(&fresh, &dir, &["apply", "--auto-approve"], &values);
    let (_, stderr) = vf_ok(
        &fresh,
        out.path(),
        &["-f", "again/vault.toml", "import"],
        &values,
    );
    let flat = common::flat(&stderr);
    assert!(
        flat.contains("the next apply would delete them")
            && flat.contains("userpass_user.userpass/carol"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(out.path().join("again/vault.toml")).unwrap();
    assert!(
        text.contains("userpass_user.userpass/carol: WARNING"),
        "{text}"
    );
}

#[test]
fn filters_take_what_they_name_and_what_it_needs() {
    let bao = BaoDev::start();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bao_cli(&bao, work.path(), args);
    run(&["secrets", "enable", "-path=team", "-version=2", "kv"]);
    run(&["auth", "enable", "approle"]);
    std::fs::write(
        work.path().join("p.hcl"),
        "path \"team/data/*\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    run(&["policy", "write", "reader", "p.hcl"]);
    run(&["policy", "write", "other", "p.hcl"]);
    run(&["write", "auth/approle/role/web", "token_policies=reader"]);
    run(&[
        "write",
        "auth/approle/role/ghost",
        "token_policies=nonexistent",
    ]);
    std::fs::write(
        work.path().join("kv.json"),
        json!({"a": "x-value-1", "n": 5, "obj": {"k": "v"}}).to_string(),
    )
    .unwrap();
    run(&["kv", "put", "-mount=team", "app/one", "@kv.json"]);
    run(&["kv", "put", "-mount=team", "other/two", "@kv.json"]);
    run(&["kv", "put", "-mount=secret", "app/three", "@kv.json"]);
    let values = vec!["x-value-1".to_string()];
    let out = tempfile::tempdir().unwrap();
    let import = |name: &str, args: &[&str]| -> String {
        let manifest = format!("{name}/vault.toml");
        let mut all = vec!["-f", manifest.as_str(), "import"];
        all.extend_from_slice(args);
        vf_ok(&bao, out.path(), &all, &values);
        std::fs::read_to_string(out.path().join(&manifest)).unwrap()
    };

    // One kind: the role brings its policy and auth method along; the role
    // naming a policy the server lacks keeps its policies unmanaged.
    let text = import("roles", &["--kind", "approle"]);
    assert!(
        text.contains("[auth.approle.roles.web]") && text.contains("[auth.approle]"),
        "{text}"
    );
    assert!(text.contains("[policies]"), "{text}");
    assert!(out.path().join("roles/policies/reader.hcl").exists());
    assert!(!out.path().join("roles/policies/other.hcl").exists());
    assert!(!text.contains("[secrets"), "{text}");
    assert!(
        text.contains("approle.approle/ghost: `token_policies` not imported"),
        "{text}"
    );
    // One mount and a prefix.
    let text = import("team", &["--mount", "team", "--prefix", "team/app/"]);
    assert!(text.contains("[secrets.\"team/app/one\"]"), "{text}");
    assert!(
        !text.contains("other/two") && !text.contains("app/three"),
        "{text}"
    );
    assert!(
        text.contains("[mounts.team]") && !text.contains("[auth"),
        "{text}"
    );
    // Non-string values are external, with a note.
    assert!(
        text.contains("n = { external = true }") && text.contains("obj = { external = true }"),
        "{text}"
    );
    assert!(
        text.contains("team/app/one`: n, obj not a string"),
        "{text}"
    );
    // Each filtered manifest plans adoptions only.
    for name in ["roles", "team"] {
        let dir = out.path().join(name);
        if dir.join(".env.example").exists() {
            std::fs::copy(dir.join(".env.example"), dir.join(".env")).unwrap();
            let env = std::fs::read_to_string(dir.join(".env"))
                .unwrap()
                .replace("TEAM_APP_ONE_A=", "TEAM_APP_ONE_A=x-value-1");
            std::fs::write(dir.join(".env"), env).unwrap();
        }
        plan_adopts_only(&bao, &dir, &values);
    }

    // The report in JSON: counts, files and variable names, never a value.
    let (stdout, _) = vf_ok(
        &bao,
        out.path(),
        &[
            "-f",
            "json/vault.toml",
            "import",
            "--mount",
            "team",
            "--format",
            "json",
        ],
        &values,
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "import");
    assert_eq!(doc["counts"]["kv"], 2, "{doc}");
    assert_eq!(
        doc["env_names"],
        json!(["TEAM_APP_ONE_A", "TEAM_OTHER_TWO_A"]),
        "{doc}"
    );
    assert_eq!(doc["env_file_written"], false);

    // Existing files are not overwritten; nothing is written.
    let before = std::fs::read_to_string(out.path().join("team/vault.toml")).unwrap();
    let (code, _, stderr) = vf(
        &bao,
        out.path(),
        &["-f", "team/vault.toml", "import"],
        &values,
    );
    assert_eq!(code, 1);
    assert!(
        common::flat(&stderr).contains("exists; nothing was written"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("team/vault.toml")).unwrap(),
        before
    );
    // An unknown kind is refused, listing the kinds.
    let (code, _, stderr) = vf(
        &bao,
        out.path(),
        &["-f", "x/vault.toml", "import", "--kind", "nope"],
        &values,
    );
    assert_eq!(code, 1);
    assert!(
        common::flat(&stderr).contains("unknown kind `nope`"),
        "{stderr}"
    );
    assert!(!out.path().join("x").exists());
}

/// The quick start's example (audit, database, transit, PKI, Kubernetes,
/// AppRoles, KV) applied to a dev server, then its ownership record removed:
/// a server set up by someone else. Imported, it plans adoptions only.
#[test]
fn the_example_server_imports_as_adoptions_only() {
    let bao = BaoDev::start_with_stdout_audit();
    let example = tempfile::tempdir().unwrap();
    let values = common::workspace::copy_example(example.path());
    vf_ok(&bao, example.path(), &["apply", "--auto-approve"], &values);

    // Imported under the manifest that manages it: everything its record
    // claims is imported (no warning), and it plans no change (adoptions
    // only: the import also declares what the example leaves unmanaged, such
    // as the KV settings of `secret/`).
    let out = tempfile::tempdir().unwrap();
    let (_, stderr) = vf_ok(
        &bao,
        out.path(),
        &["-f", "same/vault.toml", "import", "--with-values"],
        &values,
    );
    assert!(!stderr.contains("warning"), "{stderr}");
    let same = out.path().join("same");
    let plan = plan_adopts_only(&bao, &same, &values);
    assert_eq!(plan["ownership"]["remove"], json!([]), "{plan}");

    // Without a record: adoptions only, for every kind the example uses.
    assert_eq!(bao.request("DELETE", "sys/mounts/vaultform", None).0, 204);
    vf_ok(
        &bao,
        out.path(),
        &["-f", "imp/vault.toml", "import", "--with-values"],
        &values,
    );
    let dir = out.path().join("imp");
    let text = std::fs::read_to_string(dir.join("vault.toml")).unwrap();
    for note in [
        "database_connection.database/user-db: password not imported",
        "auth_config.kubernetes: token_reviewer_jwt not imported",
    ] {
        assert!(text.contains(note), "no note {note:?}:\n{text}");
    }
    for v in &values {
        assert!(!text.contains(v.as_str()), "vault.toml holds {v:?}");
    }
    let plan = plan_adopts_only(&bao, &dir, &values);
    let mut kinds = std::collections::BTreeSet::new();
    for c in plan["changes"].as_array().unwrap() {
        kinds.insert(
            c["address"]
                .as_str()
                .unwrap()
                .split('.')
                .next()
                .unwrap()
                .to_string(),
        );
    }
    for k in [
        "audit",
        "mount",
        "auth",
        "auth_config",
        "database_connection",
        "database_role",
        "transit_key",
        "pki_urls",
        "pki_issuer",
        "pki_role",
        "policy",
        "approle",
        "kubernetes_role",
        "kv",
    ] {
        assert!(kinds.contains(k), "no {k} adopted: {kinds:?}");
    }
    vf_ok(&bao, &dir, &["apply", "--auto-approve"], &values);
    vf_ok(&bao, &dir, &["plan", "--detailed-exitcode"], &values);
}

/// Names the server allows and vaultform refuses (spaces, percent signs) are
/// never read nor declared: noted, and the rest imports and plans adoptions.
#[test]
fn names_vaultform_refuses_are_noted_and_never_read() {
    let bao = BaoDev::start();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bao_cli(&bao, work.path(), args);
    run(&["secrets", "enable", "-path=odd mount", "-version=2", "kv"]);
    run(&["kv", "put", "-mount=odd mount", "x", "a=odd-mount-value"]);
    run(&["auth", "enable", "-path=odd auth", "approle"]);
    run(&[
        "kv",
        "put",
        "-mount=secret",
        "odd name/ü x",
        "k=odd-path-value",
    ]);
    run(&[
        "kv",
        "put",
        "-mount=secret",
        "pct%2e%2e/x",
        "k=pct-path-value",
    ]);
    run(&["kv", "put", "-mount=secret", "fine/x", "k=fine-path-value"]);
    run(&["write", "identity/entity", "name=odd entity"]);
    let values: Vec<String> = [
        "odd-mount-value",
        "odd-path-value",
        "pct-path-value",
        "fine-path-value",
    ]
    .map(String::from)
    .to_vec();
    let out = tempfile::tempdir().unwrap();
    vf_ok(
        &bao,
        out.path(),
        &["-f", "odd/vault.toml", "import", "--with-values"],
        &values,
    );
    let dir = out.path().join("odd");
    let text = std::fs::read_to_string(dir.join("vault.toml")).unwrap();
    for note in [
        "mounts `odd mount`: a path vaultform does not accept",
        "auth `odd auth`: a path vaultform does not accept",
        "kv `secret/odd name/ü x`: a name vaultform does not accept (not read)",
        "kv `secret/pct%2e%2e/x`: a name vaultform does not accept (not read)",
        "entity `odd entity`: a name vaultform does not accept (not read)",
    ] {
        assert!(text.contains(note), "no note {note:?}:\n{text}");
    }
    assert!(text.contains("[secrets.\"secret/fine/x\"]"), "{text}");
    plan_adopts_only(&bao, &dir, &values);
}

/// A token that may not read some paths (`sys/audit` needs `sudo`; one auth
/// method's roles denied) imports the rest and says what it could not read.
#[test]
fn what_the_token_may_not_read_is_noted_and_the_rest_imported() {
    let bao = BaoDev::start();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bao_cli(&bao, work.path(), args);
    run(&["auth", "enable", "approle"]);
    run(&["write", "auth/approle/role/web", "token_ttl=1h"]);
    run(&["kv", "put", "-mount=secret", "app", "k=readable-value"]);
    std::fs::write(
        work.path().join("reader.hcl"),
        "path \"*\" { capabilities = [\"read\", \"list\", \"scan\"] }\npath \"auth/approle/role\" { capabilities = [\"deny\"] }\n",
    )
    .unwrap();
    run(&["policy", "write", "reader", "reader.hcl"]);
    let (status, token) = bao.write(
        "auth/token/create",
        &json!({"policies": ["reader"], "ttl": "10m"}),
    );
    assert_eq!(status, 200, "{token}");
    let token = token["auth"]["client_token"].as_str().unwrap().to_string();
    let out = tempfile::tempdir().unwrap();
    let result = vaultform_cmd(&bao)
        .current_dir(out.path())
        .env("VAULT_TOKEN", &token)
        .args([
            "-f",
            "ro/vault.toml",
            "import",
            "--external",
            "--kind",
            "audit",
            "--kind",
            "approle",
            "--kind",
            "kv",
            "--kind",
            "mount",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr),
    );
    assert!(result.status.success(), "{stdout}{stderr}");
    assert!(!stdout.contains(token.as_str()) && !stderr.contains(token.as_str()));
    let text = std::fs::read_to_string(out.path().join("ro/vault.toml")).unwrap();
    for note in [
        "GET sys/audit: permission denied (403)",
        "LIST auth/approle/role: permission denied (403)",
    ] {
        assert!(text.contains(note), "no note {note:?}:\n{text}");
    }
    assert!(text.contains("[secrets.\"secret/app\"]"), "{text}");
    assert!(!text.contains("[auth.approle.roles"), "{text}");
}
