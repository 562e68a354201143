//! Declaring credential delivery: `credentials_dir` and `wrap_ttl` of an
//! `[approles.NAME]` (read by the AppRole's declaration).

use super::model::DesiredCredentials;
use crate::kinds::contract::Declare;
use crate::kinds::declare::Val;
use crate::kinds::fields::FieldValue;
use crate::model::{Address, Kind};
use std::ops::Range;

/// Where the AppRole `<mount>/<name>` declared in `v` delivers its credentials.
pub fn credentials(cx: &mut Declare<'_, '_>, mount: &str, name: &str, span: Range<usize>, v: &Val<'_>) {
    let Some(t) = v.get_ref().as_table() else {
        return;
    };
    let wrap_ttl = match t.get("wrap_ttl") {
        Some(w) => match cx.w.duration(w, "wrap_ttl") {
            Some(FieldValue::Duration(s, _)) => Some(s),
            _ => return,
        },
        None => None,
    };
    let Some(dv) = t.get("credentials_dir") else {
        if let Some(w) = t.get("wrap_ttl") {
            cx.w.problem(
                "vaultform::manifest::missing_key",
                w.span(),
                "wrap_ttl needs credentials_dir",
                "nowhere to deliver",
                "add credentials_dir = \"/vault/approle/<service>\"",
            );
        }
        return;
    };
    let Some(dir) = cx.w.string(dv, "credentials_dir") else {
        return;
    };
    if name != name.to_lowercase() {
        return; // reported by role()
    }
    let key = format!("{mount}/{name}");
    cx.desired
        .origins
        .insert(Address::new(Kind::CREDENTIALS, key.clone()), span);
    cx.desired.items.insert(
        Kind::CREDENTIALS,
        key,
        DesiredCredentials {
            mount: mount.to_string(),
            role: name.to_string(),
            dir: cx.desired.base_dir.join(dir),
            wrap_ttl,
        },
    );
}

