//! `plan(&Desired, &Live) -> Plan`: the pure heart of vaultform. Loops over
//! the registry of kinds; what a kind is, compares and reports is its own.

use crate::diag::Problem;
use crate::kinds::contract::{KindDef, PlanCx};
use crate::kinds::registry;
use crate::model::address::names_of_kind;
use crate::model::plan::{Action, Change, FORMAT_VERSION, OwnershipChange, Plan, Release, Summary};
use crate::model::store::{Names, merged};
use crate::model::{Address, Desired, Live};
use crate::ownership::DEFAULT_NAME;
use crate::secret::FingerprintKey;
use std::collections::{BTreeMap, BTreeSet};

/// What the ownership record should hold: the declared addresses of kinds
/// that are recorded. Kinds come in order and names sorted, so the set is
/// built in one pass.
fn wanted(desired: &Desired) -> BTreeSet<Address> {
    desired
        .items
        .kinds()
        .filter(|k| registry::def(*k).is_some_and(|d| d.recorded()))
        .flat_map(|k| {
            desired
                .items
                .names(k)
                .map(move |n| Address::new(k, n.clone()))
        })
        .collect()
}

/// Builds the plan. Pure: the same inputs always give the same plan (up to
/// fingerprints, which depend on `fp`).
pub fn plan(desired: &Desired, live: &Live, fp: &FingerprintKey) -> Plan {
    let wanted = wanted(desired);
    let own = &live.managed.addresses;
    let released = released_from_default(desired, live, &wanted);
    // What this manifest manages: its own record, plus what it takes over
    // (usually nothing: then the record itself, not a copy of it).
    let managed: std::borrow::Cow<'_, BTreeSet<Address>> = if released.is_empty() {
        std::borrow::Cow::Borrowed(own)
    } else {
        std::borrow::Cow::Owned(own.union(&released).cloned().collect())
    };
    let cx = PlanCx {
        desired,
        live,
        fp,
        managed: &managed,
    };
    let mut b = Builder {
        cx: &cx,
        released: &released,
        changes: Vec::new(),
        unmanaged: Vec::new(),
        owned_elsewhere: BTreeMap::new(),
    };
    for def in registry::all() {
        b.kind(def);
    }

    // Deletions run after every create and update, most dependent kind first.
    let (mut deletes, mut rest): (Vec<Change>, Vec<Change>) = b
        .changes
        .into_iter()
        .partition(|c| c.action == Action::Delete);
    rest.sort_by(|a, b| a.address.cmp(&b.address));
    deletes.sort_by(|a, b| {
        b.address
            .kind
            .cmp(&a.address.kind)
            .then(a.address.name.cmp(&b.address.name))
    });
    let mut changes = rest;
    changes.extend(deletes);

    let release = match live.managed.others.get(DEFAULT_NAME) {
        Some(record) if !released.is_empty() => vec![Release {
            manifest: DEFAULT_NAME.to_string(),
            addresses: released.iter().cloned().collect(),
            record_version: record.version,
        }],
        _ => Vec::new(),
    };
    let mut ownership = OwnershipChange {
        add: wanted.difference(own).cloned().collect(),
        remove: managed.difference(&wanted).cloned().collect(),
        record_version: live.managed.version,
        create_mount: !live.managed.mount_exists,
        release,
    };
    if ownership.is_empty() {
        ownership.create_mount = false;
    }
    let mut unmanaged = b.unmanaged;
    unmanaged.sort();

    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        access: Vec::new(),
        summary: Summary::of(&changes),
        changes,
        unmanaged,
        unmanaged_kv: BTreeMap::new(),
        owned_elsewhere: b.owned_elsewhere,
        warnings: desired.warnings.clone(),
        ownership,
    };
    for def in registry::all() {
        def.finish(&cx, &mut plan);
    }
    plan
}

/// What a named manifest takes over from the `default` record: on its first
/// run (no record of its own yet), the declared addresses the default record
/// claims — the migration from the single record of earlier versions. Also,
/// on later runs, declared addresses both records claim (a migration that
/// stopped half-way), so that it completes.
fn released_from_default(
    desired: &Desired,
    live: &Live,
    wanted: &BTreeSet<Address>,
) -> BTreeSet<Address> {
    if desired.name == DEFAULT_NAME {
        return BTreeSet::new();
    }
    let Some(default) = live.managed.others.get(DEFAULT_NAME) else {
        return BTreeSet::new();
    };
    default
        .addresses
        .iter()
        .filter(|a| wanted.contains(a))
        .filter(|a| live.managed.version == 0 || live.managed.addresses.contains(a))
        .cloned()
        .collect()
}

struct Builder<'a> {
    cx: &'a PlanCx<'a>,
    released: &'a BTreeSet<Address>,
    changes: Vec<Change>,
    unmanaged: Vec<Address>,
    owned_elsewhere: BTreeMap<String, Vec<Address>>,
}

impl Builder<'_> {
    /// Reconciles one kind: every desired name, every live name and every
    /// managed name of the kind.
    fn kind(&mut self, def: &dyn KindDef) {
        let (desired, live) = (self.cx.desired, self.cx.live);
        let kind = def.kind();
        if !def.recorded() {
            // Local things: made as declared, never adopted or deleted.
            for name in desired.items.names(kind) {
                let address = Address::new(kind, name.clone());
                self.changes.extend(def.diff(&address, self.cx));
            }
            return;
        }
        // Every live, declared and managed name of the kind, each once, from
        // one walk over the four sorted lists (no set of names, no search per
        // name).
        let managed = names_of_kind(self.cx.managed, kind).map(String::as_str);
        let lists: [Names<'_>; 4] = [
            Box::new(live.items.names(kind).map(String::as_str)),
            Box::new(live.listed(kind).map(String::as_str)),
            Box::new(desired.items.names(kind).map(String::as_str)),
            Box::new(managed),
        ];
        for (name, found) in merged(lists) {
            if def.builtin(desired, name) {
                continue;
            }
            let address = Address::new(kind, name);
            let exists = found[0] || found[1];
            let declared = found[2];
            let is_managed = found[3];
            // Another manifest's: never adopted, changed or deleted here
            // (declaring it is an error from `check_against_live`).
            if !self.released.contains(&address)
                && let Some(owner) = live.managed.owner_elsewhere(&address)
            {
                if exists && !declared && !is_managed {
                    self.owned_elsewhere
                        .entry(owner.to_string())
                        .or_default()
                        .push(address);
                }
                continue;
            }
            if declared {
                match def.diff(&address, self.cx) {
                    Some(mut c) => {
                        // Changed and taken over at once: an adoption too.
                        c.adopted = exists
                            && !is_managed
                            && matches!(c.action, Action::Update | Action::Replace);
                        self.changes.push(c)
                    }
                    None if exists && !is_managed => {
                        self.changes.push(Change::new(address, Action::Adopt))
                    }
                    None => {}
                }
            } else if is_managed {
                self.changes.extend(def.diff(&address, self.cx));
            } else if exists {
                self.unmanaged.push(address);
            }
        }
    }
}

/// Checks the manifest against facts only the server knows: nothing declared
/// that another manifest owns, then each kind's own checks (a secret on a KV
/// v2 mount, a role on an auth method of its type, ...). Pure.
pub fn check_against_live(desired: &Desired, live: &Live) -> Vec<Problem> {
    let mut problems = Vec::new();
    // With no other manifest's record on the server (the usual case), no
    // address can belong to one: the set of wanted addresses is not built.
    let wanted = if live.managed.others.is_empty() {
        BTreeSet::new()
    } else {
        wanted(desired)
    };
    let released = released_from_default(desired, live, &wanted);
    for a in wanted.iter().filter(|a| !released.contains(*a)) {
        if let Some(owner) = live.managed.owner_elsewhere(a) {
            let this = &desired.name;
            problems.push(desired.problem_at(
                a,
                "vaultform::manifest::owned_elsewhere",
                format!("{a} belongs to manifest `{owner}` (its ownership record claims it); manifest `{this}` cannot manage it"),
                format!(
                    "remove it from this manifest, or from manifest `{owner}` first (its apply then deletes it); each manifest's `[vaultform] name` has its own record"
                ),
            ));
        }
    }
    for def in registry::all() {
        problems.extend(def.check(desired, live));
    }
    problems
}

/// The addresses `--target` selects: the targets and, transitively, what
/// they depend on (a role's auth method and policies, a secret's mount, ...).
pub fn target_closure(desired: &Desired, targets: &[Address]) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    let mut todo: Vec<Address> = targets.to_vec();
    while let Some(t) = todo.pop() {
        if let Some(def) = registry::def(t.kind) {
            todo.extend(
                def.depends_on(desired, &t.name)
                    .into_iter()
                    .filter(|d| !out.contains(d)),
            );
        }
        out.insert(t);
    }
    out
}
