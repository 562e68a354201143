//! Command-line interface: clap types and one file per command. The only
//! place (with `main.rs`) that builds `miette::Report`s.

mod apply;
mod plan;
mod validate;

use crate::kinds::Address;
use crate::live::Live;
use crate::manifest::{self, Desired};
use crate::plan::Plan;
use crate::render::Style;
use crate::secret::FingerprintKey;
use crate::vault::{AuthMethod, Connection, Session, Vault};
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
    /// How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole,
    /// JWT or Kubernetes for CI and cron (the token obtained is revoked at the end).
    #[arg(long, global = true, value_enum, default_value_t = AuthMethod::Token, env = "VAULTFORM_AUTH_METHOD")]
    pub auth_method: AuthMethod,
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
    /// Save the plan for `vaultform apply FILE` (holds no secret value).
    #[arg(long, value_name = "PLANFILE")]
    pub out: Option<PathBuf>,
    /// Write Prometheus metrics of this check (drift by kind, success,
    /// timestamp, duration) to this file, atomically.
    #[arg(long, value_name = "PATH")]
    pub metrics_file: Option<PathBuf>,
    /// Limit the plan to this resource and what it depends on (repeatable),
    /// e.g. `policy.user-policy`, `approle.approle/user`, `kv.secret/user_db`.
    #[arg(long = "target", value_name = "ADDRESS", value_parser = parse_address)]
    pub targets: Vec<Address>,
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
    /// Limit the apply to this resource and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDRESS", value_parser = parse_address)]
    pub targets: Vec<Address>,
    /// A plan saved with `vaultform plan --out`; applied only if the server and
    /// the manifest still match what it saw.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<PathBuf>,
}

fn parse_address(text: &str) -> Result<Address, String> {
    Address::parse(text).ok_or_else(|| {
        format!(
            "`{text}` is not an address; write <kind>.<name> with kind one of {}",
            crate::kinds::Kind::ALL.map(|k| k.as_str()).join(", ")
        )
    })
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
    /// The fingerprint key the plan used, if it is the persistent one in Vault.
    pub key: Option<FingerprintKey>,
}

/// Logs in as the CLI says.
pub(crate) async fn open_session(cli: &Cli) -> miette::Result<Session> {
    Ok(Session::open(&Connection::from_env(), cli.auth_method).await?)
}

/// Plans against the server. With `ensure_key`, the persistent fingerprint key
/// is created in Vault if missing (for saved plans).
pub(crate) async fn make_plan(
    cli: &Cli,
    vault: &Vault,
    targets: &[Address],
    ensure_key: bool,
) -> miette::Result<Planned> {
    let desired = manifest::load(&cli.manifest)?;
    let progress = progress_ticker(vault);
    let live = crate::live::read(vault, &desired, cli.parallelism as usize).await;
    if let Some(p) = progress {
        p.abort();
        eprint!("\r\x1b[2K");
    }
    let mut live = live?;
    let problems = crate::plan::check_against_live(&desired, &live);
    if !problems.is_empty() {
        return Err(desired.error(problems).into());
    }
    if ensure_key && live.managed.fingerprint_key.is_none() {
        if !live.managed.mount_exists {
            crate::ownership::create_mount(vault, &desired.ownership_mount).await?;
            live.managed.mount_exists = true;
        }
        let key = crate::ownership::ensure_fingerprint_key(vault, &desired.ownership_mount).await?;
        live.managed.fingerprint_key = Some(key);
    }
    let key = live.managed.fingerprint_key.clone();
    let mut plan = crate::plan::plan(
        &desired,
        &live,
        key.as_ref().unwrap_or(&FingerprintKey::random()),
    );
    if !targets.is_empty() {
        for t in targets {
            if !desired.addresses().contains(t) && !live.managed.addresses.contains(t) {
                return Err(miette::miette!(
                    code = "vaultform::cli::unknown_target",
                    help = "targets are addresses from the plan, e.g. policy.user-policy",
                    "target `{t}` is neither in the manifest nor managed by vaultform"
                ));
            }
        }
        plan.restrict(&crate::plan::target_closure(&desired, targets));
    }
    let (r, l, w) = vault.counts().snapshot();
    tracing::info!(reads = r, lists = l, writes = w, "read live state");
    Ok(Planned {
        desired,
        live,
        plan,
        key,
    })
}

/// Shows how many requests a long read has made, on stderr, when it is a terminal.
fn progress_ticker(vault: &Vault) -> Option<tokio::task::JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let vault = vault.clone();
    Some(tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        loop {
            let (r, l, _) = vault.counts().snapshot();
            eprint!("\rreading live state: {} requests", r + l);
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }))
}
