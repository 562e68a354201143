//! `vault.toml` + `policies/*.hcl` -> a validated [`Desired`] state.
//!
//! Every problem is collected (TOML syntax, unknown keys, wrong types, bad
//! durations, unknown policies, upper-case names, missing environment
//! variables, unreadable files, invalid HCL) and returned at once as one
//! [`ManifestError`]. Reads files and the environment; never talks to Vault.

mod envfile;

pub use crate::diag;
pub use crate::diag::{ManifestError, Problem, SourceFile};
pub use crate::kinds::policy::checks as policy_tests;
pub use crate::kinds::policy::lint as policy_lint;
pub use crate::model::Desired;

use crate::files;
use crate::kinds::auth::DesiredAuthConfig;
use crate::kinds::contract::{Declare, Section};
use crate::kinds::credentials::DesiredCredentials;
use crate::kinds::declare::{self as walk, Val, Walker};
use crate::kinds::fields::{FieldType, FieldValue};
use crate::kinds::kv::{DesiredSecret, DesiredValue};
use crate::kinds::mount::DesiredBackend;
use crate::kinds::policy::DesiredPolicy;
use crate::kinds::role::DesiredRole;
use crate::kinds::table::TableKind;
use crate::kinds::{BUILTIN_AUTHS, BUILTIN_MOUNTS, BUILTIN_POLICIES, registry};
use crate::model::{Address, Kind};
use crate::names;
use crate::secret::Secret;
use miette::NamedSource;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

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
    let (root, _) = DeTable::parse_recoverable(&text);
    let mut w = Walker {
        src: SourceFile::from(&NamedSource::new(name.clone(), text.clone())),
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
    let text = files::read_text(path, files::MANIFEST_LIMIT).map_err(|e| ManifestError {
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
    let mut w = Walker {
        src: SourceFile::from(&NamedSource::new(name.clone(), text.clone())),
        problems: Vec::new(),
        dropped: 0,
    };
    let (root, syntax) = DeTable::parse_recoverable(&text);
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
        values,
        env,
        env_file: BTreeMap::new(),
        env_file_missing: None,
        env_file_span: 0..0,
        missing_vars: Vec::new(),
        base_dir: base_dir.clone(),
        d: Desired::empty(
            NamedSource::new(name.clone(), text.clone()),
            base_dir,
            DEFAULT_OWNERSHIP_MOUNT,
        ),
        policy_refs: Vec::new(),
        policy_lint_allow: Vec::new(),
    };
    loader.root(root.get_ref());
    loader.check_policy_refs();
    if loader.w.problems.is_empty() {
        loader.check_policy_tests();
        let lints = policy_tests::lint(&loader.d, &loader.policy_lint_allow);
        loader.d.warnings.extend(lints);
    }
    loader.report_missing_vars();
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

const TOP_KEYS: &[&str] = &[
    "env_file",
    "mounts",
    "auth",
    "policies",
    "approles",
    "secrets",
    "vaultform",
    "policy_tests",
];
const BACKEND_KEYS: &[&str] = &[
    "type",
    "description",
    "options",
    "default_lease_ttl",
    "max_lease_ttl",
    "local",
    "seal_wrap",
];

struct Loader<'e> {
    w: Walker,
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
    d: Desired,
    /// (role address, policy name, span) to check once policies are known.
    policy_refs: Vec<(String, String, Range<usize>)>,
    /// Policy lints silenced by `[policies] allow`.
    policy_lint_allow: Vec<String>,
}

impl Loader<'_> {
    fn root(&mut self, root: &DeTable<'_>) {
        let mut top: Vec<&str> = TOP_KEYS.to_vec();
        top.extend(registry::all().filter_map(|d| match d.section() {
            Some(Section::Top(key)) => Some(key),
            _ => None,
        }));
        self.w.only_keys(root, "the manifest", &top);
        if let Some(v) = root.get("vaultform") {
            self.settings(v);
        }
        if let Some(v) = root.get("env_file") {
            self.env_file(v);
        }
        if let Some(v) = root.get("mounts") {
            self.backends(v, false);
        }
        if let Some(v) = root.get("auth") {
            self.backends(v, true);
        }
        if let Some(v) = root.get("policies") {
            self.policies(v);
        }
        if let Some(v) = root.get("approles") {
            self.approles(v);
        }
        if let Some(v) = root.get("secrets") {
            self.secrets(v);
        }
        if let Some(v) = root.get("policy_tests") {
            self.policy_tests(v);
        }
        // Kinds with a top-level section of their own (`[KEY.NAME]`).
        for def in registry::all() {
            if let Some(Section::Top(key)) = def.section()
                && let Some((k, v)) = root.get_key_value(key)
            {
                let mut cx = Declare {
                    w: &mut self.w,
                    desired: &mut self.d,
                    parent: "",
                    parent_span: k.span(),
                };
                def.declare(&mut cx, v);
            }
        }
    }

    /// `[[policy_tests]]`: parsed here, checked once policies and roles are known.
    fn policy_tests(&mut self, v: &Val<'_>) {
        let DeValue::Array(items) = v.get_ref() else {
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
        self.w
            .only_keys(t, "[vaultform]", &["name", "ownership_mount"]);
        if let Some(n) = t.get("name")
            && let Some(s) = self.w.string(n, "name")
            && self.check_name(&s, n.span(), "manifest name", names::role_name)
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
            && self.check_name(&s, m.span(), "ownership_mount", names::mount_path)
        {
            self.d.ownership_mount = s;
        }
    }

    fn env_file(&mut self, v: &Val<'_>) {
        let Some(rel) = self.w.string(v, "env_file") else {
            return;
        };
        let path = self.base_dir.join(&rel);
        self.d.env_file = Some(path.clone());
        self.env_file_span = v.span();
        if !path.exists() {
            self.d.warnings.push(format!(
                "env_file {} does not exist; values come from the process environment only",
                path.display()
            ));
            self.env_file_missing = Some(path);
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
            Ok(vars) => self.env_file = vars,
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

    /// Checks a name with one of [`names`]' rules; a problem at `span` if it fails.
    fn check_name(
        &mut self,
        name: &str,
        span: Range<usize>,
        what: &str,
        rule: fn(&str) -> Result<(), names::NameError>,
    ) -> bool {
        match rule(name) {
            Ok(()) => true,
            Err(why) => {
                self.w.problem(
                    "vaultform::manifest::bad_name",
                    span,
                    format!("{what} `{}` is not valid: {why}", names::excerpt(name)),
                    "invalid name",
                    why.help(),
                );
                false
            }
        }
    }

    fn check_path(&mut self, path: &str, span: Range<usize>, what: &str) -> bool {
        self.check_name(path, span, what, names::path)
    }

    fn backends(&mut self, v: &Val<'_>, auth: bool) {
        let section = if auth { "[auth]" } else { "[mounts]" };
        let Some(t) = self.w.table(v, section) else {
            return;
        };
        for (k, v) in t.iter() {
            let path = k.get_ref().to_string();
            let what = if auth {
                format!("[auth.{path}]")
            } else {
                format!("[mounts.{path}]")
            };
            let ok = if auth {
                self.check_path(&path, k.span(), "auth path")
            } else {
                self.check_name(&path, k.span(), "mount path", names::mount_path)
            };
            if !ok {
                continue;
            }
            let builtin = if auth {
                BUILTIN_AUTHS.contains(&path.as_str())
            } else {
                BUILTIN_MOUNTS.contains(&path.as_str()) || path == self.d.ownership_mount
            };
            if builtin {
                self.w.problem(
                    "vaultform::manifest::builtin",
                    k.span(),
                    if path == self.d.ownership_mount {
                        format!(
                            "`{path}` holds vaultform's ownership record and cannot be declared"
                        )
                    } else {
                        format!("`{path}` is built into Vault and cannot be managed")
                    },
                    "built-in",
                    "remove this section",
                );
                continue;
            }
            let Some(tbl) = self.w.table(v, &what) else {
                continue;
            };
            let mut allowed: Vec<&str> = BACKEND_KEYS.to_vec();
            if auth {
                allowed.extend(["config", "roles", "token_type"]);
            }
            let parent = if auth { Kind::AUTH } else { Kind::MOUNT };
            allowed.extend(registry::all().filter_map(|d| match d.section() {
                Some(Section::Nested { parent: p, key }) if p == parent => Some(key),
                _ => None,
            }));
            self.w.only_keys(tbl, &what, &allowed);
            let type_name = match tbl.get("type") {
                Some(tv) => self.w.string(tv, "type"),
                None => {
                    self.w.problem(
                        "vaultform::manifest::missing_key",
                        k.span(),
                        format!("{what} has no `type`"),
                        "needs a type",
                        if auth {
                            "add type = \"approle\" (or kubernetes, jwt, oidc, userpass, cert)"
                        } else {
                            "add type = \"kv\" (with options = { version = \"2\" }), or transit, pki, ..."
                        },
                    );
                    None
                }
            };
            let description = tbl
                .get("description")
                .and_then(|d| self.w.string(d, "description"));
            let mut options = BTreeMap::new();
            if let Some(ov) = tbl.get("options")
                && let Some(ot) = self.w.table(ov, "options")
            {
                for (ok, oval) in ot.iter() {
                    let s = match oval.get_ref() {
                        DeValue::Integer(i) => Some(i.as_str().to_string()),
                        _ => self.w.string(oval, &format!("options.{}", ok.get_ref())),
                    };
                    if let Some(s) = s {
                        options.insert(ok.get_ref().to_string(), s);
                    }
                }
            }
            let mut config = BTreeMap::new();
            for key in ["default_lease_ttl", "max_lease_ttl"] {
                if let Some(tv) = tbl.get(key)
                    && let Some(f) = self.w.duration(tv, key)
                {
                    config.insert(key.to_string(), f);
                }
            }
            if let Some(tv) = tbl.get("token_type")
                && let Some(t) = self.w.field(
                    tv,
                    "token_type",
                    FieldType::Choice(crate::kinds::role::model::MOUNT_TOKEN_TYPES),
                )
            {
                config.insert("token_type".to_string(), t);
            }
            if let (Some(FieldValue::Duration(d, _)), Some(FieldValue::Duration(m, _))) =
                (config.get("default_lease_ttl"), config.get("max_lease_ttl"))
                && d > m
                && *m != 0
            {
                let span = tbl
                    .get("default_lease_ttl")
                    .map(|v| v.span())
                    .unwrap_or(k.span());
                self.w.problem(
                    "vaultform::manifest::ttl_order",
                    span,
                    "default_lease_ttl is longer than max_lease_ttl",
                    "longer than the maximum",
                    "make default_lease_ttl at most max_lease_ttl",
                );
            }
            let local = tbl.get("local").and_then(|b| self.w.boolean(b, "local"));
            let seal_wrap = tbl
                .get("seal_wrap")
                .and_then(|b| self.w.boolean(b, "seal_wrap"));
            let Some(type_name) = type_name else {
                continue;
            };
            if auth {
                if let Some(cv) = tbl.get("config")
                    && let Some(ct) = self.w.table(cv, "config")
                {
                    let mut values = BTreeMap::new();
                    for (ck, cval) in ct.iter() {
                        let key = ck.get_ref().to_string();
                        if let Some(v) = self.config_value(&type_name, &key, cval) {
                            values.insert(key, v);
                        }
                    }
                    let addr = Address::new(Kind::AUTH_CONFIG, path.clone());
                    self.d.origins.insert(addr, cv.span());
                    self.d.items.insert(
                        Kind::AUTH_CONFIG,
                        path.clone(),
                        DesiredAuthConfig {
                            path: path.clone(),
                            type_name: type_name.clone(),
                            values,
                        },
                    );
                }
                if let Some(rv) = tbl.get("roles") {
                    let kind = match type_name.as_str() {
                        "approle" => Some(Kind::APPROLE),
                        "kubernetes" => Some(Kind::KUBERNETES_ROLE),
                        _ => {
                            self.w.problem(
                                "vaultform::manifest::roles_unsupported",
                                rv.span(),
                                format!("roles are not supported for auth type `{type_name}`"),
                                "not supported",
                                "roles can be declared for approle and kubernetes auth methods",
                            );
                            None
                        }
                    };
                    if let Some(kind) = kind
                        && let Some(rt) = self.w.table(rv, "roles")
                    {
                        for (rk, rval) in rt.iter() {
                            self.role(kind, &path, rk.get_ref(), rk.span(), rval, &[]);
                        }
                    }
                }
            }
            let backend = DesiredBackend {
                path: path.clone(),
                type_name,
                description,
                options,
                config,
                local,
                seal_wrap,
            };
            let kind = if auth { Kind::AUTH } else { Kind::MOUNT };
            self.d
                .origins
                .insert(Address::new(kind, path.clone()), k.span());
            self.d.items.insert(kind, path.clone(), backend);
            // Kinds declared inside this section (`[mounts.PATH.KEY]`).
            for def in registry::all() {
                if let Some(Section::Nested { parent, key }) = def.section()
                    && parent == kind
                    && let Some(nv) = tbl.get(key)
                {
                    let mut cx = Declare {
                        w: &mut self.w,
                        desired: &mut self.d,
                        parent: &path,
                        parent_span: k.span(),
                    };
                    def.declare(&mut cx, nv);
                }
            }
        }
    }

    fn policies(&mut self, v: &Val<'_>) {
        let Some(t) = self.w.table(v, "[policies]") else {
            return;
        };
        self.w.only_keys(t, "[policies]", &["dir", "allow"]);
        if let Some(av) = t.get("allow")
            && let Some(list) = self.w.string_list(av, "allow")
        {
            for (name, span) in list {
                if policy_tests::LINTS.iter().any(|(n, _)| *n == name) {
                    self.policy_lint_allow.push(name);
                } else {
                    self.w.problem(
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
        let Some(dir) = self.w.string(dv, "dir") else {
            return;
        };
        let dir_path = self.base_dir.join(&dir);
        let entries = match std::fs::read_dir(&dir_path) {
            Ok(e) => e,
            Err(e) => {
                self.w.problem(
                    "vaultform::manifest::policies_dir",
                    dv.span(),
                    format!("cannot read policies directory {}: {e}", dir_path.display()),
                    "this directory",
                    "create it, or fix the path (relative to the manifest)",
                );
                return;
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "hcl" || x == "json"))
            .collect();
        // All in one directory: comparing names is enough (and much cheaper
        // than comparing paths component by component).
        files.sort_unstable_by(|a, b| a.file_name().cmp(&b.file_name()));
        for file in files {
            let Some(name) = file.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            if name != name.to_lowercase() {
                self.w.problem(
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
                self.w.problem(
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
                self.w.problem(
                    "vaultform::manifest::builtin",
                    dv.span(),
                    format!("policy `{name}` is built into Vault and is not managed"),
                    "in this directory",
                    format!("remove {}", file.display()),
                );
                continue;
            }
            let text = match files::read_text(&file, files::POLICY_LIMIT) {
                Ok(t) => t,
                Err(e) => {
                    self.w.problem(
                        "vaultform::manifest::unreadable",
                        dv.span(),
                        format!("cannot read policy file {}: {e}", file.display()),
                        "in this directory",
                        "check the file's permissions and encoding (UTF-8)",
                    );
                    continue;
                }
            };
            if let Some(other) = self.d.items.get::<DesiredPolicy>(Kind::POLICY, &name) {
                self.w.problem(
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
            let src = SourceFile::from(&NamedSource::new(file.display().to_string(), text.clone()));
            let lint = policy_lint::lint(&src, &text);
            self.w.problems.extend(lint.problems);
            self.d.warnings.extend(lint.warnings);
            self.d
                .origins
                .insert(Address::new(Kind::POLICY, name.clone()), dv.span());
            let policy = DesiredPolicy {
                name: name.clone(),
                text,
                file,
            };
            self.d.items.insert(Kind::POLICY, name, policy);
        }
    }

    fn approles(&mut self, v: &Val<'_>) {
        let Some(t) = self.w.table(v, "[approles]") else {
            return;
        };
        for (k, rv) in t.iter() {
            let mount = match rv.get_ref().as_table().and_then(|rt| rt.get("mount")) {
                Some(mv) => match self.w.string(mv, "mount") {
                    Some(m) if self.check_path(&m, mv.span(), "mount") => m,
                    _ => continue,
                },
                None => "approle".to_string(),
            };
            self.role(
                Kind::APPROLE,
                &mount,
                k.get_ref(),
                k.span(),
                rv,
                &["mount", "credentials_dir", "wrap_ttl"],
            );
            self.credentials(&mount, k.get_ref(), k.span(), rv);
        }
    }

    fn role(
        &mut self,
        kind: Kind,
        mount: &str,
        name: &str,
        span: Range<usize>,
        v: &Val<'_>,
        extra_keys: &[&str],
    ) {
        let what = if kind == Kind::APPROLE {
            format!("[approles.{name}]")
        } else {
            format!("[auth.{mount}.roles.{name}]")
        };
        let table = role_table(kind);
        if name != name.to_lowercase() {
            self.w.problem(
                "vaultform::manifest::upper_case",
                span.clone(),
                format!("role name `{name}` has upper-case letters; Vault lower-cases role names"),
                "upper-case",
                format!("write `{}`", name.to_lowercase()),
            );
            return;
        }
        if !self.check_name(name, span.clone(), "role name", names::role_name) {
            return;
        }
        let Some(t) = self.w.table(v, &what) else {
            return;
        };
        let mut allowed = table.field_names();
        allowed.extend_from_slice(extra_keys);
        self.w.only_keys(t, &what, &allowed);
        let mut fields = BTreeMap::new();
        let key = format!("{mount}/{name}");
        for (fk, fv) in t.iter() {
            let fname = fk.get_ref().as_ref();
            let Some(ty) = table.field_type(fname) else {
                continue;
            };
            if fname == "token_policies" {
                let Some(list) = self.w.string_list(fv, fname) else {
                    continue;
                };
                for (p, pspan) in &list {
                    self.policy_refs
                        .push((what.clone(), p.clone(), pspan.clone()));
                }
                fields.insert(
                    fname.to_string(),
                    FieldValue::List(list.into_iter().map(|(p, _)| p.to_lowercase()).collect()),
                );
                continue;
            }
            if let Some(val) = self.w.field(fv, fname, ty) {
                fields.insert(fname.to_string(), val);
            }
        }
        if let (Some(FieldValue::Duration(a, _)), Some(FieldValue::Duration(b, _))) =
            (fields.get("token_ttl"), fields.get("token_max_ttl"))
            && a > b
            && *b != 0
        {
            let s = t.get("token_ttl").map(|v| v.span()).unwrap_or(span.clone());
            self.w.problem(
                "vaultform::manifest::ttl_order",
                s,
                "token_ttl is longer than token_max_ttl",
                "longer than the maximum",
                "make token_ttl at most token_max_ttl (Vault rejects the role otherwise)",
            );
        }
        // Rules the server enforces only at write time (measured: 500 and 400).
        let empty = |f: Option<&FieldValue>| match f {
            Some(FieldValue::List(l) | FieldValue::Cidrs(l)) => l.is_empty(),
            _ => true,
        };
        if kind == Kind::APPROLE
            && fields.get("bind_secret_id") == Some(&FieldValue::Bool(false))
            && empty(fields.get("secret_id_bound_cidrs"))
            && empty(fields.get("token_bound_cidrs"))
        {
            let s = t
                .get("bind_secret_id")
                .map(|v| v.span())
                .unwrap_or(span.clone());
            self.w.problem(
                "vaultform::manifest::no_constraint",
                s,
                "bind_secret_id = false needs another login constraint",
                "no constraint left",
                "add secret_id_bound_cidrs or token_bound_cidrs (Vault refuses a role without any)",
            );
        }
        if fields.get("token_type") == Some(&FieldValue::Str("batch".into()))
            && matches!(fields.get("token_num_uses"), Some(FieldValue::Int(n)) if *n > 0)
        {
            let s = t
                .get("token_num_uses")
                .map(|v| v.span())
                .unwrap_or(span.clone());
            self.w.problem(
                "vaultform::manifest::batch_token_uses",
                s,
                "batch tokens cannot have a limited use count",
                "limited uses",
                "set token_num_uses = 0, or token_type = \"service\" (Vault refuses this pair)",
            );
        }
        if let Some(FieldValue::List(names)) = fields.get("bound_service_account_names")
            && (names.is_empty() || (names.len() > 1 && names.iter().any(|n| n == "*")))
        {
            let s = t
                .get("bound_service_account_names")
                .map(|v| v.span())
                .unwrap_or(span.clone());
            self.w.problem(
                "vaultform::manifest::bad_list",
                s,
                "bound_service_account_names must name at least one account, and `*` only alone",
                "refused by Vault",
                "write [\"name\", ...] or [\"*\"]",
            );
        }
        if kind == Kind::KUBERNETES_ROLE
            && !fields.contains_key("bound_service_account_namespaces")
            && !fields.contains_key("bound_service_account_namespace_selector")
        {
            self.w.problem(
                "vaultform::manifest::missing_key",
                span.clone(),
                format!("{what} needs bound_service_account_namespaces"),
                "no namespaces",
                "add bound_service_account_namespaces = [\"default\"] (Vault requires it)",
            );
        }
        let address = Address::new(kind, key.clone());
        if let Some(first) = self.d.origins.get(&address).cloned() {
            let (line, col) = line_col(self.d.source.inner(), first.start);
            self.w.problem(
                "vaultform::manifest::duplicate",
                span,
                format!("role `{key}` is declared twice (first at line {line}, column {col})"),
                "declared again here",
                "keep one declaration: [approles.NAME] and [auth.MOUNT.roles.NAME] name the same role",
            );
            return;
        }
        self.d.origins.insert(address, span);
        let role = DesiredRole {
            kind,
            mount: mount.to_string(),
            name: name.to_string(),
            fields,
        };
        self.d.items.insert(kind, key, role);
    }

    fn credentials(&mut self, mount: &str, name: &str, span: Range<usize>, v: &Val<'_>) {
        let Some(t) = v.get_ref().as_table() else {
            return;
        };
        let wrap_ttl = match t.get("wrap_ttl") {
            Some(w) => match self.w.duration(w, "wrap_ttl") {
                Some(FieldValue::Duration(s, _)) => Some(s),
                _ => return,
            },
            None => None,
        };
        let Some(dv) = t.get("credentials_dir") else {
            if let Some(w) = t.get("wrap_ttl") {
                self.w.problem(
                    "vaultform::manifest::missing_key",
                    w.span(),
                    "wrap_ttl needs credentials_dir",
                    "nowhere to deliver",
                    "add credentials_dir = \"/vault/approle/<service>\"",
                );
            }
            return;
        };
        let Some(dir) = self.w.string(dv, "credentials_dir") else {
            return;
        };
        if name != name.to_lowercase() {
            return; // reported by role()
        }
        let key = format!("{mount}/{name}");
        self.d
            .origins
            .insert(Address::new(Kind::CREDENTIALS, key.clone()), span);
        self.d.items.insert(
            Kind::CREDENTIALS,
            key,
            DesiredCredentials {
                mount: mount.to_string(),
                role: name.to_string(),
                dir: self.base_dir.join(dir),
                wrap_ttl,
            },
        );
    }

    fn secrets(&mut self, v: &Val<'_>) {
        let Some(t) = self.w.table(v, "[secrets]") else {
            return;
        };
        for (k, sv) in t.iter() {
            let full = k.get_ref().to_string();
            if !self.check_path(&full, k.span(), "secret path") {
                continue;
            }
            let mount = crate::kinds::mount::longest_mount(self.d.items.names(Kind::MOUNT), &full)
                .or_else(|| full.split_once('/').map(|(m, _)| m.to_string()));
            let Some(mount) = mount else {
                self.w.problem(
                    "vaultform::manifest::bad_path",
                    k.span(),
                    format!("secret path `{full}` names no mount"),
                    "no mount",
                    "write [secrets.\"<mount>/<path>\"], e.g. [secrets.\"secret/user_db\"]",
                );
                continue;
            };
            let path = full[mount.len() + 1..].to_string();
            let what = format!("[secrets.\"{full}\"]");
            let Some(st) = self.w.table(sv, &what) else {
                continue;
            };
            let mut keys = BTreeMap::new();
            for (kk, kv) in st.iter() {
                if let Some(val) = self.secret_value(kk.get_ref(), kv) {
                    keys.insert(kk.get_ref().to_string(), val);
                }
            }
            self.d
                .origins
                .insert(Address::new(Kind::KV, full.clone()), k.span());
            let secret = DesiredSecret { mount, path, keys };
            self.d.items.insert(Kind::KV, full, secret);
        }
    }

    /// One value of an auth method's `config`: a literal, or `{ env = ... }` /
    /// `{ file = ... }` (a table with exactly one of those keys; any other
    /// table is a literal object, such as JWT's `provider_config`). A literal
    /// for a sensitive key gets a warning.
    fn config_value(&mut self, type_name: &str, key: &str, v: &Val<'_>) -> Option<Secret> {
        let sensitive = crate::kinds::auth::model::is_sensitive(type_name, key);
        if let DeValue::Table(t) = v.get_ref()
            && t.len() == 1
            && t.iter()
                .all(|(k, _)| matches!(k.get_ref().as_ref(), "env" | "file"))
        {
            return match self.secret_value(key, v)? {
                DesiredValue::Value(s) => Some(s),
                _ => None,
            };
        }
        let json = self.w.json(v, "config value")?;
        if sensitive
            && crate::kinds::auth::model::SENSITIVE_KEYS
                .iter()
                .any(|(t, _)| *t == type_name)
        {
            let (line, col) = line_col(self.d.source.inner(), v.span().start);
            self.d.warnings.push(format!(
                "{}:{line}:{col}: config key `{key}` of a `{type_name}` auth method is a secret but is a literal in the manifest; use {{ env = \"...\" }} or {{ file = \"...\" }}",
                self.d.source.name()
            ));
        }
        Some(Secret::new(json))
    }

    fn secret_value(&mut self, key: &str, v: &Val<'_>) -> Option<DesiredValue> {
        let looks_secret = {
            let k = key.to_ascii_lowercase();
            ["pass", "secret", "token", "key", "credential", "private"]
                .iter()
                .any(|s| k.contains(s))
        };
        let lint_literal = |d: &mut Desired, span: Range<usize>| {
            if looks_secret {
                let (line, col) = line_col(d.source.inner(), span.start);
                d.warnings.push(format!(
                    "{}:{line}:{col}: `{key}` looks like a secret but is a literal in the manifest; use {{ env = \"...\" }}, {{ file = \"...\" }} or {{ generate = {{ length = 32 }} }}",
                    d.source.name()
                ));
            }
        };
        match v.get_ref() {
            DeValue::String(s) => {
                lint_literal(&mut self.d, v.span());
                Some(DesiredValue::Value(Secret::from_string(s.to_string())))
            }
            DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => {
                let j = self.w.json(v, key)?;
                Some(DesiredValue::Value(Secret::new(j)))
            }
            DeValue::Table(t) => {
                let sources = ["env", "file", "generate", "external"];
                let before = self.w.problems.len();
                self.w
                    .only_keys(t, &format!("the source of `{key}`"), &sources);
                if self.w.problems.len() > before {
                    return None;
                }
                let given: Vec<_> = t
                    .iter()
                    .filter(|(k, _)| sources.contains(&k.get_ref().as_ref()))
                    .collect();
                if given.len() != 1 {
                    self.w.problem(
                        "vaultform::manifest::value_source",
                        v.span(),
                        format!("`{key}` needs exactly one source"),
                        "one of env, file, generate, external",
                        "write { env = \"NAME\" }, { file = \"path\" }, { generate = { length = 32 } } or { external = true }",
                    );
                    return None;
                }
                let (sk, sv) = given[0];
                match sk.get_ref().as_ref() {
                    "env" => {
                        let var = self.w.string(sv, "env")?;
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
                                self.w.problem(
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
                        let rel = self.w.string(sv, "file")?;
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
                                self.w.problem(
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
                        let gt = self.w.table(sv, "generate")?;
                        self.w.only_keys(gt, "generate", &["length"]);
                        let length = match gt.get("length") {
                            Some(lv) => self.w.integer(lv, "length")?,
                            None => 32,
                        };
                        if !(8..=4096).contains(&length) {
                            self.w.problem(
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
                    _ => match self.w.boolean(sv, "external")? {
                        true => Some(DesiredValue::External),
                        false => {
                            self.w.problem(
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
                self.w.problem(
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

    /// One problem for every variable that is not set when the env file does
    /// not exist (a missing `.env` is one mistake, not one per variable).
    fn report_missing_vars(&mut self) {
        let Some(path) = self.env_file_missing.clone() else {
            return;
        };
        if self.missing_vars.is_empty() {
            return;
        }
        let mut names: Vec<String> = self.missing_vars.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        names.dedup();
        let list = if names.len() > 40 {
            format!("{}, and {} more", names[..40].join(", "), names.len() - 40)
        } else {
            names.join(", ")
        };
        self.w.problem(
            "vaultform::manifest::missing_env",
            self.env_file_span.clone(),
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
        for (role, policy, span) in std::mem::take(&mut self.policy_refs) {
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

/// One-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// The field table of a role kind.
fn role_table(kind: Kind) -> &'static TableKind {
    if kind == Kind::APPROLE {
        &crate::kinds::role::APPROLES
    } else {
        &crate::kinds::role::KUBERNETES_ROLES
    }
}
