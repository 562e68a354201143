//! Plain data for mounts and auth methods ("backends").

use crate::kinds::fields::FieldValue;
use serde_json::Value;
use std::collections::BTreeMap;

/// A secrets engine or auth method as the manifest wants it. Fields left
/// `None` are not managed: whatever the server has is fine.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredBackend {
    /// Path without the trailing slash.
    pub path: String,
    /// Plugin type (`kv`, `approle`, ...).
    pub type_name: String,
    /// Description.
    pub description: Option<String>,
    /// Plugin options (`version = "2"` for KV v2).
    pub options: BTreeMap<String, String>,
    /// Tunable config: `default_lease_ttl`, `max_lease_ttl`, `token_type`, ...
    pub config: BTreeMap<String, FieldValue>,
    /// `local` (set at creation only).
    pub local: Option<bool>,
    /// `seal_wrap` (set at creation only).
    pub seal_wrap: Option<bool>,
}

impl DesiredBackend {
    /// Whether this is a KV version 2 mount.
    pub fn is_kv2(&self) -> bool {
        is_kv2(&self.type_name, &self.options)
    }
}

/// Whether a type and options describe KV version 2.
pub fn is_kv2(type_name: &str, options: &BTreeMap<String, String>) -> bool {
    type_name == "kv-v2"
        || (type_name == "kv" && options.get("version").map(String::as_str) == Some("2"))
}

/// A mount or auth method as the server has it (from `sys/mounts` / `sys/auth`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveBackend {
    /// Plugin type.
    pub type_name: String,
    /// Description.
    pub description: String,
    /// Options (`null` is read as empty).
    pub options: BTreeMap<String, String>,
    /// Stored config (TTLs in seconds, 0 = inherit).
    pub config: BTreeMap<String, Value>,
    /// `local`.
    pub local: bool,
    /// `seal_wrap`.
    pub seal_wrap: bool,
}

impl LiveBackend {
    /// Whether this is a KV version 2 mount.
    pub fn is_kv2(&self) -> bool {
        is_kv2(&self.type_name, &self.options)
    }

    /// Parses one entry of `sys/mounts` or `sys/auth` `.data`.
    pub fn from_json(v: &Value) -> Self {
        let str_map = |v: &Value| -> BTreeMap<String, String> {
            v.as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let s = v.as_str().map(str::to_string).unwrap_or(v.to_string());
                            (k.clone(), s)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        LiveBackend {
            type_name: v["type"].as_str().unwrap_or_default().to_string(),
            description: v["description"].as_str().unwrap_or_default().to_string(),
            options: str_map(&v["options"]),
            config: v["config"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            local: v["local"].as_bool().unwrap_or(false),
            seal_wrap: v["seal_wrap"].as_bool().unwrap_or(false),
        }
    }
}
