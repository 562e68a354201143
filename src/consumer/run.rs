//! Running the service's command. Without `--watch`, vaultform replaces
//! itself with the command (`execve`): signals reach the command directly, its
//! exit code is the container's, and no vaultform process stays behind.
//! With `--watch`, vaultform stays as the parent: it forwards SIGTERM, SIGINT,
//! SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child, re-reads the secrets
//! every interval (renewing its token, and logging in again before the
//! token's max TTL), and on a change restarts the child or signals it. It
//! exits with the child's code (128 + N when a signal N ended it).

use super::spec::{OnChange, Spec};
use super::{ConsumerError, Value, auth, output};
use crate::vault::Vault;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::time::Duration;

/// Variables vaultform reads credentials from: not passed on to the command,
/// which gets its values, not vaultform's way in.
pub const CONSUMED_VARS: [&str; 3] = ["VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID"];

/// How the child is signalled and stopped.
#[derive(Clone, Copy, Debug)]
pub struct Signals {
    /// Sent on a change with `--on-change signal`.
    pub watch: Signal,
    /// Sent to stop the child for a restart.
    pub kill: Signal,
    /// How long the child may take to stop before SIGKILL.
    pub kill_timeout: Duration,
}

/// The environment changes for the command: the values (or, with a render
/// directory, `NAME_FILE` pointing at each file).
pub fn child_env(spec: &Spec, values: &[Value]) -> Vec<(String, OsString)> {
    values
        .iter()
        .map(|v| match &spec.render_dir {
            Some(dir) => (format!("{}_FILE", v.var), dir.join(&v.var).into_os_string()),
            None => (v.var.clone(), OsString::from(v.value.expose_text())),
        })
        .collect()
}

fn command(argv: &[OsString], env: &[(String, OsString)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    for k in CONSUMED_VARS {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

fn spawn_error(argv: &[OsString], e: std::io::Error) -> ConsumerError {
    ConsumerError::Spawn {
        program: argv[0].to_string_lossy().into_owned(),
        why: e.to_string(),
    }
}

/// Replaces this process with the command. Returns only on failure.
pub fn exec_replace(argv: &[OsString], env: &[(String, OsString)]) -> ConsumerError {
    use std::os::unix::process::CommandExt;
    let e = command(argv, env).exec();
    spawn_error(argv, e)
}

/// An exit status as a shell reports it.
pub fn exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => (c & 0xff) as u8,
        (None, Some(s)) => (128 + s).min(255) as u8,
        _ => 1,
    }
}

fn send(child: &tokio::process::Child, sig: Signal) {
    if let Some(pid) = child.id()
        && let Ok(pid) = i32::try_from(pid)
        && let Err(e) = kill(Pid::from_raw(pid), sig)
    {
        tracing::warn!(error = %e, signal = %sig, "could not signal the child");
    }
}

fn spawn(
    argv: &[OsString],
    env: &[(String, OsString)],
) -> Result<tokio::process::Child, ConsumerError> {
    let mut cmd = tokio::process::Command::from(command(argv, env));
    cmd.kill_on_drop(true);
    cmd.spawn().map_err(|e| spawn_error(argv, e))
}

async fn stop(child: &mut tokio::process::Child, signals: Signals) {
    send(child, signals.kill);
    if tokio::time::timeout(signals.kill_timeout, child.wait())
        .await
        .is_err()
    {
        tracing::warn!("the child did not stop within the kill timeout; sending SIGKILL");
        let _ = child.kill().await;
    }
}

/// Runs the command under watch: returns its exit code.
pub async fn supervise(
    anon: &Vault,
    spec: &Spec,
    argv: &[OsString],
    mut values: Vec<Value>,
    mut session: Option<(Vault, auth::Login)>,
    signals: Signals,
    quiet: bool,
) -> Result<u8, ConsumerError> {
    use tokio::signal::unix::{SignalKind, signal};
    let interval = spec.watch.unwrap_or(Duration::from_secs(60));
    let mut child = spawn(argv, &child_env(spec, &values))?;
    let kinds = [
        (SignalKind::terminate(), Signal::SIGTERM),
        (SignalKind::interrupt(), Signal::SIGINT),
        (SignalKind::hangup(), Signal::SIGHUP),
        (SignalKind::quit(), Signal::SIGQUIT),
        (SignalKind::user_defined1(), Signal::SIGUSR1),
        (SignalKind::user_defined2(), Signal::SIGUSR2),
    ];
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Signal>();
    for (kind, sig) in kinds {
        let mut stream = signal(kind).map_err(|e| ConsumerError::Spawn {
            program: "vaultform".into(),
            why: format!("cannot listen for {sig}: {e}"),
        })?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(sig).is_err() {
                    break;
                }
            }
        });
    }
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopping = false;
    loop {
        tokio::select! {
            status = child.wait() => {
                let code = match status {
                    Ok(s) => exit_code(s),
                    Err(e) => return Err(spawn_error(argv, e)),
                };
                if let Some((vault, login)) = &session {
                    auth::revoke(vault, login).await;
                }
                return Ok(code);
            }
            Some(sig) = rx.recv() => {
                if matches!(sig, Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT) {
                    stopping = true;
                }
                send(&child, sig);
            }
            _ = tick.tick(), if !stopping => {
                session = keep_logged_in(anon, spec, session, interval).await;
                let Some((vault, login)) = &session else {
                    continue;
                };
                let fresh = match super::refetch(vault, login, spec).await {
                    Ok(Some(v)) => v,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!("watch: could not read the secrets; the child keeps its values: {e}");
                        continue;
                    }
                };
                // What the command sees: names and values (not where they came from).
                let seen = |vs: &[Value]| vs.iter().map(|v| (v.var.clone(), v.value.clone())).collect::<BTreeMap<_, _>>();
                let (old, new) = (seen(&values), seen(&fresh));
                if old == new {
                    values = fresh;
                    continue;
                }
                let changed: Vec<&str> = new
                    .iter()
                    .filter(|(k, v)| old.get(*k) != Some(*v))
                    .map(|(k, _)| k.as_str())
                    .chain(old.keys().filter(|k| !new.contains_key(*k)).map(String::as_str))
                    .collect();
                if !quiet {
                    eprint_line(&format!("vaultform: changed: {}", changed.join(", ")));
                }
                if let Some(dir) = &spec.render_dir {
                    output::render(dir, &fresh, spec.render_owner)?;
                } else {
                    output::check_env_values(&fresh)?;
                }
                values = fresh;
                match spec.on_change {
                    OnChange::Signal => send(&child, signals.watch),
                    OnChange::Restart => {
                        stop(&mut child, signals).await;
                        child = spawn(argv, &child_env(spec, &values))?;
                    }
                }
            }
        }
    }
}

/// Keeps a usable token: renews it when a third of its TTL is left, and logs
/// in again when renewal cannot reach past the next read (the token's max
/// TTL). `None` when not logged in and the login still fails.
async fn keep_logged_in(
    anon: &Vault,
    spec: &Spec,
    session: Option<(Vault, auth::Login)>,
    interval: Duration,
) -> Option<(Vault, auth::Login)> {
    let margin = interval * 2;
    if let Some((vault, mut login)) = session {
        let Some(left) = login.remaining() else {
            return Some((vault, login));
        };
        if left > margin.max(login.ttl / 3) {
            return Some((vault, login));
        }
        if login.renewable && auth::renew(&vault, &mut login).await.is_ok() && login.ttl > margin {
            tracing::info!(ttl = login.ttl.as_secs(), "renewed the token");
            return Some((vault, login));
        }
        tracing::info!("the token is near its max TTL; logging in again");
        let fresh = relogin(anon, spec).await;
        if fresh.is_some() {
            auth::revoke(&vault, &login).await;
            return fresh;
        }
        // Keep the old token while it lasts.
        return (login.remaining() > Some(Duration::ZERO)).then_some((vault, login));
    }
    relogin(anon, spec).await
}

async fn relogin(anon: &Vault, spec: &Spec) -> Option<(Vault, auth::Login)> {
    match auth::login(anon, spec).await {
        Ok(login) => Some((anon.with_token(&login.token), login)),
        Err(e) => {
            tracing::warn!("watch: cannot log in; trying again at the next interval: {e}");
            None
        }
    }
}

/// One line on stderr (never panics when stderr is closed).
pub fn eprint_line(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
