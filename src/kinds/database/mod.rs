//! The database secrets engine: connections, dynamic roles and static roles
//! on a `database` mount.
//!
//! ```toml
//! [mounts.database]
//! type = "database"
//!
//! [mounts.database.connections.orders]
//! plugin_name = "postgresql-database-plugin"
//! connection_url = "postgresql://{{username}}:{{password}}@db.internal:5432/orders"
//! username = "vault"
//! password = { env = "ORDERS_DB_PASSWORD" }
//! allowed_roles = ["orders-app", "orders-migrate"]
//! rotate_root = true
//!
//! [mounts.database.roles.orders-app]
//! db_name = "orders"
//! creation_statements = [
//!   "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
//!   "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{{name}}\";",
//! ]
//! default_ttl = "1h"
//! max_ttl = "24h"
//!
//! [mounts.database.static_roles.orders-migrate]
//! db_name = "orders"
//! username = "orders_migrate"
//! rotation_period = "24h"
//! ```
//!
//! Three field tables ([`TableKind`]) with the rules of their own written
//! here. What the server does, measured on OpenBao 2.7.2 with PostgreSQL 15
//! and Redis 7.0:
//! - a connection's plugin fields come back inside `connection_details`, the
//!   password never; a write merges into what is stored (an update without
//!   the password keeps it); numbers written by the CLI are stored as text;
//!   `verify_connection` is taken on write and never returned;
//! - `root_rotation_statements` comes back as
//!   `root_credentials_rotate_statements`;
//! - statements are stored trimmed, in order, and a string is a list of one;
//! - a dynamic role is written without any check of its `db_name`, and
//!   credentials for it are then refused with "is not an allowed role"; a
//!   static role is refused at write time for the same reason, and its
//!   password is rotated at once (the database user must exist);
//! - a static role's `username` cannot change: a new one replaces the role.
//!
//! `rotate_root = true` is vaultform's own field: after the connection is
//! written, vaultform asks Vault to rotate the root password
//! (`<mount>/rotate-root/<name>`), so that only Vault knows it. From then on
//! the manifest's password was the initial one: it is no longer written or
//! compared (the record keeps the fingerprint of a "rotated" marker, never a
//! value). See the README, *Secret values*.

use super::contract::{KindDef, PlanCx, Section};
use super::fields::{FieldType, FieldValue};
use super::table::{DesiredFields, LiveFields, ParentRule, TableKind};
use crate::diag::Problem;
use crate::model::plan::{Action, Change, FieldChange};
use crate::model::{Address, Desired, Kind, Live, WriteOnly};
use crate::secret::Secret;
use crate::vault::{Vault, VaultError};
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// A database connection (`<mount>/config/<name>`); after auth configs.
pub const CONNECTION: Kind = Kind::new(31, "database_connection");
/// A dynamic database role (`<mount>/roles/<name>`); after its connection.
pub const ROLE: Kind = Kind::new(32, "database_role");
/// A static database role (`<mount>/static-roles/<name>`).
pub const STATIC_ROLE: Kind = Kind::new(33, "database_static_role");

const DATABASE: ParentRule = ParentRule {
    accepts: |t, _| t == "database",
    needs: "a `database` mount",
    help: "declare [mounts.{mount}] with type = \"database\"",
    code: "vaultform::manifest::wrong_mount",
    nested_code: "vaultform::manifest::wrong_mount",
};

/// Fields the manifest declares that the server does not keep:
/// `verify_connection` is a write-time check, `rotate_root` is vaultform's.
const NOT_STORED: &[&str] = &["verify_connection", "rotate_root"];

const CREDENTIAL_TYPES: &[(&str, &str)] = &[
    ("password", "password"),
    ("rsa_private_key", "rsa_private_key"),
    ("client_certificate", "client_certificate"),
];

static CONNECTION_TABLE: TableKind = TableKind {
    kind: CONNECTION,
    about: "a database connection (`<mount>/config/<name>`)",
    noun: Some("database connection(s)"),
    what: "database connection",
    parent: Kind::MOUNT,
    parent_rule: DATABASE,
    list: Some("{mount}/config"),
    item: "{mount}/config/{name}",
    fixed_mount: None,
    required: &["plugin_name"],
    rules: Some(connection_rules),
    fields: &[
        &[
            ("plugin_name", FieldType::Str),
            ("plugin_version", FieldType::Str),
            ("allowed_roles", FieldType::List),
            ("verify_connection", FieldType::Bool),
            ("password_policy", FieldType::Str),
            ("root_rotation_statements", FieldType::Seq),
            ("rotate_root", FieldType::Bool),
        ],
        // The plugins' own fields (`connection_details` on the server).
        &[
            ("connection_url", FieldType::Str),
            ("username", FieldType::Str),
            ("password", FieldType::WriteOnly),
            ("username_template", FieldType::Str),
            ("max_open_connections", FieldType::Int),
            ("max_idle_connections", FieldType::Int),
            ("max_connection_lifetime", FieldType::Duration),
            (
                "password_authentication",
                FieldType::Choice(&[("password", "password"), ("scram-sha-256", "scram-sha-256")]),
            ),
            ("host", FieldType::Str),
            ("port", FieldType::Int),
            ("tls", FieldType::Bool),
            ("insecure_tls", FieldType::Bool),
            ("ca_cert", FieldType::Str),
        ],
    ],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "connections",
    }],
    declare: None,
    extra_keys: &[],
};

fn connection_rules(f: &BTreeMap<String, FieldValue>) -> Option<(String, &'static str)> {
    let on = |k: &str| matches!(f.get(k), Some(FieldValue::Bool(true)));
    if on("rotate_root") && !(f.contains_key("username") && f.contains_key("password")) {
        return Some((
            "rotate_root needs the `username` and `password` Vault will rotate".into(),
            "declare username and password (the initial password), or drop rotate_root",
        ));
    }
    None
}

static ROLE_TABLE: TableKind = TableKind {
    kind: ROLE,
    about: "a dynamic database role (`<mount>/roles/<name>`)",
    noun: Some("database role(s)"),
    what: "database role",
    parent: Kind::MOUNT,
    parent_rule: DATABASE,
    list: Some("{mount}/roles"),
    item: "{mount}/roles/{name}",
    fixed_mount: None,
    required: &["db_name", "creation_statements"],
    rules: None,
    fields: &[&[
        ("db_name", FieldType::Str),
        ("creation_statements", FieldType::Seq),
        ("revocation_statements", FieldType::Seq),
        ("rollback_statements", FieldType::Seq),
        ("renew_statements", FieldType::Seq),
        ("default_ttl", FieldType::Duration),
        ("max_ttl", FieldType::Duration),
        ("credential_type", FieldType::Choice(CREDENTIAL_TYPES)),
    ]],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "roles",
    }],
    declare: None,
    extra_keys: &[],
};

static STATIC_ROLE_TABLE: TableKind = TableKind {
    kind: STATIC_ROLE,
    about: "a static database role (`<mount>/static-roles/<name>`)",
    noun: Some("static database role(s)"),
    what: "static database role",
    parent: Kind::MOUNT,
    parent_rule: DATABASE,
    list: Some("{mount}/static-roles"),
    item: "{mount}/static-roles/{name}",
    fixed_mount: None,
    required: &["db_name", "username"],
    rules: Some(static_role_rules),
    fields: &[&[
        ("db_name", FieldType::Str),
        ("username", FieldType::Str),
        ("rotation_period", FieldType::Duration),
        ("rotation_schedule", FieldType::Str),
        ("rotation_window", FieldType::Duration),
        ("rotation_statements", FieldType::Seq),
        ("credential_type", FieldType::Choice(CREDENTIAL_TYPES)),
    ]],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "static_roles",
    }],
    declare: None,
    extra_keys: &[],
};

fn static_role_rules(f: &BTreeMap<String, FieldValue>) -> Option<(String, &'static str)> {
    match (
        f.contains_key("rotation_period"),
        f.contains_key("rotation_schedule"),
    ) {
        (false, false) => Some((
            "needs `rotation_period` or `rotation_schedule`".into(),
            "add rotation_period = \"24h\" (or a cron rotation_schedule)",
        )),
        (true, true) => Some((
            "takes `rotation_period` or `rotation_schedule`, not both".into(),
            "keep one of them",
        )),
        _ => None,
    }
}

/// The server's answer for a connection in the manifest's shape: the
/// plugin's fields lifted out of `connection_details`, the root rotation
/// statements under the name they are written with.
pub fn lift(live: &LiveFields) -> LiveFields {
    let mut out = live.clone();
    if let Some(Value::Object(details)) = out.remove("connection_details") {
        for (k, v) in details {
            out.entry(k).or_insert(v);
        }
    }
    if let Some(v) = out.remove("root_credentials_rotate_statements") {
        out.insert("root_rotation_statements".into(), v);
    }
    out
}

/// The fingerprinted marker recorded once Vault rotated a connection's root
/// password (a constant, not a value).
static ROTATED: LazyLock<Secret> = LazyLock::new(|| Secret::from_string("rotate-root".into()));
/// The record's field name for that marker.
const ROTATED_FIELD: &str = "rotated";

fn rotates(d: &DesiredFields) -> bool {
    matches!(d.fields.get("rotate_root"), Some(FieldValue::Bool(true)))
}

fn rotated(live: &Live, address: &Address) -> bool {
    live.write_only
        .fingerprints
        .contains_key(&WriteOnly::key(address, ROTATED_FIELD))
}

fn body(d: &DesiredFields, skip: &[&str]) -> Value {
    let m: Map<String, Value> = d
        .fields
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    Value::Object(m)
}

fn missing(a: &Address) -> VaultError {
    VaultError::Internal {
        what: format!("{a} is not in the manifest"),
    }
}

/// Database connections.
pub struct Connections;

/// The registry's entry for connections.
pub static CONNECTIONS: Connections = Connections;

impl KindDef for Connections {
    super::table::from_table!(CONNECTION_TABLE, reads);

    /// The connection as compared (plugin fields lifted); the password is
    /// never returned and stays as it is.
    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        for (key, l) in live.items.iter::<LiveFields>(CONNECTION) {
            CONNECTION_TABLE.export_item(live, out, key, &lift(l));
        }
        CONNECTION_TABLE.export_refused(live, out);
    }

    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        CONNECTION_TABLE.depends_on(desired, name)
    }

    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        CONNECTION_TABLE.check(desired, live)
    }

    fn has_write_only(&self) -> bool {
        true
    }

    fn write_only<'d>(&self, desired: &'d Desired, name: &str) -> Vec<(String, &'d Secret)> {
        let mut out = CONNECTION_TABLE.write_only(desired, name);
        if desired
            .items
            .get::<DesiredFields>(CONNECTION, name)
            .is_some_and(rotates)
        {
            let marker: &'static Secret = &ROTATED;
            out.push((ROTATED_FIELD.to_string(), marker));
        }
        out
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let d = cx
            .desired
            .items
            .get::<DesiredFields>(CONNECTION, &address.name);
        let live = cx
            .live
            .items
            .get::<LiveFields>(CONNECTION, &address.name)
            .map(lift);
        let (Some(d), Some(l)) = (d, live.as_ref()) else {
            return CONNECTION_TABLE.diff_items(address, d, live.as_ref());
        };
        let mut stored = d.clone();
        stored.fields.retain(|k, _| !NOT_STORED.contains(&k.as_str()));
        let change = CONNECTION_TABLE.diff_items(address, Some(&stored), Some(l));
        if !rotates(d) {
            return CONNECTION_TABLE.write_only_changes(address, d, cx, change);
        }
        // The password was the initial one: once Vault rotated it, only
        // Vault knows the current one and the manifest's is not compared.
        if rotated(cx.live, address) {
            return change;
        }
        let mut c = change.unwrap_or_else(|| Change::new(address.clone(), Action::Update));
        c.fields.push(FieldChange::new(
            "password",
            Some("(write-only, not rotated yet)".into()),
            Some("(written, then rotated by Vault: rotate-root)".into()),
        ));
        c.fields.sort_by(|a, b| a.name.cmp(&b.name));
        Some(c)
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        live: &'a Live,
        _key: &'a crate::secret::FingerprintKey,
    ) -> BoxFuture<'a, Result<super::contract::Applied, VaultError>> {
        super::contract::nothing_known(async move {
            let a = &change.address;
            let (mount, name) = a.name.rsplit_once('/').ok_or_else(|| missing(a))?;
            let path = format!("{mount}/config/{name}");
            let d = desired.items.get::<DesiredFields>(CONNECTION, &a.name);
            match change.action {
                Action::Adopt => Ok(()),
                Action::Delete => vault.delete(&path).await,
                _ => {
                    let d = d.ok_or_else(|| missing(a))?;
                    let done = change.action == Action::Update && rotated(live, a);
                    let skip: &[&str] = if rotates(d) && done {
                        &["rotate_root", "password"]
                    } else {
                        &["rotate_root"]
                    };
                    vault.write(&path, &body(d, skip)).await?;
                    if rotates(d) && !done {
                        let rotate = format!("{mount}/rotate-root/{name}");
                        vault.write(&rotate, &Value::Object(Map::new())).await?;
                    }
                    Ok(())
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        CONNECTION_TABLE.simulate(change, desired, live);
        let d = desired
            .items
            .get::<DesiredFields>(CONNECTION, &change.address.name);
        if change.action != Action::Delete
            && d.is_some_and(rotates)
            && let Some(fp) = &live.managed.fingerprint_key
        {
            let key = WriteOnly::key(&change.address, ROTATED_FIELD);
            live.write_only
                .fingerprints
                .insert(key, ROTATED.fingerprint(fp).0);
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        CONNECTION_TABLE.arbitrary(rng, desired, live);
    }
}

/// Dynamic (`STATIC = false`) or static database roles.
pub struct DbRoles<const STATIC: bool>;

/// The registry's entry for dynamic roles.
pub static ROLES: DbRoles<false> = DbRoles;
/// The registry's entry for static roles.
pub static STATIC_ROLES: DbRoles<true> = DbRoles;

impl<const STATIC: bool> DbRoles<STATIC> {
    const TABLE: &'static TableKind = if STATIC {
        &STATIC_ROLE_TABLE
    } else {
        &ROLE_TABLE
    };

    /// The declared connection a role names, on the role's mount.
    fn connection<'d>(desired: &'d Desired, d: &DesiredFields) -> Option<(String, &'d DesiredFields)> {
        let Some(FieldValue::Str(db)) = d.fields.get("db_name") else {
            return None;
        };
        let key = format!("{}/{db}", d.mount);
        let c = desired.items.get::<DesiredFields>(CONNECTION, &key)?;
        Some((key, c))
    }
}

/// Whether Vault's `allowed_roles` admits `role`: an entry is a name or a
/// pattern where `*` matches any text (Vault's glob).
pub fn allowed(patterns: &[String], role: &str) -> bool {
    patterns.iter().any(|p| glob(p, role))
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last)
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl<const STATIC: bool> KindDef for DbRoles<STATIC> {
    super::table::from_table!((*Self::TABLE), reads);

    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        KindDef::export(Self::TABLE, live, out);
    }

    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        let mut out = Self::TABLE.depends_on(desired, name);
        if let Some(d) = desired.items.get::<DesiredFields>(Self::TABLE.kind, name)
            && let Some((key, _)) = Self::connection(desired, d)
        {
            out.push(Address::new(CONNECTION, key));
        }
        out
    }

    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        let mut problems = Self::TABLE.check(desired, live);
        let kind = Self::TABLE.kind;
        for (key, d) in desired.items.iter::<DesiredFields>(kind) {
            let Some((conn, c)) = Self::connection(desired, d) else {
                continue;
            };
            let Some(FieldValue::List(patterns)) = c.fields.get("allowed_roles") else {
                continue;
            };
            if !allowed(patterns, &d.name) {
                problems.push(desired.problem_at(
                    &Address::new(kind, key.clone()),
                    "vaultform::manifest::role_not_allowed",
                    format!(
                        "{} `{key}` uses connection `{conn}`, whose allowed_roles do not include `{}`: Vault would refuse its credentials",
                        Self::TABLE.what,
                        d.name
                    ),
                    format!("add \"{}\" to allowed_roles of [mounts.{}.connections.{}]", d.name, d.mount, conn.rsplit('/').next().unwrap_or_default()),
                ));
            }
        }
        problems
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let mut c = Self::TABLE.diff(address, cx)?;
        if STATIC && c.action == Action::Update && c.fields.iter().any(|f| f.name == "username") {
            c.action = Action::Replace;
        }
        Some(c)
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        live: &'a Live,
        key: &'a crate::secret::FingerprintKey,
    ) -> BoxFuture<'a, Result<super::contract::Applied, VaultError>> {
        super::contract::nothing_known(async move {
            if change.action == Action::Replace {
                let mut delete = change.clone();
                delete.action = Action::Delete;
                Self::TABLE
                    .apply(vault, &delete, desired, live, key)
                    .await?;
                let mut create = change.clone();
                create.action = Action::Create;
                Self::TABLE
                    .apply(vault, &create, desired, live, key)
                    .await?;
                return Ok(());
            }
            Self::TABLE.apply(vault, change, desired, live, key).await?;
            Ok(())
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        if change.action == Action::Replace {
            live.items.remove(Self::TABLE.kind, &change.address.name);
        }
        Self::TABLE.simulate(change, desired, live);
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        Self::TABLE.arbitrary(rng, desired, live);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::FingerprintKey;
    use serde_json::json;
    use std::collections::BTreeSet;

    #[test]
    fn allowed_roles_match_names_and_globs_as_vault_does() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(allowed(&p(&["*"]), "app"));
        assert!(allowed(&p(&["x", "app"]), "app"));
        assert!(allowed(&p(&["app-*"]), "app-read"));
        assert!(allowed(&p(&["*-read"]), "app-read"));
        assert!(allowed(&p(&["a*p*d"]), "app-read"));
        assert!(!allowed(&p(&["app-*"]), "app"));
        assert!(!allowed(&p(&["a*b*b"]), "ab"));
        assert!(!allowed(&p(&[]), "app"));
        assert!(!allowed(&p(&["App"]), "app"));
    }

    #[test]
    fn the_connection_details_are_compared_as_declared() {
        let live: LiveFields = serde_json::from_value(json!({
            "allowed_roles": ["app"],
            "connection_details": {"connection_url": "u", "username": "vault", "max_open_connections": "4"},
            "plugin_name": "postgresql-database-plugin",
            "root_credentials_rotate_statements": ["alter"],
        }))
        .expect("json");
        let l = lift(&live);
        assert_eq!(l["username"], json!("vault"));
        assert_eq!(l["root_rotation_statements"], json!(["alter"]));
        assert!(!l.contains_key("connection_details"));
        assert!(FieldValue::Int(4).matches(l.get("max_open_connections")));
    }

    fn plan_cx(
        fields: &[(&str, FieldValue)],
        live_fields: Option<Value>,
        record: &[&str],
    ) -> Option<Change> {
        let mut desired = Desired::empty(
            miette::NamedSource::new("vault.toml", String::new()),
            ".".into(),
            "vaultform",
        );
        let item = DesiredFields {
            kind: CONNECTION,
            mount: "db".into(),
            name: "pg".into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        };
        desired.items.insert(CONNECTION, "db/pg", item);
        let mut live = Live::default();
        if let Some(l) = live_fields {
            let l: LiveFields = serde_json::from_value(l).expect("json");
            live.items.insert(CONNECTION, "db/pg", l);
        }
        let fp = FingerprintKey::from_bytes(vec![5; 32]);
        let address = Address::new(CONNECTION, "db/pg");
        for f in record {
            let value = match *f {
                ROTATED_FIELD => ROTATED.fingerprint(&fp).0,
                _ => Secret::from_string("pw".into()).fingerprint(&fp).0,
            };
            live.write_only
                .fingerprints
                .insert(WriteOnly::key(&address, f), value);
        }
        let cx = PlanCx {
            desired: &desired,
            live: &live,
            fp: &fp,
            managed: &BTreeSet::new(),
        };
        CONNECTIONS.diff(&address, &cx)
    }

    #[test]
    fn verify_connection_is_not_compared_and_the_password_is_by_fingerprint() {
        let fields = [
            ("plugin_name", FieldValue::Str("p".into())),
            ("verify_connection", FieldValue::Bool(true)),
            ("password", FieldValue::WriteOnly(Secret::from_string("pw".into()))),
        ];
        let live = json!({"plugin_name": "p", "connection_details": {}});
        assert_eq!(plan_cx(&fields, Some(live.clone()), &["password"]), None);
        let c = plan_cx(&fields, Some(live), &[]).expect("never recorded");
        assert_eq!(c.fields.len(), 1);
        assert_eq!(c.fields[0].name, "password");
    }

    #[test]
    fn a_rotated_password_is_no_longer_compared() {
        let fields = [
            ("plugin_name", FieldValue::Str("p".into())),
            ("rotate_root", FieldValue::Bool(true)),
            ("username", FieldValue::Str("vault".into())),
            ("password", FieldValue::WriteOnly(Secret::from_string("changed".into()))),
        ];
        let live = json!({"plugin_name": "p", "connection_details": {"username": "vault"}});
        assert_eq!(
            plan_cx(&fields, Some(live.clone()), &["password", ROTATED_FIELD]),
            None
        );
        let c = plan_cx(&fields, Some(live), &["password"]).expect("not rotated yet");
        assert_eq!(c.action, Action::Update);
        assert_eq!(
            c.fields[0].after.as_deref(),
            Some("(written, then rotated by Vault: rotate-root)")
        );
    }
}
