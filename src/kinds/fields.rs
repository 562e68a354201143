//! Typed fields of mounts, auth methods and roles, and how each compares with
//! the JSON Vault returns (TTLs as integer seconds, lists that may be `null`,
//! comma strings).
//!
//! Pure; no I/O.

use crate::duration;
use serde_json::Value;

/// The type a known field must have in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A duration: `"1h"` or integer seconds; Vault returns seconds.
    Duration,
    /// An integer, 0 or more (counts such as `token_num_uses`).
    Int,
    /// A boolean.
    Bool,
    /// A string.
    Str,
    /// A list of strings, compared as a set (items trimmed, as the server does).
    List,
    /// A list of strings in order (SQL statements), each trimmed as the server
    /// stores it; a single string is a list of one (the server does not split
    /// it at commas or semicolons).
    Seq,
    /// A list of CIDR blocks or addresses, compared in canonical form: the
    /// server stores `127.0.0.1/32` as `127.0.0.1` in some fields and keeps it
    /// in others, and rewrites IPv6 text.
    Cidrs,
    /// One of a fixed set of strings: `(accepted, stored)` pairs, for fields the
    /// server normalises (an AppRole stores `default-service` as `service`).
    Choice(&'static [(&'static str, &'static str)]),
    /// A table of values (JWT `bound_claims`, `claim_mappings`), compared as
    /// JSON with the server's object (a missing or `null` one is empty).
    Object,
    /// A secret the server never returns (a userpass password): from a value
    /// source, compared through the keyed fingerprint of the value last
    /// written ([`crate::model::WriteOnly`]), never shown.
    WriteOnly,
}

/// A field value from the manifest, already checked against its type.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// Seconds, and the text the user wrote (shown in plans).
    Duration(u64, String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// A list of strings.
    List(Vec<String>),
    /// Strings in order.
    Seq(Vec<String>),
    /// CIDR blocks in canonical form ([`canonical_cidr`]).
    Cidrs(Vec<String>),
    /// A JSON object.
    Object(serde_json::Map<String, Value>),
    /// A write-only secret.
    WriteOnly(crate::secret::Secret),
}

impl FieldValue {
    /// The JSON sent to Vault.
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Duration(s, _) => Value::from(*s),
            FieldValue::Int(i) => Value::from(*i),
            FieldValue::Bool(b) => Value::from(*b),
            FieldValue::Str(s) => Value::from(s.clone()),
            FieldValue::List(l) | FieldValue::Cidrs(l) | FieldValue::Seq(l) => {
                Value::from(l.clone())
            }
            FieldValue::Object(m) => Value::Object(m.clone()),
            FieldValue::WriteOnly(s) => s.expose().clone(),
        }
    }

    /// How the value of field `name` is shown in a plan: durations as
    /// written (a zero lease or token TTL as "(system default)"), lists as
    /// `[a, b]`.
    pub fn display(&self, name: &str) -> String {
        match self {
            FieldValue::Duration(0, _) if duration::zero_is_default(name) => {
                duration::SYSTEM_DEFAULT.to_string()
            }
            FieldValue::Duration(_, text) => text.clone(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Str(s) => s.clone(),
            FieldValue::List(l) | FieldValue::Cidrs(l) | FieldValue::Seq(l) => display_list(l),
            FieldValue::Object(m) => Value::Object(m.clone()).to_string(),
            FieldValue::WriteOnly(_) => "(write-only)".to_string(),
        }
    }

    /// Whether the live JSON value means the same as this desired value.
    pub fn matches(&self, live: Option<&Value>) -> bool {
        match self {
            FieldValue::Duration(s, _) => live_seconds(live) == Some(*s),
            // A number written by the CLI (or another tool) is stored as
            // text in free-form objects such as a database connection's
            // `connection_details` (measured): "4" is 4 and "true" is true.
            FieldValue::Int(i) => live_int(live) == Some(*i),
            FieldValue::Bool(b) => live_bool(live).unwrap_or(false) == *b,
            FieldValue::Str(s) => live.and_then(Value::as_str).unwrap_or("") == s,
            FieldValue::List(l) => {
                let mut want: Vec<String> = l.iter().map(|s| s.trim().to_string()).collect();
                want.sort();
                want.dedup();
                live_list(live) == want
            }
            FieldValue::Seq(l) => live_seq(live) == *l,
            FieldValue::Cidrs(l) => {
                let canon = |items: Vec<String>| {
                    let mut out: Vec<String> = items
                        .into_iter()
                        .map(|s| canonical_cidr(&s).unwrap_or(s))
                        .collect();
                    out.sort();
                    out.dedup();
                    out
                };
                canon(live_list(live)) == canon(l.clone())
            }
            FieldValue::Object(m) => match live {
                Some(Value::Object(l)) => l == m,
                None | Some(Value::Null) => m.is_empty(),
                Some(_) => false,
            },
            // Never compared with the server (which does not return it).
            FieldValue::WriteOnly(_) => true,
        }
    }

    /// The field type this value belongs to, for showing the live value.
    pub fn field_type(&self) -> FieldType {
        match self {
            FieldValue::Duration(..) => FieldType::Duration,
            FieldValue::Int(_) => FieldType::Int,
            FieldValue::Bool(_) => FieldType::Bool,
            FieldValue::Str(_) => FieldType::Str,
            FieldValue::List(_) => FieldType::List,
            FieldValue::Seq(_) => FieldType::Seq,
            FieldValue::Cidrs(_) => FieldType::Cidrs,
            FieldValue::Object(_) => FieldType::Object,
            FieldValue::WriteOnly(_) => FieldType::WriteOnly,
        }
    }
}

impl FieldType {
    /// The JSON Schema of a value of this type in the manifest (for
    /// `vaultform schema`; `#/definitions/...` are [`schema_definitions`]).
    pub fn schema(self) -> Value {
        let strings = serde_json::json!({
            "anyOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string", "description": "comma-separated"}
            ]
        });
        match self {
            FieldType::Duration => serde_json::json!({"$ref": "#/definitions/duration"}),
            FieldType::Int => serde_json::json!({"type": "integer", "minimum": 0}),
            FieldType::Bool => serde_json::json!({"type": "boolean"}),
            FieldType::Str => serde_json::json!({"type": "string"}),
            FieldType::List | FieldType::Cidrs => strings,
            FieldType::Seq => serde_json::json!({
                "anyOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "string"}
                ]
            }),
            FieldType::Choice(pairs) => {
                let names: Vec<&str> = pairs.iter().map(|(accepted, _)| *accepted).collect();
                serde_json::json!({"type": "string", "enum": names})
            }
            FieldType::Object => serde_json::json!({"type": "object"}),
            FieldType::WriteOnly => serde_json::json!({"$ref": "#/definitions/value_source"}),
        }
    }
}

/// The definitions [`FieldType::schema`] refers to: `duration` (the forms
/// [`crate::duration::parse`] accepts) and `value_source` (a literal, or one
/// of `{ env }`, `{ file }`, `{ generate }`, `{ external }`).
pub fn schema_definitions() -> Value {
    let number = r"([0-9]+(\.[0-9]*)?|\.[0-9]+)";
    let unit = "(ns|us|µs|μs|ms|s|m|h|d)";
    let duration = format!(r"^\s*([0-9]+|({number}{unit})+)\s*$");
    let source = |key: &str, value: Value| {
        serde_json::json!({
            "type": "object",
            "properties": {key: value},
            "required": [key],
            "additionalProperties": false
        })
    };
    serde_json::json!({
        "duration": {
            "description": "A duration: integer seconds, or \"90s\", \"30m\", \"1.5h\", \"7d\", \"1h30m\", \"500ms\" (Vault counts TTLs in whole seconds)",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": duration}
            ]
        },
        "value_source": {
            "description": "A value: a literal, { env = \"VAR\" }, { file = \"path\" }, { generate = { length = N } }, { external = true } or { value = ..., sensitive = true }",
            "anyOf": [
                {"type": ["string", "number", "boolean"]},
                source("env", serde_json::json!({"type": "string"})),
                source("file", serde_json::json!({"type": "string"})),
                source("generate", serde_json::json!({
                    "type": "object",
                    "properties": {"length": {
                        "type": "integer",
                        "minimum": crate::kinds::kv::GENERATE_MIN,
                        "maximum": crate::kinds::kv::GENERATE_MAX
                    }},
                    "additionalProperties": false
                })),
                source("external", serde_json::json!({"const": true})),
                serde_json::json!({
                    "type": "object",
                    "description": "A literal; shown in plans unless the key looks secret or sensitive = true",
                    "properties": {
                        "value": {"type": ["string", "number", "boolean"]},
                        "sensitive": {"type": "boolean"}
                    },
                    "required": ["value"],
                    "additionalProperties": false
                })
            ]
        }
    })
}

/// A CIDR block or address in the one form vaultform compares and sends:
/// `address/prefix`, the address as Rust prints it (RFC 5952 for IPv6,
/// lower case, zeros compressed), an IPv4-mapped IPv6 address as IPv4, and a
/// bare address as a full-length block (`127.0.0.1` -> `127.0.0.1/32`).
/// `None` when it is not an address or block (the server would store such
/// text as a Unix socket address, measured, and then never match).
pub fn canonical_cidr(text: &str) -> Option<String> {
    use std::net::IpAddr;
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 3 {
                return None;
            }
            (a, Some(p.parse::<u8>().ok()?))
        }
        None => (text, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let (ip, max, prefix) = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => match prefix {
                Some(p) if p < 96 => return None,
                Some(p) => (IpAddr::V4(v4), 32, Some(p - 96)),
                None => (IpAddr::V4(v4), 32, None),
            },
            None => (ip, 128, prefix),
        },
        IpAddr::V4(_) => (ip, 32, prefix),
    };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then(|| format!("{ip}/{prefix}"))
}

/// How the live value of field `name` is shown in a plan, in the same style
/// as the desired one.
pub fn display_live(name: &str, ty: FieldType, live: Option<&Value>) -> String {
    match ty {
        FieldType::Duration => match live_seconds(live) {
            Some(0) if duration::zero_is_default(name) => duration::SYSTEM_DEFAULT.to_string(),
            Some(s) => duration::format(s),
            None => "(unset)".to_string(),
        },
        FieldType::List | FieldType::Cidrs => display_list(&live_list(live)),
        FieldType::Seq => display_list(&live_seq(live)),
        FieldType::WriteOnly => "(write-only)".to_string(),
        FieldType::Object => match live {
            Some(Value::Object(m)) => Value::Object(m.clone()).to_string(),
            _ => "{}".to_string(),
        },
        FieldType::Str | FieldType::Choice(_) => match live.and_then(Value::as_str) {
            Some(s) => s.to_string(),
            None => "(unset)".to_string(),
        },
        _ => match live {
            Some(Value::Null) | None => "(unset)".to_string(),
            Some(v) => v.to_string(),
        },
    }
}

fn display_list(l: &[String]) -> String {
    format!("[{}]", l.join(", "))
}

/// Seconds from a live TTL: an integer, or a duration string.
fn live_seconds(live: Option<&Value>) -> Option<u64> {
    match live? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => duration::parse(s),
        _ => None,
    }
}

fn live_int(live: Option<&Value>) -> Option<i64> {
    match live? {
        Value::String(s) => s.trim().parse().ok(),
        v => v.as_i64(),
    }
}

fn live_bool(live: Option<&Value>) -> Option<bool> {
    match live? {
        Value::String(s) => s.trim().parse().ok(),
        v => v.as_bool(),
    }
}

/// A live ordered list: `null` and missing are empty, a string is one item;
/// items trimmed, order kept.
fn live_seq(live: Option<&Value>) -> Vec<String> {
    match live {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        _ => Vec::new(),
    }
}

/// A live list normalised: `null` and missing are empty, a comma string is split,
/// sorted and deduplicated.
pub fn live_list(live: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = match live {
        // Items trimmed: the server trims list items (and PEM blocks) it stores.
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_compare_with_integer_seconds() {
        let d = FieldValue::Duration(3600, "1h".into());
        assert!(d.matches(Some(&json!(3600))));
        assert!(!d.matches(Some(&json!(7200))));
        assert!(!d.matches(None));
    }

    #[test]
    fn lists_compare_as_sets_and_null_is_empty() {
        let l = FieldValue::List(vec!["b".into(), "a".into()]);
        assert!(l.matches(Some(&json!(["a", "b"]))));
        assert!(l.matches(Some(&json!("b,a"))));
        assert!(FieldValue::List(vec![]).matches(Some(&Value::Null)));
        assert!(!l.matches(Some(&json!(["a"]))));
    }

    #[test]
    fn cidrs_compare_in_the_form_the_server_stores() {
        // Measured on OpenBao 2.7.2: token_bound_cidrs stores 127.0.0.1/32 as
        // 127.0.0.1 and ::ffff:1.2.3.4 as 1.2.3.4; secret_id_bound_cidrs keeps text.
        let c = |s: &str| canonical_cidr(s);
        assert_eq!(c("127.0.0.1/32").as_deref(), Some("127.0.0.1/32"));
        assert_eq!(c("127.0.0.1"), c("127.0.0.1/32"));
        assert_eq!(c("::1"), c("::1/128"));
        assert_eq!(c("2001:DB8::/32"), c("2001:db8::/32"));
        assert_eq!(c("2001:0db8:0000::/32"), c("2001:db8::/32"));
        assert_eq!(c("::ffff:1.2.3.4"), c("1.2.3.4"));
        assert_eq!(c(" 10.0.0.0/8").as_deref(), Some("10.0.0.0/8"));
        for bad in [
            "999.1.1.1/99",
            "10.0.0.0/33",
            "010.0.0.1",
            "::1/129",
            "/tmp/sock",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "x",
        ] {
            assert_eq!(c(bad), None, "{bad}");
        }
        let want = FieldValue::Cidrs(vec!["127.0.0.1/32".into(), "::1/128".into()]);
        assert!(want.matches(Some(&json!(["127.0.0.1", "::1"]))));
        assert!(want.matches(Some(&json!(["::1/128", "127.0.0.1/32", "127.0.0.1"]))));
        assert!(!want.matches(Some(&json!(["127.0.0.1"]))));
    }

    #[test]
    fn sequences_keep_their_order_and_a_string_is_one_item() {
        let s = FieldValue::Seq(vec!["select 1;".into(), "select 2".into()]);
        assert!(s.matches(Some(&json!(["select 1;", "select 2"]))));
        assert!(!s.matches(Some(&json!(["select 2", "select 1;"]))));
        assert!(FieldValue::Seq(vec!["a, b".into()]).matches(Some(&json!("a, b"))));
        assert!(FieldValue::Seq(vec![]).matches(Some(&Value::Null)));
        assert!(FieldValue::Seq(vec![]).matches(Some(&json!([]))));
    }

    #[test]
    fn numbers_and_booleans_stored_as_text_match() {
        assert!(FieldValue::Int(4).matches(Some(&json!("4"))));
        assert!(FieldValue::Int(4).matches(Some(&json!(4))));
        assert!(!FieldValue::Int(4).matches(Some(&json!("5"))));
        assert!(FieldValue::Bool(true).matches(Some(&json!("true"))));
        assert!(!FieldValue::Bool(true).matches(Some(&json!("no"))));
    }

    #[test]
    fn live_durations_display_like_manifest_values() {
        let live = |name, v: Value| display_live(name, FieldType::Duration, Some(&v));
        assert_eq!(live("token_ttl", json!(7200)), "2h");
        assert_eq!(live("token_ttl", json!(0)), "(system default)");
        // 0 is "never expires" here, not a default.
        assert_eq!(live("secret_id_ttl", json!(0)), "0s");
        let zero = FieldValue::Duration(0, "0".into());
        assert_eq!(zero.display("max_ttl"), "(system default)");
        assert_eq!(zero.display("token_period"), "0");
    }

    #[test]
    fn fractional_durations_compare_in_whole_seconds_as_vault_stores_them() {
        let d = FieldValue::Duration(crate::duration::parse("1.5h").unwrap(), "1.5h".into());
        assert!(d.matches(Some(&json!(5400))));
    }
}
