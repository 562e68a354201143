//! ACL policies (`sys/policies/acl/<name>`), one per `policies/<name>.hcl`.

pub mod acl;
pub mod diff;
pub mod model;
pub mod vault;

pub use model::{DesiredPolicy, LivePolicy};
