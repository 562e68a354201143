//! Auth methods. The method itself (`sys/auth/<path>`) shares the mount model;
//! this module adds the method's configuration (`auth/<path>/config`).

pub mod declare;
pub mod diff;
pub mod kind;
pub mod model;
pub mod vault;

pub use kind::{CONFIGS, KIND};
pub use model::{DesiredAuthConfig, LiveAuthConfig};
