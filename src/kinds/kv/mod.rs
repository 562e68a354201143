//! KV v2 secrets (`<mount>/data/<path>`). A path is owned whole: keys in Vault
//! that the manifest does not list are removed.

pub mod declare;
pub mod diff;
pub mod kind;
pub mod model;
pub mod vault;

pub use kind::{KIND, MAX_KV_PATHS, SECRETS};
pub use model::{
    DesiredSecret, DesiredValue, GENERATE_MAX, GENERATE_MIN, KnownSecret, KvMeta, KvTree,
    LiveSecret,
};
