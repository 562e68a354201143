//! `vaultform exec`, `env` and `health`: argument parsing and printing; the
//! work is in [`crate::consumer`].

use super::{Cli, Outcome, parse_duration};
use crate::consumer::health::{self, HealthFormat};
use crate::consumer::output::{self, EnvFormat};
use crate::consumer::spec::{self, Flags, Method, OnChange};
use crate::consumer::{self as consumer, run};
use crate::vault::{Connection, Vault};
use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;

/// What a service reads and how it logs in (shared by exec, env and health).
#[derive(Debug, clap::Args)]
pub struct ServiceArgs {
    /// The service's section (`[services.NAME]`) of the services file.
    #[arg(long, env = "VAULTFORM_SERVICE")]
    pub service: Option<String>,
    /// The services file.
    #[arg(long, default_value = "services.toml", env = "VAULTFORM_SERVICES_FILE")]
    pub services_file: PathBuf,
    /// A KV v2 secret to read, `MOUNT/PATH`, optionally with its keys:
    /// `secret/app/mongodb#root_username,root_password` (repeatable). Keys
    /// named here can fall back to Docker secrets and the environment.
    #[arg(long = "secret", value_name = "MOUNT/PATH[#KEYS]")]
    pub secrets: Vec<String>,
    /// Put this in front of every variable name.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Give a key its own variable name: `MOUNT/PATH#KEY=NAME` (repeatable).
    #[arg(long = "rename", value_name = "MOUNT/PATH#KEY=NAME")]
    pub renames: Vec<String>,
    /// Login methods, in the order tried.
    #[arg(long, value_enum, value_delimiter = ',', env = "VAULTFORM_AUTH")]
    pub auth: Option<Vec<Method>>,
    /// A file holding a Vault token.
    #[arg(long, value_name = "PATH", env = "VAULT_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// The directory `vaultform apply` delivers `role_id` and `secret_id` to
    /// (the AppRole's `credentials_dir`).
    #[arg(long, value_name = "DIR", env = "VAULTFORM_APPROLE_DIR")]
    pub approle_dir: Option<PathBuf>,
    /// The AppRole auth mount [default: approle].
    #[arg(long, value_name = "MOUNT")]
    pub approle_mount: Option<String>,
    /// The Kubernetes auth role to log in as.
    #[arg(long, value_name = "ROLE", env = "VAULTFORM_K8S_ROLE")]
    pub k8s_role: Option<String>,
    /// The Kubernetes auth mount [default: kubernetes].
    #[arg(long, value_name = "MOUNT")]
    pub k8s_mount: Option<String>,
    /// The service-account token [default: /var/run/secrets/kubernetes.io/serviceaccount/token].
    #[arg(long, value_name = "PATH")]
    pub k8s_token_file: Option<PathBuf>,
    /// Where Docker secrets are [default: /run/secrets].
    #[arg(long, value_name = "DIR", env = "VAULTFORM_DOCKER_SECRETS_DIR")]
    pub docker_secrets_dir: Option<PathBuf>,
    /// Every value must come from Vault: no fallback (for production).
    #[arg(long)]
    pub require_vault: bool,
    /// Keep trying to log in this long while credentials are refused (e.g.
    /// a secret ID that expired while the service was down, until the next
    /// `vaultform apply` delivers a new one) [default: 0s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub auth_wait: Option<std::time::Duration>,
}

impl ServiceArgs {
    fn flags(&self) -> Result<Flags, spec::SpecError> {
        Ok(Flags {
            service: self.service.clone(),
            services_file: self.services_file.clone(),
            secrets: self
                .secrets
                .iter()
                .map(|s| spec::parse_secret_flag(s))
                .collect::<Result<_, _>>()?,
            renames: self
                .renames
                .iter()
                .map(|s| spec::parse_rename_flag(s))
                .collect::<Result<_, _>>()?,
            prefix: self.prefix.clone(),
            auth: self.auth.clone(),
            token_file: self.token_file.clone(),
            approle_dir: self.approle_dir.clone(),
            approle_mount: self.approle_mount.clone(),
            k8s_role: self.k8s_role.clone(),
            k8s_mount: self.k8s_mount.clone(),
            k8s_token_file: self.k8s_token_file.clone(),
            docker_secrets_dir: self.docker_secrets_dir.clone(),
            require_vault: self.require_vault,
            auth_wait: self.auth_wait,
            ..Flags::default()
        })
    }

    fn names_a_service(&self) -> bool {
        self.service.is_some() || !self.secrets.is_empty()
    }
}

/// `vaultform exec` options.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Write each value to DIR/NAME (0600, directory 0700, atomically) and
    /// give the command NAME_FILE=DIR/NAME instead of the value. Without a
    /// command, render and exit (a one-shot for images that read *_FILE).
    #[arg(long, value_name = "DIR")]
    pub render_dir: Option<PathBuf>,
    /// Owner of rendered files and their directory, `UID[:GID]` (needs root).
    #[arg(long, value_name = "UID[:GID]", value_parser = spec::parse_owner)]
    pub render_owner: Option<(u32, Option<u32>)>,
    /// Re-read the secrets this often; on a change, restart or signal the
    /// command. vaultform then stays as the command's parent.
    #[arg(long, value_name = "INTERVAL", value_parser = parse_duration)]
    pub watch: Option<std::time::Duration>,
    /// What a change does under --watch [default: restart].
    #[arg(long, value_enum)]
    pub on_change: Option<OnChange>,
    /// The signal sent on a change with --on-change signal.
    #[arg(long, default_value = "SIGHUP", value_parser = parse_signal)]
    pub watch_signal: nix::sys::signal::Signal,
    /// The signal that stops the command for a restart.
    #[arg(long, default_value = "SIGTERM", value_parser = parse_signal)]
    pub kill_signal: nix::sys::signal::Signal,
    /// How long the command may take to stop before SIGKILL.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub kill_timeout: std::time::Duration,
    /// Do not log where each value came from.
    #[arg(long, short)]
    pub quiet: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

fn parse_signal(text: &str) -> Result<nix::sys::signal::Signal, String> {
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    name.parse()
        .map_err(|_| format!("`{text}` is not a signal name such as SIGHUP, TERM, USR1"))
}

/// `vaultform env` options.
#[derive(Debug, clap::Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EnvFormat::Shell)]
    pub format: EnvFormat,
    /// Do not log where each value came from.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `vaultform health` options.
#[derive(Debug, clap::Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HealthFormat::Human)]
    pub format: HealthFormat,
}

fn anon(cli: &Cli) -> miette::Result<Vault> {
    let conn = Connection {
        token: crate::secret::Token::default(),
        ..Connection::from_env_with(cli.address.as_deref())
    };
    Ok(Vault::new(&conn)?)
}

/// `vaultform exec`.
pub async fn exec(cli: &Cli, args: &ExecArgs) -> miette::Result<Outcome> {
    let mut flags = args.service.flags()?;
    flags.render_dir = args.render_dir.clone();
    flags.render_owner = args.render_owner;
    flags.watch = args.watch;
    flags.on_change = args.on_change;
    let spec = spec::build(flags)?;
    if args.command.is_empty() && spec.render_dir.is_none() {
        return Err(miette::miette!(
            code = "vaultform::consumer::no_command",
            help = "write the command after `--`: vaultform exec --secret secret/app -- ./server",
            "no command to run"
        ));
    }
    if args.command.is_empty() && spec.watch.is_some() {
        return Err(miette::miette!(
            code = "vaultform::consumer::no_command",
            help = "--watch restarts or signals a command; give one after `--`",
            "--watch needs a command"
        ));
    }
    let anon = anon(cli)?;
    let (values, session) = consumer::login_and_fetch(&anon, &spec).await?;
    if !args.quiet {
        let _ = std::io::stderr().write_all(consumer::describe_sources(&values).as_bytes());
    }
    match &spec.render_dir {
        Some(dir) => output::render(dir, &values, spec.render_owner)?,
        None => output::check_env_values(&values)?,
    }
    if args.command.is_empty() {
        if let Some((vault, login)) = &session {
            consumer::auth::revoke(vault, login).await;
        }
        return Ok(Outcome::Ok);
    }
    if spec.watch.is_none() {
        // The command needs the values, not vaultform's token.
        if let Some((vault, login)) = &session {
            consumer::auth::revoke(vault, login).await;
        }
        let env = run::child_env(&spec, &values);
        drop(values);
        return Err(run::exec_replace(&args.command, &env).into());
    }
    let signals = run::Signals {
        watch: args.watch_signal,
        kill: args.kill_signal,
        kill_timeout: args.kill_timeout,
    };
    let code = run::supervise(
        &anon,
        &spec,
        &args.command,
        values,
        session,
        signals,
        args.quiet,
    )
    .await?;
    Ok(Outcome::Exit(code))
}

/// `vaultform env`.
pub async fn env(cli: &Cli, args: &EnvArgs) -> miette::Result<Outcome> {
    let spec = spec::build(args.service.flags()?)?;
    let anon = anon(cli)?;
    let (values, session) = consumer::login_and_fetch(&anon, &spec).await?;
    if let Some((vault, login)) = &session {
        consumer::auth::revoke(vault, login).await;
    }
    if !args.quiet {
        let _ = std::io::stderr().write_all(consumer::describe_sources(&values).as_bytes());
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    output::write_env(&values, args.format, &mut out)
        .map_err(|e| miette::miette!("cannot write the output: {e}"))?;
    Ok(Outcome::Ok)
}

/// `vaultform health`: exit 0 healthy, 1 not.
pub async fn health(cli: &Cli, args: &HealthArgs) -> miette::Result<Outcome> {
    let spec = if args.service.names_a_service() {
        Some(spec::build(args.service.flags()?)?)
    } else {
        None
    };
    let docker_dir = spec
        .as_ref()
        .map(|s| s.docker_secrets_dir.clone())
        .or_else(|| args.service.docker_secrets_dir.clone())
        .unwrap_or_else(|| PathBuf::from(spec::DOCKER_SECRETS_DIR));
    let anon = anon(cli)?;
    let report = health::check(&anon, spec.as_ref(), &docker_dir).await;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    health::write(&report, args.format, &mut out)
        .map_err(|e| miette::miette!("cannot write the output: {e}"))?;
    Ok(if report.overall {
        Outcome::Ok
    } else {
        Outcome::Exit(1)
    })
}
