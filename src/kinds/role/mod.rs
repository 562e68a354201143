//! Auth roles: AppRole roles and Kubernetes roles (`auth/<mount>/role/<name>`).
//! Both are a set of typed fields; only the fields the manifest sets are managed.

pub mod diff;
pub mod model;
pub mod vault;

pub use model::{DesiredRole, LiveRole};
