//! Plain data for auth roles, and the fields each method knows.

use crate::kinds::fields::FieldType;
use crate::kinds::table::{DesiredFields, LiveFields};

/// The token fields every auth method's roles share.
pub const TOKEN_FIELDS: &[(&str, FieldType)] = &[
    ("token_policies", FieldType::List),
    ("token_ttl", FieldType::Duration),
    ("token_max_ttl", FieldType::Duration),
    ("token_explicit_max_ttl", FieldType::Duration),
    ("token_period", FieldType::Duration),
    ("token_num_uses", FieldType::Int),
    ("token_no_default_policy", FieldType::Bool),
    ("token_bound_cidrs", FieldType::Cidrs),
];

/// `token_type` of an AppRole role: the server stores `default-service` as
/// `service` and `default-batch` as `batch` (measured on OpenBao 2.7.2).
pub const APPROLE_TOKEN_TYPES: &[(&str, &str)] = &[
    ("service", "service"),
    ("batch", "batch"),
    ("default", "default"),
    ("default-service", "service"),
    ("default-batch", "batch"),
];

/// `token_type` of a Kubernetes role (`default-service` is refused there).
pub const KUBERNETES_TOKEN_TYPES: &[(&str, &str)] = &[
    ("service", "service"),
    ("batch", "batch"),
    ("default", "default"),
];

/// `token_type` of an auth method's tune (`default` is refused there).
pub const MOUNT_TOKEN_TYPES: &[(&str, &str)] = &[
    ("service", "service"),
    ("batch", "batch"),
    ("default-service", "default-service"),
    ("default-batch", "default-batch"),
];

pub(super) const APPROLE_FIELDS: &[(&str, FieldType)] = &[
    ("bind_secret_id", FieldType::Bool),
    ("secret_id_ttl", FieldType::Duration),
    ("secret_id_num_uses", FieldType::Int),
    ("secret_id_bound_cidrs", FieldType::Cidrs),
    ("local_secret_ids", FieldType::Bool),
    ("token_type", FieldType::Choice(APPROLE_TOKEN_TYPES)),
];

pub(super) const KUBERNETES_FIELDS: &[(&str, FieldType)] = &[
    ("bound_service_account_names", FieldType::List),
    ("bound_service_account_namespaces", FieldType::List),
    ("bound_service_account_namespace_selector", FieldType::Str),
    ("audience", FieldType::Str),
    (
        "alias_name_source",
        FieldType::Choice(&[
            ("serviceaccount_uid", "serviceaccount_uid"),
            ("serviceaccount_name", "serviceaccount_name"),
        ]),
    ),
    ("token_type", FieldType::Choice(KUBERNETES_TOKEN_TYPES)),
];

/// A role as the manifest wants it: a [`DesiredFields`] of the role's kind.
pub type DesiredRole = DesiredFields;

/// A role as the server returns it (`.data`).
pub type LiveRole = LiveFields;
