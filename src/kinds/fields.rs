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
    /// An integer.
    Int,
    /// A boolean.
    Bool,
    /// A string.
    Str,
    /// A list of strings, compared as a set.
    List,
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
}

impl FieldValue {
    /// The JSON sent to Vault.
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Duration(s, _) => Value::from(*s),
            FieldValue::Int(i) => Value::from(*i),
            FieldValue::Bool(b) => Value::from(*b),
            FieldValue::Str(s) => Value::from(s.clone()),
            FieldValue::List(l) => Value::from(l.clone()),
        }
    }

    /// How the value is shown in a plan: durations as written, lists as `[a, b]`.
    pub fn display(&self) -> String {
        match self {
            FieldValue::Duration(_, text) => text.clone(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Str(s) => s.clone(),
            FieldValue::List(l) => display_list(l),
        }
    }

    /// Whether the live JSON value means the same as this desired value.
    pub fn matches(&self, live: Option<&Value>) -> bool {
        match self {
            FieldValue::Duration(s, _) => live_seconds(live) == Some(*s),
            FieldValue::Int(i) => live.and_then(Value::as_i64) == Some(*i),
            FieldValue::Bool(b) => live.and_then(Value::as_bool).unwrap_or(false) == *b,
            FieldValue::Str(s) => live.and_then(Value::as_str).unwrap_or("") == s,
            FieldValue::List(l) => {
                let mut want: Vec<String> = l.clone();
                want.sort();
                want.dedup();
                live_list(live) == want
            }
        }
    }
}

/// How a live value is shown in a plan, in the same style as the desired one.
pub fn display_live(ty: FieldType, live: Option<&Value>) -> String {
    match ty {
        FieldType::Duration => match live_seconds(live) {
            Some(s) => duration::format(s),
            None => "(unset)".to_string(),
        },
        FieldType::List => display_list(&live_list(live)),
        FieldType::Str => match live.and_then(Value::as_str) {
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

/// A live list normalised: `null` and missing are empty, a comma string is split,
/// sorted and deduplicated.
pub fn live_list(live: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = match live {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
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
    fn live_durations_display_like_manifest_values() {
        assert_eq!(display_live(FieldType::Duration, Some(&json!(7200))), "2h");
    }
}
