//! Identity: entities (`identity/entity/name/<name>`) and internal groups
//! (`identity/group/name/<name>`) with their policies, metadata and members.
//!
//! ```toml
//! [entities.alice]
//! policies = ["dev"]
//! metadata = { team = "web" }
//! aliases = { userpass = "alice", jwt = "alice@example.com" }
//!
//! [groups.developers]
//! policies = ["dev-extra"]
//! member_entities = ["alice"]
//!
//! [groups.engineering]
//! member_groups = ["developers"]
//!
//! [groups.ops]
//! type = "external"
//! policies = ["ops"]
//! alias = { oidc = "ops-team" }
//! ```
//!
//! Entities are a field table on the built-in `identity` mount; their
//! `aliases` map an auth method's path to the name the entity logs in with
//! there (created, renamed and removed through `identity/entity-alias`, by
//! the method's accessor, read at apply time). Groups name
//! their member entities by name; the server keeps entity IDs, so the plan
//! compares the IDs it read, translated back through the declared entities
//! (a member the manifest does not declare shows as its ID and is removed),
//! and the apply looks the IDs up just before writing (an entity created in
//! the same apply has no ID at plan time). Member groups (`member_groups`,
//! by name, each a group of the manifest) work the same way; the applier
//! writes a group after the groups it has as members, and a cycle is
//! refused offline.

use super::contract::{KindDef, PlanCx, Section};
use super::fields::{FieldType, FieldValue};
use super::table::{DesiredFields, LiveFields, ParentRule, TableKind};
use crate::diag::Problem;
use crate::model::plan::{Action, Change};
use crate::model::{Address, Desired, Kind, Live};
use crate::vault::{Vault, VaultError};
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// An identity entity; after policies.
pub const ENTITY: Kind = Kind::new(66, "entity");
/// An identity group (internal, or external with a group alias); after entities.
pub const GROUP: Kind = Kind::new(67, "group");

const IDENTITY: ParentRule = ParentRule {
    accepts: |t, _| t == "identity",
    needs: "the `identity` mount",
    help: "entities and groups live on the built-in identity mount",
    code: "vaultform::manifest::wrong_mount",
    nested_code: "vaultform::manifest::wrong_mount",
};

/// Metadata is a map of strings on the server: a number or a list there
/// would be stored as text and never compare equal again. Aliases map auth
/// method paths to alias names.
fn string_metadata(fields: &BTreeMap<String, FieldValue>) -> Option<(String, &'static str)> {
    match (fields.get("metadata"), fields.get("aliases")) {
        (Some(FieldValue::Object(m)), _) if m.values().any(|v| !v.is_string()) => Some((
            "metadata values must be strings".into(),
            "quote them: metadata = { tier = \"1\" }",
        )),
        (_, Some(FieldValue::Object(m)))
            if m
                .iter()
                .any(|(k, v)| !v.is_string() || crate::names::path(k).is_err()) =>
        {
            Some((
                "aliases map an auth method path to an alias name".into(),
                "write aliases = { userpass = \"alice\" }",
            ))
        }
        _ => None,
    }
}

static ENTITY_TABLE: TableKind = TableKind {
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
        ("aliases", FieldType::Object),
    ]],
    sections: &[Section::Top("entities")],
    declare: None,
    extra_keys: &[],
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
    rules: Some(group_rules),
    fields: &[&[
        (
            "type",
            FieldType::Choice(&[("internal", "internal"), ("external", "external")]),
        ),
        ("policies", FieldType::List),
        ("metadata", FieldType::Object),
        ("member_entities", FieldType::List),
        ("member_groups", FieldType::List),
        ("alias", FieldType::Object),
    ]],
    sections: &[Section::Top("groups")],
    declare: None,
    extra_keys: &[],
};

/// Entities, `[entities.NAME]`.
pub struct Entities;

/// The registry's entry for entities.
pub static ENTITIES: Entities = Entities;

/// A live entity as the manifest writes it: its aliases as `{ mount path:
/// alias name }` (the server lists them with their mount's API path).
fn named_aliases(entity: &LiveFields) -> LiveFields {
    let mut out = entity.clone();
    if let Some(list) = entity.get("aliases").and_then(Value::as_array) {
        let map: Map<String, Value> = list
            .iter()
            .filter_map(|a| {
                let path = mount_of(a["mount_path"].as_str()?);
                Some((path.to_string(), a["name"].clone()))
            })
            .collect();
        out.insert("aliases".into(), Value::Object(map));
    }
    out
}

/// An identity object (entity or group) read by name, and its ID.
async fn read_with_id(vault: &Vault, path: &str) -> Result<(Value, String), VaultError> {
    let body = vault.read(path).await?.unwrap_or(Value::Null);
    let id = body["data"]["id"]
        .as_str()
        .ok_or_else(|| VaultError::Unexpected {
            method: "GET".into(),
            path: path.into(),
            what: "no id (it does not exist)".into(),
        })?
        .to_string();
    Ok((body, id))
}

/// The accessor of every auth method, by path (`userpass`): aliases name
/// their method by accessor. Read at apply time (a method created in the
/// same apply has none at plan time).
async fn accessors(vault: &Vault) -> Result<BTreeMap<String, String>, VaultError> {
    let body = vault.read("sys/auth").await?.unwrap_or(Value::Null);
    let data = if body["data"].is_object() { &body["data"] } else { &body };
    Ok(data
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(p, v)| Some((p.trim_end_matches('/').to_string(), v["accessor"].as_str()?.to_string())))
        .collect())
}

fn accessor<'m>(
    accessors: &'m BTreeMap<String, String>,
    mount: &str,
    what: &str,
) -> Result<&'m str, VaultError> {
    accessors
        .get(mount)
        .map(String::as_str)
        .ok_or_else(|| VaultError::Unexpected {
            method: "GET".into(),
            path: "sys/auth".into(),
            what: format!("no auth method at `{mount}` for {what}"),
        })
}

/// An alias's mount as the manifest names it: `auth/userpass/` -> `userpass`.
fn mount_of(mount_path: &str) -> &str {
    mount_path
        .strip_prefix("auth/")
        .unwrap_or(mount_path)
        .trim_end_matches('/')
}

/// Makes the entity's aliases what `want` says: created, renamed, removed.
async fn sync_aliases(
    vault: &Vault,
    name: &str,
    want: &Map<String, Value>,
) -> Result<(), VaultError> {
    let (entity, id) = read_with_id(vault, &format!("identity/entity/name/{name}")).await?;
    let accessors = accessors(vault).await?;
    let mut have: BTreeMap<String, (String, String)> = BTreeMap::new();
    for a in entity["data"]["aliases"].as_array().into_iter().flatten() {
        let (Some(mp), Some(aid), Some(an)) =
            (a["mount_path"].as_str(), a["id"].as_str(), a["name"].as_str())
        else {
            continue;
        };
        have.insert(mount_of(mp).to_string(), (aid.to_string(), an.to_string()));
    }
    for (mount, alias) in want {
        let alias = alias.as_str().unwrap_or_default();
        let accessor = accessor(&accessors, mount, &format!("an alias of entity `{name}`"))?;
        let body = serde_json::json!({"name": alias, "canonical_id": id, "mount_accessor": accessor});
        match have.get(mount.as_str()) {
            Some((_, current)) if current == alias => {}
            Some((alias_id, _)) => {
                // (IDs from the server; the client checks every path it sends.)
                let p = format!("identity/entity-alias/id/{alias_id}");
                vault.write(&p, &body).await?;
            }
            None => {
                vault.write("identity/entity-alias", &body).await?;
            }
        }
    }
    for (mount, (alias_id, _)) in &have {
        if !want.contains_key(mount) {
            vault
                .delete(&format!("identity/entity-alias/id/{alias_id}"))
                .await?;
        }
    }
    Ok(())
}

impl KindDef for Entities {
    super::table::from_table!(ENTITY_TABLE, reads);

    /// With its aliases by auth mount and name, as compared.
    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        for (key, l) in live.items.iter::<LiveFields>(ENTITY) {
            ENTITY_TABLE.export_item(live, out, key, &named_aliases(l));
        }
        ENTITY_TABLE.export_refused(live, out);
    }

    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        let mut out = ENTITY_TABLE.depends_on(desired, name);
        if let Some(d) = desired.items.get::<DesiredFields>(ENTITY, name) {
            if let Some(FieldValue::Object(m)) = d.fields.get("aliases") {
                out.extend(m.keys().map(|mount| Address::new(Kind::AUTH, mount.clone())));
            }
        }
        out
    }
    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        ENTITY_TABLE.check(desired, live)
    }
    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let d = cx.desired.items.get::<DesiredFields>(ENTITY, &address.name);
        let l = cx
            .live
            .items
            .get::<LiveFields>(ENTITY, &address.name)
            .map(named_aliases);
        ENTITY_TABLE.diff_items(address, d, l.as_ref())
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
            let name = &change.address.name;
            let path = format!("identity/entity/name/{name}");
            match change.action {
                Action::Adopt => Ok(()),
                // Its aliases go with it.
                Action::Delete => vault.delete(&path).await,
                _ => {
                    let d = desired
                        .items
                        .get::<DesiredFields>(ENTITY, name)
                        .ok_or_else(|| VaultError::Internal {
                            what: format!("{} is not in the manifest", change.address),
                        })?;
                    let body: Map<String, Value> = d
                        .fields
                        .iter()
                        .filter(|(k, _)| k.as_str() != "aliases")
                        .map(|(k, v)| (k.clone(), v.to_json()))
                        .collect();
                    vault.write(&path, &Value::Object(body)).await?;
                    if let Some(FieldValue::Object(want)) = d.fields.get("aliases") {
                        sync_aliases(vault, name, want).await?;
                    }
                    Ok(())
                }
            }
        })
    }
    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        ENTITY_TABLE.simulate(change, desired, live);
    }
    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        ENTITY_TABLE.arbitrary(rng, desired, live);
    }
}

/// An internal group has members, an external one an alias (the name of
/// the group in the auth method's own directory, one method).
fn group_rules(fields: &BTreeMap<String, FieldValue>) -> Option<(String, &'static str)> {
    if let Some(problem) = string_metadata(fields) {
        return Some(problem);
    }
    let external = matches!(fields.get("type"), Some(FieldValue::Str(t)) if t == "external");
    match fields.get("alias") {
        Some(_) if !external => {
            return Some((
                "only an external group has an alias".into(),
                "add type = \"external\", or remove alias",
            ));
        }
        Some(FieldValue::Object(m))
            if m.len() != 1
                || m
                    .iter()
                    .any(|(k, v)| !v.is_string() || crate::names::path(k).is_err()) =>
        {
            return Some((
                "alias maps one auth method path to the group's name there".into(),
                "write alias = { oidc = \"ops-team\" }",
            ));
        }
        _ => {}
    }
    if external && (fields.contains_key("member_entities") || fields.contains_key("member_groups")) {
        return Some((
            "an external group's members come from its auth method, not the manifest".into(),
            "remove member_entities and member_groups, or make the group internal",
        ));
    }
    None
}

/// Makes an external group's alias what `want` says (one method: name).
async fn sync_group_alias(
    vault: &Vault,
    name: &str,
    want: &Map<String, Value>,
) -> Result<(), VaultError> {
    let (group, id) = read_with_id(vault, &format!("identity/group/name/{name}")).await?;
    let have = &group["data"]["alias"];
    let have_id = have["id"].as_str().filter(|i| !i.is_empty());
    let Some((mount, alias)) = want.iter().next() else {
        if let Some(alias_id) = have_id {
            vault
                .delete(&format!("identity/group-alias/id/{alias_id}"))
                .await?;
        }
        return Ok(());
    };
    let alias = alias.as_str().unwrap_or_default();
    let accessors = accessors(vault).await?;
    let accessor = accessor(&accessors, mount, &format!("the alias of group `{name}`"))?;
    let same = have["name"].as_str() == Some(alias)
        && have["mount_accessor"].as_str() == Some(accessor);
    if same {
        return Ok(());
    }
    let body = serde_json::json!({"name": alias, "mount_accessor": accessor, "canonical_id": id});
    match have_id {
        // (IDs from the server; the client checks every path it sends.)
        Some(alias_id) => vault
            .write(&format!("identity/group-alias/id/{alias_id}"), &body)
            .await
            .map(drop),
        None => vault.write("identity/group-alias", &body).await.map(drop),
    }
}

/// Identity groups.
pub struct Groups;

/// The registry's entry.
pub static GROUPS: Groups = Groups;

/// The members a group declares.
fn members(d: &DesiredFields) -> Vec<String> {
    list(d, "member_entities")
}

/// The member groups a group declares.
fn member_groups(d: &DesiredFields) -> Vec<String> {
    list(d, "member_groups")
}

fn list(d: &DesiredFields, field: &str) -> Vec<String> {
    match d.fields.get(field) {
        Some(FieldValue::List(l)) => l.clone(),
        _ => Vec::new(),
    }
}

/// The groups of the manifest reachable from `start` through member groups,
/// `start` included when a cycle leads back to it.
fn reachable(desired: &Desired, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = desired
        .items
        .get::<DesiredFields>(GROUP, start)
        .map(member_groups)
        .unwrap_or_default();
    while let Some(g) = todo.pop() {
        if seen.insert(g.clone())
            && let Some(d) = desired.items.get::<DesiredFields>(GROUP, &g)
        {
            todo.extend(member_groups(d));
        }
    }
    seen
}

/// Each name's ID, read just before writing; `what` names the kind of
/// member for the error.
async fn ids_of(vault: &Vault, kind: &str, names: &[String]) -> Result<Vec<Value>, VaultError> {
    let mut ids = Vec::new();
    for m in names {
        let path = format!("identity/{kind}/name/{m}");
        let id = vault
            .read(&path)
            .await?
            .and_then(|b| b["data"]["id"].as_str().map(str::to_string))
            .ok_or_else(|| VaultError::Unexpected {
                method: "GET".into(),
                path: path.clone(),
                what: format!("no {kind} id (the member {kind} does not exist)"),
            })?;
        ids.push(Value::from(id));
    }
    Ok(ids)
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
    let groups_by_id: BTreeMap<&str, &str> = live
        .items
        .iter::<LiveFields>(GROUP)
        .filter_map(|(name, g)| Some((g.get("id")?.as_str()?, name.as_str())))
        .collect();
    let groups: Vec<Value> = group
        .get("member_group_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|id| Value::from(groups_by_id.get(id).copied().unwrap_or(id)))
        .collect();
    out.insert("member_groups".into(), Value::Array(groups));
    // An external group's alias, as the server returns it (an object with
    // its ID, name and mount), shown as `{ mount path: name }`.
    if let Some(Value::Object(a)) = group.get("alias")
        && (a.is_empty() || a.contains_key("canonical_id"))
    {
        let mut alias = Map::new();
        if let (Some(mp), Some(n)) = (a.get("mount_path").and_then(Value::as_str), a.get("name"))
            && !mp.is_empty()
        {
            alias.insert(mount_of(mp).to_string(), n.clone());
        }
        out.insert("alias".into(), Value::Object(alias));
    } else if matches!(group.get("alias"), None | Some(Value::Null)) {
        out.insert("alias".into(), Value::Object(Map::new()));
    }
    out
}

impl KindDef for Groups {
    super::table::from_table!(GROUP_TABLE, reads);

    /// With its members by name, as compared.
    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        for (key, l) in live.items.iter::<LiveFields>(GROUP) {
            GROUP_TABLE.export_item(live, out, key, &named_members(live, l));
        }
        GROUP_TABLE.export_refused(live, out);
    }


    /// Its member entities (declared, so created first) and policies.
    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        let mut out = GROUP_TABLE.depends_on(desired, name);
        if let Some(d) = desired.items.get::<DesiredFields>(GROUP, name) {
            out.extend(members(d).into_iter().map(|m| Address::new(ENTITY, m)));
            out.extend(member_groups(d).into_iter().map(|m| Address::new(GROUP, m)));
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
            for m in member_groups(d) {
                if !desired.items.contains(GROUP, &m) {
                    problems.push(desired.problem_at(
                        &Address::new(GROUP, name.clone()),
                        "vaultform::manifest::unknown_member",
                        format!("group `{name}` names member group `{m}`, which the manifest does not declare"),
                        format!("declare [groups.{m}], or remove it from member_groups"),
                    ));
                }
            }
            if reachable(desired, name).contains(name) {
                problems.push(desired.problem_at(
                    &Address::new(GROUP, name.clone()),
                    "vaultform::manifest::member_cycle",
                    format!("group `{name}` is a member of itself through member_groups"),
                    "remove one membership of the cycle".to_string(),
                ));
            }
        }
        problems
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let d = cx.desired.items.get::<DesiredFields>(GROUP, &address.name);
        let l = cx
            .live
            .items
            .get::<LiveFields>(GROUP, &address.name)
            .map(|g| named_members(cx.live, g));
        let mut c = GROUP_TABLE.diff_items(address, d, l.as_ref())?;
        // The server cannot change a group's type: replaced (its members
        // and alias are set again).
        if c.action == Action::Update && c.fields.iter().any(|f| f.name == "type") {
            c.action = Action::Replace;
        }
        Some(c)
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
            let name = &change.address.name;
            let path = format!("identity/group/name/{name}");
            match change.action {
                Action::Adopt => Ok(()),
                Action::Delete => vault.delete(&path).await,
                _ => {
                    if change.action == Action::Replace {
                        vault.delete(&path).await?;
                    }
                    let d = desired
                        .items
                        .get::<DesiredFields>(GROUP, name)
                        .ok_or_else(|| VaultError::Internal {
                            what: format!("{} is not in the manifest", change.address),
                        })?;
                    let mut body: Map<String, Value> = d
                        .fields
                        .iter()
                        .filter(|(k, _)| {
                            !matches!(k.as_str(), "member_entities" | "member_groups" | "alias")
                        })
                        .map(|(k, v)| (k.clone(), v.to_json()))
                        .collect();
                    if !body.contains_key("type") {
                        body.insert("type".into(), Value::from("internal"));
                    }
                    if d.fields.contains_key("member_entities") {
                        let ids = ids_of(vault, "entity", &members(d)).await?;
                        body.insert("member_entity_ids".into(), Value::Array(ids));
                    }
                    if d.fields.contains_key("member_groups") {
                        let ids = ids_of(vault, "group", &member_groups(d)).await?;
                        body.insert("member_group_ids".into(), Value::Array(ids));
                    }
                    vault.write(&path, &Value::Object(body)).await?;
                    if let Some(FieldValue::Object(want)) = d.fields.get("alias") {
                        sync_group_alias(vault, name, want).await?;
                    }
                    Ok(())
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        if change.action == Action::Replace {
            live.items.remove(GROUP, &change.address.name);
        }
        GROUP_TABLE.simulate(change, desired, live);
        // The model stores names as the live view shows them: translate back
        // to IDs through the entities, as the server would hold them.
        if change.action != Action::Delete
            && let Some(d) = desired.items.get::<DesiredFields>(GROUP, &change.address.name)
        {
            let ids = |kind: Kind, names: Vec<String>, live: &Live| -> Vec<Value> {
                names
                    .iter()
                    .map(|m| {
                        let id = live
                            .items
                            .get::<LiveFields>(kind, m)
                            .and_then(|e| e.get("id").and_then(Value::as_str).map(str::to_string))
                            .unwrap_or_else(|| m.clone());
                        Value::from(id)
                    })
                    .collect()
            };
            let entity_ids = ids(ENTITY, members(d), live);
            let group_ids = ids(GROUP, member_groups(d), live);
            if let Some(g) = live
                .items
                .get_mut::<LiveFields>(GROUP, &change.address.name)
            {
                g.remove("member_entities");
                g.insert("member_entity_ids".into(), Value::Array(entity_ids));
                g.remove("member_groups");
                g.insert("member_group_ids".into(), Value::Array(group_ids));
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
        // Member groups: only earlier groups of the manifest (no cycle).
        let mut before: Vec<String> = Vec::new();
        for g in desired.items.names(GROUP).cloned().collect::<Vec<_>>() {
            if let Some(d) = desired.items.get_mut::<DesiredFields>(GROUP, &g)
                && d.fields.contains_key("member_groups")
            {
                d.fields
                    .insert("member_groups".into(), FieldValue::List(before.clone()));
            }
            before.push(g);
        }
        for (_, l) in live.items.iter_mut::<LiveFields>(GROUP) {
            l.remove("member_entities");
            l.remove("member_groups");
        }
    }
}
