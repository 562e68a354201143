//! What a service reads, and how: from command-line flags, from its section
//! of a services file (`services.toml`), or both (flags win). Everything is
//! checked here, before any request: secret paths per the KV path rule, key
//! and variable names, per-key renames, Docker-secret file names. Pure; the
//! only I/O is the bounded read of the services file.

use crate::diag::SourceFile;
use crate::kinds::names;
use miette::SourceSpan;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The default Docker-secrets directory.
pub const DOCKER_SECRETS_DIR: &str = "/run/secrets";
/// Where a pod's service-account token is mounted.
pub const K8S_TOKEN_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/// The longest services file read.
pub const SERVICES_FILE_LIMIT: u64 = 1 << 20;

/// One way of logging in, in the order the chain tries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// `VAULT_TOKEN`, a token file, the Docker secret `vault_token`, `~/.vault-token`.
    Token,
    /// `role_id` + `secret_id` files (as `apply` delivers them) or `VAULT_ROLE_ID` / `VAULT_SECRET_ID`.
    Approle,
    /// The pod's service-account token with a Kubernetes auth role.
    Kubernetes,
}

impl Method {
    /// The name used in flags, files and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Token => "token",
            Method::Approle => "approle",
            Method::Kubernetes => "kubernetes",
        }
    }
}

/// One KV v2 secret a service reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRef {
    /// The KV v2 mount (`secret`).
    pub mount: String,
    /// The path inside it (`app/mongodb`).
    pub path: String,
    /// The keys wanted; `None`: every key the secret holds (then nothing can
    /// fall back when Vault is unavailable, because nothing says which keys).
    pub keys: Option<Vec<String>>,
    /// Per-key variable names, replacing the naming rule.
    pub rename: BTreeMap<String, String>,
    /// Per-key Docker-secret file names, replacing the convention.
    pub docker_secret: BTreeMap<String, String>,
}

impl SecretRef {
    /// `mount/path`, as written.
    pub fn display(&self) -> String {
        format!("{}/{}", self.mount, self.path)
    }

    /// The KV v2 read path, `mount/data/path`.
    pub fn data_path(&self) -> String {
        format!("{}/data/{}", self.mount, self.path)
    }

    /// The variable a key becomes: its rename, else the naming rule, with
    /// `prefix` in front.
    pub fn var_name(&self, key: &str, prefix: &str) -> String {
        if let Some(name) = self.rename.get(key) {
            return name.clone();
        }
        let last = self.path.rsplit('/').next().unwrap_or(&self.path);
        format!("{prefix}{}", derived_name(last, key))
    }

    /// The Docker-secret file name of a key: its override, else the variable
    /// name in lower case (`MONGODB_ROOT_PASSWORD` -> `mongodb_root_password`).
    pub fn docker_file(&self, key: &str, var: &str) -> String {
        self.docker_secret
            .get(key)
            .cloned()
            .unwrap_or_else(|| var.to_ascii_lowercase())
    }
}

/// The naming rule: a key already written as an environment variable name
/// (`USER_DB_PASSWORD`: upper-case letters, digits, `_`) is kept; any other
/// key becomes `<LAST SEGMENT>_<KEY>` in upper case, every character other
/// than a letter or digit replaced by `_` (`app/mongodb` + `root_password`
/// -> `MONGODB_ROOT_PASSWORD`, the names of `seeds/000`).
pub fn derived_name(last_segment: &str, key: &str) -> String {
    if is_upper_env_name(key) {
        return key.to_string();
    }
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{}_{}", clean(last_segment), clean(key))
}

fn is_upper_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `s` is a portable environment variable name.
pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= 256
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Variables vaultform never sets from a secret: they decide which program
/// runs or what a shell executes before it (a key named `LD_PRELOAD` in a
/// secret must not become code in every service).
pub fn forbidden_var(name: &str) -> bool {
    matches!(
        name,
        "PATH" | "BASH_ENV" | "ENV" | "SHELLOPTS" | "BASHOPTS" | "IFS" | "PS4" | "PROMPT_COMMAND"
    ) || name.starts_with("LD_")
        || name.starts_with("DYLD_")
        || name.starts_with("BASH_FUNC_")
}

/// Checks a variable name chosen by a rename or derived from a key.
pub fn check_var(name: &str) -> Result<(), &'static str> {
    if !is_env_name(name) {
        return Err(
            "is not an environment variable name (letters, digits and `_`, not starting with a digit)",
        );
    }
    if forbidden_var(name) {
        return Err(
            "is a variable that decides what program runs (PATH, LD_*, DYLD_*, BASH_ENV, ...); vaultform never sets it from a secret",
        );
    }
    Ok(())
}

/// A Docker-secret file name: one path segment.
fn check_file_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.len() > 255
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(
            "is not a file name (one segment of letters, digits, `-`, `_`, `.`; not `.` or `..`)",
        );
    }
    Ok(())
}

/// A key as written in a flag or the services file: any text but empty, at
/// most 512 bytes, no control characters (keys are not secret; they may be
/// shown).
fn check_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("is empty");
    }
    if key.len() > names::MAX_NAME_LEN {
        return Err("is longer than 512 bytes");
    }
    if key.chars().any(char::is_control) {
        return Err("has a control character");
    }
    Ok(())
}

/// How `exec` reacts when `--watch` sees a changed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnChange {
    /// Stop the child (the kill signal, then SIGKILL after the timeout) and
    /// start it again with the new values.
    Restart,
    /// Send the child the watch signal (rendered files are rewritten first).
    Signal,
}

/// Everything a consumer command needs to know, checked.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The service's name, when it came from a services file.
    pub service: Option<String>,
    /// The secrets read, in order.
    pub secrets: Vec<SecretRef>,
    /// Put in front of every derived variable name.
    pub prefix: String,
    /// The login methods, in the order tried.
    pub auth: Vec<Method>,
    /// A file holding a token.
    pub token_file: Option<PathBuf>,
    /// The directory with `role_id` and `secret_id` (a `credentials_dir`).
    pub approle_dir: Option<PathBuf>,
    /// The AppRole auth mount.
    pub approle_mount: String,
    /// The Kubernetes auth role.
    pub k8s_role: Option<String>,
    /// The Kubernetes auth mount.
    pub k8s_mount: String,
    /// The service-account token file.
    pub k8s_token_file: PathBuf,
    /// Where Docker secrets are.
    pub docker_secrets_dir: PathBuf,
    /// No fallback: every value must come from Vault.
    pub require_vault: bool,
    /// `exec`: write each value as a file here instead of the environment.
    pub render_dir: Option<PathBuf>,
    /// `exec`: owner (uid, gid) of rendered files.
    pub render_owner: Option<(u32, Option<u32>)>,
    /// `exec`: re-read this often and act on a change.
    pub watch: Option<std::time::Duration>,
    /// `exec`: what a change does.
    pub on_change: OnChange,
    /// `exec`: how long to keep retrying the login (re-reading the credential
    /// files) when every method failed, e.g. while a new secret ID is on its way.
    pub auth_wait: std::time::Duration,
}

/// A problem at a place in the services file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{what}")]
#[diagnostic(code(vaultform::consumer::bad_services_file), help("{help}"))]
pub struct FileProblem {
    /// What is wrong.
    pub what: String,
    /// The fix.
    pub help: String,
    /// The file.
    #[source_code]
    pub src: SourceFile,
    /// Where.
    #[label("here")]
    pub at: Option<SourceSpan>,
}

/// Where a problem in the spec is.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SpecError {
    /// A problem in a flag.
    #[error("{flag}: {what}")]
    #[diagnostic(code(vaultform::consumer::bad_flag), help("{help}"))]
    Flag {
        /// The flag.
        flag: String,
        /// What is wrong.
        what: String,
        /// The fix.
        help: String,
    },
    /// A problem in the services file.
    #[error(transparent)]
    #[diagnostic(transparent)]
    File(Box<FileProblem>),
    /// The services file cannot be read.
    #[error("cannot read the services file {path}: {why}")]
    #[diagnostic(
        code(vaultform::consumer::services_file),
        help(
            "pass --services-file (or VAULTFORM_SERVICES_FILE), or give --secret flags instead of --service"
        )
    )]
    Read {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
    /// Two keys give one variable.
    #[error("{first} and {second} both become the variable {var}")]
    #[diagnostic(
        code(vaultform::consumer::name_collision),
        help(
            "rename one of them (--rename MOUNT/PATH#KEY=NAME, or `rename` in the services file), or set a --prefix"
        )
    )]
    Collision {
        /// The variable.
        var: String,
        /// `mount/path#key` of one.
        first: String,
        /// `mount/path#key` of the other.
        second: String,
    },
    /// Nothing to read.
    #[error("no secrets to read")]
    #[diagnostic(
        code(vaultform::consumer::nothing),
        help(
            "name them with --secret MOUNT/PATH (repeatable) or --service NAME with a services file"
        )
    )]
    Nothing,
}

fn flag(flag: &str, what: impl Into<String>, help: impl Into<String>) -> SpecError {
    SpecError::Flag {
        flag: flag.into(),
        what: what.into(),
        help: help.into(),
    }
}

/// Parses `MOUNT/PATH[#KEY,KEY...]` (the mount is the first segment).
pub fn parse_secret_flag(text: &str) -> Result<SecretRef, SpecError> {
    let (path, keys) = match text.split_once('#') {
        Some((p, k)) => (p, Some(k)),
        None => (text, None),
    };
    let (mount, path) = split_path(path).map_err(|why| {
        flag(
            "--secret",
            format!("`{}` {why}", names::excerpt(text)),
            "write MOUNT/PATH, optionally #KEY,KEY to name the keys (e.g. secret/app/mongodb#root_username,root_password)",
        )
    })?;
    let keys = match keys {
        None => None,
        Some(list) => {
            let keys: Vec<String> = list.split(',').map(str::to_string).collect();
            for k in &keys {
                check_key(k).map_err(|why| {
                    flag(
                        "--secret",
                        format!("a key of `{}` {why}", names::excerpt(&path)),
                        "list keys after `#`, separated by commas",
                    )
                })?;
            }
            Some(keys)
        }
    };
    Ok(SecretRef {
        mount,
        path,
        keys,
        rename: BTreeMap::new(),
        docker_secret: BTreeMap::new(),
    })
}

/// `mount/path` -> (mount, path), the mount being the first segment; both
/// checked by the KV path rule.
fn split_path(text: &str) -> Result<(String, String), String> {
    names::path(text).map_err(|e| e.to_string())?;
    let (mount, path) = text
        .split_once('/')
        .ok_or_else(|| "names no path inside a mount (write MOUNT/PATH)".to_string())?;
    names::mount_path(mount).map_err(|e| format!("has a bad mount: {e}"))?;
    if names::RESERVED_MOUNT_PREFIXES.contains(&mount) {
        return Err(format!("names `{mount}/`, which is not a KV mount"));
    }
    Ok((mount.to_string(), path.to_string()))
}

/// Parses `MOUNT/PATH#KEY=NAME`.
pub fn parse_rename_flag(text: &str) -> Result<(String, String, String), SpecError> {
    let help = "write --rename MOUNT/PATH#KEY=NAME, e.g. secret/app/mongodb#root_password=MONGO_INITDB_ROOT_PASSWORD";
    let (lhs, name) = text
        .rsplit_once('=')
        .ok_or_else(|| flag("--rename", "has no `=NAME`", help))?;
    let (path, key) = lhs
        .split_once('#')
        .ok_or_else(|| flag("--rename", "has no `#KEY`", help))?;
    check_key(key).map_err(|why| flag("--rename", format!("its key {why}"), help))?;
    check_var(name).map_err(|why| {
        flag(
            "--rename",
            format!("`{}` {why}", names::excerpt(name)),
            help,
        )
    })?;
    names::path(path).map_err(|e| flag("--rename", format!("its path {e}"), help))?;
    Ok((path.to_string(), key.to_string(), name.to_string()))
}

/// The services file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    defaults: RawService,
    #[serde(default)]
    services: BTreeMap<String, toml::Spanned<RawService>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    #[serde(default)]
    secrets: BTreeMap<toml::Spanned<String>, toml::Spanned<RawSecret>>,
    prefix: Option<String>,
    auth: Option<Vec<Method>>,
    token_file: Option<PathBuf>,
    approle_dir: Option<PathBuf>,
    approle_mount: Option<toml::Spanned<String>>,
    kubernetes_role: Option<toml::Spanned<String>>,
    kubernetes_mount: Option<toml::Spanned<String>>,
    kubernetes_token_file: Option<PathBuf>,
    docker_secrets_dir: Option<PathBuf>,
    require_vault: Option<bool>,
    render_dir: Option<PathBuf>,
    render_owner: Option<toml::Spanned<String>>,
    watch: Option<toml::Spanned<String>>,
    on_change: Option<OnChange>,
    auth_wait: Option<toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSecret {
    /// `"secret/app/redis" = "*"`: every key.
    All(String),
    /// `"secret/app/mongodb" = ["root_username", "root_password"]`.
    Keys(Vec<String>),
    /// The table form.
    Table(RawSecretTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecretTable {
    keys: Option<Vec<String>>,
    #[serde(default)]
    rename: BTreeMap<String, String>,
    #[serde(default)]
    docker_secret: BTreeMap<String, String>,
}

/// What the command line says (every field optional: the services file or a
/// default fills the rest).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// `--service`.
    pub service: Option<String>,
    /// `--services-file`.
    pub services_file: PathBuf,
    /// `--secret`, parsed.
    pub secrets: Vec<SecretRef>,
    /// `--rename`, parsed: (path, key, name).
    pub renames: Vec<(String, String, String)>,
    /// `--prefix`.
    pub prefix: Option<String>,
    /// `--auth`.
    pub auth: Option<Vec<Method>>,
    /// `--token-file`.
    pub token_file: Option<PathBuf>,
    /// `--approle-dir`.
    pub approle_dir: Option<PathBuf>,
    /// `--approle-mount`.
    pub approle_mount: Option<String>,
    /// `--k8s-role`.
    pub k8s_role: Option<String>,
    /// `--k8s-mount`.
    pub k8s_mount: Option<String>,
    /// `--k8s-token-file`.
    pub k8s_token_file: Option<PathBuf>,
    /// `--docker-secrets-dir`.
    pub docker_secrets_dir: Option<PathBuf>,
    /// `--require-vault`.
    pub require_vault: bool,
    /// `--render-dir`.
    pub render_dir: Option<PathBuf>,
    /// `--render-owner`, parsed.
    pub render_owner: Option<(u32, Option<u32>)>,
    /// `--watch`.
    pub watch: Option<std::time::Duration>,
    /// `--on-change`.
    pub on_change: Option<OnChange>,
    /// `--auth-wait`.
    pub auth_wait: Option<std::time::Duration>,
}

/// Parses `UID[:GID]`.
pub fn parse_owner(text: &str) -> Result<(u32, Option<u32>), String> {
    let (u, g) = match text.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (text, None),
    };
    let num = |s: &str| {
        s.parse::<u32>()
            .map_err(|_| format!("`{}` is not UID[:GID] (numbers)", names::excerpt(text)))
    };
    Ok((num(u)?, g.map(num).transpose()?))
}

struct FileCtx<'a> {
    src: &'a SourceFile,
}

impl FileCtx<'_> {
    fn err(
        &self,
        what: impl Into<String>,
        help: impl Into<String>,
        at: Option<std::ops::Range<usize>>,
    ) -> SpecError {
        // A parser's message can quote a whole line: cut and cleaned.
        SpecError::File(Box::new(FileProblem {
            what: crate::diag::clean_text(&what.into(), 600),
            help: help.into(),
            src: self.src.clone(),
            at: at.map(Into::into),
        }))
    }
}

/// Builds the spec: the service's section of the services file (when
/// `--service` is given) under the flags, then checks everything.
pub fn build(flags: Flags) -> Result<Spec, SpecError> {
    let mut spec = Spec {
        service: flags.service.clone(),
        secrets: Vec::new(),
        prefix: String::new(),
        auth: vec![Method::Token, Method::Approle, Method::Kubernetes],
        token_file: None,
        approle_dir: None,
        approle_mount: "approle".into(),
        k8s_role: None,
        k8s_mount: "kubernetes".into(),
        k8s_token_file: PathBuf::from(K8S_TOKEN_FILE),
        docker_secrets_dir: PathBuf::from(DOCKER_SECRETS_DIR),
        require_vault: false,
        render_dir: None,
        render_owner: None,
        watch: None,
        on_change: OnChange::Restart,
        auth_wait: std::time::Duration::ZERO,
    };
    if let Some(name) = &flags.service {
        load_service(&mut spec, &flags.services_file, name)?;
    }
    // Flags over the file.
    spec.secrets.extend(flags.secrets);
    if let Some(p) = flags.prefix {
        spec.prefix = p;
    }
    if let Some(a) = flags.auth {
        spec.auth = a;
    }
    macro_rules! over {
        ($field:ident, $flag:ident) => {
            if let Some(v) = flags.$flag {
                spec.$field = v;
            }
        };
    }
    macro_rules! over_opt {
        ($field:ident, $flag:ident) => {
            if flags.$flag.is_some() {
                spec.$field = flags.$flag;
            }
        };
    }
    over_opt!(token_file, token_file);
    over_opt!(approle_dir, approle_dir);
    over!(approle_mount, approle_mount);
    over_opt!(k8s_role, k8s_role);
    over!(k8s_mount, k8s_mount);
    over!(k8s_token_file, k8s_token_file);
    over!(docker_secrets_dir, docker_secrets_dir);
    over_opt!(render_dir, render_dir);
    over_opt!(render_owner, render_owner);
    over_opt!(watch, watch);
    over!(on_change, on_change);
    over!(auth_wait, auth_wait);
    spec.require_vault |= flags.require_vault;
    for (path, key, name) in flags.renames {
        let Some(s) = spec.secrets.iter_mut().find(|s| s.display() == path) else {
            return Err(flag(
                "--rename",
                format!("`{}` is not one of the secrets read", names::excerpt(&path)),
                "rename keys of a secret named by --secret or the services file",
            ));
        };
        s.rename.insert(key, name);
    }
    check(&spec)?;
    Ok(spec)
}

/// Offline checks of a merged spec.
fn check(spec: &Spec) -> Result<(), SpecError> {
    if spec.secrets.is_empty() {
        return Err(SpecError::Nothing);
    }
    if !spec.prefix.is_empty() && !is_env_name(&spec.prefix) {
        return Err(flag(
            "--prefix",
            "is not the start of a variable name",
            "use letters, digits and `_`",
        ));
    }
    if spec.auth.is_empty() {
        return Err(flag(
            "--auth",
            "names no method",
            "e.g. --auth token,approle,kubernetes",
        ));
    }
    for (what, v) in [
        ("--approle-mount", &spec.approle_mount),
        ("--k8s-mount", &spec.k8s_mount),
    ] {
        names::path(v).map_err(|e| flag(what, e.to_string(), e.help()))?;
    }
    if let Some(r) = &spec.k8s_role {
        names::role_name(r).map_err(|e| flag("--k8s-role", e.to_string(), e.help()))?;
    }
    if spec.watch.is_some_and(|w| w.is_zero()) {
        return Err(flag("--watch", "is zero", "e.g. --watch 30s"));
    }
    // Declared names: each checked, and no two alike.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut paths = std::collections::BTreeSet::new();
    for s in &spec.secrets {
        if !paths.insert(s.display()) {
            return Err(flag(
                "--secret",
                format!("{} is named twice", s.display()),
                "name each secret once; list its keys after `#`",
            ));
        }
        for (key, name) in &s.rename {
            if s.keys.as_ref().is_some_and(|k| !k.contains(key)) {
                return Err(flag(
                    "rename",
                    format!("{}#{} is renamed but not among its keys", s.display(), key),
                    "add the key to the secret's keys",
                ));
            }
            check_var(name).map_err(|why| {
                flag(
                    "rename",
                    format!("`{}` {why}", names::excerpt(name)),
                    "pick another name",
                )
            })?;
        }
        for file in s.docker_secret.values() {
            check_file_name(file).map_err(|why| {
                flag(
                    "docker_secret",
                    format!("`{}` {why}", names::excerpt(file)),
                    "give a file name inside the Docker-secrets directory",
                )
            })?;
        }
        for key in s.keys.iter().flatten() {
            let var = s.var_name(key, &spec.prefix);
            check_var(&var).map_err(|why| {
                flag(
                    "--secret",
                    format!(
                        "{}#{} becomes `{}`, which {why}",
                        s.display(),
                        names::excerpt(key),
                        names::excerpt(&var)
                    ),
                    "rename the key (--rename MOUNT/PATH#KEY=NAME)",
                )
            })?;
            let here = format!("{}#{key}", s.display());
            if let Some(first) = seen.insert(var.clone(), here.clone()) {
                return Err(SpecError::Collision {
                    var,
                    first,
                    second: here,
                });
            }
        }
    }
    Ok(())
}

fn load_service(spec: &mut Spec, file: &Path, name: &str) -> Result<(), SpecError> {
    let text = crate::files::read_text(file, SERVICES_FILE_LIMIT).map_err(|e| SpecError::Read {
        path: file.display().to_string(),
        why: e.to_string(),
    })?;
    // Long lines are excerpted and control characters replaced (as for the manifest).
    let src = SourceFile::new(&file.display().to_string(), &text);
    let ctx = FileCtx { src: &src };
    let raw: RawFile = toml::from_str(&text).map_err(|e| {
        ctx.err(
            format!("the services file is not valid: {}", e.message()),
            "see docs/services.md (or the README's \"Services\" section) for the format",
            e.span(),
        )
    })?;
    let Some(service) = raw.services.get(name) else {
        let known: Vec<&str> = raw.services.keys().map(String::as_str).collect();
        return Err(ctx.err(
            format!(
                "no [services.{}] in the services file",
                names::excerpt(name)
            ),
            if known.is_empty() {
                "the file declares no service".to_string()
            } else {
                format!("declared: {}", known.join(", "))
            },
            None,
        ));
    };
    let span = service.span();
    apply_raw(spec, &raw.defaults, &ctx)?;
    apply_raw(spec, service.get_ref(), &ctx).map_err(|e| match e {
        SpecError::File(mut p) => {
            p.at = p.at.or(Some(span.into()));
            SpecError::File(p)
        }
        other => other,
    })
}

fn apply_raw(spec: &mut Spec, raw: &RawService, ctx: &FileCtx<'_>) -> Result<(), SpecError> {
    for (path, secret) in &raw.secrets {
        let (mount, p) = split_path(path.get_ref()).map_err(|why| {
            ctx.err(
                format!("the secret path {why}"),
                "write MOUNT/PATH, e.g. \"secret/app/mongodb\"",
                Some(path.span()),
            )
        })?;
        let mut s = SecretRef {
            mount,
            path: p,
            keys: None,
            rename: BTreeMap::new(),
            docker_secret: BTreeMap::new(),
        };
        let at = Some(secret.span());
        match secret.get_ref() {
            RawSecret::All(star) if star == "*" => {}
            RawSecret::All(_) => {
                return Err(ctx.err(
                    "a secret is \"*\", a list of keys or a table",
                    "write \"*\" for every key, or [\"key\", ...]",
                    at,
                ));
            }
            RawSecret::Keys(keys) => s.keys = Some(keys.clone()),
            RawSecret::Table(t) => {
                s.keys = t.keys.clone();
                s.rename = t.rename.clone();
                s.docker_secret = t.docker_secret.clone();
            }
        }
        for k in s
            .keys
            .iter()
            .flatten()
            .chain(s.rename.keys())
            .chain(s.docker_secret.keys())
        {
            check_key(k).map_err(|why| {
                ctx.err(
                    format!("a key {why}"),
                    "keys are the names inside the secret",
                    at.clone(),
                )
            })?;
        }
        for v in s.rename.values() {
            check_var(v).map_err(|why| {
                ctx.err(
                    format!("`{}` {why}", names::excerpt(v)),
                    "pick another variable name",
                    at.clone(),
                )
            })?;
        }
        for v in s.docker_secret.values() {
            check_file_name(v).map_err(|why| {
                ctx.err(
                    format!("`{}` {why}", names::excerpt(v)),
                    "a file name inside the Docker-secrets directory",
                    at.clone(),
                )
            })?;
        }
        spec.secrets.retain(|o| o.display() != s.display());
        spec.secrets.push(s);
    }
    let dur = |v: &toml::Spanned<String>, what: &str| {
        crate::duration::parse_exact(v.get_ref()).ok_or_else(|| {
            ctx.err(
                format!("{what} is not a duration"),
                "e.g. \"30s\", \"5m\"",
                Some(v.span()),
            )
        })
    };
    let mount = |v: &toml::Spanned<String>| {
        names::path(v.get_ref())
            .map_err(|e| ctx.err(format!("the mount {e}"), e.help(), Some(v.span())))?;
        Ok::<_, SpecError>(v.get_ref().clone())
    };
    if let Some(p) = &raw.prefix {
        spec.prefix = p.clone();
    }
    if let Some(a) = &raw.auth {
        spec.auth = a.clone();
    }
    if let Some(v) = &raw.token_file {
        spec.token_file = Some(v.clone());
    }
    if let Some(v) = &raw.approle_dir {
        spec.approle_dir = Some(v.clone());
    }
    if let Some(v) = &raw.approle_mount {
        spec.approle_mount = mount(v)?;
    }
    if let Some(v) = &raw.kubernetes_role {
        names::role_name(v.get_ref())
            .map_err(|e| ctx.err(format!("kubernetes_role {e}"), e.help(), Some(v.span())))?;
        spec.k8s_role = Some(v.get_ref().clone());
    }
    if let Some(v) = &raw.kubernetes_mount {
        spec.k8s_mount = mount(v)?;
    }
    if let Some(v) = &raw.kubernetes_token_file {
        spec.k8s_token_file = v.clone();
    }
    if let Some(v) = &raw.docker_secrets_dir {
        spec.docker_secrets_dir = v.clone();
    }
    if let Some(v) = raw.require_vault {
        spec.require_vault = v;
    }
    if let Some(v) = &raw.render_dir {
        spec.render_dir = Some(v.clone());
    }
    if let Some(v) = &raw.render_owner {
        spec.render_owner = Some(
            parse_owner(v.get_ref())
                .map_err(|why| ctx.err(why, "e.g. \"999:999\"", Some(v.span())))?,
        );
    }
    if let Some(v) = &raw.watch {
        spec.watch = Some(dur(v, "watch")?);
    }
    if let Some(v) = raw.on_change {
        spec.on_change = v;
    }
    if let Some(v) = &raw.auth_wait {
        spec.auth_wait = dur(v, "auth_wait")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_follows_the_seeds() {
        assert_eq!(
            derived_name("mongodb", "root_password"),
            "MONGODB_ROOT_PASSWORD"
        );
        assert_eq!(
            derived_name("user_db", "USER_DB_PASSWORD"),
            "USER_DB_PASSWORD"
        );
        assert_eq!(derived_name("flask", "secret-key"), "FLASK_SECRET_KEY");
        assert_eq!(derived_name("my.app", "Mixed"), "MY_APP_MIXED");
        assert_eq!(derived_name("x", "é"), "X__");
    }

    #[test]
    fn secret_flags_parse_and_refuse_traversal() {
        let s = parse_secret_flag("secret/app/mongodb#root_username,root_password").unwrap();
        assert_eq!(s.mount, "secret");
        assert_eq!(s.path, "app/mongodb");
        assert_eq!(s.data_path(), "secret/data/app/mongodb");
        assert_eq!(
            s.keys.as_deref().unwrap(),
            ["root_username", "root_password"]
        );
        for bad in [
            "secret/../sys",
            "secret",
            "/secret/x",
            "secret//x",
            "secret/a%2e",
            "sys/x",
            "secret/x#",
            "secret/x#a,,b",
        ] {
            assert!(parse_secret_flag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn collisions_and_forbidden_names_are_refused() {
        let a = parse_secret_flag("secret/a/mongodb#root_password").unwrap();
        let b = parse_secret_flag("secret/b/mongodb#root_password").unwrap();
        let flags = Flags {
            secrets: vec![a.clone(), b],
            ..Flags::default()
        };
        let err = build(flags).unwrap_err().to_string();
        assert!(err.contains("MONGODB_ROOT_PASSWORD"), "{err}");
        let c = parse_secret_flag("secret/x#LD_PRELOAD").unwrap();
        let err = build(Flags {
            secrets: vec![c],
            ..Flags::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("LD_PRELOAD"), "{err}");
        // A rename resolves a collision.
        let b = parse_secret_flag("secret/b/mongodb#root_password").unwrap();
        let flags = Flags {
            secrets: vec![a, b],
            renames: vec![parse_rename_flag("secret/b/mongodb#root_password=OTHER").unwrap()],
            ..Flags::default()
        };
        assert!(build(flags).is_ok());
        assert!(parse_rename_flag("secret/b#k=PATH").is_err());
        assert!(parse_rename_flag("secret/b#k=1X").is_err());
    }

    #[test]
    fn services_file_sections_merge_under_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("services.toml");
        std::fs::write(
            &file,
            r#"
[defaults]
docker_secrets_dir = "/run/secrets"
auth = ["approle"]

[services.flask]
approle_dir = "/vault/approle/flask"
"secret/app/flask" = "*"
"#,
        )
        .unwrap();
        // An unknown key is pointed at.
        let err = build(Flags {
            service: Some("flask".into()),
            services_file: file.clone(),
            ..Flags::default()
        })
        .unwrap_err();
        assert!(
            matches!(&err, SpecError::File(p) if p.at.is_some()),
            "{err:?}"
        );
        std::fs::write(
            &file,
            r#"
[defaults]
auth = ["approle"]

[services.flask]
approle_dir = "/vault/approle/flask"
prefix = "APP_"
[services.flask.secrets]
"secret/app/flask" = "*"
"secret/app/mongodb" = { keys = ["root_password"], rename = { root_password = "MONGO_PW" }, docker_secret = { root_password = "mongo_pw" } }
"secret/app/redis" = ["password"]
"#,
        )
        .unwrap();
        let spec = build(Flags {
            service: Some("flask".into()),
            services_file: file.clone(),
            auth: Some(vec![Method::Token, Method::Approle]),
            ..Flags::default()
        })
        .unwrap();
        assert_eq!(spec.auth, [Method::Token, Method::Approle]);
        assert_eq!(spec.secrets.len(), 3);
        let mongo = &spec.secrets[1];
        assert_eq!(mongo.var_name("root_password", &spec.prefix), "MONGO_PW");
        assert_eq!(mongo.docker_file("root_password", "MONGO_PW"), "mongo_pw");
        assert_eq!(
            spec.secrets[2].var_name("password", &spec.prefix),
            "APP_REDIS_PASSWORD"
        );
        let err = build(Flags {
            service: Some("nope".into()),
            services_file: file,
            ..Flags::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("no [services.nope]"), "{err}");
    }
}
