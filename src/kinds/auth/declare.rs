//! `[auth.PATH.config]`: an auth method's configuration. Values are literals
//! (any TOML value, such as JWT's `provider_config` table) or `{ env }` /
//! `{ file }` sources; a literal under a key the method treats as secret gets
//! a warning.

use super::model::{DesiredAuthConfig, SENSITIVE_KEYS, is_sensitive};
use crate::kinds::contract::Declare;
use crate::kinds::declare::Val;
use crate::kinds::kv::DesiredValue;
use crate::model::{Address, Kind};
use crate::secret::Secret;
use std::collections::BTreeMap;
use crate::toml_tree::Value;

/// Reads the `config` table of `[auth.PATH]`.
pub fn config(cx: &mut Declare<'_, '_>, cv: &Val<'_>) {
    let Some(ct) = cx.w.table(cv, "config") else {
        return;
    };
    let type_name = cx.parent_type.to_string();
    let mut values = BTreeMap::new();
    for (ck, cval) in ct.iter() {
        let key = ck.get_ref().to_string();
        if let Some(v) = value(cx, &type_name, &key, cval) {
            values.insert(key, v);
        }
    }
    let path = cx.parent.to_string();
    let addr = Address::new(Kind::AUTH_CONFIG, path.clone());
    cx.desired.origins.insert(addr, cv.span());
    let config = DesiredAuthConfig {
        path: path.clone(),
        type_name,
        values,
    };
    cx.desired.items.insert(Kind::AUTH_CONFIG, path, config);
}

/// One value of the config: a literal, or `{ env = ... }` / `{ file = ... }`
/// (a table with exactly one of those keys; any other table is a literal
/// object, such as JWT's `provider_config`).
fn value(cx: &mut Declare<'_, '_>, type_name: &str, key: &str, v: &Val<'_>) -> Option<Secret> {
    let sensitive = is_sensitive(type_name, key);
    if let Value::Table(t) = v.get_ref()
        && t.len() == 1
        && t.iter()
            .all(|(k, _)| matches!(k.get_ref().as_ref(), "env" | "file"))
    {
        return match cx.sources.secret_value(cx.w, cx.desired, key, v)? {
            DesiredValue::Value(s) => Some(s),
            _ => None,
        };
    }
    let json = cx.w.json(v, "config value")?;
    if sensitive && SENSITIVE_KEYS.iter().any(|(t, _)| *t == type_name) {
        let (line, col) = crate::diag::line_col(cx.desired.source.inner(), v.span().start);
        cx.desired.warnings.push(format!(
            "{}:{line}:{col}: config key `{key}` of a `{type_name}` auth method is a secret but is a literal in the manifest; use {{ env = \"...\" }} or {{ file = \"...\" }}",
            cx.desired.source.name()
        ));
    }
    Some(Secret::new(json))
}
