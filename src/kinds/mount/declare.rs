//! `[mounts.PATH]` and `[auth.PATH]`: the declaration of mounts and auth
//! methods, and of the kinds nested in their sections.

use super::model::DesiredBackend;
use crate::kinds::contract::Declare;
use crate::kinds::declare::{Val, nested};
use crate::kinds::fields::{FieldType, FieldValue};
use crate::kinds::{BUILTIN_AUTHS, BUILTIN_MOUNTS, registry};
use crate::model::{Address, Kind};
use crate::names;
use std::collections::BTreeMap;
use crate::toml_tree::Value;

/// The keys of `[mounts.PATH]` and `[auth.PATH]` besides the nested kinds'.
const BACKEND_KEYS: &[(&str, FieldType)] = &[
    ("type", FieldType::Str),
    ("description", FieldType::Str),
    ("options", FieldType::Object),
    ("default_lease_ttl", FieldType::Duration),
    ("max_lease_ttl", FieldType::Duration),
    ("local", FieldType::Bool),
    ("seal_wrap", FieldType::Bool),
];

/// `token_type` of `[auth.PATH]`.
const AUTH_TOKEN_TYPE: (&str, FieldType) = (
    "token_type",
    FieldType::Choice(crate::kinds::role::model::MOUNT_TOKEN_TYPES),
);

/// The JSON Schema of `[mounts]` (`kind` = mount) or `[auth]`: a table of
/// paths, each a backend with its nested kinds.
pub fn schema(kind: Kind) -> serde_json::Value {
    let mut properties: serde_json::Map<String, serde_json::Value> = BACKEND_KEYS
        .iter()
        .chain((kind == Kind::AUTH).then_some(&AUTH_TOKEN_TYPE))
        .map(|(k, ty)| (k.to_string(), ty.schema()))
        .collect();
    properties.insert(
        "options".into(),
        serde_json::json!({
            "type": "object",
            "additionalProperties": {"type": ["string", "integer"]}
        }),
    );
    properties.extend(crate::kinds::declare::nested_schemas(kind));
    serde_json::json!({
        "type": "object",
        "propertyNames": {"pattern": names::PATH_PATTERN},
        "additionalProperties": {
            "type": "object",
            "properties": properties,
            "required": ["type"],
            "additionalProperties": false,
        },
    })
}

/// Reads `[mounts]` (`kind` = mount) or `[auth]` (`kind` = auth).
pub fn backends(kind: Kind, cx: &mut Declare<'_, '_>, v: &Val<'_>) {
    let auth = kind == Kind::AUTH;
    let section = if auth { "[auth]" } else { "[mounts]" };
    let Some(t) = cx.w.table(v, section) else {
        return;
    };
    for (k, v) in t.iter() {
        let path = k.get_ref().to_string();
        let what = if auth {
            format!("[auth.{path}]")
        } else {
            format!("[mounts.{path}]")
        };
        let ok = if auth {
            cx.w.check_name(&path, k.span(), "auth path", names::path)
        } else {
            cx.w.check_name(&path, k.span(), "mount path", names::mount_path)
        };
        if !ok {
            continue;
        }
        let ownership = cx.desired.ownership_mount.clone();
        let builtin = if auth {
            BUILTIN_AUTHS.contains(&path.as_str())
        } else {
            BUILTIN_MOUNTS.contains(&path.as_str()) || path == ownership
        };
        if builtin {
            cx.w.problem(
                "vaultform::manifest::builtin",
                k.span(),
                if path == ownership {
                    format!("`{path}` holds vaultform's ownership record and cannot be declared")
                } else {
                    format!("`{path}` is built into Vault and cannot be managed")
                },
                "built-in",
                "remove this section",
            );
            continue;
        }
        let Some(tbl) = cx.w.table(v, &what) else {
            continue;
        };
        let mut allowed: Vec<&str> = BACKEND_KEYS.iter().map(|(k, _)| *k).collect();
        if auth {
            allowed.push(AUTH_TOKEN_TYPE.0);
        }
        for def in registry::all() {
            for s in def.sections() {
                if let crate::kinds::contract::Section::Nested { parent, key } = *s
                    && parent == kind
                    && !allowed.contains(&key)
                {
                    allowed.push(key);
                }
            }
        }
        cx.w.only_keys(tbl, &what, &allowed);
        let type_name = match tbl.get("type") {
            Some(tv) => cx.w.string(tv, "type"),
            None => {
                cx.w.problem(
                    "vaultform::manifest::missing_key",
                    k.span(),
                    format!("{what} has no `type`"),
                    "needs a type",
                    if auth {
                        "add type = \"approle\" (or kubernetes, jwt, oidc, userpass, cert)"
                    } else {
                        "add type = \"kv\" (with options = { version = \"2\" }), or transit, pki, ..."
                    },
                );
                None
            }
        };
        let description = tbl
            .get("description")
            .and_then(|d| cx.w.string(d, "description"));
        let mut options = BTreeMap::new();
        if let Some(ov) = tbl.get("options")
            && let Some(ot) = cx.w.table(ov, "options")
        {
            for (ok, oval) in ot.iter() {
                let s = match oval.get_ref() {
                    Value::Integer(i) => Some(i.as_str().to_string()),
                    _ => cx.w.string(oval, &format!("options.{}", ok.get_ref())),
                };
                if let Some(s) = s {
                    options.insert(ok.get_ref().to_string(), s);
                }
            }
        }
        let mut config = BTreeMap::new();
        for key in ["default_lease_ttl", "max_lease_ttl"] {
            if let Some(tv) = tbl.get(key)
                && let Some(f) = cx.w.duration(tv, key)
            {
                config.insert(key.to_string(), f);
            }
        }
        if auth
            && let Some(tv) = tbl.get("token_type")
            && let Some(t) = cx.w.field(tv, AUTH_TOKEN_TYPE.0, AUTH_TOKEN_TYPE.1)
        {
            config.insert("token_type".to_string(), t);
        }
        if let (Some(FieldValue::Duration(d, _)), Some(FieldValue::Duration(m, _))) =
            (config.get("default_lease_ttl"), config.get("max_lease_ttl"))
            && d > m
            && *m != 0
        {
            let span = tbl
                .get("default_lease_ttl")
                .map(|v| v.span())
                .unwrap_or(k.span());
            cx.w.problem(
                "vaultform::manifest::ttl_order",
                span,
                "default_lease_ttl is longer than max_lease_ttl",
                "longer than the maximum",
                "make default_lease_ttl at most max_lease_ttl",
            );
        }
        let local = tbl.get("local").and_then(|b| cx.w.boolean(b, "local"));
        let seal_wrap = tbl
            .get("seal_wrap")
            .and_then(|b| cx.w.boolean(b, "seal_wrap"));
        let Some(type_name) = type_name else {
            continue;
        };
        let backend = DesiredBackend {
            path: path.clone(),
            type_name: type_name.clone(),
            description,
            options: options.clone(),
            config,
            local,
            seal_wrap,
        };
        if !cx.claim(Address::new(kind, path.clone()), k.span()) {
            continue;
        }
        cx.desired.items.insert(kind, path.clone(), backend);
        // The kinds declared inside this section (`[mounts.PATH.kv_config]`,
        // `[auth.PATH.config]`, `[auth.PATH.roles.NAME]`).
        let mut inner = Declare {
            w: &mut *cx.w,
            desired: &mut *cx.desired,
            sources: &mut *cx.sources,
            parent: &path,
            parent_type: &type_name,
            parent_span: k.span(),
        };
        nested(&mut inner, kind, tbl, &options);
    }
}
