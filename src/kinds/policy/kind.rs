//! The contract of ACL policies (`policies/<name>.hcl`).

use super::model::{DesiredPolicy, LivePolicy};
use crate::kinds::BUILTIN_POLICIES;
use crate::kinds::contract::{Declare, KindDef, PlanCx, ReadFuture, Section, Store, Wave};
use crate::kinds::declare::Val;
use crate::model::plan::{Action, Change, Plan};
use crate::model::store::union;
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self, NameError};
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::path::PathBuf;

/// An ACL policy.
pub const KIND: Kind = Kind::new(40, "policy");

/// ACL policies.
pub struct Policies;

/// The registry's entry.
pub static POLICIES: Policies = Policies;

impl KindDef for Policies {
    fn kind(&self) -> Kind {
        KIND
    }

    fn about(&self) -> &'static str {
        "an ACL policy (`sys/policies/acl/<name>`)"
    }

    fn noun(&self) -> Option<&'static str> {
        Some("policies")
    }

    fn check_name(&self, name: &str) -> Result<(), NameError> {
        names::policy_name(name)
    }

    fn sections(&self) -> &'static [Section] {
        &[Section::Top("policies")]
    }

    fn declare(&self, cx: &mut Declare<'_, '_>, value: &Val<'_>) {
        super::declare::policies(cx, value);
    }

    fn schema(&self, _section: Section) -> Option<serde_json::Value> {
        let lints: Vec<&str> = super::checks::LINTS.iter().map(|(n, _)| *n).collect();
        Some(serde_json::json!({
            "type": "object",
            "description": "every <name>.hcl or <name>.json in `dir` is the ACL policy <name>",
            "properties": {
                "dir": {"type": "string"},
                "allow": {"type": "array", "items": {"enum": lints}},
            },
            "additionalProperties": false,
        }))
    }

    fn builtin(&self, _desired: &Desired, name: &str) -> bool {
        BUILTIN_POLICIES.contains(&name)
    }

    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        match wave {
            Wave::Root => vec![
                async move {
                    let names = super::vault::list(vault).await?;
                    let store: Store = Box::new(move |live: &mut Live| {
                        live.listed.entry(KIND).or_default().extend(names);
                    });
                    Ok(store)
                }
                .boxed(),
            ],
            Wave::Items => {
                let both = union(desired.items.names(KIND), live.managed.names(KIND));
                let wanted: Vec<String> = if live.everything {
                    both.chain(
                        live.listed(KIND)
                            .map(String::as_str)
                            .filter(|n| names::policy_name(n).is_ok()),
                    )
                    .filter(|n| live.is_listed(KIND, n))
                    .map(str::to_string)
                    .collect::<std::collections::BTreeSet<String>>()
                    .into_iter()
                    .collect()
                } else {
                    both.filter(|n| live.is_listed(KIND, n))
                        .map(str::to_string)
                        .collect()
                };
                wanted
                    .into_iter()
                    .map(|name| {
                        async move {
                            let p = super::vault::read(vault, &name).await?;
                            let store: Store = Box::new(move |live: &mut Live| {
                                if let Some(p) = p {
                                    live.items.insert(KIND, name, p);
                                }
                            });
                            Ok(store)
                        }
                        .boxed()
                    })
                    .collect()
            }
            Wave::Lists => Vec::new(),
        }
    }

    /// Each policy's text byte for byte, in `policies/<name>.hcl`, or
    /// `.json` when the text is JSON; `[policies] dir = "policies"`.
    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        for (name, l) in live.items.iter::<LivePolicy>(KIND) {
            let address = Address::new(KIND, name.clone());
            if BUILTIN_POLICIES.contains(&name.as_str())
                || !(out.parents.contains(&address) || out.wants(KIND, None, name))
                || out.owned_elsewhere(live, &address)
            {
                continue;
            }
            if names::policy_name(name).is_err() || name.contains(['/', '\\']) {
                out.notes.push(format!(
                    "policy `{}`: a name vaultform does not accept as a file name",
                    names::excerpt(name)
                ));
                continue;
            }
            let ext = if l.text.trim_start().starts_with('{') {
                "json"
            } else {
                "hcl"
            };
            out.policies.insert(format!("{name}.{ext}"), l.text.clone());
            out.declare(&address, &["policies"], toml::Table::new(), None);
        }
        out.note_refused(KIND, live.listed(KIND), |n| names::policy_name(n).is_ok());
        if !out.policies.is_empty() {
            let t = out.table(&["policies"]);
            t.insert("dir".into(), toml::Value::String("policies".into()));
        }
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        super::diff::diff(
            address.clone(),
            cx.desired.items.get(KIND, &address.name),
            cx.live.items.get(KIND, &address.name),
        )
    }

    /// What the policy and role changes do to access.
    fn finish(&self, cx: &PlanCx<'_>, plan: &mut Plan) {
        plan.access = super::access::changes(cx.desired, cx.live, &plan.changes);
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
            match change.action {
                Action::Delete => super::vault::delete(vault, name).await,
                Action::Adopt => Ok(()),
                _ => {
                    let d = desired.items.get::<DesiredPolicy>(KIND, name).ok_or_else(|| {
                        VaultError::Internal {
                            what: format!("{} is not in the manifest", change.address),
                        }
                    })?;
                    super::vault::write(vault, &d.name, &d.text).await
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        let name = &change.address.name;
        if change.action == Action::Delete {
            live.items.remove(KIND, name);
            if let Some(s) = live.listed.get_mut(&KIND) {
                s.remove(name);
            }
            return;
        }
        if let Some(d) = desired.items.get::<DesiredPolicy>(KIND, name) {
            let text = d.text.clone();
            live.items.insert(KIND, name.clone(), LivePolicy { text });
            live.listed.entry(KIND).or_default().insert(name.clone());
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        let texts = [
            "path \"a\" { capabilities = [\"read\"] }\n",
            "path \"a\" { capabilities = [\"read\"] }",
            "path \"b/*\" { capabilities = [\"list\"] }\r\n",
        ];
        for _ in 0..rng.gen_range(0..3) {
            let name = format!("p{}", rng.gen_range(0..3));
            let text = texts[rng.gen_range(0..texts.len())].to_string();
            let file = PathBuf::from(format!("policies/{name}.hcl"));
            let d = DesiredPolicy {
                name: name.clone(),
                text,
                file,
            };
            desired.items.insert(KIND, name, d);
        }
        for _ in 0..rng.gen_range(0..4) {
            let name = format!("p{}", rng.gen_range(0..4));
            let text = texts[rng.gen_range(0..texts.len())].to_string();
            live.listed.entry(KIND).or_default().insert(name.clone());
            live.items.insert(KIND, name, LivePolicy { text });
        }
    }
}
