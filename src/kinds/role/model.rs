//! Plain data for auth roles, and the fields each method knows.

use crate::kinds::Kind;
use crate::kinds::fields::{FieldType, FieldValue};
use serde_json::Value;
use std::collections::BTreeMap;

const TOKEN_FIELDS: &[(&str, FieldType)] = &[
    ("token_policies", FieldType::List),
    ("token_ttl", FieldType::Duration),
    ("token_max_ttl", FieldType::Duration),
    ("token_explicit_max_ttl", FieldType::Duration),
    ("token_period", FieldType::Duration),
    ("token_num_uses", FieldType::Int),
    ("token_no_default_policy", FieldType::Bool),
    ("token_bound_cidrs", FieldType::List),
    ("token_type", FieldType::Str),
];

const APPROLE_FIELDS: &[(&str, FieldType)] = &[
    ("bind_secret_id", FieldType::Bool),
    ("secret_id_ttl", FieldType::Duration),
    ("secret_id_num_uses", FieldType::Int),
    ("secret_id_bound_cidrs", FieldType::List),
    ("local_secret_ids", FieldType::Bool),
];

const KUBERNETES_FIELDS: &[(&str, FieldType)] = &[
    ("bound_service_account_names", FieldType::List),
    ("bound_service_account_namespaces", FieldType::List),
    ("bound_service_account_namespace_selector", FieldType::Str),
    ("audience", FieldType::Str),
    ("alias_name_source", FieldType::Str),
];

/// The type of a role field for a method, or `None` if the method has no such field.
pub fn field_type(kind: Kind, field: &str) -> Option<FieldType> {
    let extra = match kind {
        Kind::Approle => APPROLE_FIELDS,
        Kind::KubernetesRole => KUBERNETES_FIELDS,
        _ => return None,
    };
    TOKEN_FIELDS
        .iter()
        .chain(extra)
        .find(|(name, _)| *name == field)
        .map(|(_, ty)| *ty)
}

/// Every field name a method knows, for "valid choices" help.
pub fn field_names(kind: Kind) -> Vec<&'static str> {
    let extra = match kind {
        Kind::Approle => APPROLE_FIELDS,
        Kind::KubernetesRole => KUBERNETES_FIELDS,
        _ => &[],
    };
    TOKEN_FIELDS.iter().chain(extra).map(|(n, _)| *n).collect()
}

/// A role as the manifest wants it.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredRole {
    /// `Kind::Approle` or `Kind::KubernetesRole`.
    pub kind: Kind,
    /// Auth mount path.
    pub mount: String,
    /// Role name, lower-case.
    pub name: String,
    /// Managed fields.
    pub fields: BTreeMap<String, FieldValue>,
}

impl DesiredRole {
    /// `<mount>/<name>`, the role's name in its address.
    pub fn key(&self) -> String {
        format!("{}/{}", self.mount, self.name)
    }

    /// The policies the role grants.
    pub fn policies(&self) -> Vec<String> {
        match self.fields.get("token_policies") {
            Some(FieldValue::List(l)) => l.clone(),
            _ => Vec::new(),
        }
    }
}

/// A role as the server returns it (`.data`).
pub type LiveRole = BTreeMap<String, Value>;
