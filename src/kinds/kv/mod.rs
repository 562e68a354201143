//! KV v2 secrets (`<mount>/data/<path>`). A path is owned whole: keys in Vault
//! that the manifest does not list are removed.

pub mod diff;
pub mod model;
pub mod vault;

pub use model::{DesiredSecret, DesiredValue, LiveSecret};
