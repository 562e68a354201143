//! The two role kinds, as field tables.

use super::model::{APPROLE_FIELDS, KUBERNETES_FIELDS, TOKEN_FIELDS};
use crate::kinds::contract::Section;
use crate::kinds::table::{ParentRule, TableKind};
use crate::model::Kind;

/// An AppRole role.
pub const APPROLE: Kind = Kind::new(50, "approle");
/// A Kubernetes auth role.
pub const KUBERNETES_ROLE: Kind = Kind::new(60, "kubernetes_role");

/// AppRole roles: `[approles.NAME]` or `[auth.MOUNT.roles.NAME]` on an
/// `approle` auth method.
pub static APPROLES: TableKind = TableKind {
    kind: APPROLE,
    about: "an AppRole role (`auth/<mount>/role/<name>`)",
    noun: Some("role(s)"),
    what: "role",
    parent: Kind::AUTH,
    parent_rule: ParentRule {
        accepts: |t, _| t == "approle",
        needs: "a `approle` auth method",
        help: "declare [auth.{mount}] with type = \"approle\", or set `mount`",
        code: "vaultform::manifest::wrong_auth_mount",
        nested_code: "vaultform::manifest::roles_unsupported",
    },
    list: Some("auth/{mount}/role"),
    item: "auth/{mount}/role/{name}",
    fixed_mount: None,
    required: &[],
    rules: None,
    fields: &[TOKEN_FIELDS, APPROLE_FIELDS],
    sections: &[
        Section::Top("approles"),
        Section::Nested {
            parent: Kind::AUTH,
            key: "roles",
        },
    ],
    declare: Some(super::declare::roles),
    extra_keys: super::declare::APPROLE_KEYS,
};

/// Kubernetes roles: `[auth.MOUNT.roles.NAME]` on a `kubernetes` auth method.
pub static KUBERNETES_ROLES: TableKind = TableKind {
    kind: KUBERNETES_ROLE,
    about: "a Kubernetes auth role (`auth/<mount>/role/<name>`)",
    noun: Some("role(s)"),
    what: "role",
    parent: Kind::AUTH,
    parent_rule: ParentRule {
        accepts: |t, _| t == "kubernetes",
        needs: "a `kubernetes` auth method",
        help: "declare [auth.{mount}] with type = \"kubernetes\", or set `mount`",
        code: "vaultform::manifest::wrong_auth_mount",
        nested_code: "vaultform::manifest::roles_unsupported",
    },
    list: Some("auth/{mount}/role"),
    item: "auth/{mount}/role/{name}",
    fixed_mount: None,
    required: &[],
    rules: None,
    fields: &[TOKEN_FIELDS, KUBERNETES_FIELDS],
    sections: &[Section::Nested {
        parent: Kind::AUTH,
        key: "roles",
    }],
    declare: Some(super::declare::roles),
    extra_keys: &[],
};
