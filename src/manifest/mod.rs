//! `vault.toml` + `policies/*.hcl` -> a validated [`Desired`] state.
//!
//! Every problem is collected (TOML syntax, unknown keys, wrong types, bad
//! durations, unknown policies, upper-case names, missing environment
//! variables, unreadable files, invalid HCL) and returned at once as one
//! [`ManifestError`]. Reads files and the environment; never talks to Vault.

mod envfile;
pub mod schema;
mod template;

pub use crate::diag;
pub use crate::diag::{ManifestError, Problem, SourceFile, line_col};
pub use crate::kinds::policy::checks as policy_tests;
pub use crate::kinds::policy::lint as policy_lint;
pub use crate::model::Desired;

use crate::files;
use crate::kinds::contract::{Declare, KindDef, Section};
use crate::kinds::declare::{self as walk, Sources, Val, Walker};
use crate::kinds::kv::DesiredValue;
use crate::kinds::{BUILTIN_POLICIES, registry};
use crate::model::Kind;
use crate::names;
use crate::secret::Secret;
use crate::toml_tree::{self, Table, Value};
use miette::NamedSource;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The default mount of the ownership record.
pub const DEFAULT_OWNERSHIP_MOUNT: &str = "vaultform";

/// Only the manifest's name and ownership mount (`[vaultform]`), for commands
/// that need no more (`force-unlock`): no env file, no policies, no values.
pub fn identity(path: &Path) -> Result<(String, String), ManifestError> {
    let name = path.display().to_string();
    let unreadable = |what: String| ManifestError {
        manifest: name.clone(),
        problems: vec![Problem::general("vaultform::manifest::unreadable", what)],
    };
    let text = files::read_text(path, files::MANIFEST_LIMIT)
        .map_err(|e| unreadable(format!("cannot read manifest {name}: {e}")))?;
    let (root, _) = toml_tree::parse(&text);
    let mut w = Walker {
        src: diag::LazySource::new(name.clone(), std::sync::Arc::from(text.as_str())),
        problems: Vec::new(),
        dropped: 0,
    };
    let mut manifest_name = crate::model::desired::DEFAULT_NAME.to_string();
    let mut mount = DEFAULT_OWNERSHIP_MOUNT.to_string();
    if let Some(t) = root
        .get_ref()
        .get("vaultform")
        .and_then(|v| v.get_ref().as_table())
    {
        if let Some(n) = t.get("name").and_then(|n| w.string(n, "name"))
            && names::role_name(&n).is_ok()
        {
            manifest_name = n;
        }
        if let Some(m) = t
            .get("ownership_mount")
            .and_then(|m| w.string(m, "ownership_mount"))
            && names::mount_path(&m).is_ok()
        {
            mount = m;
        }
    }
    Ok((manifest_name, mount))
}

/// Loads and validates a manifest, reading `{ env = ... }` from the process
/// environment (which wins) and the manifest's `env_file`.
pub fn load(path: &Path) -> Result<Desired, ManifestError> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    load_with_env(path, &env)
}

/// Like [`load`], with an explicit environment (for tests).
pub fn load_with_env(
    path: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Desired, ManifestError> {
    load_inner(path, env, true)
}

/// Loads the manifest's structure without needing secret values: `{ env }`
/// variables that are not set and `{ file }` sources that cannot be read
/// stand for empty values (for offline questions such as `policy can` in a
/// pull-request job that has no secrets). Never used to write.
pub fn load_structure(path: &Path) -> Result<Desired, ManifestError> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    load_inner(path, &env, false)
}

fn load_inner(
    path: &Path,
    env: &BTreeMap<String, String>,
    values: bool,
) -> Result<Desired, ManifestError> {
    let name = path.display().to_string();
    let text: std::sync::Arc<str> = files::read_text(path, files::MANIFEST_LIMIT)
        .map(std::sync::Arc::from)
        .map_err(|e| ManifestError {
            manifest: name.clone(),
            problems: vec![
                Problem::general(
                    "vaultform::manifest::unreadable",
                    format!("cannot read manifest {name}: {e}"),
                )
                .help("pass the manifest with -f/--manifest PATH (default ./vault.toml)"),
            ],
        })?;
    let base_dir = path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let (mut root, syntax) = toml_tree::parse(&text);
    let mut w = Walker {
        src: diag::LazySource::new(name.clone(), text.clone()),
        problems: Vec::new(),
        dropped: 0,
    };
    w.dropped += syntax.len().saturating_sub(walk::KEEP);
    for e in syntax.into_iter().take(walk::KEEP) {
        let span = e.span().unwrap_or(0..0);
        w.problem(
            "vaultform::manifest::syntax",
            span,
            format!("TOML syntax error: {}", e.message().trim()),
            "here",
            "fix the TOML syntax",
        );
    }
    let mut loader = Loader {
        w,
        d: Desired::empty(
            NamedSource::new(name.clone(), text.to_string()),
            base_dir.clone(),
            DEFAULT_OWNERSHIP_MOUNT,
        ),
        src: ValueSources {
            values,
            env,
            env_file: BTreeMap::new(),
            env_file_missing: None,
            env_file_span: 0..0,
            missing_vars: Vec::new(),
            base_dir,
            policy_refs: Vec::new(),
            literals: Vec::new(),
            policy_rules: BTreeMap::new(),
        },
    };
    loader.root(root.get_mut());
    drop(root);
    loader.check_policy_refs();
    if loader.w.problems.is_empty() {
        loader.check_policy_tests();
        let rules = std::mem::take(&mut loader.src.policy_rules);
        let lints = policy_tests::lint(&loader.d, &loader.d.lint_allow, &rules);
        loader.d.warnings.extend(lints);
    }
    loader.report_missing_vars();
    // Literal secret values are never shown, not even as a diagnostic's
    // context lines: every later problem is shown from the masked text.
    if !loader.src.literals.is_empty() {
        let masked = diag::mask(&text, &loader.src.literals);
        if !loader.w.problems.is_empty() {
            let shown = SourceFile::from(&NamedSource::new(name.clone(), masked.clone()));
            for p in &mut loader.w.problems {
                if p.src.as_ref().is_some_and(|s| s.name() == shown.name()) {
                    p.src = Some(shown.clone());
                }
            }
        }
        loader.d.source = NamedSource::new(name.clone(), masked);
    }
    if loader.w.problems.is_empty() {
        Ok(loader.d)
    } else {
        let mut problems = loader.w.problems;
        problems.sort_by_key(|p| {
            (
                p.src.as_ref().map(|s| s.name().to_string()),
                p.span.map(|s| s.offset()),
            )
        });
        // A file of garbage has a problem on every line: show the first ones.
        let dropped = loader.w.dropped;
        if problems.len() > diag::MAX_PROBLEMS || dropped > 0 {
            let more = problems.len().saturating_sub(diag::MAX_PROBLEMS) + dropped;
            problems.truncate(diag::MAX_PROBLEMS);
            problems.push(
                Problem::general(
                    "vaultform::manifest::more_problems",
                    format!("and {more} more problem(s), not shown"),
                )
                .help("fix the problems above first"),
            );
        }
        Err(ManifestError {
            manifest: name,
            problems,
        })
    }
}

/// The manifest's own top-level keys; kinds add theirs (`mounts`, `auth`,
/// `policies`, `approles`, `secrets`, ...) through their sections.
const TOP_KEYS: &[&str] = &[
    "env_file",
    "vaultform",
    "policy_tests",
    "templates",
    "instances",
];
/// The keys of `[vaultform]`.
const SETTINGS_KEYS: &[(&str, crate::kinds::fields::FieldType)] = &[
    ("name", crate::kinds::fields::FieldType::Str),
    ("ownership_mount", crate::kinds::fields::FieldType::Str),
];
struct Loader<'e> {
    w: Walker,
    d: Desired,
    /// Where values come from, and references checked at the end.
    src: ValueSources<'e>,
}

/// Secret values from their sources, and the references to check once every
/// kind is declared: what [`Sources`] gives the kinds' declarations.
struct ValueSources<'e> {
    /// Whether secret values must be resolved (`false` for offline questions
    /// about structure, such as `policy can`: an unset variable or an
    /// unreadable `{ file }` then stands for an empty value).
    values: bool,
    env: &'e BTreeMap<String, String>,
    env_file: BTreeMap<String, String>,
    /// The declared env_file, when it does not exist.
    env_file_missing: Option<PathBuf>,
    /// Where env_file is declared.
    env_file_span: Range<usize>,
    /// Variables not set while the env file does not exist: reported together.
    missing_vars: Vec<(String, Range<usize>)>,
    base_dir: PathBuf,
    /// (what grants it, policy name, span) to check once policies are known.
    policy_refs: Vec<(String, String, Range<usize>)>,
    /// Where secret values are written as literals: masked in every
    /// diagnostic that shows the manifest's text.
    literals: Vec<Range<usize>>,
    /// Each declared policy's path rules, for the policy lints.
    policy_rules: BTreeMap<String, Vec<policy_tests::LintRule>>,
}

impl Sources for ValueSources<'_> {
    fn secret_value(
        &mut self,
        w: &mut Walker,
        desired: &mut Desired,
        key: &str,
        v: &Val<'_>,
    ) -> Option<DesiredValue> {
        let lint_literal = |d: &mut Desired, span: Range<usize>| {
            if crate::kinds::kv::model::looks_secret(key) {
                let (line, col) = line_col(d.source.inner(), span.start);
                d.warnings.push(format!(
                    "{}:{line}:{col}: `{key}` looks like a secret but is a literal in the manifest; use {{ env = \"...\" }}, {{ file = \"...\" }} or {{ generate = {{ length = 32 }} }}",
                    d.source.name()
                ));
            }
        };
        match v.get_ref() {
            Value::String(s) => {
                lint_literal(desired, v.span());
                self.literals.push(v.span());
                Some(DesiredValue::Value(Secret::from_string(s.to_string())))
            }
            Value::Integer(_) | Value::Float(_) | Value::Boolean(_) => {
                self.literals.push(v.span());
                let j = w.json(v, key)?;
                Some(DesiredValue::Value(Secret::new(j)))
            }
            Value::Table(t) => {
                let sources = ["env", "file", "generate", "external", "value"];
                let before = w.problems.len();
                w.only_keys(
                    t,
                    format_args!("the source of `{key}`"),
                    &["env", "file", "generate", "external", "value", "sensitive"],
                );
                if w.problems.len() > before {
                    return None;
                }
                if let Some(sv) = t.get("sensitive") {
                    w.boolean(sv, "sensitive")?;
                    if !t.contains_key("value") {
                        w.problem(
                            "vaultform::manifest::value_source",
                            sv.span(),
                            "`sensitive` goes with a literal `value`",
                            "no value",
                            "write { value = \"...\", sensitive = true }; values from env, file or generate are never shown",
                        );
                        return None;
                    }
                }
                let given: Vec<_> = t
                    .iter()
                    .filter(|(k, _)| sources.contains(&k.get_ref().as_ref()))
                    .collect();
                if given.len() != 1 {
                    w.problem(
                        "vaultform::manifest::value_source",
                        v.span(),
                        format!("`{key}` needs exactly one source"),
                        "one of env, file, generate, external, value",
                        "write { env = \"NAME\" }, { file = \"path\" }, { generate = { length = 32 } }, { external = true } or { value = \"...\", sensitive = true }",
                    );
                    return None;
                }
                let (sk, sv) = given[0];
                match sk.get_ref().as_ref() {
                    "env" => {
                        let var = w.string(sv, "env")?;
                        let found = self.env.get(&var).or_else(|| self.env_file.get(&var));
                        match found {
                            Some(val) => {
                                Some(DesiredValue::Value(Secret::from_string(val.clone())))
                            }
                            None if !self.values => {
                                Some(DesiredValue::Value(Secret::from_string(String::new())))
                            }
                            // No env file at all: one problem for every variable, below.
                            None if self.env_file_missing.is_some() => {
                                self.missing_vars.push((var, sv.span()));
                                None
                            }
                            None => {
                                let help =
                                    "set it in the environment or in the manifest's env_file";
                                w.problem(
                                    "vaultform::manifest::missing_env",
                                    sv.span(),
                                    format!("environment variable `{var}` is not set"),
                                    "not set",
                                    help,
                                );
                                None
                            }
                        }
                    }
                    "file" => {
                        let rel = w.string(sv, "file")?;
                        let path = self.base_dir.join(&rel);
                        match files::read_text(&path, files::SECRET_FILE_LIMIT) {
                            Ok(mut text) => {
                                if text.ends_with('\n') {
                                    text.pop();
                                    if text.ends_with('\r') {
                                        text.pop();
                                    }
                                }
                                Some(DesiredValue::Value(Secret::from_string(text)))
                            }
                            Err(_) if !self.values => {
                                Some(DesiredValue::Value(Secret::from_string(String::new())))
                            }
                            Err(e) => {
                                w.problem(
                                    "vaultform::manifest::unreadable_file",
                                    sv.span(),
                                    format!("cannot read {}: {e}", path.display()),
                                    "unreadable",
                                    "check the path (relative to the manifest) and its permissions",
                                );
                                None
                            }
                        }
                    }
                    "generate" => {
                        let gt = w.table(sv, "generate")?;
                        w.only_keys(gt, "generate", &["length"]);
                        let length = match gt.get("length") {
                            Some(lv) => w.integer(lv, "length")?,
                            None => 32,
                        };
                        if !(crate::kinds::kv::GENERATE_MIN..=crate::kinds::kv::GENERATE_MAX)
                            .contains(&length)
                        {
                            w.problem(
                                "vaultform::manifest::generate_length",
                                sv.span(),
                                format!("generate length {length} is out of range"),
                                "out of range",
                                "use a length from 8 to 4096",
                            );
                            return None;
                        }
                        Some(DesiredValue::Generate {
                            length: length as usize,
                        })
                    }
                    "value" => {
                        if matches!(sv.get_ref(), Value::Table(_) | Value::Array(_)) {
                            w.wrong_type(sv, "value", "a string, number or boolean");
                            return None;
                        }
                        self.secret_value(w, desired, key, sv)
                    }
                    _ => match w.boolean(sv, "external")? {
                        true => Some(DesiredValue::External),
                        false => {
                            w.problem(
                                "vaultform::manifest::value_source",
                                sv.span(),
                                "external = false is not a source",
                                "false",
                                "write external = true, or give another source",
                            );
                            None
                        }
                    },
                }
            }
            _ => {
                w.problem(
                    "vaultform::manifest::wrong_type",
                    v.span(),
                    format!("`{key}` must be a string or a source table"),
                    "unsupported value",
                    "write a literal, or { env = ... }, { file = ... }, { generate = ... }, { external = true }",
                );
                None
            }
        }
    }

    fn policy_ref(&mut self, what: String, policy: String, span: Range<usize>) {
        self.policy_refs.push((what, policy, span));
    }

    fn policy_rules(&mut self, policy: &str, rules: Vec<crate::kinds::policy::lint::Rule>) {
        let rules = rules.iter().map(policy_tests::LintRule::from).collect();
        self.policy_rules.insert(policy.to_string(), rules);
    }
}

impl Loader<'_> {
    /// The manifest's own settings first (`[vaultform]`, `env_file`: the
    /// kinds need them), then every kind's sections in registry order (a
    /// kind's dependencies are declared before it), then `[[policy_tests]]`.
    ///
    /// Each section is taken out of `root` once declared: its parsed tree is
    /// freed before the next sections' declarations are built.
    fn root(&mut self, root: &mut Table<'_>) {
        let sections: Vec<(&'static str, &'static dyn KindDef)> = registry::all()
            .flat_map(|d| {
                d.sections().iter().filter_map(move |s| match s {
                    Section::Top(key) => Some((*key, d)),
                    Section::Nested { .. } => None,
                })
            })
            .collect();
        let mut top: Vec<&str> = vec!["env_file"];
        top.extend(sections.iter().map(|(k, _)| *k));
        top.extend(TOP_KEYS.iter().filter(|k| **k != "env_file"));
        self.w.only_keys(root, "the manifest", &top);
        if let Some(v) = root.get("vaultform") {
            self.settings(v);
        }
        if let Some(v) = root.get("env_file") {
            self.env_file(v);
        }
        for (i, &(key, def)) in sections.iter().enumerate() {
            if let Some((k, v)) = root.get_key_value(key) {
                let mut cx = Declare {
                    w: &mut self.w,
                    desired: &mut self.d,
                    sources: &mut self.src,
                    parent: "",
                    parent_type: "",
                    parent_span: k.span(),
                };
                def.declare(&mut cx, v);
            }
            if !sections[i + 1..].iter().any(|(later, _)| *later == key) {
                root.remove(key);
            }
        }
        // Units declared once: each instance's copy of its template is
        // declared like the sections above; its problems say which instance.
        let keys: Vec<&str> = sections.iter().map(|(k, _)| *k).collect();
        for e in template::expand(&mut self.w, &*root, &keys) {
            let before = self.w.problems.len();
            for (key, def) in &sections {
                if let Some((k, v)) = e.sections.get_key_value(key) {
                    let mut cx = Declare {
                        w: &mut self.w,
                        desired: &mut self.d,
                        sources: &mut self.src,
                        parent: "",
                        parent_type: "",
                        parent_span: k.span(),
                    };
                    def.declare(&mut cx, v);
                }
            }
            let (line, col) = line_col(self.d.source.inner(), e.span.start);
            let at = format!(
                " (in instance `{}`, [instances.{}] at {}:{line}:{col})",
                e.name,
                e.name,
                self.d.source.name()
            );
            for p in self.w.problems.iter_mut().skip(before) {
                p.message.push_str(&at);
            }
        }
        if let Some(v) = root.get("policy_tests") {
            self.policy_tests(v);
        }
    }

    /// `[[policy_tests]]`: parsed here, checked once policies and roles are known.
    fn policy_tests(&mut self, v: &Val<'_>) {
        let Value::Array(items) = v.get_ref() else {
            self.w.problem(
                "vaultform::manifest::wrong_type",
                v.span(),
                "`policy_tests` must be a list of tables ([[policy_tests]])",
                "not a list",
                "write [[policy_tests]] sections with principal, path, can and cannot",
            );
            return;
        };
        for item in items.iter() {
            let Some(t) = self.w.table(item, "[[policy_tests]]") else {
                continue;
            };
            self.w.only_keys(
                t,
                "[[policy_tests]]",
                &["principal", "path", "can", "cannot"],
            );
            let mut text = |key: &str| match t.get(key) {
                Some(v) => self.w.string(v, key),
                None => {
                    self.w.problem(
                        "vaultform::manifest::missing_key",
                        item.span(),
                        format!("a policy test needs `{key}`"),
                        "this test",
                        "write principal = \"approle.approle/user\" and path = \"secret/data/user\"",
                    );
                    None
                }
            };
            let principal = text("principal");
            let path = text("path");
            let mut caps = |key: &str| -> Option<Vec<String>> {
                let Some(v) = t.get(key) else {
                    return Some(Vec::new());
                };
                let list = self.w.string_list(v, key)?;
                let mut out = Vec::new();
                for (c, span) in list {
                    if policy_lint::CAPABILITIES.contains(&c.as_str()) || c == "root" {
                        out.push(c);
                    } else {
                        self.w.problem(
                            "vaultform::policy::capability",
                            span,
                            format!("invalid capability `{}`", names::excerpt(&c)),
                            "not a capability",
                            format!(
                                "valid capabilities: {}",
                                policy_lint::CAPABILITIES.join(", ")
                            ),
                        );
                    }
                }
                Some(out)
            };
            let (Some(can), Some(cannot)) = (caps("can"), caps("cannot")) else {
                continue;
            };
            if let (Some(principal), Some(path)) = (principal, path) {
                self.d.policy_tests.push(policy_tests::PolicyTest {
                    principal,
                    path,
                    can,
                    cannot,
                    span: item.span(),
                });
            }
        }
    }

    /// Runs the policy tests against the manifest's policies and roles.
    fn check_policy_tests(&mut self) {
        for t in std::mem::take(&mut self.d.policy_tests) {
            if let Err(why) = policy_tests::check(&self.d, &t) {
                self.w.problem(
                    "vaultform::policy::test_failed",
                    t.span.clone(),
                    why,
                    "this expectation",
                    "fix the policy, or this expectation if the change of access is intended",
                );
            }
            self.d.policy_tests.push(t);
        }
    }

    fn settings(&mut self, v: &Val<'_>) {
        let Some(t) = self.w.table(v, "[vaultform]") else {
            return;
        };
        let keys: Vec<&str> = SETTINGS_KEYS.iter().map(|(k, _)| *k).collect();
        self.w.only_keys(t, "[vaultform]", &keys);
        if let Some(n) = t.get("name")
            && let Some(s) = self.w.string(n, "name")
            && self
                .w
                .check_name(&s, n.span(), "manifest name", names::role_name)
        {
            if s != s.to_lowercase() {
                self.w.problem(
                    "vaultform::manifest::upper_case",
                    n.span(),
                    "the manifest name has upper-case letters",
                    "upper-case",
                    format!("write `{}`", s.to_lowercase()),
                );
            } else {
                self.d.name = s;
            }
        }
        if let Some(m) = t.get("ownership_mount")
            && let Some(s) = self.w.string(m, "ownership_mount")
            && self
                .w
                .check_name(&s, m.span(), "ownership_mount", names::mount_path)
        {
            self.d.ownership_mount = s;
        }
    }

    fn env_file(&mut self, v: &Val<'_>) {
        let Some(rel) = self.w.string(v, "env_file") else {
            return;
        };
        let path = self.src.base_dir.join(&rel);
        self.d.env_file = Some(path.clone());
        self.src.env_file_span = v.span();
        if !path.exists() {
            self.d.warnings.push(format!(
                "env_file {} does not exist; values come from the process environment only",
                path.display()
            ));
            self.src.env_file_missing = Some(path);
            return;
        }
        let text = match files::read_text(&path, files::ENV_FILE_LIMIT) {
            Ok(text) => text,
            Err(e) => {
                self.w.problem(
                    "vaultform::manifest::env_file",
                    v.span(),
                    format!("cannot read env_file {}: {e}", path.display()),
                    "this file",
                    "check the path, its permissions and its size",
                );
                return;
            }
        };
        match envfile::parse(&text) {
            Ok(vars) => self.src.env_file = vars,
            // No source snippet: the line holds a value.
            Err(e) => self.w.problems.push(
                Problem::general(
                    "vaultform::manifest::env_file",
                    format!(
                        "cannot parse env_file {}:{}:{}: {}",
                        path.display(),
                        e.line,
                        e.column,
                        e.reason
                    ),
                )
                .help("write KEY=value lines; quote values with spaces, `#`, `$`, `\\` or quotes in single quotes"),
            ),
        }
    }

    /// One problem for every variable that is not set when the env file does
    /// not exist (a missing `.env` is one mistake, not one per variable).
    fn report_missing_vars(&mut self) {
        let Some(path) = self.src.env_file_missing.clone() else {
            return;
        };
        if self.src.missing_vars.is_empty() {
            return;
        }
        let mut names: Vec<String> = self
            .src
            .missing_vars
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        names.sort();
        names.dedup();
        let list = if names.len() > 40 {
            format!("{}, and {} more", names[..40].join(", "), names.len() - 40)
        } else {
            names.join(", ")
        };
        self.w.problem(
            "vaultform::manifest::missing_env",
            self.src.env_file_span.clone(),
            format!(
                "env_file {} does not exist, and {} environment variable(s) the manifest uses are not set: {list}",
                path.display(),
                names.len()
            ),
            "does not exist",
            "create it (copy .env.example?) or set the variables in the environment",
        );
        self.d.warnings.retain(|w| !w.starts_with("env_file "));
    }

    fn check_policy_refs(&mut self) {
        for (role, policy, span) in std::mem::take(&mut self.src.policy_refs) {
            let name = policy.to_lowercase();
            if self.d.items.contains(Kind::POLICY, &name)
                || BUILTIN_POLICIES.contains(&name.as_str())
            {
                continue;
            }
            self.w.problem(
                "vaultform::manifest::unknown_policy",
                span,
                format!("{role} uses undefined policy `{policy}`"),
                "referenced here",
                format!("add policies/{name}.hcl or fix the name"),
            );
        }
    }
}
