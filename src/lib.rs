//! vaultform: declarative, state-file-free management of HashiCorp Vault and
//! OpenBao.
//!
//! The pipeline in five lines:
//! 1. [`manifest`] reads `vault.toml` + `policies/*.hcl` into a validated [`manifest::Desired`].
//! 2. [`live`] reads the server concurrently into a [`live::Live`].
//! 3. [`plan::plan`] diffs them, purely, into a [`plan::Plan`] (no secret values inside).
//! 4. [`render`] prints the plan for people, JSON or markdown.
//! 5. [`apply`] runs the plan in dependency order, idempotently, with check-and-set.
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::dbg_macro
)]

pub mod apply;
pub mod bootstrap;
pub mod cli;
pub mod consumer;
pub mod diag;
pub mod duration;
pub mod files;
pub mod import;
pub mod kinds;
pub mod live;
pub mod lock;
pub mod manifest;
pub mod metrics;
pub mod model;
pub mod names;
pub mod ownership;
pub mod pipeline;
pub mod plan;
pub mod planfile;
pub mod render;
pub mod secret;
pub mod toml_tree;
pub mod vault;
