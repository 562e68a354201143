//! Secrets engine mounts (`sys/mounts`). The model and diff are shared with
//! auth methods (`sys/auth`), which have the same shape.

pub mod diff;
pub mod model;
pub mod vault;

pub use model::{DesiredBackend, LiveBackend};
