//! Errors from talking to Vault, shaped for people: which call, which path,
//! what status, and what Vault said. Never a request body.

use super::Response;

/// A failed Vault call.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum VaultError {
    /// The server could not be reached.
    #[error("cannot reach Vault at {address} ({method} {path})")]
    #[diagnostic(
        code(vaultform::vault::unreachable),
        help("check VAULT_ADDR and that the server is running")
    )]
    Transport {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// Server address.
        address: String,
        /// The transport error.
        #[source]
        source: super::http::TransportError,
    },
    /// A request path that could address something else than it names (a `.`
    /// or `..` segment, an empty segment, `%`, `?`, `#`, a control character):
    /// refused before anything is sent.
    #[error("refusing to send {method} to an unsafe API path ({why})")]
    #[diagnostic(
        code(vaultform::vault::unsafe_path),
        help("this is a bug in vaultform if the manifest validated; please report it")
    )]
    UnsafePath {
        /// HTTP method.
        method: String,
        /// Why the path was refused.
        why: crate::names::NameError,
    },
    /// No answer within the client timeout.
    #[error("Vault at {address} did not answer {method} {path} within {seconds}s")]
    #[diagnostic(
        code(vaultform::vault::timeout),
        help(
            "check that the server is up and not overloaded; VAULT_CLIENT_TIMEOUT sets the limit per request, VAULT_MAX_RETRIES the retries"
        )
    )]
    Timeout {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// Server address.
        address: String,
        /// The timeout.
        seconds: u64,
    },
    /// 403, and the token itself is not valid (unknown, expired or revoked).
    #[error(
        "the Vault token is not valid (unknown, expired or revoked): {method} {path} answered 403 and so did auth/token/lookup-self"
    )]
    #[diagnostic(
        code(vaultform::vault::invalid_token),
        help(
            "log in again and export VAULT_TOKEN (or fix ~/.vault-token, or the --auth-method credentials)"
        )
    )]
    InvalidToken {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
    },
    /// 503 from a server that has not been initialised.
    #[error("Vault at {address} is not initialised: {method} {path} (503)")]
    #[diagnostic(
        code(vaultform::vault::not_initialised),
        help("initialise it first: `vaultform operator init` (or `vaultform bootstrap`)")
    )]
    NotInitialised {
        /// Server address.
        address: String,
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
    },
    /// A TLS handshake with a server that speaks plain HTTP, or the reverse.
    #[error("cannot reach Vault: {what}")]
    #[diagnostic(code(vaultform::vault::wrong_scheme), help("{help}"))]
    WrongScheme {
        /// The request and what happened.
        what: String,
        /// The fix.
        help: String,
    },
    /// 403: the token may not do this.
    #[error("permission denied: {method} {path} (403): the token lacks permission for this path")]
    #[diagnostic(
        code(vaultform::vault::permission_denied),
        help(
            "use a token whose policy grants this path (see the README's least-privilege policies)"
        )
    )]
    PermissionDenied {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
    },
    /// 503: sealed or not initialised.
    #[error("Vault is sealed: {method} {path} (503)")]
    #[diagnostic(
        code(vaultform::vault::sealed),
        help("unseal it first (`vaultform operator unseal` or `bao operator unseal`)")
    )]
    Sealed {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
    },
    /// Any other non-success answer.
    #[error("{method} {path} failed with status {status}: {}", messages(.errors))]
    #[diagnostic(code(vaultform::vault::api))]
    Api {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// HTTP status.
        status: u16,
        /// Vault's `errors` list.
        errors: Vec<String>,
    },
    /// A check-and-set write found a newer version than the plan saw.
    #[error("{path} changed since the plan was made (check-and-set version {cas} did not match)")]
    #[diagnostic(
        code(vaultform::vault::cas_mismatch),
        help("run `vaultform plan` again to see the change made meanwhile")
    )]
    CasMismatch {
        /// API path.
        path: String,
        /// The version the plan expected.
        cas: u64,
    },
    /// A response we could not understand.
    #[error("unexpected answer from {method} {path}: {what}")]
    #[diagnostic(code(vaultform::vault::unexpected))]
    Unexpected {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// What was wrong with it.
        what: String,
    },
    /// The server refuses this request because of its own configuration
    /// (OpenBao refuses to create audit devices over the API by default).
    #[error("{what}")]
    #[diagnostic(code(vaultform::vault::refused_by_config), help("{help}"))]
    RefusedByConfig {
        /// What was refused and why.
        what: String,
        /// The configuration that would allow it.
        help: String,
    },
    /// A bug in vaultform.
    #[error("internal error: {what}")]
    #[diagnostic(code(vaultform::vault::internal))]
    Internal {
        /// What went wrong.
        what: String,
    },
}

fn messages(errors: &[String]) -> String {
    if errors.is_empty() {
        "(no message)".to_string()
    } else {
        errors
            .iter()
            .map(|e| e.trim().replace("\n\t* ", " ").replace('\n', " "))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl VaultError {
    /// Maps a non-success response to an error.
    pub fn from_response(method: &str, path: &str, resp: Response) -> Self {
        let errors: Vec<String> = resp.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        match resp.status {
            403 => VaultError::PermissionDenied {
                method: method.into(),
                path: path.into(),
            },
            503 if errors.iter().any(|e| e.contains("sealed")) => VaultError::Sealed {
                method: method.into(),
                path: path.into(),
            },
            status => VaultError::Api {
                method: method.into(),
                path: path.into(),
                status,
                errors,
            },
        }
    }

    /// Whether this is Vault's check-and-set mismatch.
    pub fn is_cas_mismatch(&self) -> bool {
        matches!(self, VaultError::Api { status: 400, errors, .. }
            if errors.iter().any(|e| e.contains("check-and-set")))
    }
}
