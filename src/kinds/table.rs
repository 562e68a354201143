//! The building block of simple kinds: "a list path, an item path and a table
//! of typed fields" on a mount or auth method. A [`TableKind`] value is a
//! whole kind: it is declared, listed, read, compared field by field (TTLs in
//! seconds, lists as sets, CIDRs in canonical form), written, deleted, shown,
//! simulated and generated for the property test without further code.
//!
//! Three shapes:
//! - **named items** on a mount (`auth/<mount>/role/<name>`): addressed
//!   `<mount>/<name>`, listed per mount, deleted when the manifest drops a
//!   managed one;
//! - **named items on one fixed mount** (`auth/token/roles/<name>`,
//!   `identity/entity/name/<name>`): addressed by name;
//! - **one settings object per mount** (`<mount>/config`): addressed by the
//!   mount path, never deleted (it goes with its mount); dropping it from the
//!   manifest leaves the server's values as they are and forgets it.
//!
//! Fields may be required, have rules between them the server enforces only
//! on write (checked when declared), and be write-only (a secret the server
//! never returns, compared through the keyed fingerprint of the value last
//! written). A kind with a few rules of its own wraps a `TableKind` and
//! delegates the rest (transit keys, PKI issuers, identity groups).

use super::contract::{Declare, KindDef, PlanCx, ReadFuture, Section, Store, Wave};
use super::declare::Val;
use super::export::Export;
use super::fields::{FieldType, FieldValue, display_live};
use super::mount::{DesiredBackend, LiveBackend};
use crate::diag::Problem;
use crate::duration;
use crate::model::plan::{Action, Change, FieldChange};
use crate::model::store::union;
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self, NameError};
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A declared item of a table kind: the fields the manifest sets (only those
/// are managed; the server's others are left alone).
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredFields {
    /// The kind.
    pub kind: Kind,
    /// The mount or auth method path it lives on.
    pub mount: String,
    /// Its name on the mount (empty for a mount's settings object).
    pub name: String,
    /// Managed fields.
    pub fields: BTreeMap<String, FieldValue>,
}

impl DesiredFields {
    /// Its name in its address: `<mount>/<name>`, or the mount path.
    pub fn key(&self) -> String {
        if self.name.is_empty() {
            self.mount.clone()
        } else {
            format!("{}/{}", self.mount, self.name)
        }
    }

    /// The policies it grants or names (`token_policies`; a token role's
    /// `allowed_policies`; an entity's or group's `policies`).
    pub fn policies(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in ["token_policies", "allowed_policies", "policies"] {
            if let Some(FieldValue::List(l)) = self.fields.get(f) {
                out.extend(l.iter().cloned());
            }
        }
        out
    }
}

/// An item as the server returns it (`.data`).
pub type LiveFields = BTreeMap<String, Value>;

/// Rules between an item's fields: the problem's message and help, if broken.
pub type FieldRules = fn(&BTreeMap<String, FieldValue>) -> Option<(String, &'static str)>;

/// What the mount under a table kind must be.
pub struct ParentRule {
    /// Whether a mount of this type and these options can hold the kind.
    pub accepts: fn(&str, &BTreeMap<String, String>) -> bool,
    /// What it must be, for messages: "a `approle` auth method".
    pub needs: &'static str,
    /// The fix, with `{mount}` for the mount path.
    pub help: &'static str,
    /// The diagnostic code when the mount on the server (or declared
    /// elsewhere) is not one.
    pub code: &'static str,
    /// The diagnostic code when it is declared inside a section of another type.
    pub nested_code: &'static str,
}

/// A kind that is a field table at a path.
pub struct TableKind {
    /// Its name and rank.
    pub kind: Kind,
    /// One line for people.
    pub about: &'static str,
    /// How `validate` counts it.
    pub noun: Option<&'static str>,
    /// What it is called in messages ("role", "KV settings").
    pub what: &'static str,
    /// The kind of mount it lives on: [`Kind::MOUNT`] or [`Kind::AUTH`].
    pub parent: Kind,
    /// What that mount must be.
    pub parent_rule: ParentRule,
    /// For named items, the list path (`auth/{mount}/role`); `None` for one
    /// settings object per mount.
    pub list: Option<&'static str>,
    /// The item path: `auth/{mount}/role/{name}`, `{mount}/config`.
    pub item: &'static str,
    /// For named items on one fixed mount (`token` for token roles): the
    /// mount; the address is then the item's name alone.
    pub fixed_mount: Option<&'static str>,
    /// Fields the server requires (checked when declared).
    pub required: &'static [&'static str],
    /// Rules between fields the server enforces only when it is written
    /// (checked when declared): the problem's message and help, if broken.
    pub rules: Option<FieldRules>,
    /// The fields, in groups (shared token fields, then the kind's own).
    pub fields: &'static [&'static [(&'static str, FieldType)]],
    /// Where it is declared in the manifest.
    pub sections: &'static [Section],
    /// How its declaration is read, when it is more than its field table
    /// (roles: names, credential delivery, the server's write-time rules);
    /// `None`: one settings table of typed fields per mount.
    pub declare: Option<fn(&TableKind, &mut Declare<'_, '_>, &Val<'_>)>,
    /// Keys a top-level declaration (`[approles.NAME]`) takes besides the
    /// fields, read by `declare` (an AppRole's `mount`, `credentials_dir`,
    /// `wrap_ttl`); not sent to Vault as fields.
    pub extra_keys: &'static [(&'static str, FieldType)],
}

impl TableKind {
    /// The type of one of its fields.
    pub fn field_type(&self, field: &str) -> Option<FieldType> {
        self.fields
            .iter()
            .flat_map(|g| g.iter())
            .find(|(n, _)| *n == field)
            .map(|(_, t)| *t)
    }

    /// Every field name, for "valid keys" help.
    pub fn field_names(&self) -> Vec<&'static str> {
        self.fields
            .iter()
            .flat_map(|g| g.iter())
            .map(|(n, _)| *n)
            .collect()
    }

    /// Adds the write-only fields whose value differs from the one last
    /// written (by keyed fingerprint) to `change`, making it an update if
    /// there was none. A field with no recorded fingerprint (the item was
    /// adopted, or written by another tool) cannot be compared with the
    /// server: it is written once, and recorded.
    pub(crate) fn write_only_changes(
        &self,
        address: &Address,
        d: &DesiredFields,
        cx: &PlanCx<'_>,
        change: Option<Change>,
    ) -> Option<Change> {
        let mut extra = Vec::new();
        for (field, v) in &d.fields {
            let FieldValue::WriteOnly(secret) = v else {
                continue;
            };
            let key = crate::model::WriteOnly::key(address, field);
            let want = secret.fingerprint(cx.fp).0;
            match cx.live.write_only.fingerprints.get(&key) {
                Some(have) if *have == want => {}
                Some(_) => extra.push(FieldChange::new(
                    field.clone(),
                    Some("(write-only)".into()),
                    Some("(write-only, changed in the manifest)".into()),
                )),
                None => extra.push(FieldChange::new(
                    field.clone(),
                    Some("(write-only, cannot be compared with the server)".into()),
                    Some("(write-only, written once to record it)".into()),
                )),
            }
        }
        if extra.is_empty() {
            return change;
        }
        let mut c = change.unwrap_or_else(|| Change::new(address.clone(), Action::Update));
        c.fields.extend(extra);
        c.fields.sort_by(|a, b| a.name.cmp(&b.name));
        Some(c)
    }

    /// The live fields a read keeps of item `key`: for a declared AppRole
    /// or Kubernetes role, the declared ones and those always read
    /// ([`ROLE_FIELDS_ALWAYS_READ`]); `None` (every field) for any other
    /// kind, an item the manifest does not declare, and `import`, which
    /// declares what the server holds.
    fn kept_fields<'d>(
        &self,
        desired: &'d Desired,
        key: &str,
        everything: bool,
    ) -> Option<Vec<&'d str>> {
        if everything || !matches!(self.kind, Kind::APPROLE | Kind::KUBERNETES_ROLE) {
            return None;
        }
        let d = self.desired(desired, key)?;
        Some(
            d.fields
                .keys()
                .map(String::as_str)
                .chain(ROLE_FIELDS_ALWAYS_READ.iter().copied())
                .collect(),
        )
    }

    /// The change for one item from its declared and live fields (for kinds
    /// that wrap a table and adjust what they compare).
    pub fn diff_items(
        &self,
        address: &Address,
        desired: Option<&DesiredFields>,
        live: Option<&LiveFields>,
    ) -> Option<Change> {
        match (desired, live) {
            (None, None) => None,
            (None, Some(_)) if self.named() => Some(Change::new(address.clone(), Action::Delete)),
            (None, Some(_)) => None,
            (Some(d), None) => {
                let mut c = Change::new(address.clone(), Action::Create);
                c.fields = d
                    .fields
                    .iter()
                    .map(|(k, v)| FieldChange::new(k.clone(), None, Some(v.display(k))))
                    .collect();
                Some(c)
            }
            (Some(d), Some(l)) => {
                let fields: Vec<FieldChange> = d
                    .fields
                    .iter()
                    .filter(|(k, v)| !v.matches(l.get(k.as_str())))
                    .map(|(k, v)| {
                        let ty = self.field_type(k).unwrap_or(FieldType::Str);
                        FieldChange::new(
                            k.clone(),
                            Some(display_live(k, ty, l.get(k.as_str()))),
                            Some(v.display(k)),
                        )
                    })
                    .collect();
                if fields.is_empty() {
                    return None;
                }
                let mut c = Change::new(address.clone(), Action::Update);
                c.fields = fields;
                Some(c)
            }
        }
    }

    /// For `vaultform import`: notes the listed names vaultform does not
    /// accept (never read).
    pub fn export_refused(&self, live: &Live, out: &mut Export) {
        out.note_refused(self.kind, live.listed(self.kind), |k| {
            self.check_name(k).is_ok()
        });
    }

    /// For `vaultform import`: declares the live item `key` with the fields
    /// `l` (as the server returns them, or as a wrapping kind compares them):
    /// every field of the table that is set, in the manifest's form. An item
    /// whose required field the server does not return (a write-only
    /// password) is left out with a note.
    pub fn export_item(&self, live: &Live, out: &mut Export, key: &str, l: &LiveFields) {
        let address = Address::new(self.kind, key.to_string());
        let Some((mount, name)) = self.split(key) else {
            return;
        };
        if mount == out.ownership_mount
            || !out.wants(self.kind, Some(mount), key)
            || out.owned_elsewhere(live, &address)
        {
            return;
        }
        if self.check_name(key).is_err() || (self.named() && name != name.to_lowercase()) {
            out.notes.push(format!(
                "{}: a name vaultform does not accept",
                names::excerpt(&address.to_string())
            ));
            return;
        }
        let mut t = toml::Table::new();
        for (field, ty) in self.fields.iter().flat_map(|g| g.iter()) {
            if let Some(v) = ty.export(l.get(*field)) {
                t.insert(field.to_string(), v);
            }
        }
        // The manifest must declare the policies a role names: imported
        // along (whatever the filter); a list naming one the server does
        // not have is left out, as it is.
        for field in ["token_policies", "allowed_policies"] {
            let Some(toml::Value::Array(list)) = t.get(field) else {
                continue;
            };
            let named: Vec<String> = list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_lowercase))
                .filter(|p| !crate::kinds::BUILTIN_POLICIES.contains(&p.as_str()))
                .collect();
            let missing: Vec<&String> = named
                .iter()
                .filter(|p| !live.is_listed(Kind::POLICY, p))
                .collect();
            if missing.is_empty() {
                out.parents
                    .extend(named.iter().map(|p| Address::new(Kind::POLICY, p.clone())));
            } else {
                out.notes.push(format!(
                    "{address}: `{field}` not imported: it names policies the server does not have ({})",
                    missing
                        .iter()
                        .map(|p| names::excerpt(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                t.remove(field);
            }
        }
        let write_only: Vec<&str> = self
            .fields
            .iter()
            .flat_map(|g| g.iter())
            .filter(|(f, ty)| *ty == FieldType::WriteOnly && !self.required.contains(f))
            .map(|(f, _)| *f)
            .collect();
        if !write_only.is_empty() {
            out.notes.push(format!(
                "{address}: {} not imported (the server never returns it; it stays as it is)",
                write_only.join(", ")
            ));
        }
        if let Some(req) = self.required.iter().find(|r| !t.contains_key(**r)) {
            out.notes.push(format!(
                "{address}: needs `{req}`, which the server does not return; declare it by hand"
            ));
            return;
        }
        let nested = self.sections.iter().find_map(|s| match s {
            Section::Nested { parent, key } => Some((*parent, *key)),
            Section::Top(_) => None,
        });
        let mut path: Vec<&str> = match (self.fixed_mount, nested, self.sections.first()) {
            (None, Some((parent, k)), _) => vec![section(parent), mount, k],
            (_, _, Some(Section::Top(k))) => vec![k],
            _ => return,
        };
        if self.named() {
            path.push(name);
        }
        let parent = self
            .fixed_mount
            .is_none()
            .then(|| Address::new(self.parent, mount.to_string()));
        out.declare(&address, &path, t, parent);
    }

    fn named(&self) -> bool {
        self.list.is_some()
    }

    /// `(mount, name)` of an address name.
    fn split<'n>(&self, key: &'n str) -> Option<(&'n str, &'n str)> {
        match (self.fixed_mount, self.named()) {
            (Some(mount), _) => Some((mount, key)),
            (None, true) => key.rsplit_once('/'),
            (None, false) => Some((key, "")),
        }
    }

    /// The address name of `name` on `mount`.
    fn key_of(&self, mount: &str, name: &str) -> String {
        match (self.fixed_mount, self.named()) {
            (Some(_), _) => name.to_string(),
            (None, true) => format!("{mount}/{name}"),
            (None, false) => mount.to_string(),
        }
    }

    /// Reads one item's table of fields (`what` names it in messages).
    fn item(
        &self,
        cx: &mut Declare<'_, '_>,
        mount: &str,
        name: &str,
        what: &str,
        span: std::ops::Range<usize>,
        v: &Val<'_>,
    ) {
        let Some(t) = cx.w.table(v, what) else {
            return;
        };
        cx.w.only_keys(t, what, &self.field_names());
        let mut fields = BTreeMap::new();
        for (k, fv) in t.iter() {
            let field = k.get_ref().as_ref();
            if self.field_type(field) == Some(FieldType::WriteOnly) {
                match cx.sources.secret_value(cx.w, cx.desired, field, fv) {
                    Some(crate::kinds::kv::DesiredValue::Value(s)) => {
                        fields.insert(field.to_string(), FieldValue::WriteOnly(s));
                    }
                    Some(_) => cx.w.problem(
                        "vaultform::manifest::value_source",
                        fv.span(),
                        format!("`{field}` is written to Vault and needs a value"),
                        "no value",
                        "write a literal, { env = \"NAME\" } or { file = \"path\" }",
                    ),
                    None => {}
                }
                continue;
            }
            if let Some(ty) = self.field_type(field)
                && let Some(val) = cx.w.field(fv, field, ty)
            {
                if let FieldValue::List(l) = &val
                    && matches!(field, "token_policies" | "allowed_policies")
                    && let Some(list) = cx.w.string_list(fv, field)
                {
                    for (p, pspan) in list {
                        cx.sources.policy_ref(what.to_string(), p, pspan);
                    }
                    let lower = l.iter().map(|p| p.to_lowercase()).collect();
                    fields.insert(field.to_string(), FieldValue::List(lower));
                    continue;
                }
                fields.insert(field.to_string(), val);
            }
        }
        for req in self.required {
            if !fields.contains_key(*req) && !t.contains_key(req) {
                cx.w.problem(
                    "vaultform::manifest::missing_key",
                    span.clone(),
                    format!("{what} needs `{req}`"),
                    format!("no {req}"),
                    format!("add {req} = ... (Vault requires it)"),
                );
            }
        }
        if let Some(rules) = self.rules
            && let Some((message, help)) = rules(&fields)
        {
            cx.w.problem(
                "vaultform::manifest::missing_key",
                span.clone(),
                format!("{what}: {message}"),
                "refused by Vault",
                help,
            );
        }
        let key = self.key_of(mount, name);
        let address = Address::new(self.kind, key.clone());
        if cx.desired.origins.contains_key(&address) {
            cx.w.problem(
                "vaultform::manifest::duplicate",
                span,
                format!("{} `{key}` is declared twice", self.what),
                "declared again here",
                "keep one declaration",
            );
            return;
        }
        cx.desired.origins.insert(address, span);
        let item = DesiredFields {
            kind: self.kind,
            mount: mount.to_string(),
            name: name.to_string(),
            fields,
        };
        cx.desired.items.insert(self.kind, key, item);
    }

    /// A path from a template and checked segments.
    fn path(template: &str, mount: &str, name: &str) -> String {
        template.replace("{mount}", mount).replace("{name}", name)
    }

    fn desired<'d>(&self, desired: &'d Desired, key: &str) -> Option<&'d DesiredFields> {
        desired.items.get::<DesiredFields>(self.kind, key)
    }

    /// Declared names and managed names, each once in name order; when
    /// reading everything, also every listed name, and every mount a
    /// settings object can be on.
    fn keys(&self, desired: &Desired, live: &Live) -> Vec<String> {
        let both = union(
            desired.items.names(self.kind),
            live.managed.names(self.kind),
        );
        if !live.everything {
            return both.map(str::to_string).collect();
        }
        let mut keys: BTreeSet<String> = both.map(str::to_string).collect();
        // Only names vaultform accepts are read (no request is built from
        // another); the export notes the others.
        keys.extend(
            live.listed(self.kind)
                .filter(|k| self.check_name(k).is_ok())
                .cloned(),
        );
        if !self.named() {
            keys.extend(self.live_mounts(live));
        }
        keys.into_iter().collect()
    }

    /// The live mounts (or auth methods) that can hold this kind.
    fn live_mounts(&self, live: &Live) -> Vec<String> {
        match self.fixed_mount {
            Some(m) => vec![m.to_string()],
            None => live
                .items
                .names(self.parent)
                .filter(|m| names::path(m).is_ok() && self.live_parent_accepts(live, m))
                .cloned()
                .collect(),
        }
    }

    /// The type and options of the mount `path`, as declared or else as live.
    fn parent_type(
        &self,
        desired: &Desired,
        live: &Live,
        path: &str,
    ) -> Option<(String, BTreeMap<String, String>)> {
        match desired.items.get::<DesiredBackend>(self.parent, path) {
            Some(d) => Some((d.type_name.clone(), d.options.clone())),
            None => live
                .items
                .get::<LiveBackend>(self.parent, path)
                .map(|l| (l.type_name.clone(), l.options.clone())),
        }
    }

    fn live_parent_accepts(&self, live: &Live, mount: &str) -> bool {
        live.items
            .get::<LiveBackend>(self.parent, mount)
            .is_some_and(|l| (self.parent_rule.accepts)(&l.type_name, &l.options))
    }

    fn parent_word(&self) -> &'static str {
        if self.parent == Kind::AUTH {
            "auth method"
        } else {
            "mount"
        }
    }
}

/// A read's answer, `{"data": {...}, ...}`, decoded into the `data` fields
/// that `keep` names (every one when `None`); the others are skipped
/// without being copied. A live AppRole role answers about twenty fields
/// and a plan compares the declared ones: at 10,000 services the rest were
/// 20 MB of the plan's peak memory.
struct Answer<'k>(Option<&'k [&'k str]>);

impl<'de> serde::de::DeserializeSeed<'de> for Answer<'_> {
    type Value = Option<LiveFields>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Answer<'_> {
    type Value = Option<LiveFields>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data = None;
        while let Some(key) = map.next_key_seed(Wanted(Some(&["data"])))? {
            match key {
                Some(_) => data = map.next_value_seed(Fields(self.0))?,
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(data)
    }
}

/// `data`: `null`, or an object whose wanted fields are kept.
struct Fields<'k>(Option<&'k [&'k str]>);

impl<'de> serde::de::DeserializeSeed<'de> for Fields<'_> {
    type Value = Option<LiveFields>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Fields<'_> {
    type Value = Option<LiveFields>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = LiveFields::new();
        while let Some(key) = map.next_key_seed(Wanted(self.0))? {
            match key {
                Some(name) => {
                    let value = map.next_value::<Value>()?;
                    fields.insert(name, value);
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(Some(fields))
    }
}

/// A key: `Some(name)` when `keep` names it (or is `None`), else `None`
/// (and nothing is allocated). `keep` is a handful of names: a scan, which
/// compares lengths first, beats a tree's string comparisons.
struct Wanted<'k>(Option<&'k [&'k str]>);

impl<'de> serde::de::DeserializeSeed<'de> for Wanted<'_> {
    type Value = Option<String>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Wanted<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self.0.is_none_or(|k| k.contains(&s)).then(|| s.to_string()))
    }
}

/// Fields of a live role read whatever the manifest declares: what the
/// access-change report takes from the server's side (`policy::access`).
const ROLE_FIELDS_ALWAYS_READ: &[&str] = &["token_policies", "token_no_default_policy"];

impl KindDef for TableKind {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn about(&self) -> &'static str {
        self.about
    }

    fn noun(&self) -> Option<&'static str> {
        self.noun
    }

    fn check_name(&self, name: &str) -> Result<(), NameError> {
        match (self.named(), self.parent == Kind::MOUNT) {
            (true, _) if self.fixed_mount.is_some() => names::role_name(name),
            (true, _) => names::mount_item(name),
            (false, true) => names::mount_path(name),
            (false, false) => names::path(name),
        }
    }

    fn sections(&self) -> &'static [Section] {
        self.sections
    }

    fn schema(&self, section: Section) -> Option<Value> {
        let mut properties = serde_json::Map::new();
        for (name, ty) in self.fields.iter().flat_map(|g| g.iter()) {
            properties.insert(name.to_string(), ty.schema());
        }
        if matches!(section, Section::Top(_)) {
            for (name, ty) in self.extra_keys {
                properties.insert(name.to_string(), ty.schema());
            }
        }
        let item = serde_json::json!({
            "type": "object",
            "description": self.about,
            "properties": properties,
            "required": self.required,
            "additionalProperties": false,
        });
        if !self.named() {
            return Some(item);
        }
        Some(serde_json::json!({
            "type": "object",
            "propertyNames": {"pattern": names::ROLE_NAME_PATTERN},
            "additionalProperties": item,
        }))
    }

    fn accepts_parent(&self, type_name: &str, options: &BTreeMap<String, String>) -> bool {
        (self.parent_rule.accepts)(type_name, options)
    }

    fn parent_rule(&self) -> Option<(&'static str, &'static str)> {
        Some((self.parent_rule.needs, self.parent_rule.nested_code))
    }

    fn declare(&self, cx: &mut Declare<'_, '_>, value: &Val<'_>) {
        if let Some(declare) = self.declare {
            return declare(self, cx, value);
        }
        // Where this value sits: `[KEY.NAME]`, or `[mounts.PARENT.KEY]`.
        let (prefix, mount) = if cx.parent.is_empty() {
            let Some(Section::Top(key)) = self
                .sections
                .iter()
                .copied()
                .find(|s| matches!(s, Section::Top(_)))
            else {
                return;
            };
            (
                key.to_string(),
                self.fixed_mount.unwrap_or_default().to_string(),
            )
        } else {
            let Some(Section::Nested { parent, key }) = self
                .sections
                .iter()
                .copied()
                .find(|s| matches!(s, Section::Nested { .. }))
            else {
                return;
            };
            (
                format!("{}.{}.{key}", section(parent), cx.parent),
                cx.parent.to_string(),
            )
        };
        if !self.named() {
            let what = format!("[{prefix}]");
            let span = value.span();
            return self.item(cx, &mount, "", &what, span, value);
        }
        let Some(t) = cx.w.table(value, &format!("[{prefix}]")) else {
            return;
        };
        for (k, v) in t.iter() {
            let name = k.get_ref().to_string();
            if name != name.to_lowercase() {
                cx.w.problem(
                    "vaultform::manifest::upper_case",
                    k.span(),
                    format!(
                        "{} name `{}` has upper-case letters; Vault lower-cases them",
                        self.what,
                        names::excerpt(&name)
                    ),
                    "upper-case",
                    format!("write `{}`", name.to_lowercase()),
                );
                continue;
            }
            if !cx
                .w
                .check_name(&name, k.span(), self.what, names::role_name)
            {
                continue;
            }
            let what = format!("[{prefix}.{name}]");
            self.item(cx, &mount, &name, &what, k.span(), v);
        }
    }

    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        let Some(d) = self.desired(desired, name) else {
            return Vec::new();
        };
        let mut out = vec![Address::new(self.parent, d.mount.clone())];
        for p in d.policies() {
            if desired.items.contains(Kind::POLICY, &p) {
                out.push(Address::new(Kind::POLICY, p));
            }
        }
        out
    }

    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        let mut problems = Vec::new();
        let rule = &self.parent_rule;
        for (key, d) in desired.items.iter::<DesiredFields>(self.kind) {
            let parent = self.parent_type(desired, live, &d.mount);
            if parent.as_ref().is_some_and(|(t, o)| (rule.accepts)(t, o)) {
                continue;
            }
            let word = self.parent_word();
            let what = match parent {
                None => format!("no {word} `{}` in the manifest or on the server", d.mount),
                Some((t, _)) => format!("{word} `{}` is `{t}`", d.mount),
            };
            problems.push(desired.problem_at(
                &Address::new(self.kind, key.clone()),
                rule.code,
                format!("{} `{key}` needs {}: {what}", self.what, rule.needs),
                rule.help.replace("{mount}", &d.mount),
            ));
        }
        problems
    }

    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        let kind = self.kind;
        match (wave, self.list) {
            (Wave::Lists, Some(list)) => {
                let mut mounts: BTreeSet<String> = self
                    .keys(desired, live)
                    .iter()
                    .filter_map(|k| self.split(k).map(|(m, _)| m.to_string()))
                    .filter(|m| live.exists(self.parent, m))
                    .collect();
                if live.everything {
                    mounts.extend(self.live_mounts(live));
                }
                mounts
                    .into_iter()
                    .map(|mount| {
                        async move {
                            let found = vault.list(&Self::path(list, &mount, "")).await?;
                            let store: Store = Box::new(move |live: &mut Live| {
                                let set = live.listed.entry(kind).or_default();
                                set.extend(found.into_iter().map(|n| self.key_of(&mount, &n)));
                            });
                            Ok(store)
                        }
                        .boxed()
                    })
                    .collect()
            }
            (Wave::Items, _) => self
                .keys(desired, live)
                .into_iter()
                .filter(|k| match self.split(k) {
                    Some((mount, _)) if self.named() => {
                        live.is_listed(kind, k) && !mount.is_empty()
                    }
                    Some((mount, _)) => self.live_parent_accepts(live, mount),
                    None => false,
                })
                .filter_map(|k| {
                    let (mount, name) = self.split(&k)?;
                    let path = Self::path(self.item, mount, name);
                    let keep = self.kept_fields(desired, &k, live.everything);
                    Some(
                        async move {
                            let body = vault.read_seed(&path, Answer(keep.as_deref())).await?;
                            let store: Store = Box::new(move |live: &mut Live| {
                                if let Some(data) = body.flatten() {
                                    live.items.insert(kind, k, data);
                                }
                            });
                            Ok(store)
                        }
                        .boxed(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let desired = self.desired(cx.desired, &address.name);
        let live = cx.live.items.get::<LiveFields>(self.kind, &address.name);
        let change = self.diff_items(address, desired, live);
        match (desired, live) {
            (Some(d), Some(_)) => self.write_only_changes(address, d, cx, change),
            _ => change,
        }
    }

    fn export(&self, live: &Live, out: &mut Export) {
        for (key, l) in live.items.iter::<LiveFields>(self.kind) {
            self.export_item(live, out, key, l);
        }
        self.export_refused(live, out);
    }

    fn has_write_only(&self) -> bool {
        self.fields
            .iter()
            .flat_map(|g| g.iter())
            .any(|(_, t)| *t == FieldType::WriteOnly)
    }

    fn write_only<'d>(
        &self,
        desired: &'d Desired,
        name: &str,
    ) -> Vec<(String, &'d crate::secret::Secret)> {
        let Some(d) = self.desired(desired, name) else {
            return Vec::new();
        };
        d.fields
            .iter()
            .filter_map(|(k, v)| match v {
                FieldValue::WriteOnly(s) => Some((k.clone(), s)),
                _ => None,
            })
            .collect()
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
            let key = &change.address.name;
            let (mount, name) = self.split(key).ok_or_else(|| missing(&change.address))?;
            let path = Self::path(self.item, mount, name);
            match change.action {
                Action::Adopt => Ok(()),
                Action::Delete if self.named() => vault.delete(&path).await,
                Action::Delete => Ok(()),
                _ => {
                    let d = self
                        .desired(desired, key)
                        .ok_or_else(|| missing(&change.address))?;
                    vault.write(&path, &body(d)).await.map(drop)
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        let key = &change.address.name;
        match change.action {
            Action::Delete => {
                live.items.remove(self.kind, key);
                if let Some(s) = live.listed.get_mut(&self.kind) {
                    s.remove(key);
                }
                let prefix = format!("{}#", change.address);
                live.write_only
                    .fingerprints
                    .retain(|k, _| !k.starts_with(&prefix));
            }
            _ => {
                let Some(d) = self.desired(desired, key) else {
                    return;
                };
                let mut l = live
                    .items
                    .get::<LiveFields>(self.kind, key)
                    .cloned()
                    .unwrap_or_default();
                for (k, v) in &d.fields {
                    match v {
                        // The server never returns it; the apply records
                        // its fingerprint with the persistent key.
                        FieldValue::WriteOnly(secret) => {
                            if let Some(fp) = &live.managed.fingerprint_key {
                                let key = crate::model::WriteOnly::key(&change.address, k);
                                live.write_only
                                    .fingerprints
                                    .insert(key, secret.fingerprint(fp).0);
                            }
                        }
                        _ => {
                            l.insert(k.clone(), v.to_json());
                        }
                    }
                }
                live.items.insert(self.kind, key.clone(), l);
                if self.named() {
                    live.listed
                        .entry(self.kind)
                        .or_default()
                        .insert(key.clone());
                }
            }
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        let names = ["a", "b", "c"];
        let key = |rng: &mut dyn rand::RngCore| {
            let n = names[rng.gen_range(0..names.len())];
            if self.named() {
                self.key_of("m", n)
            } else {
                format!("m{n}")
            }
        };
        let all: Vec<(&str, FieldType)> =
            self.fields.iter().flat_map(|g| g.iter().copied()).collect();
        for _ in 0..rng.gen_range(0..3) {
            let k = key(rng);
            let (mount, name) = self.split(&k).unwrap_or((&k, ""));
            let mut fields = BTreeMap::new();
            for _ in 0..rng.gen_range(0..4) {
                let (f, ty) = all[rng.gen_range(0..all.len())];
                fields.insert(f.to_string(), random_value(rng, ty));
            }
            let item = DesiredFields {
                kind: self.kind,
                mount: mount.to_string(),
                name: name.to_string(),
                fields,
            };
            desired.items.insert(self.kind, k, item);
        }
        for _ in 0..rng.gen_range(0..4) {
            let k = key(rng);
            let mut l = LiveFields::new();
            for _ in 0..rng.gen_range(0..4) {
                let (f, ty) = all[rng.gen_range(0..all.len())];
                l.insert(f.to_string(), random_value(rng, ty).to_json());
            }
            if self.named() {
                live.listed.entry(self.kind).or_default().insert(k.clone());
            }
            live.items.insert(self.kind, k, l);
        }
    }
}

/// The [`KindDef`] methods a kind that wraps a [`TableKind`] takes from it
/// unchanged (its name, words, name rule, where and how it is declared; with
/// `reads`, also how it is read), so that the wrapper writes only its own
/// rules.
macro_rules! from_table {
    ($table:expr) => {
        fn kind(&self) -> $crate::model::Kind {
            $table.kind
        }
        fn about(&self) -> &'static str {
            $table.about
        }
        fn noun(&self) -> Option<&'static str> {
            $table.noun
        }
        fn check_name(&self, name: &str) -> Result<(), $crate::names::NameError> {
            $crate::kinds::contract::KindDef::check_name(&$table, name)
        }
        fn sections(&self) -> &'static [$crate::kinds::contract::Section] {
            $table.sections
        }
        fn accepts_parent(
            &self,
            type_name: &str,
            options: &std::collections::BTreeMap<String, String>,
        ) -> bool {
            $crate::kinds::contract::KindDef::accepts_parent(&$table, type_name, options)
        }
        fn parent_rule(&self) -> Option<(&'static str, &'static str)> {
            $crate::kinds::contract::KindDef::parent_rule(&$table)
        }
        fn declare(
            &self,
            cx: &mut $crate::kinds::contract::Declare<'_, '_>,
            value: &$crate::kinds::declare::Val<'_>,
        ) {
            $crate::kinds::contract::KindDef::declare(&$table, cx, value)
        }
    };
    ($table:expr, reads) => {
        $crate::kinds::table::from_table!($table);
        fn reads<'a>(
            &'static self,
            wave: $crate::kinds::contract::Wave,
            vault: &'a $crate::vault::Vault,
            desired: &'a $crate::model::Desired,
            live: &$crate::model::Live,
        ) -> Vec<$crate::kinds::contract::ReadFuture<'a>> {
            $crate::kinds::contract::KindDef::reads(&$table, wave, vault, desired, live)
        }
    };
}
pub(crate) use from_table;

/// The section a parent kind is declared in.
fn section(parent: Kind) -> &'static str {
    if parent == Kind::AUTH {
        "auth"
    } else {
        "mounts"
    }
}

/// Every declared field (a partial update keeps the others).
fn body(d: &DesiredFields) -> Value {
    Value::Object(
        d.fields
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    )
}

fn missing(a: &Address) -> VaultError {
    VaultError::Internal {
        what: format!("{a} is not in the manifest"),
    }
}

/// A random value of a field type, as the manifest would hold it.
pub fn random_value(rng: &mut dyn rand::RngCore, ty: FieldType) -> FieldValue {
    use rand::Rng;
    let pick = |rng: &mut dyn rand::RngCore, from: &[&str]| -> Vec<String> {
        from.iter()
            .filter(|_| rng.gen_bool(0.5))
            .map(|s| s.to_string())
            .collect()
    };
    match ty {
        FieldType::Duration => {
            let s = [0u64, 60, 3600][rng.gen_range(0..3)];
            FieldValue::Duration(s, duration::format(s))
        }
        FieldType::Int => FieldValue::Int(rng.gen_range(0..3)),
        FieldType::Bool => FieldValue::Bool(rng.gen_bool(0.5)),
        FieldType::Str => FieldValue::Str(["x", "y"][rng.gen_range(0..2)].to_string()),
        FieldType::List => FieldValue::List(pick(rng, &["a", "b"])),
        FieldType::Seq => {
            let mut l = pick(rng, &["select 1;", "select 2;"]);
            if rng.gen_bool(0.5) {
                l.reverse();
            }
            FieldValue::Seq(l)
        }
        FieldType::Cidrs => FieldValue::Cidrs(pick(rng, &["10.0.0.0/8", "127.0.0.1/32"])),
        FieldType::Choice(choices) => {
            FieldValue::Str(choices[rng.gen_range(0..choices.len())].1.to_string())
        }
        FieldType::WriteOnly => FieldValue::WriteOnly(crate::secret::Secret::from_string(
            ["s3", "s4"][rng.gen_range(0..2)].to_string(),
        )),
        FieldType::Object => {
            let mut m = serde_json::Map::new();
            for k in ["a", "b"] {
                if rng.gen_bool(0.5) {
                    m.insert(k.to_string(), Value::from(["x", "y"][rng.gen_range(0..2)]));
                }
            }
            FieldValue::Object(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::role::APPROLES;
    use crate::secret::FingerprintKey;
    use serde_json::json;

    fn role() -> DesiredFields {
        DesiredFields {
            kind: Kind::APPROLE,
            mount: "approle".into(),
            name: "user".into(),
            fields: BTreeMap::from([
                (
                    "token_policies".into(),
                    FieldValue::List(vec!["user-policy".into()]),
                ),
                ("token_ttl".into(), FieldValue::Duration(3600, "1h".into())),
                (
                    "token_max_ttl".into(),
                    FieldValue::Duration(14400, "4h".into()),
                ),
                (
                    "secret_id_ttl".into(),
                    FieldValue::Duration(3600, "1h".into()),
                ),
            ]),
        }
    }

    /// Decodes `text` with [`Answer`] keeping `keep` (every field when `None`).
    fn answer(text: &str, keep: Option<&[&str]>) -> Result<Option<LiveFields>, serde_json::Error> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_slice(text.as_bytes());
        let v = Answer(keep).deserialize(&mut de)?;
        de.end()?;
        Ok(v)
    }

    #[test]
    fn an_answer_keeps_the_wanted_fields_of_data_and_skips_the_rest() {
        let text = r#"{"request_id":"x","data":{"token_ttl":3600,"policies":["a"],
            "tok\u0065n_policies":["a","b"],"nested":{"data":{"token_ttl":1}},
            "token_bound_cidrs":[]},"warnings":null,"auth":{"data":1}}"#;
        let all = answer(text, None).unwrap().unwrap();
        let want: serde_json::Map<String, Value> =
            serde_json::from_str::<Value>(text).unwrap()["data"]
                .as_object()
                .unwrap()
                .clone();
        assert_eq!(all, want.into_iter().collect::<LiveFields>());
        let some = answer(text, Some(&["token_ttl", "token_policies", "absent"]))
            .unwrap()
            .unwrap();
        assert_eq!(
            some,
            LiveFields::from([
                ("token_ttl".to_string(), json!(3600)),
                ("token_policies".to_string(), json!(["a", "b"])),
            ])
        );
        assert_eq!(
            answer(r#"{"data":{}}"#, Some(&[])).unwrap(),
            Some(LiveFields::new())
        );
        assert_eq!(
            answer(r#"{"data":null,"x":1}"#, Some(&["a"])).unwrap(),
            None
        );
        assert_eq!(answer(r#"{"x":{"data":{"a":1}}}"#, None).unwrap(), None);
        for bad in [
            r#"{"data":{"a":1}} x"#,
            r#"{"data":[1]}"#,
            r#"{"data":{"a":}}"#,
            "[]",
        ] {
            assert!(answer(bad, None).is_err(), "{bad}");
            assert!(answer(bad, Some(&["b"])).is_err(), "{bad}");
        }
    }

    fn server() -> LiveFields {
        serde_json::from_value(json!({
            "bind_secret_id": true, "secret_id_bound_cidrs": null, "secret_id_ttl": 3600,
            "token_max_ttl": 14400, "token_policies": ["user-policy"], "token_ttl": 3600,
            "token_bound_cidrs": [], "token_type": "default"
        }))
        .expect("json")
    }

    fn diff(d: Option<DesiredFields>, l: Option<LiveFields>) -> Option<Change> {
        let mut desired = Desired::empty(
            miette::NamedSource::new("vault.toml", String::new()),
            ".".into(),
            "vaultform",
        );
        let mut live = Live::default();
        if let Some(d) = d {
            desired.items.insert(Kind::APPROLE, "approle/user", d);
        }
        if let Some(l) = l {
            live.items.insert(Kind::APPROLE, "approle/user", l);
        }
        let cx = PlanCx {
            desired: &desired,
            live: &live,
            fp: &FingerprintKey::from_bytes(vec![3; 32]),
            managed: &BTreeSet::new(),
        };
        APPROLES.diff(&Address::new(Kind::APPROLE, "approle/user"), &cx)
    }

    #[test]
    fn server_shapes_compare_equal() {
        assert_eq!(diff(Some(role()), Some(server())), None);
    }

    #[test]
    fn changed_ttl_shows_as_written() {
        let mut d = role();
        d.fields
            .insert("token_ttl".into(), FieldValue::Duration(7200, "2h".into()));
        let c = diff(Some(d), Some(server())).expect("change");
        assert_eq!(c.action, Action::Update);
        assert_eq!(c.fields.len(), 1);
        assert_eq!(c.fields[0].before.as_deref(), Some("1h"));
        assert_eq!(c.fields[0].after.as_deref(), Some("2h"));
    }

    #[test]
    fn named_items_are_created_with_every_field_and_deleted_when_dropped() {
        let c = diff(Some(role()), None).expect("create");
        assert_eq!(c.action, Action::Create);
        assert_eq!(c.fields.len(), 4);
        assert!(c.fields.iter().all(|f| f.before.is_none()));
        let c = diff(None, Some(server())).expect("delete");
        assert_eq!(c.action, Action::Delete);
    }

    #[test]
    fn paths_are_built_from_checked_names_only() {
        assert_eq!(APPROLES.check_name("team/approle/web"), Ok(()));
        assert!(APPROLES.check_name("approle/../../sys/mounts").is_err());
        assert!(APPROLES.check_name("approle").is_err());
        assert_eq!(
            TableKind::path(APPROLES.item, "team/approle", "web"),
            "auth/team/approle/role/web"
        );
    }
}
