//! Secrets engine mounts (`sys/mounts`) and auth methods (`sys/auth`): one
//! shape (model, diff, calls), two kinds.

pub mod declare;
pub mod diff;
pub mod kind;
pub mod model;
pub mod vault;

pub use kind::{AUTH, AUTHS, MOUNT, MOUNTS};
pub use model::{DesiredBackend, LiveBackend};

/// The mount a `<mount>/<path>` key lives on: the longest mount path prefix.
/// Takes mount paths, so it serves declared and live mounts alike.
pub fn longest_mount<'m>(mounts: impl IntoIterator<Item = &'m String>, key: &str) -> Option<String> {
    mounts
        .into_iter()
        .filter(|m| {
            key.strip_prefix(m.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|m| m.len())
        .cloned()
}
