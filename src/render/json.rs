//! `--format json`: the [`Plan`] serialised as is, with its `format_version`.
//! See `docs/plan.schema.json`.

use crate::model::plan::Plan;
use std::io::{self, Write};

/// Writes the plan as pretty JSON followed by a newline.
pub fn render(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan)?;
    writeln!(out)
}
