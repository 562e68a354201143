//! `vaultform validate`: every offline check, no server.

use super::{Cli, Outcome};
use std::io::Write;

pub(super) fn run(cli: &Cli) -> miette::Result<Outcome> {
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
