//! AppRole credential delivery and rotation against a real OpenBao: files with
//! mode 0600 that a service logs in with, reading only what its policy allows;
//! a valid secret ID left alone, an invalid one replaced; rotation invalidates
//! the old secret ID; generated values rotate to a new KV version.

mod common;

use common::BaoDev;
use common::workspace::Workspace;
use serde_json::json;
use std::fs;
use std::path::Path;

fn with_delivery(ws: &Workspace, wrap: bool) {
    let dir = ws.path("creds/web");
    let extra = if wrap { "wrap_ttl = \"5m\"\n" } else { "" };
    ws.edit("vault.toml", |t| {
        t.replacen(
            "[approles.web]\n",
            &format!(
                "[approles.web]\ncredentials_dir = \"{}\"\n{extra}",
                dir.display()
            ),
            1,
        )
    });
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap().trim().to_string()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Logs in like a service does; returns the client token.
fn login(bao: &BaoDev, role_id: &str, secret_id: &str) -> Option<String> {
    let (status, body) = bao.request(
        "POST",
        "auth/approle/login",
        Some(&json!({"role_id": role_id, "secret_id": secret_id})),
    );
    (status == 200).then(|| body["auth"]["client_token"].as_str().unwrap().to_string())
}

/// A GET with a service's token.
fn get_as(bao: &BaoDev, token: &str, path: &str) -> u16 {
    ureq::get(&bao.url(path))
        .header("X-Vault-Token", token)
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn delivered_credentials_let_the_service_read_only_its_own_secrets() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    with_delivery(&ws, false);
    let r = ws.plan(&bao);
    assert!(
        r.stdout.contains("+ credentials.approle/web"),
        "{}",
        r.stdout
    );
    ws.apply(&bao);
    let role_file = ws.path("creds/web/role_id");
    let secret_file = ws.path("creds/web/secret_id");
    #[cfg(unix)]
    {
        assert_eq!(mode(&role_file), 0o600);
        assert_eq!(mode(&secret_file), 0o600);
    }
    let role_id = read(&role_file);
    let secret_id = read(&secret_file);
    ws.secrets.push(secret_id.clone());
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    assert_eq!(
        bao.get("auth/approle/role/web/role-id").1["data"]["role_id"],
        role_id.as_str()
    );
    let token = login(&bao, &role_id, &secret_id).expect("the delivered credentials log in");
    ws.secrets.push(token.clone());
    assert_eq!(
        get_as(&bao, &token, "kv-test/data/web"),
        200,
        "its own secret"
    );
    assert_eq!(
        get_as(&bao, &token, "kv-test/data/worker"),
        403,
        "another service's secret"
    );
    assert_eq!(get_as(&bao, &token, "sys/policies/acl"), 403);

    // A valid secret ID is left alone: no change, no new file.
    ws.assert_converged(&bao);
    ws.apply(&bao);
    assert_eq!(read(&secret_file), secret_id);

    // Revoked by hand: the plan says so and apply delivers a new one.
    let accessors = bao.list("auth/approle/role/web/secret-id");
    for a in &accessors {
        bao.write(
            "auth/approle/role/web/secret-id-accessor/destroy",
            &json!({"secret_id_accessor": a}),
        );
    }
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("~ credentials.approle/web"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("expired or revoked"), "{}", r.stdout);
    ws.apply(&bao);
    let fresh = read(&secret_file);
    ws.secrets.push(fresh.clone());
    assert_ne!(fresh, secret_id);
    assert!(login(&bao, &role_id, &fresh).is_some());
    ws.assert_converged(&bao);
}

#[test]
fn a_wrapped_secret_id_is_delivered_and_replaced_once_unwrapped() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    with_delivery(&ws, true);
    ws.apply(&bao);
    let wrap_token = read(&ws.path("creds/web/secret_id"));
    ws.secrets.push(wrap_token.clone());
    ws.assert_converged(&bao);
    let (status, body) = ureq::post(&bao.url("sys/wrapping/unwrap"))
        .header("X-Vault-Token", &wrap_token)
        .config()
        .http_status_as_error(false)
        .build()
        .send_empty()
        .map(|mut r| {
            let s = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap();
            (s, serde_json::from_str::<serde_json::Value>(&text).unwrap())
        })
        .unwrap();
    assert_eq!(status, 200);
    let secret_id = body["data"]["secret_id"].as_str().unwrap().to_string();
    ws.secrets.push(secret_id.clone());
    let role_id = read(&ws.path("creds/web/role_id"));
    assert!(login(&bao, &role_id, &secret_id).is_some());
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "an unwrapped token is used up: {}", r.stdout);
    assert!(r.stdout.contains("new wrapped secret ID"), "{}", r.stdout);
}

#[test]
fn rotating_a_secret_id_invalidates_the_old_one_unless_kept() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    with_delivery(&ws, false);
    ws.apply(&bao);
    let role_id = read(&ws.path("creds/web/role_id"));
    let first = read(&ws.path("creds/web/secret_id"));
    ws.secrets.push(first.clone());
    let r = ws.run(&bao, &["rotate", "secret-id", "web"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("1 old one(s) destroyed"), "{}", r.stdout);
    let second = read(&ws.path("creds/web/secret_id"));
    ws.secrets.push(second.clone());
    assert_ne!(first, second);
    assert!(
        login(&bao, &role_id, &first).is_none(),
        "the old secret ID no longer works"
    );
    assert!(login(&bao, &role_id, &second).is_some());

    let r = ws.run(
        &bao,
        &[
            "rotate",
            "secret-id",
            "web",
            "--keep-old",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "rotate secret-id");
    assert_eq!(doc["approle"], "approle/web");
    assert_eq!(doc["old_secret_ids"], 1);
    assert_eq!(doc["old_secret_ids_kept"], true);
    let third = read(&ws.path("creds/web/secret_id"));
    ws.secrets.push(third.clone());
    assert!(login(&bao, &role_id, &second).is_some(), "kept");
    assert!(login(&bao, &role_id, &third).is_some());

    let r = ws.run(&bao, &["rotate", "secret-id", "worker"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("credentials_dir"), "{}", r.stderr);
}

#[test]
fn rotating_a_generated_value_makes_a_new_version() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    let before = bao.get("kv-test/data/web").1["data"]["data"]["SESSION_KEY"].clone();
    let r = ws.run(&bao, &["rotate", "secret", "kv-test/web", "SESSION_KEY"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("new version 2"), "{}", r.stdout);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    let r = ws.run(
        &bao,
        &[
            "rotate",
            "secret",
            "kv-test/web",
            "SESSION_KEY",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["command"], "rotate secret");
    assert_eq!(doc["secret"], "kv.kv-test/web");
    assert_eq!(doc["key"], "SESSION_KEY");
    assert_eq!(doc["version"], 3);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    let (_, web) = bao.get("kv-test/data/web");
    assert_ne!(web["data"]["data"]["SESSION_KEY"], before);
    assert_eq!(
        web["data"]["data"]["SESSION_KEY"].as_str().unwrap().len(),
        32
    );
    assert_eq!(
        web["data"]["data"]["DB_PASSWORD"],
        "fixture-web-db-password"
    );
    ws.assert_converged(&bao);
    let r = ws.run(&bao, &["rotate", "secret", "kv-test/web", "DB_PASSWORD"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not a generated value"), "{}", r.stderr);
}

/// Regression for issue 9, item 6: modes widened after delivery (or a
/// pre-existing 0777 directory) are planned and narrowed; a symbolic link is
/// refused, never followed.
#[cfg(unix)]
#[test]
fn loose_modes_are_fixed_and_links_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    with_delivery(&ws, false);
    // A directory that already exists, world-writable.
    let dir = ws.path("creds/web");
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    ws.apply(&bao);
    assert_eq!(mode(&dir), 0o700);
    let secret_file = ws.path("creds/web/secret_id");
    ws.secrets.push(read(&secret_file));
    ws.assert_converged(&bao);

    fs::set_permissions(&secret_file, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("~ credentials.approle/web"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("secret_id mode"), "{}", r.stdout);
    assert!(r.stdout.contains("0644"), "{}", r.stdout);
    assert!(r.stdout.contains("credentials_dir mode"), "{}", r.stdout);
    let before = read(&secret_file);
    ws.apply(&bao);
    assert_eq!(mode(&secret_file), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(read(&secret_file), before, "a valid secret ID is kept");
    ws.assert_converged(&bao);

    // The directory replaced by a link to somewhere else: refused, nothing written there.
    let elsewhere = ws.path("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::rename(&dir, ws.path("creds/old")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let r = ws.run(&bao, args);
        assert_eq!(r.code, 1, "{args:?}: {}\n{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    }
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn a_secret_id_past_half_its_ttl_is_replaced_before_it_expires() {
    // So that a restarting service always finds a secret ID that logs in,
    // as long as apply runs at least every half secret_id_ttl.
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    with_delivery(&ws, false);
    ws.edit("vault.toml", |t| {
        t.replacen("secret_id_ttl = \"1h\"", "secret_id_ttl = \"6s\"", 1)
    });
    ws.apply(&bao);
    let secret_file = ws.path("creds/web/secret_id");
    let role_id = read(&ws.path("creds/web/role_id"));
    let first = read(&secret_file);
    ws.secrets.push(first.clone());
    ws.assert_converged(&bao);
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let r = ws.plan(&bao);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("past half its TTL"), "{}", r.stdout);
    ws.apply(&bao);
    let second = read(&secret_file);
    ws.secrets.push(second.clone());
    assert_ne!(first, second);
    // The old one still works until it expires; the new one works.
    assert!(login(&bao, &role_id, &first).is_some());
    assert!(login(&bao, &role_id, &second).is_some());
    ws.assert_converged(&bao);
}
