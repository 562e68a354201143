//! Userpass users (`auth/<mount>/users/<name>` on a `userpass` auth method).
//!
//! ```toml
//! [auth.userpass]
//! type = "userpass"
//!
//! [auth.userpass.users.ops]
//! password = { env = "OPS_PASSWORD" }
//! token_policies = ["ops"]
//! token_ttl = "1h"
//! ```
//!
//! A field table. The password is write-only: the server never returns it,
//! so vaultform keeps the keyed fingerprint of the password it last wrote
//! beside the ownership record ([`crate::model::WriteOnly`]) and writes the
//! user again when the manifest's password no longer matches it. A user the
//! record has no fingerprint for (adopted, or set by another tool) cannot be
//! compared with the server: its password is written once, then recorded.

use super::contract::Section;
use super::fields::FieldType;
use super::role::model::TOKEN_FIELDS;
use super::table::{ParentRule, TableKind};
use crate::model::Kind;

/// A userpass user; after policies.
pub const KIND: Kind = Kind::new(64, "userpass_user");

/// The registry's entry.
pub static USERPASS_USERS: TableKind = TableKind {
    kind: KIND,
    about: "a userpass user (`auth/<mount>/users/<name>`)",
    noun: Some("user(s)"),
    what: "user",
    parent: Kind::AUTH,
    parent_rule: ParentRule {
        accepts: |t, _| t == "userpass",
        needs: "a `userpass` auth method",
        help: "declare [auth.{mount}] with type = \"userpass\"",
        code: "vaultform::manifest::wrong_auth_mount",
        nested_code: "vaultform::manifest::roles_unsupported",
    },
    list: Some("auth/{mount}/users"),
    item: "auth/{mount}/users/{name}",
    fixed_mount: None,
    required: &["password"],
    rules: None,
    fields: &[&[("password", FieldType::WriteOnly)], TOKEN_FIELDS],
    sections: &[Section::Nested {
        parent: Kind::AUTH,
        key: "users",
    }],
    declare: None,
    extra_keys: &[],
};
