//! Declaring auth roles: `[approles.NAME]` (on the `approle` mount unless
//! `mount` says otherwise, with credential delivery) and
//! `[auth.MOUNT.roles.NAME]` (AppRole or Kubernetes, by the method's type),
//! with the rules the server enforces only at write time checked here.

use super::model::DesiredRole;
use crate::diag::line_col;
use crate::kinds::contract::Declare;
use crate::kinds::declare::Val;
use crate::kinds::fields::{FieldType, FieldValue};
use crate::kinds::table::TableKind;
use crate::model::{Address, Kind};
use crate::names;
use std::collections::BTreeMap;
use std::ops::Range;

/// The keys of `[approles.NAME]` besides the role's fields: its auth
/// method, and where and how its credentials are delivered.
pub const APPROLE_KEYS: &[(&str, FieldType)] = &[
    ("mount", FieldType::Str),
    ("credentials_dir", FieldType::Str),
    ("wrap_ttl", FieldType::Duration),
];

/// Reads `[approles]` (`cx.parent` empty) or the `roles` table of
/// `[auth.MOUNT]` (`cx.parent` = the mount) for the role kind `table`.
pub fn roles(table: &TableKind, cx: &mut Declare<'_, '_>, v: &Val<'_>) {
    if cx.parent.is_empty() {
        let Some(t) = cx.w.table(v, "[approles]") else {
            return;
        };
        for (k, rv) in t.iter() {
            let mount = match rv.get_ref().as_table().and_then(|rt| rt.get("mount")) {
                Some(mv) => match cx.w.string(mv, "mount") {
                    Some(m) if cx.w.check_name(&m, mv.span(), "mount", names::path) => m,
                    _ => continue,
                },
                None => "approle".to_string(),
            };
            role(table, cx, &mount, k.get_ref(), k.span(), rv, table.extra_keys);
            crate::kinds::credentials::declare::credentials(cx, &mount, k.get_ref(), k.span(), rv);
        }
    } else {
        let Some(rt) = cx.w.table(v, "roles") else {
            return;
        };
        let mount = cx.parent.to_string();
        for (rk, rval) in rt.iter() {
            role(table, cx, &mount, rk.get_ref(), rk.span(), rval, &[]);
        }
    }
}

fn role(
    table: &TableKind,
    cx: &mut Declare<'_, '_>,
    mount: &str,
    name: &str,
    span: Range<usize>,
    v: &Val<'_>,
    extra_keys: &[(&'static str, FieldType)],
) {
    let kind = table.kind;
    let what = if kind == Kind::APPROLE {
        format!("[approles.{name}]")
    } else {
        format!("[auth.{mount}.roles.{name}]")
    };
    if has_upper_case(name) {
        cx.w.problem(
            "vaultform::manifest::upper_case",
            span.clone(),
            format!("role name `{name}` has upper-case letters; Vault lower-cases role names"),
            "upper-case",
            format!("write `{}`", name.to_lowercase()),
        );
        return;
    }
    if !cx.w.check_name(name, span.clone(), "role name", names::role_name) {
        return;
    }
    let Some(t) = cx.w.table(v, &what) else {
        return;
    };
    cx.w.only_known_keys(
        t,
        &what,
        |k| table.field_type(k).is_some() || extra_keys.iter().any(|(e, _)| *e == k),
        || {
            let mut allowed = table.field_names();
            allowed.extend(extra_keys.iter().map(|(k, _)| *k));
            allowed
        },
    );
    let mut fields = BTreeMap::new();
    let key = format!("{mount}/{name}");
    for (fk, fv) in t.iter() {
        let fname = fk.get_ref().as_ref();
        let Some(ty) = table.field_type(fname) else {
            continue;
        };
        if fname == "token_policies" {
            let Some(list) = cx.w.string_list(fv, fname) else {
                continue;
            };
            for (p, pspan) in &list {
                cx.sources.policy_ref(what.clone(), p.clone(), pspan.clone());
            }
            fields.insert(
                fname.to_string(),
                FieldValue::List(list.into_iter().map(|(p, _)| p.to_lowercase()).collect()),
            );
            continue;
        }
        if let Some(val) = cx.w.field(fv, fname, ty) {
            fields.insert(fname.to_string(), val);
        }
    }
    if let (Some(FieldValue::Duration(a, _)), Some(FieldValue::Duration(b, _))) =
        (fields.get("token_ttl"), fields.get("token_max_ttl"))
        && a > b
        && *b != 0
    {
        let s = t.get("token_ttl").map(|v| v.span()).unwrap_or(span.clone());
        cx.w.problem(
            "vaultform::manifest::ttl_order",
            s,
            "token_ttl is longer than token_max_ttl",
            "longer than the maximum",
            "make token_ttl at most token_max_ttl (Vault rejects the role otherwise)",
        );
    }
    // Rules the server enforces only at write time (measured: 500 and 400).
    let empty = |f: Option<&FieldValue>| match f {
        Some(FieldValue::List(l) | FieldValue::Cidrs(l)) => l.is_empty(),
        _ => true,
    };
    if kind == Kind::APPROLE
        && fields.get("bind_secret_id") == Some(&FieldValue::Bool(false))
        && empty(fields.get("secret_id_bound_cidrs"))
        && empty(fields.get("token_bound_cidrs"))
    {
        let s = t
            .get("bind_secret_id")
            .map(|v| v.span())
            .unwrap_or(span.clone());
        cx.w.problem(
            "vaultform::manifest::no_constraint",
            s,
            "bind_secret_id = false needs another login constraint",
            "no constraint left",
            "add secret_id_bound_cidrs or token_bound_cidrs (Vault refuses a role without any)",
        );
    }
    if fields.get("token_type") == Some(&FieldValue::Str("batch".into()))
        && matches!(fields.get("token_num_uses"), Some(FieldValue::Int(n)) if *n > 0)
    {
        let s = t
            .get("token_num_uses")
            .map(|v| v.span())
            .unwrap_or(span.clone());
        cx.w.problem(
            "vaultform::manifest::batch_token_uses",
            s,
            "batch tokens cannot have a limited use count",
            "limited uses",
            "set token_num_uses = 0, or token_type = \"service\" (Vault refuses this pair)",
        );
    }
    if let Some(FieldValue::List(names)) = fields.get("bound_service_account_names")
        && (names.is_empty() || (names.len() > 1 && names.iter().any(|n| n == "*")))
    {
        let s = t
            .get("bound_service_account_names")
            .map(|v| v.span())
            .unwrap_or(span.clone());
        cx.w.problem(
            "vaultform::manifest::bad_list",
            s,
            "bound_service_account_names must name at least one account, and `*` only alone",
            "refused by Vault",
            "write [\"name\", ...] or [\"*\"]",
        );
    }
    if kind == Kind::KUBERNETES_ROLE
        && !fields.contains_key("bound_service_account_namespaces")
        && !fields.contains_key("bound_service_account_namespace_selector")
    {
        cx.w.problem(
            "vaultform::manifest::missing_key",
            span.clone(),
            format!("{what} needs bound_service_account_namespaces"),
            "no namespaces",
            "add bound_service_account_namespaces = [\"default\"] (Vault requires it)",
        );
    }
    let address = Address::new(kind, key.clone());
    if let Some(first) = cx.desired.origins.get(&address).cloned() {
        let (line, col) = line_col(cx.desired.source.inner(), first.start);
        cx.w.problem(
            "vaultform::manifest::duplicate",
            span,
            format!("role `{key}` is declared twice (first at line {line}, column {col})"),
            "declared again here",
            "keep one declaration: [approles.NAME] and [auth.MOUNT.roles.NAME] name the same role",
        );
        return;
    }
    cx.desired.origins.insert(address, span);
    let role = DesiredRole {
        kind,
        mount: mount.to_string(),
        name: name.to_string(),
        fields,
    };
    cx.desired.items.insert(kind, key, role);
}

/// Whether lower-casing `name` changes it (as Vault lower-cases role names),
/// without building the lower-cased copy for the usual ASCII name.
fn has_upper_case(name: &str) -> bool {
    if name.is_ascii() {
        name.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        name != name.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::has_upper_case;

    #[test]
    fn upper_case_is_what_lower_casing_changes() {
        for name in ["app", "app-1_x", "", "é-app", "ß"] {
            assert!(!has_upper_case(name), "{name}");
        }
        for name in ["App", "apP", "Éa", "aÉ"] {
            assert!(has_upper_case(name), "{name}");
        }
    }
}
