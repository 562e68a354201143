//! `plan(&Desired, &Live) -> Plan`: the pure heart of vaultform.

use super::{Action, Change, FORMAT_VERSION, OwnershipChange, Plan, Release, Summary, UnmanagedKv};
use crate::kinds::{self, Address, BUILTIN_AUTHS, BUILTIN_MOUNTS, BUILTIN_POLICIES, Kind};
use crate::live::Live;
use crate::manifest::{Desired, Problem};
use crate::ownership::DEFAULT_NAME;
use crate::secret::FingerprintKey;
use std::collections::{BTreeMap, BTreeSet};

/// Builds the plan. Pure: the same inputs always give the same plan (up to
/// fingerprints, which depend on `fp`).
pub fn plan(desired: &Desired, live: &Live, fp: &FingerprintKey) -> Plan {
    // Delivered credentials are local files, not Vault resources: never recorded.
    let wanted: BTreeSet<Address> = desired
        .addresses()
        .into_iter()
        .filter(|a| a.kind != Kind::Credentials)
        .collect();
    let own = &live.managed.addresses;
    let released = released_from_default(desired, live, &wanted);
    // What this manifest manages: its own record, plus what it takes over.
    let managed_set: BTreeSet<Address> = own.union(&released).cloned().collect();
    let managed = &managed_set;
    let mut b = Builder {
        managed,
        elsewhere: &|a: &Address| {
            if released.contains(a) {
                None
            } else {
                live.managed.owner_elsewhere(a)
            }
        },
        changes: Vec::new(),
        unmanaged: Vec::new(),
        owned_elsewhere: BTreeMap::new(),
    };
    let ownership_mount = desired.ownership_mount.as_str();

    b.kind(
        Kind::Mount,
        &desired.mounts,
        &live.mounts,
        &live.mounts.keys().cloned().collect(),
        |n| BUILTIN_MOUNTS.contains(&n) || n == ownership_mount,
        kinds::mount::diff::diff,
    );
    b.kind(
        Kind::Auth,
        &desired.auths,
        &live.auths,
        &live.auths.keys().cloned().collect(),
        |n| BUILTIN_AUTHS.contains(&n),
        kinds::mount::diff::diff,
    );
    b.kind(
        Kind::AuthConfig,
        &desired.auth_configs,
        &live.auth_configs,
        &BTreeSet::new(),
        |_| false,
        kinds::auth::diff::diff,
    );
    b.kind(
        Kind::Policy,
        &desired.policies,
        &live.policies,
        &live.policy_names,
        |n| BUILTIN_POLICIES.contains(&n),
        kinds::policy::diff::diff,
    );
    b.kind(
        Kind::Approle,
        &desired.approles,
        &live.approles,
        &live.approle_names,
        |_| false,
        kinds::role::diff::diff,
    );
    b.kind(
        Kind::KubernetesRole,
        &desired.kubernetes_roles,
        &live.kubernetes_roles,
        &live.kubernetes_role_names,
        |_| false,
        kinds::role::diff::diff,
    );
    b.kind(
        Kind::Kv,
        &desired.secrets,
        &live.secrets,
        &BTreeSet::new(),
        |_| false,
        |a, d, l| kinds::kv::diff::diff(a, d, l, fp),
    );

    for (name, d) in &desired.credentials {
        let address = Address::new(Kind::Credentials, name.clone());
        if let Some(c) =
            kinds::credentials::diff::diff(address, Some(d), live.credentials.get(name))
        {
            b.changes.push(c);
        }
    }

    let mut warnings = desired.warnings.clone();
    for m in &live.kv_paths_denied {
        warnings.push(format!(
            "the token may not list {m}/metadata/ (`scan` or `list`): unmanaged secrets on {m}/ are not reported"
        ));
    }
    for (name, d) in &desired.secrets {
        let addr = Address::new(Kind::Kv, name.clone());
        warnings.extend(kinds::kv::diff::warnings(&addr, d, live.secrets.get(name)));
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
    let ownership = OwnershipChange {
        add: wanted.difference(own).cloned().collect(),
        remove: managed.difference(&wanted).cloned().collect(),
        record_version: live.managed.version,
        create_mount: !live.managed.mount_exists,
        release,
    };

    let summary = Summary::of(&changes);
    let mut unmanaged_kv = BTreeMap::new();
    for (mount, paths) in &live.kv_paths {
        let mut entry = UnmanagedKv::default();
        for p in paths {
            let a = Address::new(Kind::Kv, format!("{mount}/{p}"));
            if wanted.contains(&a)
                || managed.contains(&a)
                || live.managed.owner_elsewhere(&a).is_some()
            {
                continue;
            }
            entry.count += 1;
            if entry.sample.len() < super::UNMANAGED_KV_SAMPLE {
                entry.sample.push(p.clone());
            }
        }
        if entry.count > 0 {
            unmanaged_kv.insert(mount.clone(), entry);
        }
    }
    let mut unmanaged = b.unmanaged;
    unmanaged.sort();
    let owned_elsewhere = b.owned_elsewhere;
    let access = super::access::changes(desired, live, &changes);

    Plan {
        format_version: FORMAT_VERSION,
        access,
        changes,
        unmanaged,
        unmanaged_kv,
        owned_elsewhere,
        warnings,
        ownership: if ownership.is_empty() {
            OwnershipChange {
                create_mount: false,
                ..ownership
            }
        } else {
            ownership
        },
        summary,
    }
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
    managed: &'a BTreeSet<Address>,
    /// The other manifest that owns an address, if any.
    elsewhere: &'a dyn Fn(&Address) -> Option<&'a str>,
    changes: Vec<Change>,
    unmanaged: Vec<Address>,
    owned_elsewhere: BTreeMap<String, Vec<Address>>,
}

impl Builder<'_> {
    /// Reconciles one kind: every desired name, every live name and every
    /// managed name of the kind.
    fn kind<D, L>(
        &mut self,
        kind: Kind,
        desired: &BTreeMap<String, D>,
        live: &BTreeMap<String, L>,
        listed: &BTreeSet<String>,
        builtin: impl Fn(&str) -> bool,
        diff: impl Fn(Address, Option<&D>, Option<&L>) -> Option<Change>,
    ) {
        let managed_names = self
            .managed
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.name.as_str());
        let names: BTreeSet<&str> = desired
            .keys()
            .map(String::as_str)
            .chain(live.keys().map(String::as_str))
            .chain(listed.iter().map(String::as_str))
            .chain(managed_names)
            .collect();
        for name in names {
            if builtin(name) {
                continue;
            }
            let address = Address::new(kind, name.to_string());
            let is_managed = self.managed.contains(&address);
            let d = desired.get(name);
            let l = live.get(name);
            let exists = l.is_some() || listed.contains(name);
            // Another manifest's: never adopted, changed or deleted here
            // (declaring it is an error from `check_against_live`).
            if let Some(owner) = (self.elsewhere)(&address) {
                if exists && d.is_none() && !is_managed {
                    self.owned_elsewhere
                        .entry(owner.to_string())
                        .or_default()
                        .push(address);
                }
                continue;
            }
            match d {
                Some(d) => match diff(address.clone(), Some(d), l) {
                    Some(c) => self.changes.push(c),
                    None if exists && !is_managed => {
                        self.changes.push(Change::new(address, Action::Adopt))
                    }
                    None => {}
                },
                None if is_managed => {
                    if let Some(c) = diff(address, None, l) {
                        self.changes.push(c);
                    }
                }
                None if exists => self.unmanaged.push(address),
                None => {}
            }
        }
    }
}

/// Checks the manifest against facts only the server knows: every secret must
/// sit on a KV v2 mount (declared, or existing on the server), every role on an
/// auth method of the right type, nothing declared that another manifest owns.
/// Pure.
pub fn check_against_live(desired: &Desired, live: &Live) -> Vec<Problem> {
    let mut problems = Vec::new();
    let wanted: BTreeSet<Address> = desired
        .addresses()
        .into_iter()
        .filter(|a| a.kind != Kind::Credentials)
        .collect();
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
    for (name, s) in &desired.secrets {
        let ok = match desired.mounts.get(&s.mount) {
            Some(m) => m.is_kv2(),
            None => live.mounts.get(&s.mount).is_some_and(|m| m.is_kv2()),
        };
        if !ok {
            let what = match (desired.mounts.get(&s.mount), live.mounts.get(&s.mount)) {
                (None, None) => format!("no mount `{}` in the manifest or on the server", s.mount),
                (None, Some(m)) => format!(
                    "mount `{}` on the server is `{}`, not KV version 2",
                    s.mount, m.type_name
                ),
                (Some(_), _) => format!("mount `{}` in the manifest is not KV version 2", s.mount),
            };
            problems.push(desired.problem_at(
                &Address::new(Kind::Kv, name.clone()),
                "vaultform::manifest::not_kv2",
                format!("secret `{name}` is not on a KV v2 mount: {what}"),
                format!(
                    "declare [mounts.{}] with type = \"kv\" and options = {{ version = \"2\" }}",
                    s.mount
                ),
            ));
        }
    }
    // Never replace what vaultform does not own: a declared mount or auth method
    // whose path holds an unmanaged one of another type is an error, not a plan.
    for (declared, existing, kind) in [
        (&desired.mounts, &live.mounts, Kind::Mount),
        (&desired.auths, &live.auths, Kind::Auth),
    ] {
        for (path, d) in declared {
            let address = Address::new(kind, path.clone());
            if let Some(l) = existing.get(path)
                && !live.managed.addresses.contains(&address)
                && l.type_name != d.type_name
                && !(d.type_name == "kv-v2" && l.is_kv2())
            {
                problems.push(desired.problem_at(
                    &address,
                    "vaultform::manifest::foreign_backend",
                    format!(
                        "`{path}/` on the server is a `{}` {kind} that vaultform does not manage; declaring it as `{}` would destroy it",
                        l.type_name, d.type_name
                    ),
                    "use another path, or remove the existing one by hand if it is really unwanted".to_string(),
                ));
            }
        }
    }
    for (map, kind, want) in [
        (&desired.approles, Kind::Approle, "approle"),
        (
            &desired.kubernetes_roles,
            Kind::KubernetesRole,
            "kubernetes",
        ),
    ] {
        for (name, r) in map {
            let ty = desired
                .auths
                .get(&r.mount)
                .map(|a| a.type_name.clone())
                .or_else(|| live.auths.get(&r.mount).map(|a| a.type_name.clone()));
            if ty.as_deref() != Some(want) {
                let what = match ty {
                    None => format!(
                        "no auth method `{}` in the manifest or on the server",
                        r.mount
                    ),
                    Some(t) => format!("auth method `{}` is `{t}`", r.mount),
                };
                problems.push(desired.problem_at(
                    &Address::new(kind, name.clone()),
                    "vaultform::manifest::wrong_auth_mount",
                    format!("role `{name}` needs a `{want}` auth method: {what}"),
                    format!(
                        "declare [auth.{}] with type = \"{want}\", or set `mount`",
                        r.mount
                    ),
                ));
            }
        }
    }
    problems
}

/// The addresses `--target` selects: the targets and what they depend on
/// (a role's auth method and policies, a secret's mount, a config's auth method).
pub fn target_closure(desired: &Desired, targets: &[Address]) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    for t in targets {
        out.insert(t.clone());
        match t.kind {
            Kind::Approle | Kind::KubernetesRole => {
                let map = if t.kind == Kind::Approle {
                    &desired.approles
                } else {
                    &desired.kubernetes_roles
                };
                if let Some(r) = map.get(&t.name) {
                    out.insert(Address::new(Kind::Auth, r.mount.clone()));
                    for p in r.policies() {
                        if desired.policies.contains_key(&p) {
                            out.insert(Address::new(Kind::Policy, p));
                        }
                    }
                }
            }
            Kind::Kv => {
                if let Some(s) = desired.secrets.get(&t.name) {
                    out.insert(Address::new(Kind::Mount, s.mount.clone()));
                }
            }
            Kind::AuthConfig => {
                out.insert(Address::new(Kind::Auth, t.name.clone()));
            }
            Kind::Credentials => {
                let role = Address::new(Kind::Approle, t.name.clone());
                out.extend(target_closure(desired, &[role]));
            }
            Kind::Mount | Kind::Auth | Kind::Policy => {}
        }
    }
    out
}
