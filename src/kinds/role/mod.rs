//! Auth roles: AppRole roles and Kubernetes roles (`auth/<mount>/role/<name>`),
//! each a [`TableKind`](super::table::TableKind): the token fields every auth
//! method shares plus the method's own.

pub mod declare;
pub mod kind;
pub mod model;

pub use kind::{APPROLE, APPROLES, KUBERNETES_ROLE, KUBERNETES_ROLES};
pub use model::{DesiredRole, LiveRole};
