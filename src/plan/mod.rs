//! `plan(&Desired, &Live) -> Plan`: the pure planner over the registry of
//! kinds; no `async`, no files, no network. The plan's data is in
//! [`crate::model::plan`] (re-exported here).

mod build;

pub use crate::kinds::policy::access;
pub use crate::model::plan::*;
pub use build::{check_against_live, plan, target_closure};

#[cfg(test)]
mod tests;
