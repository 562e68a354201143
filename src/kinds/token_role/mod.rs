//! Token roles (`auth/token/roles/<name>`): what tokens created against a
//! role may carry (policies, TTLs, orphan, renewable, type).
//!
//! ```toml
//! [token_roles.ci]
//! allowed_policies = ["ci-policy"]
//! orphan = true
//! token_period = "1h"
//! token_type = "service"
//! ```
//!
//! A kind as data: named items on the built-in `token` auth method,
//! addressed by name (`token_role.ci`), listed at `auth/token/roles`.

use super::contract::Section;
use super::fields::FieldType;
use super::table::{ParentRule, TableKind};
use crate::model::Kind;

/// A token role; after policies (it names them).
pub const KIND: Kind = Kind::new(45, "token_role");

/// `token_type` of a token role, as the server stores it (measured on
/// OpenBao 2.7.2: `default-service` is kept as written).
const TOKEN_TYPES: &[(&str, &str)] = &[
    ("service", "service"),
    ("batch", "batch"),
    ("default-service", "default-service"),
    ("default-batch", "default-batch"),
];

/// The registry's entry.
pub static TOKEN_ROLES: TableKind = TableKind {
    kind: KIND,
    about: "a token role (`auth/token/roles/<name>`)",
    noun: Some("token role(s)"),
    what: "token role",
    parent: Kind::AUTH,
    parent_rule: ParentRule {
        accepts: |t, _| t == "token",
        needs: "the `token` auth method",
        help: "token roles live on the built-in token auth method",
        code: "vaultform::manifest::wrong_auth_mount",
        nested_code: "vaultform::manifest::roles_unsupported",
    },
    list: Some("auth/{mount}/roles"),
    item: "auth/{mount}/roles/{name}",
    fixed_mount: Some("token"),
    required: &[],
    rules: None,
    fields: &[&[
        ("allowed_policies", FieldType::List),
        ("disallowed_policies", FieldType::List),
        ("allowed_policies_glob", FieldType::List),
        ("disallowed_policies_glob", FieldType::List),
        ("allowed_entity_aliases", FieldType::List),
        ("orphan", FieldType::Bool),
        ("renewable", FieldType::Bool),
        ("path_suffix", FieldType::Str),
        ("token_period", FieldType::Duration),
        ("token_explicit_max_ttl", FieldType::Duration),
        ("token_no_default_policy", FieldType::Bool),
        ("token_num_uses", FieldType::Int),
        ("token_bound_cidrs", FieldType::Cidrs),
        ("token_type", FieldType::Choice(TOKEN_TYPES)),
    ]],
    sections: &[Section::Top("token_roles")],
    declare: None,
    extra_keys: &[],
};
