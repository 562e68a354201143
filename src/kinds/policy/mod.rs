//! ACL policies (`sys/policies/acl/<name>`), one per `policies/<name>.hcl`:
//! the kind (model, diff, calls, contract), the HCL lint, the offline ACL
//! evaluator, `[[policy_tests]]` and what a plan's policy changes do to access.

pub mod access;
pub mod acl;
pub mod checks;
pub mod declare;
pub mod diff;
pub mod kind;
pub mod lint;
pub mod model;
pub mod vault;

pub use kind::{KIND, POLICIES};
pub use model::{DesiredPolicy, LivePolicy};
