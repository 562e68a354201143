//! `[secrets."MOUNT/PATH"]`: KV v2 secrets, each key's value from its source.

use super::model::DesiredSecret;
use crate::kinds::contract::Declare;
use crate::kinds::declare::Val;
use crate::model::{Address, Kind};
use crate::names;
use std::collections::BTreeMap;

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
        for (kk, kv) in st.iter() {
            if let Some(val) = cx.sources.secret_value(cx.w, cx.desired, kk.get_ref(), kv) {
                keys.insert(kk.get_ref().to_string(), val);
            }
        }
        if !cx.claim(Address::new(Kind::KV, full.clone()), k.span()) {
            continue;
        }
        let secret = DesiredSecret::new(mount, path, keys);
        cx.desired.items.insert(Kind::KV, full, secret);
    }
}

