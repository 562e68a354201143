//! AppRole credential delivery: `role_id` and `secret_id` files in a role's
//! `credentials_dir` (mode 0600, written atomically), for the service to pick up.
//! A new secret ID is issued only when the file is missing or its secret ID
//! has expired or been revoked; a valid one is left alone.

pub mod declare;
pub mod diff;
pub mod kind;
pub mod model;
pub mod vault;

pub use kind::{CREDENTIALS, KIND};
pub use model::{DesiredCredentials, LiveCredentials, SecretIdState};
