//! Identity: entities (`identity/entity/name/<name>`) and internal groups
//! (`identity/group/name/<name>`) with their policies, metadata and members.
//!
//! ```toml
//! [entities.alice]
//! policies = ["dev"]
//! metadata = { team = "web" }
//!
//! [groups.developers]
//! policies = ["dev-extra"]
//! member_entities = ["alice"]
//! ```
//!
//! Entities are a field table on the built-in `identity` mount. Groups name
//! their member entities by name; the server keeps entity IDs, so the plan
//! compares the IDs it read, translated back through the declared entities
//! (a member the manifest does not declare shows as its ID and is removed),
//! and the apply looks the IDs up just before writing (an entity created in
//! the same apply has no ID at plan time).

use super::contract::{Declare, KindDef, PlanCx, ReadFuture, Section, Wave};
use super::declare::Val;
use super::fields::{FieldType, FieldValue};
use super::table::{DesiredFields, LiveFields, ParentRule, TableKind};
use crate::diag::Problem;
use crate::model::plan::{Action, Change};
use crate::model::{Address, Desired, Kind, Live};
use crate::names::NameError;
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// An identity entity; after policies.
pub const ENTITY: Kind = Kind::new(66, "entity");
/// An internal identity group; after entities.
pub const GROUP: Kind = Kind::new(67, "group");

const IDENTITY: ParentRule = ParentRule {
    accepts: |t, _| t == "identity",
    needs: "the `identity` mount",
    help: "entities and groups live on the built-in identity mount",
    code: "vaultform::manifest::wrong_mount",
    nested_code: "vaultform::manifest::wrong_mount",
};

/// Metadata is a map of strings on the server: a number or a list there
/// would be stored as text and never compare equal again.
fn string_metadata(fields: &BTreeMap<String, FieldValue>) -> Option<(String, &'static str)> {
    match fields.get("metadata") {
        Some(FieldValue::Object(m)) if m.values().any(|v| !v.is_string()) => Some((
            "metadata values must be strings".into(),
            "quote them: metadata = { tier = \"1\" }",
        )),
        _ => None,
    }
}

/// `[entities.NAME]`.
pub static ENTITIES: TableKind = TableKind {
    kind: ENTITY,
    about: "an identity entity (`identity/entity/name/<name>`)",
    noun: Some("entit(y/ies)"),
    what: "entity",
    parent: Kind::MOUNT,
    parent_rule: IDENTITY,
    list: Some("{mount}/entity/name"),
    item: "{mount}/entity/name/{name}",
    fixed_mount: Some("identity"),
    required: &[],
    rules: Some(string_metadata),
    fields: &[&[
        ("policies", FieldType::List),
        ("metadata", FieldType::Object),
        ("disabled", FieldType::Bool),
    ]],
    sections: &[Section::Top("entities")],
    declare: None,
};

static GROUP_TABLE: TableKind = TableKind {
    kind: GROUP,
    about: "an internal identity group (`identity/group/name/<name>`)",
    noun: Some("group(s)"),
    what: "group",
    parent: Kind::MOUNT,
    parent_rule: IDENTITY,
    list: Some("{mount}/group/name"),
    item: "{mount}/group/name/{name}",
    fixed_mount: Some("identity"),
    required: &[],
    rules: Some(string_metadata),
    fields: &[&[
        ("policies", FieldType::List),
        ("metadata", FieldType::Object),
        ("member_entities", FieldType::List),
    ]],
    sections: &[Section::Top("groups")],
    declare: None,
};

/// Internal groups.
pub struct Groups;

/// The registry's entry.
pub static GROUPS: Groups = Groups;

/// The members a group declares.
fn members(d: &DesiredFields) -> Vec<String> {
    match d.fields.get("member_entities") {
        Some(FieldValue::List(l)) => l.clone(),
        _ => Vec::new(),
    }
}

/// A live group as the manifest writes it: member IDs translated to the
/// names of the entities read (an unknown ID stays an ID).
fn named_members(live: &Live, group: &LiveFields) -> LiveFields {
    let by_id: BTreeMap<&str, &str> = live
        .items
        .iter::<LiveFields>(ENTITY)
        .filter_map(|(name, e)| Some((e.get("id")?.as_str()?, name.as_str())))
        .collect();
    let names: Vec<Value> = group
        .get("member_entity_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|id| Value::from(by_id.get(id).copied().unwrap_or(id)))
        .collect();
    let mut out = group.clone();
    out.insert("member_entities".into(), Value::Array(names));
    out
}

impl KindDef for Groups {
    fn kind(&self) -> Kind {
        GROUP
    }
    fn about(&self) -> &'static str {
        GROUP_TABLE.about
    }
    fn noun(&self) -> Option<&'static str> {
        GROUP_TABLE.noun
    }
    fn check_name(&self, name: &str) -> Result<(), NameError> {
        GROUP_TABLE.check_name(name)
    }
    fn sections(&self) -> &'static [Section] {
        GROUP_TABLE.sections
    }
    fn declare(&self, cx: &mut Declare<'_, '_>, value: &Val<'_>) {
        GROUP_TABLE.declare(cx, value)
    }

    /// Its member entities (declared, so created first) and policies.
    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        let mut out = GROUP_TABLE.depends_on(desired, name);
        if let Some(d) = desired.items.get::<DesiredFields>(GROUP, name) {
            for p in match d.fields.get("policies") {
                Some(FieldValue::List(l)) => l.clone(),
                _ => Vec::new(),
            } {
                if desired.items.contains(Kind::POLICY, &p) {
                    out.push(Address::new(Kind::POLICY, p));
                }
            }
            out.extend(members(d).into_iter().map(|m| Address::new(ENTITY, m)));
        }
        out
    }

    /// Members are named by entity name: each must be an entity of the manifest.
    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        let mut problems = GROUP_TABLE.check(desired, live);
        for (name, d) in desired.items.iter::<DesiredFields>(GROUP) {
            for m in members(d) {
                if !desired.items.contains(ENTITY, &m) {
                    problems.push(desired.problem_at(
                        &Address::new(GROUP, name.clone()),
                        "vaultform::manifest::unknown_member",
                        format!("group `{name}` names member entity `{m}`, which the manifest does not declare"),
                        format!("declare [entities.{m}], or remove it from member_entities"),
                    ));
                }
            }
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
        GROUP_TABLE.reads(wave, vault, desired, live)
    }

    fn live_names(&self, live: &Live) -> BTreeSet<String> {
        GROUP_TABLE.live_names(live)
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let d = cx.desired.items.get::<DesiredFields>(GROUP, &address.name);
        let l = cx
            .live
            .items
            .get::<LiveFields>(GROUP, &address.name)
            .map(|g| named_members(cx.live, g));
        GROUP_TABLE.diff_items(address, d, l.as_ref())
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        _live: &'a Live,
    ) -> BoxFuture<'a, Result<(), VaultError>> {
        async move {
            let name = &change.address.name;
            let path = format!("identity/group/name/{name}");
            match change.action {
                Action::Adopt => Ok(()),
                Action::Delete => vault.delete(&path).await,
                _ => {
                    let d = desired
                        .items
                        .get::<DesiredFields>(GROUP, name)
                        .ok_or_else(|| VaultError::Internal {
                            what: format!("{} is not in the manifest", change.address),
                        })?;
                    let mut body: Map<String, Value> = d
                        .fields
                        .iter()
                        .filter(|(k, _)| k.as_str() != "member_entities")
                        .map(|(k, v)| (k.clone(), v.to_json()))
                        .collect();
                    body.insert("type".into(), Value::from("internal"));
                    if d.fields.contains_key("member_entities") {
                        let mut ids = Vec::new();
                        for m in members(d) {
                            let entity = format!("identity/entity/name/{m}");
                            let id = vault
                                .read(&entity)
                                .await?
                                .and_then(|b| b["data"]["id"].as_str().map(str::to_string))
                                .ok_or_else(|| VaultError::Unexpected {
                                    method: "GET".into(),
                                    path: entity.clone(),
                                    what: "no entity id (the member entity does not exist)"
                                        .into(),
                                })?;
                            ids.push(Value::from(id));
                        }
                        body.insert("member_entity_ids".into(), Value::Array(ids));
                    }
                    vault.write(&path, &Value::Object(body)).await.map(drop)
                }
            }
        }
        .boxed()
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        GROUP_TABLE.simulate(change, desired, live);
        // The model stores names as the live view shows them: translate back
        // to IDs through the entities, as the server would hold them.
        if change.action != Action::Delete
            && let Some(d) = desired.items.get::<DesiredFields>(GROUP, &change.address.name)
        {
            let ids: Vec<Value> = members(d)
                .iter()
                .map(|m| {
                    let id = live
                        .items
                        .get::<LiveFields>(ENTITY, m)
                        .and_then(|e| e.get("id").and_then(Value::as_str).map(str::to_string))
                        .unwrap_or_else(|| m.clone());
                    Value::from(id)
                })
                .collect();
            if let Some(g) = live
                .items
                .get_mut::<LiveFields>(GROUP, &change.address.name)
            {
                g.remove("member_entities");
                g.insert("member_entity_ids".into(), Value::Array(ids));
            }
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        GROUP_TABLE.arbitrary(rng, desired, live);
        // Members only name entities the manifest declares (the check above).
        let declared: Vec<String> = desired.items.names(ENTITY).cloned().collect();
        let groups: Vec<String> = desired.items.names(GROUP).cloned().collect();
        for g in groups {
            if let Some(d) = desired.items.get_mut::<DesiredFields>(GROUP, &g)
                && d.fields.contains_key("member_entities")
            {
                d.fields.insert(
                    "member_entities".into(),
                    FieldValue::List(declared.clone()),
                );
            }
        }
        for (_, l) in live.items.iter_mut::<LiveFields>(GROUP) {
            l.remove("member_entities");
        }
    }
}
