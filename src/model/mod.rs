//! Plain data that every layer above shares and none of it decides: what names
//! a resource ([`Kind`], [`Address`]), the desired and live states, the plan.
//! Imports nothing above the utilities (`diag`, `secret`).

pub mod address;
pub mod desired;
pub mod live;
pub mod plan;
pub mod store;

pub use address::{Address, Kind};
pub use desired::{Desired, PolicyTest};
pub use live::{Known, Live, Managed, Record, WriteOnly};
pub use store::{Item, Items};
