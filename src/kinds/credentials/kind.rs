//! The contract of AppRole credential delivery (`credentials_dir` of an
//! `[approles.NAME]`): local files, never in the ownership record.

use super::model::{DesiredCredentials, LiveCredentials, SecretIdState};
use crate::kinds::contract::{KindDef, PlanCx, ReadFuture, Store, Wave};
use crate::model::plan::{Action, Change};
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self, NameError};
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::path::PathBuf;

/// An AppRole's delivered credentials.
pub const KIND: Kind = Kind::new(80, "credentials");

/// Credential deliveries.
pub struct Credentials;

/// The registry's entry.
pub static CREDENTIALS: Credentials = Credentials;

impl KindDef for Credentials {
    fn kind(&self) -> Kind {
        KIND
    }

    fn about(&self) -> &'static str {
        "an AppRole's delivered credentials (`role_id` and `secret_id` files)"
    }

    fn check_name(&self, name: &str) -> Result<(), NameError> {
        names::mount_item(name)
    }

    fn recorded(&self) -> bool {
        false
    }

    fn depends_on(&self, _desired: &Desired, name: &str) -> Vec<Address> {
        vec![Address::new(Kind::APPROLE, name)]
    }

    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        if wave != Wave::Items {
            return Vec::new();
        }
        desired
            .items
            .iter::<DesiredCredentials>(KIND)
            .filter(|(key, _)| live.is_listed(Kind::APPROLE, key))
            .map(|(key, d)| {
                async move {
                    let c = super::vault::read(vault, d).await?;
                    let key = key.clone();
                    let store: Store = Box::new(move |live: &mut Live| {
                        live.items.insert(KIND, key, c);
                    });
                    Ok(store)
                }
                .boxed()
            })
            .collect()
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        super::diff::diff(
            address.clone(),
            cx.desired.items.get(KIND, &address.name),
            cx.live.items.get(KIND, &address.name),
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
        crate::kinds::contract::nothing_known(async move {
            match change.action {
                Action::Delete | Action::Adopt => Ok(()),
                _ => {
                    let d = desired
                        .items
                        .get::<DesiredCredentials>(KIND, &change.address.name)
                        .ok_or_else(|| VaultError::Internal {
                            what: format!("{} is not in the manifest", change.address),
                        })?;
                    super::vault::deliver(vault, d).await
                }
            }
        })
    }

    fn simulate(&self, change: &Change, _desired: &Desired, live: &mut Live) {
        if change.action != Action::Delete {
            let done = LiveCredentials {
                role_id_current: true,
                role_id_file_exists: true,
                secret_id: SecretIdState::Valid,
                loose_modes: Vec::new(),
            };
            live.items.insert(KIND, change.address.name.clone(), done);
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        for n in ["a", "b"] {
            let key = format!("m/{n}");
            if rng.gen_bool(0.5) {
                let d = DesiredCredentials {
                    mount: "m".into(),
                    role: n.into(),
                    dir: PathBuf::from(format!("/run/creds/{n}")),
                    wrap_ttl: rng.gen_bool(0.3).then_some(60),
                };
                desired.items.insert(KIND, key.clone(), d);
            }
            if rng.gen_bool(0.5) {
                let states = [
                    SecretIdState::Missing,
                    SecretIdState::Valid,
                    SecretIdState::Expiring,
                    SecretIdState::Invalid,
                ];
                let l = LiveCredentials {
                    role_id_current: rng.gen_bool(0.5),
                    role_id_file_exists: rng.gen_bool(0.5),
                    secret_id: states[rng.gen_range(0..states.len())],
                    loose_modes: if rng.gen_bool(0.2) {
                        vec![("credentials_dir".into(), 0o777, 0o700)]
                    } else {
                        Vec::new()
                    },
                };
                live.items.insert(KIND, key, l);
            }
        }
    }
}
