//! Command-line interface: clap types and one file per command. The only
//! place (with `main.rs`) that builds `miette::Report`s.

mod apply;
mod plan;
mod validate;

use crate::live::Live;
use crate::manifest::{self, Desired};
use crate::plan::Plan;
use crate::render::Style;
use crate::secret::FingerprintKey;
use crate::vault::{Connection, Vault};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// vaultform: declarative, state-file-free management of Vault and OpenBao.
#[derive(Debug, Parser)]
#[command(name = "vaultform", version, about, long_about = None)]
pub struct Cli {
    /// The manifest.
    #[arg(
        short = 'f',
        long = "manifest",
        global = true,
        default_value = "vault.toml",
        env = "VAULTFORM_MANIFEST"
    )]
    pub manifest: PathBuf,
    /// Maximum concurrent requests to Vault.
    #[arg(long, global = true, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Never colour the output (also: NO_COLOR).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More logging on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the manifest and policies offline (no server needed).
    Validate,
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Make Vault match the manifest.
    Apply(ApplyArgs),
}

/// Output formats of `plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// Machine-readable, versioned (`format_version`).
    Json,
    /// For pull-request comments.
    Markdown,
}

/// `vaultform plan` options.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// `vaultform apply` options.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow changes that destroy data (deleting or replacing mounts and auth methods).
    #[arg(long)]
    pub allow_destroy: bool,
}

/// How a successful run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing to report.
    Ok,
    /// A plan found changes and `--detailed-exitcode` was given.
    Changes,
}

impl Outcome {
    /// The process exit code: 0 ok, 2 changes.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::Changes => 2,
        }
    }
}

/// Runs the command.
pub async fn run(cli: Cli) -> miette::Result<Outcome> {
    match &cli.command {
        Command::Validate => validate::run(&cli),
        Command::Plan(args) => plan::run(&cli, args).await,
        Command::Apply(args) => apply::run(&cli, args).await,
    }
}

/// Whether to colour stdout.
pub fn stdout_style(cli: &Cli) -> Style {
    Style {
        color: !cli.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal(),
    }
}

/// Everything plan and apply share: load, connect, read, check, plan.
pub(crate) struct Planned {
    pub desired: Desired,
    pub live: Live,
    pub plan: Plan,
    pub vault: Vault,
}

pub(crate) async fn make_plan(cli: &Cli) -> miette::Result<Planned> {
    let desired = manifest::load(&cli.manifest)?;
    let conn = Connection::from_env();
    conn.require_token()?;
    let vault = Vault::new(&conn)?;
    let live = crate::live::read(&vault, &desired, cli.parallelism as usize).await?;
    let problems = crate::plan::check_against_live(&desired, &live);
    if !problems.is_empty() {
        return Err(desired.error(problems).into());
    }
    let plan = crate::plan::plan(&desired, &live, &FingerprintKey::random());
    let (r, l, w) = vault.counts().snapshot();
    tracing::info!(reads = r, lists = l, writes = w, "read live state");
    Ok(Planned {
        desired,
        live,
        plan,
        vault,
    })
}
