//! The service side: `vaultform exec`, `env` and `health`. A service logs in
//! through the auth chain ([`auth`]), reads the KV v2 secrets its spec names
//! ([`spec`]), and gets every key from the first source that has it: Vault,
//! then a Docker secret (`/run/secrets/<name>`), then an environment variable
//! of the same name, unless `--require-vault`. The log names each value's
//! source, never the value.
//!
//! An outage (server unreachable, sealed, uninitialised, or no login method
//! worked) falls back with a warning; a 403 on a secret the service logged in
//! for is an error even with fallback, because it is a policy mistake that a
//! fallback would hide.

pub mod auth;
pub mod health;
pub mod output;
pub mod run;
pub mod spec;

use crate::secret::Secret;
use crate::vault::{Vault, VaultError};
use spec::{SecretRef, Spec, SpecError};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The KV v2 secret.
    Vault,
    /// A Docker secret file.
    DockerSecret(PathBuf),
    /// The variable was already in the environment.
    Env,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Vault => f.write_str("vault"),
            Source::DockerSecret(p) => write!(f, "docker secret {}", p.display()),
            Source::Env => f.write_str("environment"),
        }
    }
}

/// One value a service gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// The variable name.
    pub var: String,
    /// The value (never printed).
    pub value: Secret,
    /// Where it came from.
    pub source: Source,
    /// `mount/path#key`.
    pub origin: String,
}

/// Why a consumer command failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConsumerError {
    /// The flags or the services file.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Spec(#[from] SpecError),
    /// No login method worked, and fallback is off (or cannot help).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Login(#[from] auth::LoginFailed),
    /// The login's policy does not grant reading a secret.
    #[error(
        "permission denied reading {path} (403): the policy of this login ({method}) does not grant `read` on {data_path}"
    )]
    #[diagnostic(
        code(vaultform::consumer::denied),
        help(
            "read only the service's own secrets, or grant the path in its policy (policies/<service>-policy.hcl)"
        )
    )]
    Denied {
        /// `mount/path`.
        path: String,
        /// The API path.
        data_path: String,
        /// How it logged in.
        method: String,
    },
    /// Values found nowhere.
    #[error("{} value(s) found nowhere: {}", .missing.len(), .missing.join("; "))]
    #[diagnostic(
        code(vaultform::consumer::missing),
        help(
            "store the key in Vault, or provide it as a Docker secret or an environment variable"
        )
    )]
    Missing {
        /// One line per value: the variable and the places looked.
        missing: Vec<String>,
    },
    /// `--require-vault` and Vault could not supply something.
    #[error("--require-vault: {what}")]
    #[diagnostic(
        code(vaultform::consumer::vault_required),
        help("without --require-vault, values may come from Docker secrets or the environment")
    )]
    Required {
        /// What is missing.
        what: String,
    },
    /// A secret named with every key (`*`) cannot fall back.
    #[error(
        "Vault is unavailable and {path} names no keys, so there is nothing to look for elsewhere ({why})"
    )]
    #[diagnostic(
        code(vaultform::consumer::undeclared_keys),
        help(
            "list the keys (--secret {path}#key1,key2, or keys = [...] in the services file) so they can fall back to Docker secrets and the environment"
        )
    )]
    Undeclared {
        /// `mount/path`.
        path: String,
        /// Why Vault is unavailable.
        why: String,
    },
    /// Two keys read from Vault map to one variable.
    #[error("{first} and {second} both become the variable {var}")]
    #[diagnostic(
        code(vaultform::consumer::name_collision),
        help("rename one (--rename MOUNT/PATH#KEY=NAME) or list the keys wanted")
    )]
    Collision {
        /// The variable.
        var: String,
        /// One key.
        first: String,
        /// The other.
        second: String,
    },
    /// A key read from Vault maps to a name vaultform never sets.
    #[error("{origin} becomes `{var}`, which {why}")]
    #[diagnostic(
        code(vaultform::consumer::bad_name),
        help("rename the key (--rename MOUNT/PATH#KEY=NAME)")
    )]
    BadName {
        /// The key.
        origin: String,
        /// The name.
        var: String,
        /// Why.
        why: &'static str,
    },
    /// A value an environment variable cannot hold.
    #[error(
        "the value of {var} ({origin}) contains a NUL byte, which no environment variable can hold"
    )]
    #[diagnostic(
        code(vaultform::consumer::nul),
        help("use --render-dir to pass it as a file")
    )]
    Nul {
        /// The variable.
        var: String,
        /// The key.
        origin: String,
    },
    /// Writing a rendered file.
    #[error("cannot write {path}: {why}")]
    #[diagnostic(code(vaultform::consumer::render))]
    Render {
        /// The file or directory.
        path: String,
        /// Why.
        why: String,
    },
    /// Starting the command.
    #[error("cannot run `{program}`: {why}")]
    #[diagnostic(
        code(vaultform::consumer::spawn),
        help("check the command after `--` and the PATH")
    )]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        why: String,
    },
    /// Another Vault error.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Vault(#[from] VaultError),
}

/// The state of Vault for one fetch.
pub enum VaultState<'a> {
    /// Logged in: a client sending the login's token.
    Ready(&'a Vault, &'a auth::Login),
    /// Unavailable, and why.
    Down(String),
}

/// What one secret read gave.
enum Read {
    Data(BTreeMap<String, Secret>),
    Absent,
    Down(String),
}

async fn read_secret(vault: &Vault, s: &SecretRef, method: &str) -> Result<Read, ConsumerError> {
    match vault.read(&s.data_path()).await {
        Ok(Some(body)) => {
            // The whole answer is wiped when dropped; only the values are kept.
            let body = Secret::new(body);
            let data = body.expose()["data"]["data"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), Secret::new(v.clone())))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Read::Data(data))
        }
        Ok(None) => Ok(Read::Absent),
        Err(VaultError::PermissionDenied { .. }) => Err(ConsumerError::Denied {
            path: s.display(),
            data_path: s.data_path(),
            method: method.to_string(),
        }),
        Err(
            e @ (VaultError::Transport { .. }
            | VaultError::Timeout { .. }
            | VaultError::Sealed { .. }
            | VaultError::NotInitialised { .. }),
        ) => Ok(Read::Down(e.to_string())),
        Err(VaultError::Api { status, .. }) if status >= 500 => {
            Ok(Read::Down(format!("the server answered {status}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads every value of the spec: from Vault when `state` is ready, else
/// (unless `--require-vault`) from Docker secrets and the environment.
pub async fn fetch(spec: &Spec, state: VaultState<'_>) -> Result<Vec<Value>, ConsumerError> {
    let reads = read_all(spec, &state).await?;
    resolve(spec, reads)
}

/// For `--watch`: the values only when every read reached Vault (`None`
/// during an outage, when the command should keep the values it has rather
/// than be restarted with fallback ones).
pub async fn refetch(
    vault: &Vault,
    login: &auth::Login,
    spec: &Spec,
) -> Result<Option<Vec<Value>>, ConsumerError> {
    let reads = read_all(spec, &VaultState::Ready(vault, login)).await?;
    if let Some(Read::Down(why)) = reads.iter().find(|r| matches!(r, Read::Down(_))) {
        tracing::warn!("watch: Vault is unavailable ({why}); the command keeps its values");
        return Ok(None);
    }
    resolve(spec, reads).map(Some)
}

async fn read_all(spec: &Spec, state: &VaultState<'_>) -> Result<Vec<Read>, ConsumerError> {
    Ok(match state {
        VaultState::Ready(vault, login) => {
            let method = login.method.as_str();
            let all = futures::future::join_all(
                spec.secrets.iter().map(|s| read_secret(vault, s, method)),
            )
            .await;
            all.into_iter().collect::<Result<_, _>>()?
        }
        VaultState::Down(why) => spec
            .secrets
            .iter()
            .map(|_| Read::Down(why.clone()))
            .collect(),
    })
}

fn resolve(spec: &Spec, reads: Vec<Read>) -> Result<Vec<Value>, ConsumerError> {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (s, read) in spec.secrets.iter().zip(reads) {
        let (mut data, vault_why) = match read {
            Read::Data(d) => (d, None),
            Read::Absent => (
                BTreeMap::new(),
                Some(format!("{} does not exist in Vault", s.display())),
            ),
            Read::Down(why) => (BTreeMap::new(), Some(why)),
        };
        let keys: Vec<String> = match (&s.keys, &vault_why) {
            (Some(k), _) => k.clone(),
            (None, None) => data.keys().cloned().collect(),
            (None, Some(why)) => {
                if spec.require_vault {
                    return Err(ConsumerError::Required { what: why.clone() });
                }
                return Err(ConsumerError::Undeclared {
                    path: s.display(),
                    why: why.clone(),
                });
            }
        };
        for key in keys {
            // Keys are not secret but may be huge: cut for messages and logs.
            let origin = format!("{}#{}", s.display(), crate::kinds::names::excerpt(&key));
            let var = s.var_name(&key, &spec.prefix);
            spec::check_var(&var).map_err(|why| ConsumerError::BadName {
                origin: origin.clone(),
                var: var.clone(),
                why,
            })?;
            if let Some(first) = seen.insert(var.clone(), origin.clone()) {
                return Err(ConsumerError::Collision {
                    var,
                    first,
                    second: origin,
                });
            }
            if let Some(value) = data.remove(&key) {
                out.push(Value {
                    var,
                    value,
                    source: Source::Vault,
                    origin,
                });
                continue;
            }
            let in_vault = vault_why.clone().unwrap_or_else(|| {
                format!(
                    "{} has no key `{}`",
                    s.display(),
                    crate::kinds::names::excerpt(&key)
                )
            });
            if spec.require_vault {
                return Err(ConsumerError::Required {
                    what: format!("{var}: {in_vault}"),
                });
            }
            let file = spec.docker_secrets_dir.join(s.docker_file(&key, &var));
            match docker_secret(&file) {
                Ok(Some(value)) => {
                    out.push(Value {
                        var,
                        value,
                        source: Source::DockerSecret(file),
                        origin,
                    });
                    continue;
                }
                Ok(None) => {}
                Err(why) => {
                    missing.push(format!("{var} ({origin}): {in_vault}; {why}"));
                    continue;
                }
            }
            if let Some(v) = std::env::var_os(&var) {
                match v.into_string() {
                    Ok(text) => {
                        out.push(Value {
                            var,
                            value: Secret::from_string(text),
                            source: Source::Env,
                            origin,
                        });
                        continue;
                    }
                    Err(_) => {
                        missing.push(format!(
                            "{var} ({origin}): {in_vault}; no file {}; ${var} is not UTF-8",
                            file.display()
                        ));
                        continue;
                    }
                }
            }
            missing.push(format!(
                "{var} ({origin}): {in_vault}; no file {}; ${var} is not set",
                file.display()
            ));
        }
    }
    if !missing.is_empty() {
        return Err(ConsumerError::Missing { missing });
    }
    Ok(out)
}

/// A Docker secret: `Ok(None)` when the file does not exist; its contents
/// with one trailing newline removed (what `echo value > file` adds).
fn docker_secret(path: &std::path::Path) -> Result<Option<Secret>, String> {
    match crate::files::read_text(path, crate::files::SECRET_FILE_LIMIT) {
        Ok(mut text) => {
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            Ok(Some(Secret::from_string(text)))
        }
        Err(crate::files::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Logs in (unless `--require-vault` forbids falling back, a failed login is
/// a warning) and fetches: the values and the login to keep for `--watch`.
pub async fn login_and_fetch(
    anon: &Vault,
    spec: &Spec,
) -> Result<(Vec<Value>, Option<(Vault, auth::Login)>), ConsumerError> {
    match auth::login_waiting(anon, spec, spec.auth_wait).await {
        Ok(login) => {
            let vault = anon.with_token(&login.token);
            let values = fetch(spec, VaultState::Ready(&vault, &login)).await;
            match values {
                Ok(v) => Ok((v, Some((vault, login)))),
                Err(e) => {
                    auth::revoke(&vault, &login).await;
                    Err(e)
                }
            }
        }
        Err(e) if spec.require_vault => Err(e.into()),
        Err(e) => {
            tracing::warn!(
                "Vault unavailable, falling back to Docker secrets and the environment: {e}"
            );
            let values = fetch(spec, VaultState::Down(e.to_string())).await?;
            Ok((values, None))
        }
    }
}

/// One line per value for the log: `VAR from vault (secret/app/x#key)`.
pub fn describe_sources(values: &[Value]) -> String {
    let mut out = String::new();
    for v in values {
        out.push_str(&format!(
            "vaultform: {} from {} ({})\n",
            v.var, v.source, v.origin
        ));
    }
    out
}
