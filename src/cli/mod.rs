//! Command-line interface: clap types and one file per command. The only
//! place (with `main.rs`) that builds `miette::Report`s.

mod apply;
mod consumer;
mod dev;
mod import;
mod operator;
mod plan;
mod policy;
mod rotate;
mod validate;

use crate::kinds::Address;
use crate::manifest;
use crate::render::Style;
use crate::vault::{AuthMethod, Connection, Session, Vault};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write as _};
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
    /// The server's address (over BAO_ADDR / VAULT_ADDR).
    #[arg(long, global = true, value_name = "URL")]
    pub address: Option<String>,
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
    Validate(validate::ValidateArgs),
    /// Show what apply would change.
    #[command(
        after_help = "Examples:\n  vaultform plan\n  vaultform plan --detailed-exitcode        # exit 2 when there are changes (drift)\n  vaultform plan --format markdown > plan.md  # for a pull-request comment\n  vaultform plan --out plan.bin --target approle.approle/user"
    )]
    Plan(PlanArgs),
    /// Make Vault match the manifest.
    #[command(
        after_help = "Examples:\n  vaultform apply\n  vaultform apply --auto-approve\n  vaultform apply plan.bin                  # exactly a saved plan (refused if the server moved)\n  vaultform apply --auto-approve --allow-destroy"
    )]
    Apply(ApplyArgs),
    /// Initialise or unseal a server.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  vaultform operator init --keys-file vault-keys.json\n  vaultform operator unseal --keys-file vault-keys.json"
    )]
    Operator(OperatorCommand),
    /// The whole start-up, idempotent: wait for the server, init if needed,
    /// unseal if sealed, apply the manifest, deliver credentials.
    #[command(
        after_help = "Examples:\n  vaultform bootstrap --keys-file /vault/keys/vault-keys.json\n  vaultform bootstrap --wait 60s --recipient age1...   # keys file encrypted with age"
    )]
    Bootstrap(BootstrapArgs),
    /// Rotate AppRole secret IDs or generated secret values.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  vaultform rotate secret-id user\n  vaultform rotate secret secret/user SESSION_KEY"
    )]
    Rotate(RotateCommand),
    /// Release the apply lock of this manifest held by a dead apply (the id is
    /// in the error of the apply that waited for it).
    #[command(
        after_help = "Example:\n  vaultform force-unlock 3f2a...   # the id the waiting apply printed"
    )]
    ForceUnlock {
        /// The lock's id.
        id: String,
    },
    /// A service's side: log in, read its secrets (falling back to Docker
    /// secrets and the environment), and run a command with them.
    #[command(
        after_help = "Examples:\n  vaultform exec --service user -- gunicorn app:app\n  vaultform exec --secret secret/user --secret secret/user_db -- ./server\n  vaultform exec --service user --watch 5m -- ./server   # restart when a secret changes"
    )]
    Exec(consumer::ExecArgs),
    /// Print a service's secrets as shell `export` lines, dotenv or JSON.
    #[command(
        after_help = "Examples:\n  eval \"$(vaultform env --service user)\"\n  vaultform env --secret secret/user --format dotenv > .env.local"
    )]
    Env(consumer::EnvArgs),
    /// Report whether Vault (and a service's login) is healthy; exit 0 if so, 1 if not.
    #[command(
        after_help = "Examples:\n  vaultform health\n  vaultform health --service user          # a container healthcheck\n  vaultform health --format prometheus"
    )]
    Health(consumer::HealthArgs),
    /// Ask the manifest's policies, offline: who can do what on a path.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  vaultform policy can approle.approle/user secret/data/user\n  vaultform policy who secret/data/user_db"
    )]
    Policy(policy::PolicyCommand),
    /// Print a shell completion script (e.g. `vaultform completions bash >
    /// /etc/bash_completion.d/vaultform`).
    #[command(
        after_help = "Examples:\n  vaultform completions bash > /etc/bash_completion.d/vaultform\n  vaultform completions zsh > ~/.zfunc/_vaultform"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `vaultform man > vaultform.1`.
    #[command(after_help = "Example:\n  vaultform man > /usr/local/share/man/man1/vaultform.1")]
    Man,
    /// Print the JSON Schema of vault.toml (for editors: taplo, Even Better
    /// TOML), e.g. `vaultform schema > vault.schema.json`, then put
    /// `#:schema ./vault.schema.json` on the manifest's first line.
    #[command(after_help = "Example:\n  vaultform schema > vault.schema.json")]
    Schema,
    /// A local OpenBao dev server with the manifest applied and AppRole
    /// credentials delivered, until Ctrl-C.
    #[command(
        after_help = "Examples:\n  vaultform dev\n  vaultform dev --watch                     # apply again when vault.toml, .env or a policy changes"
    )]
    Dev(dev::DevArgs),
    /// Write the manifest (`-f`), policies and `.env.example` that describe
    /// what a live server has: it then plans no change, and its first apply
    /// only records ownership.
    #[command(
        after_help = "Examples:\n  vaultform -f imported/vault.toml import\n  vaultform -f imported/vault.toml import --with-values   # also a 0600 .env with the secret values\n  vaultform import --kind policy --kind approle --mount approle\n  vaultform import --prefix secret/app/ --external"
    )]
    Import(import::ImportArgs),
}

/// `vaultform operator ...`.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Initialise an uninitialised server and write its unseal keys and root
    /// token to a keys file (mode 0600; optionally encrypted with age).
    #[command(
        after_help = "Examples:\n  vaultform operator init\n  vaultform operator init --key-shares 5 --key-threshold 3 --recipient age1..."
    )]
    Init(InitArgs),
    /// Unseal a sealed server with the threshold of keys from the keys file
    /// (or from stdin); a no-op on an unsealed server.
    #[command(
        after_help = "Examples:\n  vaultform operator unseal --keys-file vault-keys.json\n  vaultform operator unseal --keys-stdin < keys.txt"
    )]
    Unseal(UnsealArgs),
}

/// `vaultform operator init` options.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Number of unseal key shares.
    #[arg(long, default_value_t = 5)]
    pub key_shares: u8,
    /// Number of shares needed to unseal.
    #[arg(long, default_value_t = 3)]
    pub key_threshold: u8,
    /// Where to write the keys and root token (refuses to overwrite).
    #[arg(long, default_value = "vault-keys.json", env = "VAULTFORM_KEYS_FILE")]
    pub keys_file: PathBuf,
    /// Encrypt the keys file to this age recipient (`age1...`; repeatable).
    #[arg(long = "recipient", value_name = "AGE_RECIPIENT")]
    pub recipients: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

/// `vaultform operator unseal` options.
#[derive(Debug, clap::Args)]
pub struct UnsealArgs {
    /// The keys file written by `operator init`.
    #[arg(long, default_value = "vault-keys.json", env = "VAULTFORM_KEYS_FILE")]
    pub keys_file: PathBuf,
    /// age identity file to decrypt an encrypted keys file.
    #[arg(long, value_name = "PATH", env = "VAULTFORM_AGE_IDENTITY")]
    pub identity: Option<PathBuf>,
    /// Read unseal keys from stdin, one per line, instead of the keys file.
    #[arg(long)]
    pub keys_stdin: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

/// `vaultform bootstrap` options.
#[derive(Debug, clap::Args)]
pub struct BootstrapArgs {
    /// The keys file: written on init, read to unseal and (when VAULT_TOKEN is
    /// not set) for the root token.
    #[arg(long, default_value = "vault-keys.json", env = "VAULTFORM_KEYS_FILE")]
    pub keys_file: PathBuf,
    /// age identity file to decrypt an encrypted keys file.
    #[arg(long, value_name = "PATH", env = "VAULTFORM_AGE_IDENTITY")]
    pub identity: Option<PathBuf>,
    /// Encrypt a newly written keys file to this age recipient (repeatable).
    #[arg(long = "recipient", value_name = "AGE_RECIPIENT")]
    pub recipients: Vec<String>,
    /// Number of unseal key shares on init.
    #[arg(long, default_value_t = 5)]
    pub key_shares: u8,
    /// Number of shares needed to unseal, on init.
    #[arg(long, default_value_t = 3)]
    pub key_threshold: u8,
    /// How long to wait for the server to answer.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub wait: std::time::Duration,
    /// Allow changes that destroy data.
    #[arg(long)]
    pub allow_destroy: bool,
    /// How long to wait for another apply of this manifest to finish.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Output format of the apply (stdout; progress goes to stderr).
    #[arg(long, value_enum, default_value_t = ApplyFormat::Human)]
    pub format: ApplyFormat,
}

/// `vaultform rotate ...`.
#[derive(Debug, Subcommand)]
pub enum RotateCommand {
    /// Issue a new secret ID for an AppRole of the manifest, deliver it to its
    /// credentials_dir, and destroy the old ones.
    #[command(after_help = "Example:\n  vaultform rotate secret-id user --keep-old")]
    SecretId {
        /// The AppRole's name in the manifest (`[approles.NAME]`).
        role: String,
        /// Keep the old secret IDs valid.
        #[arg(long)]
        keep_old: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
    /// Give a `generate`d key of a secret a new random value (a new KV version).
    #[command(after_help = "Example:\n  vaultform rotate secret secret/user SESSION_KEY")]
    Secret {
        /// The secret, `<mount>/<path>` as in the manifest.
        path: String,
        /// The key.
        key: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
}

pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    crate::duration::parse_exact(text)
        .ok_or_else(|| format!("`{text}` is not a duration such as 90s, 5m, 1.5h, 500ms"))
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
    /// One line per change (what changes, not how): for large plans.
    #[arg(long)]
    pub compact: bool,
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
    /// How long to wait for another apply of this manifest to release the
    /// apply lock before failing (naming the holder).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Output format: `json` prints one document at the end (the plan as
    /// `plan --format json` shows it, what was applied, the counts); it needs
    /// --auto-approve or a saved plan (there is no prompt).
    #[arg(long, value_enum, default_value_t = ApplyFormat::Human)]
    pub format: ApplyFormat,
    /// Show the plan with one line per change.
    #[arg(long)]
    pub compact: bool,
}

/// Output formats of `apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApplyFormat {
    /// The plan, then a line of counts.
    Human,
    /// One versioned document (`format_version`) at the end.
    Json,
}

/// Output formats of `operator` and `rotate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Sentences.
    Human,
    /// One JSON document (`format_version` 1, `command`); never a key, token or value.
    Json,
}

fn parse_address(text: &str) -> Result<Address, String> {
    if let Some((kind, name)) = text.split_once('.')
        && let Some(kind) = crate::kinds::Kind::from_name(kind)
        && let Some(def) = crate::kinds::registry::def(kind)
        && let Err(why) = def.check_name(name)
    {
        return Err(format!(
            "`{}` is not a valid {kind} name: {why}",
            crate::kinds::names::excerpt(name)
        ));
    }
    Address::parse(text).ok_or_else(|| {
        format!(
            "`{text}` is not an address; write <kind>.<name> with kind one of {}",
            crate::kinds::Kind::all()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
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
    /// Exit with this code (a supervised command's, or `health`'s 1).
    Exit(u8),
}

impl Outcome {
    /// The process exit code: 0 ok, 2 changes.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::Changes => 2,
            Outcome::Exit(code) => code,
        }
    }
}

/// Runs the command.
pub async fn run(cli: Cli) -> miette::Result<Outcome> {
    match &cli.command {
        Command::Validate(args) => validate::run(&cli, args),
        Command::Plan(args) => plan::run(&cli, args).await,
        Command::Apply(args) => apply::run(&cli, args).await,
        Command::Operator(OperatorCommand::Init(args)) => operator::init(&cli, args).await,
        Command::Operator(OperatorCommand::Unseal(args)) => operator::unseal(&cli, args).await,
        Command::Bootstrap(args) => operator::bootstrap(&cli, args).await,
        Command::Rotate(cmd) => rotate::run(&cli, cmd).await,
        Command::Exec(args) => consumer::exec(&cli, args).await,
        Command::Env(args) => consumer::env(&cli, args).await,
        Command::Health(args) => consumer::health(&cli, args).await,
        Command::Policy(cmd) => policy::run(&cli, cmd),
        Command::Dev(args) => dev::run(&cli, args).await,
        Command::Import(args) => import::run(&cli, args).await,
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "vaultform",
                &mut buf,
            );
            write_all_quietly(&buf)
        }
        Command::Man => {
            let mut buf = Vec::new();
            miette::IntoDiagnostic::into_diagnostic(man_page(&mut buf))?;
            write_all_quietly(&buf)
        }
        Command::Schema => {
            let schema = crate::manifest::schema::generate();
            let mut buf =
                miette::IntoDiagnostic::into_diagnostic(serde_json::to_vec_pretty(&schema))?;
            buf.push(b'\n');
            write_all_quietly(&buf)
        }
        Command::ForceUnlock { id } => {
            let (name, mount) = manifest::identity(&cli.manifest)?;
            let session = open_session(&cli).await?;
            let result = crate::lock::force_unlock(&session.vault, &mount, &name, id).await;
            session.close().await;
            result?;
            let _ = writeln!(
                std::io::stderr(),
                "Released the apply lock `{id}` of manifest `{name}`."
            );
            Ok(Outcome::Ok)
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
pub(crate) fn write_all_quietly(bytes: &[u8]) -> miette::Result<Outcome> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Ok),
        other => {
            miette::IntoDiagnostic::into_diagnostic(other)?;
            Ok(Outcome::Ok)
        }
    }
}

/// The man page of `vaultform` and its subcommands, as roff.
pub fn man_page(out: &mut impl std::io::Write) -> std::io::Result<()> {
    let cmd = <Cli as clap::CommandFactory>::command();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("vaultform-{}", sub.get_name());
        let sub = sub.clone().name(name);
        clap_mangen::Man::new(sub).render(out)?;
    }
    Ok(())
}

/// Whether to colour stdout.
pub fn stdout_style(cli: &Cli) -> Style {
    Style {
        color: !cli.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal(),
    }
}

pub(crate) use crate::pipeline::Planned;

/// Leaves `value` for the process's exit to free: the manifest and the live
/// state are tens of thousands of small allocations, and freeing them one by
/// one costs about 4% of a no-op plan's CPU at 1,000 services (measured),
/// while the process ends moments later anyway. Only for values a command
/// does not use again; nothing in them has a `Drop` with effects.
pub(crate) fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Logs in as the CLI says.
pub(crate) async fn open_session(cli: &Cli) -> miette::Result<Session> {
    Ok(Session::open(
        &Connection::from_env_with(cli.address.as_deref()),
        cli.auth_method,
    )
    .await?)
}

/// Plans against the server (the library's [`crate::pipeline::plan`]), with a
/// progress line on a terminal. With `ensure_key`, the persistent fingerprint
/// key is created in Vault if missing (for saved plans). The manifest is
/// loaded unless `loaded` gives it.
pub(crate) async fn make_plan(
    cli: &Cli,
    vault: &Vault,
    targets: &[Address],
    ensure_key: bool,
    loaded: Option<crate::model::Desired>,
) -> miette::Result<Planned> {
    let desired = match loaded {
        Some(d) => d,
        None => manifest::load(&cli.manifest)?,
    };
    let opts = crate::pipeline::Options {
        parallelism: cli.parallelism as usize,
        targets: targets.to_vec(),
        ensure_key,
    };
    let progress = progress_ticker(vault);
    let planned = crate::pipeline::plan(vault, desired, &opts).await;
    if let Some(p) = progress {
        p.abort();
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    Ok(planned?)
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
            let _ = write!(
                std::io::stderr(),
                "\rreading live state: {} requests",
                r + l
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }))
}
