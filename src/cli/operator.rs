//! `vaultform operator init | unseal` and `vaultform bootstrap`: thin wrappers
//! over [`crate::bootstrap`]. Status goes to stdout for the operator commands
//! and to stderr for `bootstrap` (whose stdout is the plan). No key or root
//! token is ever printed.

use super::{ApplyArgs, BootstrapArgs, Cli, InitArgs, Outcome, ReportFormat, UnsealArgs};
use crate::bootstrap::{
    self, Health, InitOutcome, InitRequest, KeysFile, ServerError, Unsealed, server,
};
use crate::vault::{Connection, Vault};
use miette::IntoDiagnostic;
use std::io::{IsTerminal, Write};

/// A client without a token or namespace, for the unauthenticated start-up
/// calls (`sys/init`, `sys/unseal` and the rest exist only in the root namespace).
fn anonymous(cli: &Cli) -> miette::Result<Vault> {
    Ok(Vault::new(&Connection {
        token: crate::secret::Token::default(),
        namespace: None,
        ..Connection::from_env_with(cli.address.as_deref())
    })?)
}

pub(super) async fn init(cli: &Cli, args: &InitArgs) -> miette::Result<Outcome> {
    let vault = anonymous(cli)?;
    let outcome = bootstrap::init(
        &vault,
        &InitRequest {
            shares: args.key_shares,
            threshold: args.key_threshold,
            keys_file: &args.keys_file,
            recipients: &args.recipients,
        },
    )
    .await?;
    if args.format == ReportFormat::Json {
        let (initialized, shares, threshold, encrypted) = match &outcome {
            InitOutcome::AlreadyInitialized => (false, None, None, None),
            InitOutcome::Initialized { keys, encrypted_to } => (
                true,
                Some(keys.shares),
                Some(keys.threshold),
                Some(*encrypted_to),
            ),
        };
        return super::rotate::report(serde_json::json!({
            "format_version": 1,
            "command": "operator init",
            "address": vault.address(),
            "initialized_now": initialized,
            "keys_file": initialized.then(|| args.keys_file.display().to_string()),
            "key_shares": shares,
            "key_threshold": threshold,
            "encrypted_to_recipients": encrypted,
        }));
    }
    let mut out = std::io::stdout().lock();
    match outcome {
        InitOutcome::AlreadyInitialized => writeln!(
            out,
            "Vault at {} is already initialised; nothing was written.",
            vault.address()
        ),
        InitOutcome::Initialized { keys, encrypted_to } => write!(
            out,
            "{}",
            bootstrap::init_instructions(&args.keys_file, &keys, encrypted_to)
        ),
    }
    .into_diagnostic()?;
    Ok(Outcome::Ok)
}

pub(super) async fn unseal(cli: &Cli, args: &UnsealArgs) -> miette::Result<Outcome> {
    let vault = anonymous(cli)?;
    let mut out = std::io::stdout().lock();
    let status = server::seal_status(&vault).await?;
    if !status.initialized {
        return Err(ServerError::NotInitialized {
            address: vault.address().to_string(),
        }
        .into());
    }
    if !status.sealed {
        if args.format == ReportFormat::Json {
            return unseal_json(&vault, Unsealed::Already);
        }
        writeln!(out, "Vault at {} is already unsealed.", vault.address()).into_diagnostic()?;
        return Ok(Outcome::Ok);
    }
    let keys = if args.keys_stdin {
        if std::io::stdin().is_terminal() {
            let _ = writeln!(
                std::io::stderr(),
                "Enter the unseal keys, one per line, then Ctrl-D:"
            );
        }
        bootstrap::keys::keys_from_lines(std::io::stdin().lock())?
    } else {
        bootstrap::read_keys(&args.keys_file, args.identity.as_deref())?
            .unseal_keys()
            .to_vec()
    };
    let unsealed = server::unseal(&vault, &keys, &mut std::io::stderr()).await?;
    if args.format == ReportFormat::Json {
        return unseal_json(&vault, unsealed);
    }
    report_unseal(&mut out, &vault, unsealed).into_diagnostic()?;
    Ok(Outcome::Ok)
}

fn unseal_json(vault: &Vault, unsealed: Unsealed) -> miette::Result<Outcome> {
    let (now, used, threshold) = match unsealed {
        Unsealed::Already => (false, None, None),
        Unsealed::Now {
            keys_used,
            threshold,
        } => (true, Some(keys_used), Some(threshold)),
    };
    super::rotate::report(serde_json::json!({
        "format_version": 1,
        "command": "operator unseal",
        "address": vault.address(),
        "sealed": false,
        "unsealed_now": now,
        "keys_submitted": used,
        "key_threshold": threshold,
    }))
}

fn report_unseal(out: &mut dyn Write, vault: &Vault, unsealed: Unsealed) -> std::io::Result<()> {
    match unsealed {
        Unsealed::Already => writeln!(out, "Vault at {} is already unsealed.", vault.address()),
        Unsealed::Now {
            keys_used,
            threshold,
        } => writeln!(
            out,
            "Unsealed Vault at {} ({keys_used} keys submitted, threshold {threshold}).",
            vault.address()
        ),
    }
}

pub(super) async fn bootstrap(cli: &Cli, args: &BootstrapArgs) -> miette::Result<Outcome> {
    let vault = anonymous(cli)?;
    let mut err = std::io::stderr();
    let health = server::wait_for(&vault, args.wait, "to answer", |_| true, &mut err).await?;
    tracing::info!(?health, "server answered");

    // Keys in hand after an init, or read from the keys file when needed.
    let mut keys: Option<KeysFile> = None;
    if health == Health::Uninitialized {
        let outcome = bootstrap::init(
            &vault,
            &InitRequest {
                shares: args.key_shares,
                threshold: args.key_threshold,
                keys_file: &args.keys_file,
                recipients: &args.recipients,
            },
        )
        .await?;
        match outcome {
            InitOutcome::AlreadyInitialized => writeln!(
                err,
                "Vault at {} was initialised meanwhile by someone else.",
                vault.address()
            ),
            InitOutcome::Initialized {
                keys: new,
                encrypted_to,
            } => {
                let text = bootstrap::init_instructions(&args.keys_file, &new, encrypted_to);
                keys = Some(*new);
                writeln!(err, "{text}")
            }
        }
        .into_diagnostic()?;
    }

    let status = server::seal_status(&vault).await?;
    if status.sealed {
        let unseal_keys = known_keys(&mut keys, args)?.unseal_keys().to_vec();
        let unsealed = server::unseal(&vault, &unseal_keys, &mut err).await?;
        report_unseal(&mut err, &vault, unsealed).into_diagnostic()?;
        server::wait_for(
            &vault,
            args.wait,
            "to serve requests after unsealing",
            Health::is_unsealed,
            &mut err,
        )
        .await?;
    } else {
        writeln!(err, "Vault at {} is already unsealed.", vault.address()).into_diagnostic()?;
    }

    let token = match std::env::var("VAULT_TOKEN").ok().filter(|t| !t.is_empty()) {
        Some(token) => token,
        None => {
            let k = known_keys(&mut keys, args)?;
            writeln!(
                err,
                "VAULT_TOKEN is not set: applying with the root token from {}.",
                args.keys_file.display()
            )
            .into_diagnostic()?;
            k.root_token.expose_text()
        }
    };
    let vault = Vault::new(&Connection {
        token: crate::secret::Token::new(token),
        ..Connection::from_env_with(cli.address.as_deref())
    })?;
    super::apply::body(
        cli,
        &ApplyArgs {
            auto_approve: true,
            allow_destroy: args.allow_destroy,
            targets: vec![],
            plan_file: None,
            format: args.format,
            compact: false,
            lock_timeout: args.lock_timeout,
        },
        &vault,
    )
    .await
}

/// The keys of this run's init, else those of the keys file (read once).
fn known_keys<'a>(
    keys: &'a mut Option<KeysFile>,
    args: &BootstrapArgs,
) -> Result<&'a KeysFile, bootstrap::BootstrapError> {
    match keys {
        Some(k) => Ok(k),
        None => Ok(keys.insert(bootstrap::read_keys(
            &args.keys_file,
            args.identity.as_deref(),
        )?)),
    }
}
