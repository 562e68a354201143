//! The database secrets engine (issue 13, item 2) against a real OpenBao and
//! real PostgreSQL 15 and Redis 7.0 servers started on loopback ports
//! (`tests/common/databases.rs`): connections with their password from the
//! environment (write-only: a keyed fingerprint, never the value), dynamic
//! and static roles; credentials read from the roles log in to the database;
//! no-op plans, one field changed in place, drift put back, `rotate_root`,
//! deletion; offline refusals with nothing written. Every CLI output is
//! searched for the passwords used.

mod common;

use common::databases::{Postgres, Redis};
use common::{BaoDev, flat, vaultform_cmd};
use serde_json::{Value, json};
use std::path::Path;

const FIRST: &str = "vaultadmin-First-pw-9f3e";
const SECOND: &str = "vaultadmin-Second-pw-2c7a";

fn run(
    bao: &BaoDev,
    dir: &Path,
    manifest: &str,
    env: &[(&str, &str)],
    secrets: &[&str],
    args: &[&str],
) -> (i32, String, String) {
    let path = dir.join("vault.toml");
    std::fs::write(&path, manifest).unwrap();
    let mut cmd = vaultform_cmd(bao);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .arg("--manifest")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    for secret in secrets {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "a password leaked:\n{stdout}\n{stderr}"
        );
    }
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

fn pg_manifest(port: u16, default_ttl: &str, extra_conn: &str, roles: bool) -> String {
    let mut m = format!(
        r#"
[mounts.database]
type = "database"

[mounts.database.connections.orders]
plugin_name = "postgresql-database-plugin"
connection_url = "postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{port}/postgres?sslmode=disable"
username = "vaultadmin"
password = {{ env = "ORDERS_DB_PASSWORD" }}
allowed_roles = ["orders-app", "orders-migrate"]
verify_connection = true
max_open_connections = 4
{extra_conn}
"#
    );
    if roles {
        m.push_str(&format!(
            r#"
[mounts.database.roles.orders-app]
db_name = "orders"
creation_statements = [
  "CREATE ROLE \"{{{{name}}}}\" WITH LOGIN PASSWORD '{{{{password}}}}' VALID UNTIL '{{{{expiration}}}}';",
  "GRANT pg_read_all_data TO \"{{{{name}}}}\";",
]
default_ttl = "{default_ttl}"
max_ttl = "24h"

[mounts.database.static_roles.orders-migrate]
db_name = "orders"
username = "orders_migrate"
rotation_period = "24h"
"#
        ));
    }
    m
}

fn changes(bao: &BaoDev, dir: &Path, manifest: &str, pw: &str) -> Vec<Value> {
    let (code, out, err) = run(
        bao,
        dir,
        manifest,
        &[("ORDERS_DB_PASSWORD", pw)],
        &[FIRST, SECOND],
        &["plan", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    plan["changes"].as_array().unwrap().clone()
}

fn apply(bao: &BaoDev, dir: &Path, manifest: &str, pw: &str) {
    let (code, out, err) = run(
        bao,
        dir,
        manifest,
        &[("ORDERS_DB_PASSWORD", pw)],
        &[FIRST, SECOND],
        &["apply", "--auto-approve"],
    );
    assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
}

fn no_changes(bao: &BaoDev, dir: &Path, manifest: &str, pw: &str) {
    let (code, out, err) = run(
        bao,
        dir,
        manifest,
        &[("ORDERS_DB_PASSWORD", pw)],
        &[FIRST, SECOND],
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "the plan is not empty:\n{out}\n{err}");
}

/// Reads credentials from `path` and logs in to PostgreSQL with them.
fn pg_login(bao: &BaoDev, pg: &Postgres, path: &str) -> String {
    let (s, creds) = bao.get(path);
    assert_eq!(s, 200, "{path}: {creds}");
    let user = creds["data"]["username"].as_str().unwrap();
    let password = creds["data"]["password"].as_str().unwrap();
    let who = pg
        .login(user, password)
        .unwrap_or_else(|e| panic!("credentials from {path} do not log in: {e}"));
    assert_eq!(who, user);
    who
}

#[test]
fn postgres_connections_and_roles_are_managed_and_their_credentials_log_in() {
    let bao = BaoDev::start();
    let pg = Postgres::start();
    pg.sql(&format!(
        "CREATE ROLE vaultadmin WITH LOGIN CREATEROLE PASSWORD '{FIRST}'; \
         GRANT pg_read_all_data TO vaultadmin WITH ADMIN OPTION; \
         CREATE ROLE orders_migrate WITH LOGIN PASSWORD 'not-known-to-vault';"
    ));
    let dir = tempfile::tempdir().unwrap();
    let m = pg_manifest(pg.port(), "1h", "", true);

    // Created: the connection first, then both roles.
    let planned = changes(&bao, dir.path(), &m, FIRST);
    let addresses: Vec<&str> = planned
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    for a in [
        "mount.database",
        "database_connection.database/orders",
        "database_role.database/orders-app",
        "database_static_role.database/orders-migrate",
    ] {
        assert!(addresses.contains(&a), "{a} not planned: {addresses:?}");
    }
    apply(&bao, dir.path(), &m, FIRST);
    pg_login(&bao, &pg, "database/creds/orders-app");
    assert_eq!(
        pg_login(&bao, &pg, "database/static-creds/orders-migrate"),
        "orders_migrate"
    );
    let record = bao.get("vaultform/data/write-only/default").1.to_string();
    assert!(!record.contains(FIRST), "{record}");
    assert!(
        record.contains("database_connection.database/orders#password"),
        "{record}"
    );
    no_changes(&bao, dir.path(), &m, FIRST);

    // One field in place.
    let m2 = pg_manifest(pg.port(), "2h", "", true);
    let planned = changes(&bao, dir.path(), &m2, FIRST);
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert_eq!(planned[0]["address"], "database_role.database/orders-app");
    assert_eq!(planned[0]["action"], "update");
    assert_eq!(
        planned[0]["fields"],
        json!([{"name": "default_ttl", "before": "1h", "after": "2h"}])
    );
    apply(&bao, dir.path(), &m2, FIRST);
    assert_eq!(
        bao.get("database/roles/orders-app").1["data"]["default_ttl"],
        json!(7200)
    );
    no_changes(&bao, dir.path(), &m2, FIRST);

    // Drift by hand, in the connection's details (written as text by the
    // CLI's form) and in a static role: reported with exit 2 and put back.
    let (s, b) = bao.write(
        "database/config/orders",
        &json!({"allowed_roles": ["orders-app", "orders-migrate", "intruder"], "max_open_connections": "9"}),
    );
    assert!(s < 300, "{b}");
    let (s, b) = bao.write(
        "database/static-roles/orders-migrate",
        // The server wants the username on every write (measured: without
        // it, "cannot update static account username").
        &json!({"username": "orders_migrate", "db_name": "orders", "rotation_period": 3600}),
    );
    assert!(s < 300, "{b}");
    let (code, out, _) = run(
        &bao,
        dir.path(),
        &m2,
        &[("ORDERS_DB_PASSWORD", FIRST)],
        &[FIRST, SECOND],
        &["plan", "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(code, 2, "{out}");
    for want in [
        "database_connection.database/orders",
        "allowed_roles",
        "max_open_connections",
        "database_static_role.database/orders-migrate",
        "rotation_period",
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    apply(&bao, dir.path(), &m2, FIRST);
    no_changes(&bao, dir.path(), &m2, FIRST);
    pg_login(&bao, &pg, "database/creds/orders-app");

    // A new password in the manifest (changed in the database first): the
    // password field only, then Vault still connects.
    pg.sql(&format!("ALTER ROLE vaultadmin PASSWORD '{SECOND}'"));
    let planned = changes(&bao, dir.path(), &m2, SECOND);
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert_eq!(
        planned[0]["fields"],
        json!([{"name": "password", "before": "(write-only)", "after": "(write-only, changed in the manifest)"}])
    );
    apply(&bao, dir.path(), &m2, SECOND);
    pg_login(&bao, &pg, "database/creds/orders-app");
    no_changes(&bao, dir.path(), &m2, SECOND);

    // rotate_root: written, then rotated by Vault; the password the
    // manifest holds no longer logs in, Vault still does, and the password
    // is no longer compared or written.
    let m3 = pg_manifest(pg.port(), "2h", "rotate_root = true", true);
    let planned = changes(&bao, dir.path(), &m3, SECOND);
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert_eq!(
        planned[0]["fields"],
        json!([{"name": "password", "before": "(write-only, not rotated yet)", "after": "(written, then rotated by Vault: rotate-root)"}])
    );
    apply(&bao, dir.path(), &m3, SECOND);
    assert!(
        pg.login("vaultadmin", SECOND).is_err(),
        "the root password was not rotated"
    );
    pg_login(&bao, &pg, "database/creds/orders-app");
    no_changes(&bao, dir.path(), &m3, SECOND);
    no_changes(&bao, dir.path(), &m3, "any-other-initial-password");
    let m4 = pg_manifest(
        pg.port(),
        "2h",
        "rotate_root = true\nmax_idle_connections = 2",
        true,
    );
    let planned = changes(&bao, dir.path(), &m4, SECOND);
    assert_eq!(
        planned[0]["fields"],
        json!([{"name": "max_idle_connections", "before": "(unset)", "after": "2"}]),
        "{planned:?}"
    );
    apply(&bao, dir.path(), &m4, SECOND);
    pg_login(&bao, &pg, "database/creds/orders-app");
    no_changes(&bao, dir.path(), &m4, SECOND);

    // Dropped roles are deleted (the database user of the static role stays).
    let m5 = pg_manifest(
        pg.port(),
        "2h",
        "rotate_root = true\nmax_idle_connections = 2",
        false,
    );
    apply(&bao, dir.path(), &m5, SECOND);
    assert_eq!(bao.get("database/roles/orders-app").0, 404);
    assert_eq!(bao.get("database/static-roles/orders-migrate").0, 404);
    assert_eq!(
        pg.sql("select count(*) from pg_roles where rolname = 'orders_migrate'"),
        "1"
    );
    no_changes(&bao, dir.path(), &m5, SECOND);

    // And the connection, when the mount's section no longer declares it.
    apply(
        &bao,
        dir.path(),
        "[mounts.database]\ntype = \"database\"\n",
        SECOND,
    );
    assert_eq!(bao.get("database/config/orders").0, 404);
    let record = bao.get("vaultform/data/write-only/default").1.to_string();
    assert!(!record.contains("database_connection"), "{record}");
}

#[test]
fn redis_connections_and_roles_give_working_credentials() {
    let bao = BaoDev::start();
    let redis = Redis::start();
    let dir = tempfile::tempdir().unwrap();
    let pw = redis.password().to_string();
    let manifest = |ttl: &str| {
        format!(
            r#"
[mounts.cache]
type = "database"

[mounts.cache.connections.sessions]
plugin_name = "redis-database-plugin"
host = "127.0.0.1"
port = {port}
username = "default"
password = {{ env = "REDIS_PASSWORD" }}
allowed_roles = ["reader"]

[mounts.cache.roles.reader]
db_name = "sessions"
creation_statements = '["~*", "+@read", "+ping"]'
default_ttl = "{ttl}"
"#,
            port = redis.port()
        )
    };
    let env = [("REDIS_PASSWORD", pw.as_str())];
    let go = |m: &str, args: &[&str]| run(&bao, dir.path(), m, &env, &[pw.as_str()], args);
    let (code, out, err) = go(&manifest("5m"), &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");

    let (s, creds) = bao.get("cache/creds/reader");
    assert_eq!(s, 200, "{creds}");
    let user = creds["data"]["username"].as_str().unwrap();
    let password = creds["data"]["password"].as_str().unwrap();
    assert_eq!(
        redis.command(user, password, &["PING"]).as_deref(),
        Ok("PONG")
    );
    assert_eq!(
        redis.command("default", &pw, &["SET", "k", "v"]).as_deref(),
        Ok("OK")
    );
    assert_eq!(
        redis.command(user, password, &["GET", "k"]).as_deref(),
        Ok("v")
    );
    let refused = redis.command(user, password, &["SET", "k", "w"]);
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("NOPERM")),
        "a read-only user could write: {refused:?}"
    );

    let (code, out, _) = go(&manifest("5m"), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not a no-op:\n{out}");
    let (code, out, _) = go(
        &manifest("10m"),
        &["plan", "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("default_ttl"), "{out}");
    let (code, out, err) = go(&manifest("10m"), &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        bao.get("cache/roles/reader").1["data"]["default_ttl"],
        json!(600)
    );
    let (code, out, _) = go(&manifest("10m"), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not a no-op:\n{out}");
}

#[test]
fn database_declarations_are_checked_before_anything_is_written() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"
[mounts.db]
type = "database"
[mounts.db.connections.pg]
plugin_name = "postgresql-database-plugin"
allowed_roles = ["app-*"]
[mounts.db.roles.reporting]
db_name = "pg"
creation_statements = "select 1"
"#,
            "vaultform::manifest::role_not_allowed",
            "whose allowed_roles do not include `reporting`",
        ),
        (
            r#"
[mounts.db]
type = "database"
[mounts.db.static_roles.app]
db_name = "pg"
username = "app"
"#,
            "vaultform::manifest::missing_key",
            "needs `rotation_period` or `rotation_schedule`",
        ),
        (
            r#"
[mounts.db]
type = "database"
[mounts.db.connections.pg]
plugin_name = "postgresql-database-plugin"
rotate_root = true
"#,
            "vaultform::manifest::missing_key",
            "rotate_root needs the `username` and `password`",
        ),
        (
            r#"
[mounts.kv]
type = "kv"
options = { version = "2" }
[mounts.kv.connections.pg]
plugin_name = "postgresql-database-plugin"
"#,
            "vaultform::manifest::wrong_mount",
            "a `database` mount",
        ),
        (
            r#"
[mounts.db]
type = "database"
[mounts.db.roles.app]
db_name = "pg"
creation_statements = 5
"#,
            "vaultform::manifest::wrong_type",
            "a string or a list of strings",
        ),
        (
            r#"
[mounts.db]
type = "database"
[mounts.db.connections.pg]
plugin_name = "postgresql-database-plugin"
password = "literal-Db-Password-1d2e"
pasword = "x"
"#,
            "vaultform::manifest::unknown_key",
            "pasword",
        ),
    ];
    for (manifest, code, message) in cases {
        let (status, out, err) = run(
            &bao,
            dir.path(),
            manifest,
            &[],
            &["literal-Db-Password-1d2e"],
            &["apply", "--auto-approve"],
        );
        let text = flat(&err);
        assert_eq!(status, 1, "{manifest}\n{out}\n{err}");
        assert!(text.contains(code), "{code} missing:\n{err}");
        assert!(text.contains(message), "{message} missing:\n{err}");
        assert!(text.contains("vault.toml:"), "no location:\n{err}");
    }
    let mounts = bao.get("sys/mounts").1;
    assert!(mounts["data"]["db/"].is_null(), "written: {mounts}");
    assert!(mounts["data"]["kv/"].is_null(), "written: {mounts}");
}

#[test]
fn a_targeted_role_takes_its_connection_and_mount_along() {
    let bao = BaoDev::start();
    let dir = tempfile::tempdir().unwrap();
    let m = r#"
[mounts.db]
type = "database"
[mounts.db.connections.pg]
plugin_name = "postgresql-database-plugin"
connection_url = "postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres"
username = "vault"
password = { env = "PG_PW" }
verify_connection = false
allowed_roles = ["app", "other"]
[mounts.db.roles.app]
db_name = "pg"
creation_statements = ["select 1;"]
[mounts.db.roles.other]
db_name = "pg"
creation_statements = ["select 1;"]
"#;
    let (code, out, err) = run(
        &bao,
        dir.path(),
        m,
        &[("PG_PW", "pw-Target-77aa")],
        &["pw-Target-77aa"],
        &[
            "plan",
            "--format",
            "json",
            "--target",
            "database_role.db/app",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let mut addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    addresses.sort();
    assert_eq!(
        addresses,
        [
            "database_connection.db/pg",
            "database_role.db/app",
            "mount.db"
        ]
    );
}
