//! JWT/OIDC auth roles (`auth/<mount>/role/<name>` on a `jwt` or `oidc`
//! auth method): who may log in with which token claims, and the token they
//! get.
//!
//! ```toml
//! [auth.jwt]
//! type = "jwt"
//!
//! [auth.jwt.roles.ci]
//! role_type = "jwt"
//! user_claim = "sub"
//! bound_audiences = ["vault"]
//! bound_claims = { repository = "org/app", ref = ["refs/heads/main"] }
//! token_policies = ["ci-policy"]
//! token_ttl = "15m"
//! ```
//!
//! A kind as data: named items listed per auth mount, declared under the
//! method's `roles` (the same key AppRole and Kubernetes roles use; the
//! method's type decides which kind a role is).

use super::contract::Section;
use super::fields::FieldType;
use super::role::model::TOKEN_FIELDS;
use super::table::{ParentRule, TableKind};
use super::fields::FieldValue;
use crate::model::Kind;
use std::collections::BTreeMap;

/// The server's write-time rules (measured on OpenBao 2.7.2): an `oidc` role
/// (the default type) needs `allowed_redirect_uris`; a `jwt` role needs a
/// bound constraint.
fn rules(fields: &BTreeMap<String, FieldValue>) -> Option<(String, &'static str)> {
    let set = |f: &str| match fields.get(f) {
        None => false,
        Some(FieldValue::List(l) | FieldValue::Cidrs(l)) => !l.is_empty(),
        Some(FieldValue::Str(s)) => !s.is_empty(),
        Some(FieldValue::Object(m)) => !m.is_empty(),
        Some(_) => true,
    };
    let jwt = matches!(fields.get("role_type"), Some(FieldValue::Str(t)) if t == "jwt");
    if !jwt && !set("allowed_redirect_uris") {
        return Some((
            "an `oidc` role (the default role_type) needs allowed_redirect_uris".into(),
            "add allowed_redirect_uris = [\"https://...\"], or role_type = \"jwt\"",
        ));
    }
    let bound = ["bound_audiences", "bound_subject", "bound_claims", "token_bound_cidrs"];
    if jwt && !bound.iter().any(|f| set(f)) {
        return Some((
            "a `jwt` role needs a bound constraint".into(),
            "add bound_audiences, bound_subject, bound_claims or token_bound_cidrs",
        ));
    }
    None
}

/// A JWT/OIDC role; after policies (it grants them).
pub const KIND: Kind = Kind::new(65, "jwt_role");

/// The registry's entry.
pub static JWT_ROLES: TableKind = TableKind {
    kind: KIND,
    about: "a JWT/OIDC auth role (`auth/<mount>/role/<name>`)",
    noun: Some("role(s)"),
    what: "role",
    parent: Kind::AUTH,
    parent_rule: ParentRule {
        accepts: |t, _| t == "jwt" || t == "oidc",
        needs: "a `jwt` or `oidc` auth method",
        help: "declare [auth.{mount}] with type = \"jwt\" (or \"oidc\")",
        code: "vaultform::manifest::wrong_auth_mount",
        nested_code: "vaultform::manifest::roles_unsupported",
    },
    list: Some("auth/{mount}/role"),
    item: "auth/{mount}/role/{name}",
    fixed_mount: None,
    required: &["user_claim"],
    rules: Some(rules),
    fields: &[
        TOKEN_FIELDS,
        &[
            (
                "role_type",
                FieldType::Choice(&[("jwt", "jwt"), ("oidc", "oidc")]),
            ),
            ("user_claim", FieldType::Str),
            ("bound_audiences", FieldType::List),
            ("bound_subject", FieldType::Str),
            ("bound_claims", FieldType::Object),
            (
                "bound_claims_type",
                FieldType::Choice(&[("string", "string"), ("glob", "glob")]),
            ),
            ("claim_mappings", FieldType::Object),
            ("groups_claim", FieldType::Str),
            ("allowed_redirect_uris", FieldType::List),
            ("oidc_scopes", FieldType::List),
            ("max_age", FieldType::Duration),
            ("clock_skew_leeway", FieldType::Duration),
            ("expiration_leeway", FieldType::Duration),
            ("not_before_leeway", FieldType::Duration),
            ("verbose_oidc_logging", FieldType::Bool),
            (
                "token_type",
                FieldType::Choice(&[
                    ("service", "service"),
                    ("batch", "batch"),
                    ("default", "default"),
                ]),
            ),
        ],
    ],
    sections: &[Section::Nested {
        parent: Kind::AUTH,
        key: "roles",
    }],
    declare: None,
    extra_keys: &[],
};
