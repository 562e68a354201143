//! `vaultform validate`: every offline check, no server.

use super::{Cli, Outcome};
use std::io::Write;

/// Version of `validate --format json`. Bumped on any incompatible change;
/// new optional properties do not bump it.
pub const VALIDATE_FORMAT_VERSION: u32 = 1;

/// Output formats of `validate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    /// For people; problems as diagnostics on stderr.
    #[default]
    Human,
    /// One JSON document on stdout, valid or not: `format_version`, `valid`,
    /// `manifest`, `resources` (counts by kind), `warnings`, and when invalid
    /// `error` (the diagnostic: code, message, help, labels with byte
    /// offsets, related problems; never a value).
    Json,
}

/// `vaultform validate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vaultform validate\n  vaultform -f deploy/vault.toml validate --format json | jq .valid"
)]
pub struct ValidateArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ValidateFormat,
}

pub(super) fn run(cli: &Cli, args: &ValidateArgs) -> miette::Result<Outcome> {
    if args.format == ValidateFormat::Json {
        return json(cli);
    }
    let desired = crate::manifest::load(&cli.manifest)?;
    let mut out = std::io::stdout().lock();
    for w in &desired.warnings {
        writeln!(out, "Warning: {w}").ok();
    }
    // Counted as each kind says, kinds with the same words together.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for def in crate::kinds::registry::all() {
        let Some(noun) = def.noun() else { continue };
        let n = desired.count(def.kind());
        match counts.iter_mut().find(|(w, _)| *w == noun) {
            Some((_, c)) => *c += n,
            None => counts.push((noun, n)),
        }
    }
    let counted: Vec<String> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{n} {w}"))
        .collect();
    let what = if counted.is_empty() {
        "no resources".to_string()
    } else {
        counted.join(", ")
    };
    writeln!(out, "{} is valid: {what}.", cli.manifest.display()).ok();
    super::leave_to_exit(desired);
    Ok(Outcome::Ok)
}

/// `validate --format json`: the verdict as one document on stdout; exit 1
/// when invalid.
fn json(cli: &Cli) -> miette::Result<Outcome> {
    let manifest = cli.manifest.display().to_string();
    let doc = match crate::manifest::load(&cli.manifest) {
        Ok(desired) => {
            let resources: serde_json::Map<String, serde_json::Value> =
                crate::kinds::registry::all()
                    .map(|def| (def.kind().as_str().to_string(), desired.count(def.kind())))
                    .filter(|(_, n)| *n > 0)
                    .map(|(k, n)| (k, n.into()))
                    .collect();
            let doc = serde_json::json!({
                "format_version": VALIDATE_FORMAT_VERSION,
                "valid": true,
                "manifest": manifest,
                "resources": resources,
                "warnings": desired.warnings,
            });
            super::leave_to_exit(desired);
            doc
        }
        Err(e) => {
            let report = miette::Report::new(e);
            let mut rendered = String::new();
            miette::JSONReportHandler::new()
                .render_report(&mut rendered, report.as_ref())
                .map_err(|e| miette::miette!("cannot render the problems as JSON: {e}"))?;
            let error: serde_json::Value = serde_json::from_str(&rendered)
                .map_err(|e| miette::miette!("cannot render the problems as JSON: {e}"))?;
            serde_json::json!({
                "format_version": VALIDATE_FORMAT_VERSION,
                "valid": false,
                "manifest": manifest,
                "resources": {},
                "warnings": [],
                "error": error,
            })
        }
    };
    let valid = doc["valid"] == true;
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| miette::miette!("{e}"))?;
    text.push('\n');
    super::write_all_quietly(text.as_bytes())?;
    Ok(if valid { Outcome::Ok } else { Outcome::Exit(1) })
}
