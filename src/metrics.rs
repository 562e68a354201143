//! Prometheus text-format metrics for drift checks (`plan --metrics-file`),
//! written atomically for node_exporter's textfile collector.

use crate::kinds::Kind;
use crate::model::plan::{Action, Plan};
use std::fmt::Write as _;
use std::path::Path;

/// The name of the last-success timestamp, carried over from the previous file
/// when a check fails.
pub const LAST_SUCCESS: &str = "vaultform_last_success_timestamp_seconds";

/// The last-success timestamp recorded in a previous metrics file, if any.
pub fn previous_success(previous: &str) -> Option<u64> {
    previous
        .lines()
        .find_map(|l| l.strip_prefix(LAST_SUCCESS)?.trim().parse().ok())
}

/// Renders the metrics of one check. `plan` is `None` when the check failed;
/// `last_success` is then the previous successful check's time, if known.
pub fn render(
    plan: Option<&Plan>,
    duration_seconds: f64,
    now_unix: u64,
    last_success: Option<u64>,
) -> String {
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    if let Some(plan) = plan {
        let per_kind = |pred: &dyn Fn(&crate::kinds::Address, Option<Action>) -> bool| -> Vec<(String, String)> {
            Kind::all()
                .map(|k| {
                    let n = plan.changes.iter().filter(|c| c.address.kind == k && pred(&c.address, Some(c.action))).count()
                        + plan.unmanaged.iter().filter(|a| a.kind == k && pred(a, None)).count();
                    (format!("{{kind=\"{k}\"}}"), n.to_string())
                })
                .collect()
        };
        gauge(
            "vaultform_drift_resources",
            "Resources whose live state differs from the manifest, by kind.",
            per_kind(&|_, action| matches!(action, Some(a) if a != Action::Adopt)),
        );
        gauge(
            "vaultform_unmanaged_resources",
            "Resources on the server that vaultform does not manage, by kind.",
            per_kind(&|_, action| action.is_none()),
        );
    }
    gauge(
        "vaultform_last_check_success",
        "1 if the last drift check completed, 0 if it failed.",
        vec![(
            String::new(),
            if plan.is_some() { "1" } else { "0" }.to_string(),
        )],
    );
    gauge(
        "vaultform_last_check_timestamp_seconds",
        "When the last drift check ran (Unix seconds).",
        vec![(String::new(), now_unix.to_string())],
    );
    let success_at = if plan.is_some() {
        Some(now_unix)
    } else {
        last_success
    };
    if let Some(at) = success_at {
        gauge(
            LAST_SUCCESS,
            "When a drift check last completed (Unix seconds).",
            vec![(String::new(), at.to_string())],
        );
    }
    gauge(
        "vaultform_check_duration_seconds",
        "How long the last drift check took.",
        vec![(String::new(), format!("{duration_seconds:.3}"))],
    );
    out
}

/// Writes metrics atomically (a temp file in the same directory, then rename),
/// readable by the collector (mode 0644).
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    crate::files::write_public(path, text)
}
