//! The contract of secrets engine mounts and auth methods: one shape, two
//! kinds (`sys/mounts` and `sys/auth`).

use super::model::{DesiredBackend, LiveBackend};
use super::vault::{self, Family};
use crate::diag::Problem;
use crate::kinds::contract::{Declare, KindDef, PlanCx, ReadFuture, Section, Store, Wave};
use crate::kinds::declare::Val;
use crate::kinds::export::Export;
use crate::kinds::fields::FieldType;
use crate::kinds::role::model::MOUNT_TOKEN_TYPES;
use crate::kinds::{BUILTIN_AUTHS, BUILTIN_MOUNTS};
use crate::model::plan::{Action, Change};
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self, NameError};
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::json;

/// A secrets engine mount.
pub const MOUNT: Kind = Kind::new(10, "mount");
/// An auth method.
pub const AUTH: Kind = Kind::new(20, "auth");

/// Mounts or auth methods.
pub struct Backends {
    kind: Kind,
    family: Family,
}

/// Secrets engine mounts, `[mounts.PATH]`.
pub static MOUNTS: Backends = Backends {
    kind: MOUNT,
    family: Family::Mounts,
};

/// Auth methods, `[auth.PATH]`.
pub static AUTHS: Backends = Backends {
    kind: AUTH,
    family: Family::Auth,
};

impl KindDef for Backends {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn about(&self) -> &'static str {
        match self.family {
            Family::Mounts => "a secrets engine mount (`sys/mounts/<path>`)",
            Family::Auth => "an auth method (`sys/auth/<path>`)",
        }
    }

    fn noun(&self) -> Option<&'static str> {
        Some(match self.family {
            Family::Mounts => "mount(s)",
            Family::Auth => "auth method(s)",
        })
    }

    fn check_name(&self, name: &str) -> Result<(), NameError> {
        match self.family {
            Family::Mounts => names::mount_path(name),
            Family::Auth => names::path(name),
        }
    }

    fn sections(&self) -> &'static [Section] {
        match self.family {
            Family::Mounts => &[Section::Top("mounts")],
            Family::Auth => &[Section::Top("auth")],
        }
    }

    fn declare(&self, cx: &mut Declare<'_, '_>, value: &Val<'_>) {
        super::declare::backends(self.kind, cx, value);
    }

    fn schema(&self, _section: Section) -> Option<serde_json::Value> {
        Some(super::declare::schema(self.kind))
    }

    fn builtin(&self, desired: &Desired, name: &str) -> bool {
        match self.family {
            Family::Mounts => BUILTIN_MOUNTS.contains(&name) || name == desired.ownership_mount,
            Family::Auth => BUILTIN_AUTHS.contains(&name),
        }
    }

    fn destructive(&self) -> bool {
        true
    }

    /// Never replace what vaultform does not own: a declared mount or auth
    /// method whose path holds an unmanaged one of another type is an error,
    /// not a plan.
    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        let kind = self.kind;
        let mut problems = Vec::new();
        for (path, d) in desired.items.iter::<DesiredBackend>(kind) {
            let address = Address::new(kind, path.clone());
            if let Some(l) = live.items.get::<LiveBackend>(kind, path)
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
        problems
    }

    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        _desired: &'a Desired,
        _live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        if wave != Wave::Root {
            return Vec::new();
        }
        let (kind, family) = (self.kind, self.family);
        vec![
            async move {
                let all = vault::read_all(vault, family).await?;
                let store: Store = Box::new(move |live: &mut Live| {
                    for (path, b) in all {
                        live.items.insert(kind, path, b);
                    }
                });
                Ok(store)
            }
            .boxed(),
        ]
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        super::diff::diff(
            address.clone(),
            cx.desired.items.get(self.kind, &address.name),
            cx.live.items.get(self.kind, &address.name),
        )
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        _live: &'a Live,
        _key: &'a crate::secret::FingerprintKey,
    ) -> BoxFuture<'a, Result<crate::kinds::contract::Applied, VaultError>> {
        let family = self.family;
        let name = change.address.name.as_str();
        let d = desired.items.get::<DesiredBackend>(self.kind, name);
        let missing = || VaultError::Internal {
            what: format!("{} is not in the manifest", change.address),
        };
        crate::kinds::contract::nothing_known(async move {
            match change.action {
                Action::Delete => vault::disable(vault, family, name).await,
                Action::Create => vault::enable(vault, family, d.ok_or_else(missing)?).await,
                Action::Update => vault::tune(vault, family, d.ok_or_else(missing)?).await,
                Action::Replace => {
                    let d = d.ok_or_else(missing)?;
                    vault::disable(vault, family, name).await?;
                    vault::enable(vault, family, d).await
                }
                Action::Adopt => Ok(()),
            }
        })
    }

    /// Type, description, options, non-default TTLs (and an auth method's
    /// non-default token type), `local` and `seal_wrap` when set.
    fn export(&self, live: &Live, out: &mut Export) {
        let section = match self.family {
            Family::Mounts => "mounts",
            Family::Auth => "auth",
        };
        for (path, l) in live.items.iter::<LiveBackend>(self.kind) {
            let builtin = match self.family {
                Family::Mounts => BUILTIN_MOUNTS.contains(&path.as_str()) || *path == out.ownership_mount,
                Family::Auth => BUILTIN_AUTHS.contains(&path.as_str()),
            };
            let address = Address::new(self.kind, path.clone());
            if builtin || !out.wants_parent(&address, path) || out.owned_elsewhere(live, &address) {
                continue;
            }
            if self.check_name(path).is_err() {
                out.notes.push(format!(
                    "{section} `{}`: a path vaultform does not accept",
                    names::excerpt(path)
                ));
                continue;
            }
            let mut t =
                crate::kinds::export::backend_table(&l.type_name, &l.description, &l.options);
            for key in ["default_lease_ttl", "max_lease_ttl"] {
                if let Some(v) = FieldType::Duration.export(l.config.get(key)) {
                    t.insert(key.into(), v);
                }
            }
            if matches!(self.family, Family::Auth)
                && let Some(v) = l.config.get("token_type")
                && v.as_str() != Some("default-service")
                && let Some(v) = FieldType::Choice(MOUNT_TOKEN_TYPES).export(Some(v))
            {
                t.insert("token_type".into(), v);
            }
            for (flag, on) in [("local", l.local), ("seal_wrap", l.seal_wrap)] {
                if on {
                    t.insert(flag.into(), toml::Value::Boolean(true));
                }
            }
            out.declare(&address, &[section, path], t, None);
        }
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        let name = &change.address.name;
        if change.action == Action::Delete {
            live.items.remove(self.kind, name);
            return;
        }
        let Some(d) = desired.items.get::<DesiredBackend>(self.kind, name) else {
            return;
        };
        let mut l = match change.action {
            Action::Replace => LiveBackend::default(),
            _ => live
                .items
                .get::<LiveBackend>(self.kind, name)
                .cloned()
                .unwrap_or_default(),
        };
        l.type_name = d.type_name.clone();
        if let Some(desc) = &d.description {
            l.description = desc.clone();
        }
        l.options.extend(d.options.clone());
        for (k, v) in &d.config {
            l.config.insert(k.clone(), v.to_json());
        }
        if let Some(local) = d.local {
            l.local = local;
        }
        if let Some(sw) = d.seal_wrap {
            l.seal_wrap = sw;
        }
        live.items.insert(self.kind, name.clone(), l);
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        let types = ["kv", "transit", "approle"];
        for _ in 0..rng.gen_range(0..3) {
            let path = format!("p{}", rng.gen_range(0..3));
            let mut d = DesiredBackend {
                path: path.clone(),
                type_name: types[rng.gen_range(0..types.len())].to_string(),
                description: rng.gen_bool(0.5).then(|| "d".to_string()),
                options: Default::default(),
                config: Default::default(),
                local: rng.gen_bool(0.3).then(|| rng.gen_bool(0.5)),
                seal_wrap: None,
            };
            if d.type_name == "kv" && rng.gen_bool(0.5) {
                d.options.insert("version".into(), "2".into());
            }
            if rng.gen_bool(0.5) {
                let s = [60u64, 3600][rng.gen_range(0..2)];
                d.config.insert(
                    "default_lease_ttl".into(),
                    crate::kinds::fields::FieldValue::Duration(s, crate::duration::format(s)),
                );
            }
            desired.items.insert(self.kind, path, d);
        }
        for _ in 0..rng.gen_range(0..4) {
            let path = format!("p{}", rng.gen_range(0..4));
            let ttl = [0, 60][rng.gen_range(0..2)];
            let l = LiveBackend::from_json(&json!({
                "type": types[rng.gen_range(0..types.len())],
                "description": if rng.gen_bool(0.5) { "d" } else { "" },
                "config": { "default_lease_ttl": ttl },
                "local": rng.gen_bool(0.2),
            }));
            live.items.insert(self.kind, path, l);
        }
    }
}
