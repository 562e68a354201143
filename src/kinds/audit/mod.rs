//! Audit devices (`sys/audit/<path>`): where the server logs every request.
//!
//! ```toml
//! [audit.file]
//! type = "file"
//! description = "every request, for the SIEM"
//! options = { file_path = "/vault/logs/audit.log" }
//! ```
//!
//! OpenBao refuses to create (and to disable) audit devices over the API
//! unless its configuration sets `unsafe_allow_api_audit_creation = true`;
//! devices are normally declared in the server's configuration. vaultform
//! always reads `sys/audit` and reports drift (a missing device, other
//! options); where the server refuses the write, apply fails with the
//! configuration stanza that declares the device instead. Audit devices
//! cannot be tuned: any change disables and enables the device again (the
//! log file itself is kept). They come first in an apply (rank 5), so that
//! what follows is audited. `sys/audit` needs `read` and `sudo`; it is read
//! only by manifests that declare (or once managed) audit devices.

use super::contract::{Declare, KindDef, PlanCx, ReadFuture, Section, Store, Wave};
use super::declare::Val;
use crate::model::plan::{Action, Change, FieldChange};
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self, NameError};
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// An audit device; before everything else.
pub const KIND: Kind = Kind::new(5, "audit");

/// An audit device as the manifest wants it.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredAudit {
    /// Path without the trailing slash.
    pub path: String,
    /// Device type: `file`, `socket`, `syslog`, `http`.
    pub type_name: String,
    /// Description (managed when given).
    pub description: Option<String>,
    /// Device options (`file_path`, `address`, ...), as strings.
    pub options: BTreeMap<String, String>,
    /// `local` (when given).
    pub local: Option<bool>,
}

/// An audit device as `sys/audit` lists it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveAudit {
    /// Device type.
    pub type_name: String,
    /// Description.
    pub description: String,
    /// Options, as strings.
    pub options: BTreeMap<String, String>,
    /// `local`.
    pub local: bool,
}

/// Audit devices.
pub struct Audits;

/// The registry's entry.
pub static AUDITS: Audits = Audits;

fn str_map(v: &Value) -> BTreeMap<String, String> {
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
}

/// The HCL stanza that declares `d` in the server's configuration.
pub fn stanza(d: &DesiredAudit) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = format!("audit {} {} {{\n", q(&d.type_name), q(&d.path));
    if let Some(desc) = &d.description {
        out.push_str(&format!("  description = {}\n", q(desc)));
    }
    if let Some(local) = d.local {
        out.push_str(&format!("  local = {local}\n"));
    }
    out.push_str("  options {\n");
    for (k, v) in &d.options {
        out.push_str(&format!("    {k} = {}\n", q(v)));
    }
    out.push_str("  }\n}");
    out
}

fn refused(d: &DesiredAudit, errors: &[String]) -> VaultError {
    VaultError::RefusedByConfig {
        what: format!(
            "the server refuses to enable audit device `{}` over the API: {}",
            d.path,
            errors.join("; ")
        ),
        help: format!(
            "declare it in the server's configuration and restart (or set unsafe_allow_api_audit_creation = true there):\n{}",
            stanza(d)
        ),
    }
}

async fn enable(vault: &Vault, d: &DesiredAudit) -> Result<(), VaultError> {
    let mut body = json!({ "type": d.type_name, "options": d.options });
    if let Some(desc) = &d.description {
        body["description"] = json!(desc);
    }
    if let Some(local) = d.local {
        body["local"] = json!(local);
    }
    match vault.write_once(&format!("sys/audit/{}", d.path), &body).await {
        Ok(_) => Ok(()),
        Err(VaultError::Api {
            status: 400,
            errors,
            ..
        }) if errors.iter().any(|e| e.contains("audit device via API")) => {
            Err(refused(d, &errors))
        }
        Err(e) => Err(e),
    }
}

async fn disable(vault: &Vault, path: &str) -> Result<(), VaultError> {
    match vault.delete(&format!("sys/audit/{path}")).await {
        Err(VaultError::Api {
            status: 400,
            errors,
            ..
        }) if errors.iter().any(|e| e.contains("configuration-managed")) => {
            Err(VaultError::RefusedByConfig {
                what: format!(
                    "the server refuses to disable audit device `{path}`: it is declared in the server's configuration"
                ),
                help: "change or remove its `audit` stanza in the server's configuration and restart; or drop it from the manifest".into(),
            })
        }
        other => other,
    }
}

impl KindDef for Audits {
    fn kind(&self) -> Kind {
        KIND
    }

    fn about(&self) -> &'static str {
        "an audit device (`sys/audit/<path>`)"
    }

    fn noun(&self) -> Option<&'static str> {
        Some("audit device(s)")
    }

    fn check_name(&self, name: &str) -> Result<(), NameError> {
        names::path(name)
    }

    fn sections(&self) -> &'static [Section] {
        &[Section::Top("audit")]
    }

    fn schema(&self, _section: Section) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "type": "object",
            "propertyNames": {"pattern": names::PATH_PATTERN},
            "additionalProperties": {
                "type": "object",
                "description": self.about(),
                "properties": {
                    "type": {"type": "string", "examples": ["file", "socket", "syslog"]},
                    "description": {"type": "string"},
                    "options": {"type": "object"},
                    "local": {"type": "boolean"},
                },
                "required": ["type"],
                "additionalProperties": false,
            },
        }))
    }

    fn declare(&self, cx: &mut Declare<'_, '_>, value: &Val<'_>) {
        let Some(t) = cx.w.table(value, "[audit]") else {
            return;
        };
        for (k, v) in t.iter() {
            let path = k.get_ref().to_string();
            if !cx.w.check_name(&path, k.span(), "audit path", names::path) {
                continue;
            }
            let what = format!("[audit.{path}]");
            let Some(tbl) = cx.w.table(v, &what) else {
                continue;
            };
            cx.w
                .only_keys(tbl, &what, &["type", "description", "options", "local"]);
            let type_name = match tbl.get("type") {
                Some(tv) => cx.w.string(tv, "type"),
                None => {
                    cx.w.problem(
                        "vaultform::manifest::missing_key",
                        k.span(),
                        format!("{what} has no `type`"),
                        "needs a type",
                        "add type = \"file\" (or socket, syslog)",
                    );
                    None
                }
            };
            let description = tbl
                .get("description")
                .and_then(|d| cx.w.string(d, "description"));
            let local = tbl.get("local").and_then(|b| cx.w.boolean(b, "local"));
            let mut options = BTreeMap::new();
            if let Some(ov) = tbl.get("options")
                && let Some(ot) = cx.w.table(ov, "options")
            {
                for (ok, oval) in ot.iter() {
                    let key = ok.get_ref().to_string();
                    if let Some(j) = cx.w.json(oval, &format!("options.{key}")) {
                        let s = j.as_str().map(str::to_string).unwrap_or(j.to_string());
                        options.insert(key, s);
                    }
                }
            }
            let Some(type_name) = type_name else {
                continue;
            };
            if !cx.claim(Address::new(KIND, path.clone()), k.span()) {
                continue;
            }
            let d = DesiredAudit {
                path: path.clone(),
                type_name,
                description,
                options,
                local,
            };
            cx.desired.items.insert(KIND, path, d);
        }
    }

    /// `sys/audit` is read only when the manifest declares audit devices or
    /// the record manages some: it is a `sudo` path, outside the
    /// least-privilege plan policy of manifests that have none (their plans
    /// then send no request for audit, and report no unmanaged devices).
    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        let wanted = desired.count(KIND) > 0
            || live.managed.names(KIND).next().is_some()
            || live.everything;
        if wave != Wave::Lists || !wanted {
            return Vec::new();
        }
        vec![
            async move {
                let body = vault.read("sys/audit").await?.unwrap_or(Value::Null);
                let data = if body["data"].is_object() {
                    body["data"].clone()
                } else {
                    body
                };
                let mut found = Vec::new();
                if let Some(map) = data.as_object() {
                    for (path, entry) in map {
                        if entry.get("type").is_none() {
                            continue;
                        }
                        let l = LiveAudit {
                            type_name: entry["type"].as_str().unwrap_or_default().to_string(),
                            description: entry["description"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                            options: str_map(&entry["options"]),
                            local: entry["local"].as_bool().unwrap_or(false),
                        };
                        found.push((path.trim_end_matches('/').to_string(), l));
                    }
                }
                let store: Store = Box::new(move |live: &mut Live| {
                    for (path, l) in found {
                        live.items.insert(KIND, path, l);
                    }
                });
                Ok(store)
            }
            .boxed(),
        ]
    }

    /// Type, description, options and `local`, as the server lists them.
    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        for (path, l) in live.items.iter::<LiveAudit>(KIND) {
            let address = Address::new(KIND, path.clone());
            if !out.wants(KIND, None, path) || out.owned_elsewhere(live, &address) {
                continue;
            }
            if self.check_name(path).is_err() {
                out.notes.push(format!(
                    "audit `{}`: a path vaultform does not accept",
                    crate::names::excerpt(path)
                ));
                continue;
            }
            let mut t =
                crate::kinds::export::backend_table(&l.type_name, &l.description, &l.options);
            if l.local {
                t.insert("local".into(), toml::Value::Boolean(true));
            }
            out.declare(&address, &["audit", path], t, None);
        }
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let d = cx.desired.items.get::<DesiredAudit>(KIND, &address.name);
        let l = cx.live.items.get::<LiveAudit>(KIND, &address.name);
        match (d, l) {
            (None, None) => None,
            (None, Some(l)) => {
                let mut c = Change::new(address.clone(), Action::Delete);
                c.fields
                    .push(FieldChange::new("type", Some(l.type_name.clone()), None));
                Some(c)
            }
            (Some(d), None) => {
                let mut c = Change::new(address.clone(), Action::Create);
                c.fields
                    .push(FieldChange::new("type", None, Some(d.type_name.clone())));
                if let Some(desc) = &d.description {
                    c.fields
                        .push(FieldChange::new("description", None, Some(desc.clone())));
                }
                for (k, v) in &d.options {
                    c.fields.push(FieldChange::new(
                        format!("options.{k}"),
                        None,
                        Some(v.clone()),
                    ));
                }
                Some(c)
            }
            (Some(d), Some(l)) => {
                let mut fields = Vec::new();
                if d.type_name != l.type_name {
                    fields.push(FieldChange::new(
                        "type",
                        Some(l.type_name.clone()),
                        Some(d.type_name.clone()),
                    ));
                }
                if let Some(desc) = &d.description
                    && desc != &l.description
                {
                    fields.push(FieldChange::new(
                        "description",
                        Some(l.description.clone()),
                        Some(desc.clone()),
                    ));
                }
                if let Some(local) = d.local
                    && local != l.local
                {
                    fields.push(FieldChange::new(
                        "local",
                        Some(l.local.to_string()),
                        Some(local.to_string()),
                    ));
                }
                for (k, v) in &d.options {
                    if l.options.get(k) != Some(v) {
                        fields.push(FieldChange::new(
                            format!("options.{k}"),
                            l.options.get(k).cloned(),
                            Some(v.clone()),
                        ));
                    }
                }
                if fields.is_empty() {
                    return None;
                }
                // No tune for audit devices: disabled and enabled again.
                let mut c = Change::new(address.clone(), Action::Replace);
                c.fields = fields;
                Some(c)
            }
        }
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        _live: &'a Live,
        _key: &'a crate::secret::FingerprintKey,
    ) -> BoxFuture<'a, Result<crate::kinds::contract::Applied, VaultError>> {
        crate::kinds::contract::nothing_known(async move {
            let name = change.address.name.as_str();
            let d = desired.items.get::<DesiredAudit>(KIND, name);
            let missing = || VaultError::Internal {
                what: format!("{} is not in the manifest", change.address),
            };
            match change.action {
                Action::Adopt => Ok(()),
                Action::Delete => disable(vault, name).await,
                Action::Create | Action::Update => enable(vault, d.ok_or_else(missing)?).await,
                Action::Replace => {
                    let d = d.ok_or_else(missing)?;
                    disable(vault, name).await?;
                    enable(vault, d).await
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        let name = &change.address.name;
        if change.action == Action::Delete {
            live.items.remove(KIND, name);
            return;
        }
        if let Some(d) = desired.items.get::<DesiredAudit>(KIND, name) {
            let l = LiveAudit {
                type_name: d.type_name.clone(),
                description: d.description.clone().unwrap_or_default(),
                options: d.options.clone(),
                local: d.local.unwrap_or(false),
            };
            live.items.insert(KIND, name.clone(), l);
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        let files = ["/log/a", "/log/b"];
        for _ in 0..rng.gen_range(0..3) {
            let path = format!("a{}", rng.gen_range(0..3));
            let d = DesiredAudit {
                path: path.clone(),
                type_name: "file".into(),
                description: rng.gen_bool(0.5).then(|| "d".to_string()),
                options: BTreeMap::from([(
                    "file_path".to_string(),
                    files[rng.gen_range(0..2)].to_string(),
                )]),
                local: rng.gen_bool(0.3).then(|| rng.gen_bool(0.5)),
            };
            desired.items.insert(KIND, path, d);
        }
        for _ in 0..rng.gen_range(0..3) {
            let path = format!("a{}", rng.gen_range(0..4));
            let l = LiveAudit {
                type_name: ["file", "file", "socket"][rng.gen_range(0..3)].to_string(),
                description: ["", "d"][rng.gen_range(0..2)].to_string(),
                options: BTreeMap::from([(
                    "file_path".to_string(),
                    files[rng.gen_range(0..2)].to_string(),
                )]),
                local: false,
            };
            live.items.insert(KIND, path, l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stanza_declares_the_device_in_hcl() {
        let d = DesiredAudit {
            path: "file".into(),
            type_name: "file".into(),
            description: Some("all \"requests\"".into()),
            options: BTreeMap::from([("file_path".into(), "/vault/logs/audit.log".into())]),
            local: None,
        };
        assert_eq!(
            stanza(&d),
            "audit \"file\" \"file\" {\n  description = \"all \\\"requests\\\"\"\n  options {\n    file_path = \"/vault/logs/audit.log\"\n  }\n}"
        );
    }
}
