//! Logging vaultform itself in, for CI and cron: a token (the default), AppRole,
//! JWT/OIDC (a CI provider's identity token) or Kubernetes. One login per run;
//! the token obtained is revoked when the run ends. Credentials are read from
//! the environment or files and never printed.

use super::{Connection, Vault, VaultError};
use crate::secret::Secret;
use serde_json::{Value, json};
use std::path::PathBuf;

/// How vaultform authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMethod {
    /// `VAULT_TOKEN` or `~/.vault-token`.
    Token,
    /// `VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`).
    Approle,
    /// `VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`.
    Jwt,
    /// The pod's service-account token with role `VAULTFORM_ROLE`.
    Kubernetes,
}

impl AuthMethod {
    fn default_mount(self) -> &'static str {
        match self {
            AuthMethod::Token => "token",
            AuthMethod::Approle => "approle",
            AuthMethod::Jwt => "jwt",
            AuthMethod::Kubernetes => "kubernetes",
        }
    }
}

/// Why a login failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoginError {
    /// A credential is missing.
    #[error("{method:?} login needs {what}")]
    #[diagnostic(code(vaultform::login::missing), help("{help}"))]
    Missing {
        /// The method.
        method: AuthMethod,
        /// What is missing.
        what: String,
        /// How to provide it.
        help: String,
    },
    /// Vault refused the login.
    #[error("{method:?} login at auth/{mount}/login failed")]
    #[diagnostic(code(vaultform::login::refused))]
    Refused {
        /// The method.
        method: AuthMethod,
        /// The auth mount.
        mount: String,
        /// Vault's answer.
        #[source]
        #[diagnostic_source]
        source: VaultError,
    },
    /// Vault answered 403 to the login: the credentials were not accepted.
    #[error(
        "Vault rejected the {method:?} credentials at auth/{mount}/login (403 permission denied)"
    )]
    #[diagnostic(
        code(vaultform::login::rejected),
        help(
            "check the role (VAULTFORM_ROLE), the credential's bindings or claims, and the auth method's configuration"
        )
    )]
    Rejected {
        /// The method.
        method: AuthMethod,
        /// The auth mount.
        mount: String,
    },
    /// The client could not be built.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Connect(#[from] super::ConnectError),
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// A value from `NAME`, or from the file named by `NAME_FILE` (trimmed).
fn credential(
    method: AuthMethod,
    name: &str,
    default_file: Option<&str>,
) -> Result<Secret, LoginError> {
    if let Some(v) = env(name) {
        return Ok(Secret::from_string(v));
    }
    let file = env(&format!("{name}_FILE")).or(default_file.map(str::to_string));
    if let Some(f) = file {
        return crate::files::read_text(&PathBuf::from(&f), crate::files::CREDENTIAL_LIMIT)
            .map(|t| Secret::from_string(t.trim().to_string()))
            .map_err(|e| LoginError::Missing {
                method,
                what: format!("{name} (cannot read {f}: {e})"),
                help: format!("set {name} or {name}_FILE"),
            });
    }
    Err(LoginError::Missing {
        method,
        what: name.to_string(),
        help: format!("set {name} or {name}_FILE"),
    })
}

/// A logged-in client, and whether its token must be revoked at the end.
pub struct Session {
    /// The client.
    pub vault: Vault,
    revoke: bool,
}

impl Session {
    /// Connects and logs in with `method`.
    pub async fn open(conn: &Connection, method: AuthMethod) -> Result<Session, LoginError> {
        if method == AuthMethod::Token {
            conn.require_token()?;
            return Ok(Session {
                vault: Vault::new(conn)?,
                revoke: false,
            });
        }
        let mount =
            env("VAULTFORM_AUTH_MOUNT").unwrap_or_else(|| method.default_mount().to_string());
        let role = || {
            env("VAULTFORM_ROLE").ok_or_else(|| LoginError::Missing {
                method,
                what: "a role (VAULTFORM_ROLE)".into(),
                help: "set VAULTFORM_ROLE to the auth role vaultform logs in as".into(),
            })
        };
        let body = match method {
            AuthMethod::Approle => {
                let role_id = credential(method, "VAULT_ROLE_ID", None)?;
                let secret_id = credential(method, "VAULT_SECRET_ID", None)?;
                json!({ "role_id": role_id.expose(), "secret_id": secret_id.expose() })
            }
            AuthMethod::Jwt => {
                let jwt = credential(method, "VAULTFORM_JWT", None)?;
                json!({ "role": role()?, "jwt": jwt.expose() })
            }
            _ => {
                let jwt = credential(
                    method,
                    "VAULTFORM_JWT",
                    Some("/var/run/secrets/kubernetes.io/serviceaccount/token"),
                )?;
                json!({ "role": role()?, "jwt": jwt.expose() })
            }
        };
        let anon = Connection {
            token: crate::secret::Token::default(),
            ..conn.clone()
        };
        let bootstrap = Vault::new(&anon)?;
        let refused = |source| match source {
            VaultError::PermissionDenied { .. } => LoginError::Rejected {
                method,
                mount: mount.clone(),
            },
            source => LoginError::Refused {
                method,
                mount: mount.clone(),
                source,
            },
        };
        let resp: Value = bootstrap
            .write_once(&format!("auth/{mount}/login"), &body)
            .await
            .map_err(refused)?;
        let token = resp["auth"]["client_token"].as_str().ok_or_else(|| {
            refused(VaultError::Unexpected {
                method: "POST".into(),
                path: format!("auth/{mount}/login"),
                what: "no auth.client_token in the answer".into(),
            })
        })?;
        let logged_in = Connection {
            token: crate::secret::Token::new(token),
            ..conn.clone()
        };
        tracing::info!(method = ?method, mount = %mount, "logged in");
        Ok(Session {
            vault: Vault::new(&logged_in)?,
            revoke: true,
        })
    }

    /// Revokes the token vaultform logged in with (a no-op for `token`).
    pub async fn close(self) {
        let (reads, lists, writes) = self.vault.counts().snapshot();
        tracing::info!(reads, lists, writes, "requests");
        if self.revoke
            && let Err(e) = self.vault.write("auth/token/revoke-self", &json!({})).await
        {
            tracing::warn!(error = %e, "could not revoke vaultform's login token");
        }
    }
}
