//! `vaultform import`: writes the manifest (`-f`, default `vault.toml`), its
//! `policies/` and `.env.example` (and, with `--with-values`, a 0600 `.env`)
//! describing what a live server has. Refuses to overwrite a file unless
//! `--force`; every file is checked before the first is written.

use super::{Cli, Outcome, ReportFormat, open_session};
use crate::import::{self, Options};
use crate::kinds::export::{Filter, ValueMode};
use crate::kinds::registry;
use miette::{IntoDiagnostic, miette};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `vaultform import` options.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Only resources of this kind (repeatable): `mount`, `auth`, `policy`,
    /// `approle`, `kv`, ... (the words of addresses).
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Only this mount or auth path and what lives on it (repeatable).
    #[arg(long = "mount", value_name = "PATH")]
    pub mounts: Vec<String>,
    /// Only resources whose address name starts with this (`secret/app/`).
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Declare secret values `{ external = true }` (kept as they are in
    /// Vault) instead of `{ env = "NAME" }`.
    #[arg(long, conflicts_with = "with_values")]
    pub external: bool,
    /// Also write the values to `.env` beside the manifest (mode 0600).
    #[arg(long)]
    pub with_values: bool,
    /// `[vaultform] name` of the new manifest (its ownership record).
    #[arg(long)]
    pub name: Option<String>,
    /// `[vaultform] ownership_mount` of the new manifest.
    #[arg(long, default_value = crate::manifest::DEFAULT_OWNERSHIP_MOUNT)]
    pub ownership_mount: String,
    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,
    /// Output format of the report (the files are the same).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

pub(super) async fn run(cli: &Cli, args: &ImportArgs) -> miette::Result<Outcome> {
    let opts = options(cli, args)?;
    let manifest = cli.manifest.clone();
    let dir = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let session = open_session(cli).await?;
    let live = import::read(&session.vault, &opts).await;
    session.close().await;
    let imported = import::export(&live?, &opts);

    // Every file, checked before the first is written.
    // The manifest last: an import killed half-way never leaves a manifest
    // naming files that are not there.
    let mut files: Vec<(PathBuf, String, bool)> = Vec::new();
    for (file, text) in &imported.policies {
        files.push((dir.join("policies").join(file), text.clone(), false));
    }
    if !imported.env.is_empty() {
        files.push((
            dir.join(".env.example"),
            import::env_example(&imported.env),
            false,
        ));
        if args.with_values {
            files.push((dir.join(".env"), import::env_file(&imported.env), true));
        }
    }
    files.push((manifest.clone(), imported.manifest.clone(), false));
    if !args.force
        && let Some((p, _, _)) = files.iter().find(|(p, _, _)| p.exists())
    {
        return Err(miette!(
            help = "import into an empty directory (-f DIR/vault.toml), or give --force",
            "{} exists; nothing was written",
            p.display()
        ));
    }
    for (path, text, private) in &files {
        let written = if *private {
            crate::kinds::credentials::vault::write_private(path, text.trim_end_matches('\n'))
        } else {
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| crate::files::write_public(path, text))
        };
        written
            .into_diagnostic()
            .map_err(|e| e.wrap_err(format!("cannot write {}", path.display())))?;
    }

    if !imported.dropped.is_empty() {
        use std::io::Write as _;
        let mut w = format!(
            "warning: {} resource(s) this manifest's ownership record claims are not imported; the next apply would delete them unless you declare them:\n",
            imported.dropped.len()
        );
        for a in &imported.dropped {
            let _ = writeln!(w, "  {a}");
        }
        let _ = std::io::stderr().lock().write_all(w.as_bytes());
    }
    let total: usize = imported.counts.values().sum();
    if args.format == ReportFormat::Json {
        return super::rotate::report(serde_json::json!({
            "format_version": 1,
            "command": "import",
            "manifest": manifest.display().to_string(),
            "resources": total,
            "counts": imported.counts,
            "policy_files": imported.policies.keys().collect::<Vec<_>>(),
            "env_names": imported.env.keys().collect::<Vec<_>>(),
            "env_file_written": args.with_values && !imported.env.is_empty(),
            "notes": imported.notes,
            "dropped": imported.dropped,
        }));
    }
    let mut r = String::new();
    let _ = writeln!(
        r,
        "Imported {total} resource(s) into {}:",
        manifest.display()
    );
    for (kind, n) in &imported.counts {
        let _ = writeln!(r, "  {n:>5} {kind}");
    }
    if !imported.policies.is_empty() {
        let _ = writeln!(r, "  policies in {}", dir.join("policies").display());
    }
    if !imported.env.is_empty() {
        if args.with_values {
            let _ = writeln!(
                r,
                "  {} secret value(s) in {} (mode 0600; never commit it)",
                imported.env.len(),
                dir.join(".env").display()
            );
        } else {
            let _ = writeln!(
                r,
                "  {} secret value(s) named in {} (set them in .env)",
                imported.env.len(),
                dir.join(".env.example").display()
            );
        }
    }
    if !imported.notes.is_empty() {
        let _ = writeln!(
            r,
            "{} note(s) at the top of {}: what was not imported",
            imported.notes.len(),
            manifest.display()
        );
    }
    let _ = writeln!(
        r,
        "Next: vaultform -f {} plan   (adopts only: it changes nothing on the server)",
        manifest.display()
    );
    super::write_all_quietly(r.as_bytes())
}

fn options(cli: &Cli, args: &ImportArgs) -> miette::Result<Options> {
    let known: Vec<&str> = registry::all()
        .filter(|k| k.recorded())
        .map(|k| k.kind().as_str())
        .collect();
    for k in &args.kinds {
        if !known.contains(&k.as_str()) {
            return Err(miette!(
                help = format!("one of: {}", known.join(", ")),
                "unknown kind `{}`",
                crate::names::excerpt(k)
            ));
        }
    }
    crate::names::mount_path(&args.ownership_mount)
        .map_err(|e| miette!(help = e.help(), "--ownership-mount: not a mount path"))?;
    if let Some(n) = &args.name {
        crate::names::role_name(n)
            .map_err(|e| miette!(help = e.help(), "--name: not a manifest name"))?;
    }
    Ok(Options {
        filter: Filter {
            kinds: args.kinds.iter().cloned().collect(),
            mounts: args
                .mounts
                .iter()
                .map(|m| m.trim_end_matches('/').to_string())
                .collect(),
            prefix: args.prefix.clone(),
        },
        values: if args.external {
            ValueMode::External
        } else {
            ValueMode::Env
        },
        name: args.name.clone(),
        ownership_mount: args.ownership_mount.clone(),
        parallelism: cli.parallelism as usize,
    })
}
