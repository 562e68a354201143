//! `[policies]`: every `<name>.hcl` or `<name>.json` in `dir` is the policy
//! `<name>`, linted (HCL as OpenBao parses it) with problems pointing into the
//! file; `allow` silences policy lints.

use super::checks as policy_tests;
use super::lint as policy_lint;
use super::model::DesiredPolicy;
use crate::files;
use crate::kinds::BUILTIN_POLICIES;
use crate::kinds::contract::Declare;
use crate::kinds::declare::Val;
use crate::model::{Address, Kind};
use crate::names;
use std::path::PathBuf;

/// Reads `[policies]`.
pub fn policies(cx: &mut Declare<'_, '_>, v: &Val<'_>) {
    let Some(t) = cx.w.table(v, "[policies]") else {
        return;
    };
    cx.w.only_keys(t, "[policies]", &["dir", "allow"]);
    if let Some(av) = t.get("allow")
        && let Some(list) = cx.w.string_list(av, "allow")
    {
        for (name, span) in list {
            if policy_tests::LINTS.iter().any(|(n, _)| *n == name) {
                cx.desired.lint_allow.push(name);
            } else {
                cx.w.problem(
                    "vaultform::manifest::unknown_lint",
                    span,
                    format!("unknown lint `{}`", names::excerpt(&name)),
                    "not a lint",
                    format!(
                        "lints: {}",
                        policy_tests::LINTS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
    let Some(dv) = t.get("dir") else {
        return;
    };
    let Some(dir) = cx.w.string(dv, "dir") else {
        return;
    };
    let dir_path = cx.desired.base_dir.join(&dir);
    let entries = match std::fs::read_dir(&dir_path) {
        Ok(e) => e,
        Err(e) => {
            cx.w.problem(
                "vaultform::manifest::policies_dir",
                dv.span(),
                format!("cannot read policies directory {}: {e}", dir_path.display()),
                "this directory",
                "create it, or fix the path (relative to the manifest)",
            );
            return;
        }
    };
    // With whether the listing says it is a regular file (a symbolic link
    // is followed, and checked, when read).
    let mut files: Vec<(std::ffi::OsString, PathBuf, bool)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let regular = e.file_type().is_ok_and(|t| t.is_file());
            Some((e.file_name(), e.path(), regular))
        })
        .filter(|(_, p, _)| p.extension().is_some_and(|x| x == "hcl" || x == "json"))
        .collect();
    // All in one directory: comparing names is enough (and much cheaper
    // than comparing paths component by component).
    files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut scratch = Vec::new();
    for (_, file, regular) in files {
        let Some(name) = file.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if name != name.to_lowercase() {
            cx.w.problem(
                "vaultform::manifest::upper_case",
                dv.span(),
                format!(
                    "policy file {} has upper-case letters; Vault lower-cases policy names",
                    file.display()
                ),
                "in this directory",
                format!(
                    "rename it to {}.{}",
                    name.to_lowercase(),
                    file.extension()
                        .map(|e| e.to_string_lossy())
                        .unwrap_or_default()
                ),
            );
            continue;
        }
        if let Err(why) = names::policy_name(&name) {
            cx.w.problem(
                "vaultform::manifest::bad_name",
                dv.span(),
                format!(
                    "policy file `{}` does not name a valid policy: {why}",
                    names::excerpt(
                        &file
                            .file_name()
                            .map(|f| f.to_string_lossy())
                            .unwrap_or_default()
                    )
                ),
                "in this directory",
                why.help(),
            );
            continue;
        }
        if BUILTIN_POLICIES.contains(&name.as_str()) {
            cx.w.problem(
                "vaultform::manifest::builtin",
                dv.span(),
                format!("policy `{name}` is built into Vault and is not managed"),
                "in this directory",
                format!("remove {}", file.display()),
            );
            continue;
        }
        let read = if regular {
            files::read_listed_text(&file, files::POLICY_LIMIT, &mut scratch)
        } else {
            files::read_text(&file, files::POLICY_LIMIT)
        };
        let text = match read {
            Ok(t) => t,
            Err(e) => {
                cx.w.problem(
                    "vaultform::manifest::unreadable",
                    dv.span(),
                    format!("cannot read policy file {}: {e}", file.display()),
                    "in this directory",
                    "check the file's permissions and encoding (UTF-8)",
                );
                continue;
            }
        };
        let address = Address::new(Kind::POLICY, name.clone());
        // Declared already (`p.hcl` beside `p.json`): the hashed origins
        // answer for the common case, the store only for the message.
        if cx.desired.origins.contains_key(&address)
            && let Some(other) = cx.desired.items.get::<DesiredPolicy>(Kind::POLICY, &name)
        {
            cx.w.problem(
                "vaultform::manifest::duplicate_policy",
                dv.span(),
                format!(
                    "policy `{name}` is defined twice: {} and {}",
                    other.file.display(),
                    file.display()
                ),
                "in this directory",
                "keep one file per policy (.hcl or .json)",
            );
            continue;
        }
        let src = crate::diag::LazySource::new(
            file.display().to_string(),
            std::sync::Arc::from(text.as_str()),
        );
        let (lint, rules) = policy_lint::lint_with_rules(&src, &text);
        if let Some(rules) = rules {
            cx.sources.policy_rules(&name, rules);
        }
        cx.w.problems.extend(lint.problems);
        cx.desired.warnings.extend(lint.warnings);
        cx.desired.origins.insert(address, dv.span());
        let policy = DesiredPolicy {
            name: name.clone(),
            text,
            file,
        };
        cx.desired.items.insert(Kind::POLICY, name, policy);
    }
}

