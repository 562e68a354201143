//! `[secrets."MOUNT/PATH"]`: KV v2 secrets, each key's value from its source.

use super::model::DesiredSecret;
use crate::kinds::contract::Declare;
use crate::kinds::declare::Val;
use crate::model::{Address, Kind};
use crate::names;
use std::collections::BTreeMap;
use crate::toml_tree::Value;

/// Reads `[secrets]`.
pub fn secrets(cx: &mut Declare<'_, '_>, v: &Val<'_>) {
    let Some(t) = cx.w.table(v, "[secrets]") else {
        return;
    };
    for (k, sv) in t.iter() {
        let full = k.get_ref().to_string();
        if !cx.w.check_name(&full, k.span(), "secret path", names::path) {
            continue;
        }
        let mount = crate::kinds::mount::longest_mount(cx.desired.items.names(Kind::MOUNT), &full)
            .or_else(|| full.split_once('/').map(|(m, _)| m.to_string()));
        let Some(mount) = mount else {
            cx.w.problem(
                "vaultform::manifest::bad_path",
                k.span(),
                format!("secret path `{full}` names no mount"),
                "no mount",
                "write [secrets.\"<mount>/<path>\"], e.g. [secrets.\"secret/user_db\"]",
            );
            continue;
        };
        let path = full[mount.len() + 1..].to_string();
        let what = format!("[secrets.\"{full}\"]");
        let Some(st) = cx.w.table(sv, &what) else {
            continue;
        };
        let mut keys = BTreeMap::new();
        let mut shown = std::collections::BTreeSet::new();
        for (kk, kv) in st.iter() {
            let key = kk.get_ref().as_ref();
            if let Some(val) = cx.sources.secret_value(cx.w, cx.desired, key, kv) {
                if shows(key, kv) {
                    shown.insert(key.to_string());
                }
                keys.insert(key.to_string(), val);
            }
        }
        if !cx.claim(Address::new(Kind::KV, full.clone()), k.span()) {
            continue;
        }
        let mut secret = DesiredSecret::new(mount, path, keys);
        secret.shown = shown;
        cx.desired.items.insert(Kind::KV, full, secret);
    }
}


/// Whether a plan may show the value of `key` declared as `v`: a literal
/// (`"debug"`, `8080`, or `{ value = ... }`) under a key that may be shown
/// ([`super::model::may_show`]), or one marked `sensitive = false`.
fn shows(key: &str, v: &Val<'_>) -> bool {
    match v.get_ref() {
        Value::String(_) | Value::Integer(_) | Value::Float(_) | Value::Boolean(_) => {
            super::model::may_show(key)
        }
        Value::Table(t) if t.contains_key("value") => match t.get("sensitive").map(|s| s.get_ref()) {
            Some(Value::Boolean(sensitive)) => !sensitive,
            _ => super::model::may_show(key),
        },
        _ => false,
    }
}
