//! `vaultform policy can` and `policy who`: offline answers from the
//! manifest's policies and roles (no server), evaluated as the server does
//! (`kinds::policy::acl`).

use super::{Cli, Outcome};
use crate::kinds::policy::DesiredPolicy;
use crate::kinds::policy::acl::{Acl, Decision};
use crate::kinds::role::DesiredRole;
use crate::kinds::{Address, Kind};
use crate::manifest::{Desired, policy_tests};
use std::io::Write;

/// `vaultform policy ...`.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// What PRINCIPAL may do on PATH, and the rule that decides it.
    #[command(
        after_help = "Examples:\n  vaultform policy can approle.approle/user secret/data/user\n  vaultform policy can user-policy,default sys/mounts --format json"
    )]
    Can {
        /// A role address (`approle.approle/user`, `kubernetes_role.kubernetes/user`),
        /// or policy names separated by commas (`user-policy,default`).
        principal: String,
        /// The API path, e.g. `secret/data/user`.
        path: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = WhoFormat::Human)]
        format: WhoFormat,
    },
    /// Which roles of the manifest get which capabilities on PATH (a path
    /// ending in `*` is a prefix: every rule path under it is listed too).
    #[command(
        after_help = "Examples:\n  vaultform policy who secret/data/user_db\n  vaultform policy who secret/data/user --all"
    )]
    Who {
        /// The API path, e.g. `secret/data/payments/db`, or a prefix `secret/data/payments/*`.
        path: String,
        /// Also list roles that get nothing (`deny`).
        #[arg(long)]
        all: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = WhoFormat::Human)]
        format: WhoFormat,
    },
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WhoFormat {
    /// For people.
    Human,
    /// For CI.
    Json,
}

fn principal_policies(desired: &Desired, principal: &str) -> miette::Result<Vec<String>> {
    policy_tests::principal_policies(desired, principal).map_err(|why| {
        miette::miette!(
            code = "vaultform::policy::unknown_principal",
            help = "name a role of the manifest (approle.approle/<name>) or policy names (a,b)",
            "{why}"
        )
    })
}

fn acl_for(desired: &Desired, policies: &[String]) -> miette::Result<(Acl, bool)> {
    policy_tests::acl_for(desired, policies).map_err(|why| {
        miette::miette!(
            code = "vaultform::policy::unknown_policy",
            help = "vaultform evaluates the policies of the manifest (policies/), offline",
            "{why}"
        )
    })
}

fn root_decision() -> Decision {
    Decision {
        capabilities: ["root".to_string()].into_iter().collect(),
        rule: None,
        matched: None,
        origins: Vec::new(),
    }
}

fn caps(d: &Decision) -> String {
    d.capabilities
        .iter()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `policy can` / `policy who`.
pub fn run(cli: &Cli, cmd: &PolicyCommand) -> miette::Result<Outcome> {
    let desired = crate::manifest::load_structure(&cli.manifest)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let w = |e: std::io::Error| miette::miette!("cannot write the output: {e}");
    match cmd {
        PolicyCommand::Can {
            principal,
            path,
            format,
        } => {
            let policies = principal_policies(&desired, principal)?;
            let (acl, root) = acl_for(&desired, &policies)?;
            let d = if root {
                root_decision()
            } else {
                acl.decide(path.trim_start_matches('/'))
            };
            match format {
                WhoFormat::Json => {
                    let doc = serde_json::json!({
                        "principal": principal,
                        "path": path,
                        "policies": policies,
                        "capabilities": d.capabilities,
                        "rule": d.rule,
                        "match": d.matched,
                        "origins": d.origins,
                        "templated_rules_skipped": acl.templated,
                    });
                    serde_json::to_writer_pretty(&mut out, &doc)
                        .map_err(|e| miette::miette!("{e}"))?;
                    writeln!(out).map_err(w)?;
                }
                WhoFormat::Human => {
                    writeln!(out, "{principal} on {path}: {}", caps(&d)).map_err(w)?;
                    writeln!(out, "  policies: {}", policies.join(", ")).map_err(w)?;
                    match (&d.rule, d.matched) {
                        (Some(rule), Some(m)) => {
                            let how = match m {
                                crate::kinds::policy::acl::Match::Exact => "exact match",
                                crate::kinds::policy::acl::Match::Glob => "glob",
                                crate::kinds::policy::acl::Match::Segment => "+ segments",
                            };
                            writeln!(out, "  decided by path \"{rule}\" ({how}):").map_err(w)?;
                            for o in &d.origins {
                                let place = o.file.clone().unwrap_or_else(|| "built-in".into());
                                writeln!(out, "    policy {} at {}:{}", o.policy, place, o.line)
                                    .map_err(w)?;
                            }
                        }
                        _ if root => {
                            writeln!(out, "  the root policy allows everything").map_err(w)?
                        }
                        _ => writeln!(out, "  no rule matches: denied").map_err(w)?,
                    }
                    if !acl.templated.is_empty() {
                        writeln!(
                            out,
                            "  ({} templated rule(s) skipped: they apply only to tokens with an identity entity)",
                            acl.templated.len()
                        )
                        .map_err(w)?;
                    }
                }
            }
        }
        PolicyCommand::Who { path, all, format } => {
            // A path ending in `*` is a prefix: the prefix itself and every
            // rule path under it that the role's policies name.
            let path_arg = path.trim_start_matches('/');
            let prefix = path_arg.strip_suffix('*');
            let mut rows = Vec::new();
            let roles = [Kind::APPROLE, Kind::KUBERNETES_ROLE]
                .into_iter()
                .flat_map(|k| desired.items.iter::<DesiredRole>(k).map(|(_, r)| r));
            for role in roles {
                let address = Address::new(role.kind, role.key()).to_string();
                let policies = principal_policies(&desired, &address)?;
                let (acl, root) = acl_for(&desired, &policies)?;
                let mut paths = vec![path_arg.to_string()];
                if let Some(prefix) = prefix {
                    for name in policies.iter().filter(|n| *n != "default") {
                        if let Some(p) = desired.items.get::<DesiredPolicy>(Kind::POLICY, name) {
                            for rule in
                                crate::manifest::policy_lint::rules(&p.text).unwrap_or_default()
                            {
                                if rule.path.starts_with(prefix) && !paths.contains(&rule.path) {
                                    paths.push(rule.path);
                                }
                            }
                        }
                    }
                }
                for p in paths {
                    let d = if root {
                        root_decision()
                    } else {
                        acl.decide(&p)
                    };
                    if *all || !d.capabilities.iter().all(|c| c == "deny") {
                        rows.push((address.clone(), p, d));
                    }
                }
            }
            match format {
                WhoFormat::Json => {
                    let doc: Vec<_> = rows
                        .iter()
                        .map(|(a, p, d)| serde_json::json!({"principal": a, "path": p, "capabilities": d.capabilities, "rule": d.rule, "origins": d.origins}))
                        .collect();
                    serde_json::to_writer_pretty(
                        &mut out,
                        &serde_json::json!({"path": path, "principals": doc}),
                    )
                    .map_err(|e| miette::miette!("{e}"))?;
                    writeln!(out).map_err(w)?;
                }
                WhoFormat::Human => {
                    if rows.is_empty() {
                        writeln!(
                            out,
                            "No role of the manifest gets any capability on {path}."
                        )
                        .map_err(w)?;
                    }
                    for (a, p, d) in &rows {
                        let rule = d
                            .rule
                            .as_deref()
                            .map(|r| format!("  (rule \"{r}\")"))
                            .unwrap_or_default();
                        writeln!(out, "{a} on {p}: {}{rule}", caps(d)).map_err(w)?;
                    }
                }
            }
        }
    }
    out.flush().map_err(w)?;
    super::leave_to_exit(desired);
    Ok(Outcome::Ok)
}
