//! Connection settings the way the Vault and OpenBao CLIs read them:
//! `BAO_ADDR` or `VAULT_ADDR`, `BAO_TOKEN` or `VAULT_TOKEN` (else
//! `~/.vault-token`), `*_CACERT`, `*_CAPATH`, `*_CLIENT_CERT` and
//! `*_CLIENT_KEY`, `*_TLS_SERVER_NAME`, `*_SKIP_VERIFY`, `*_NAMESPACE`, `*_CLIENT_TIMEOUT`,
//! `*_MAX_RETRIES`, `*_PROXY_ADDR` (or the older `*_HTTP_PROXY`); the `BAO_`
//! name wins when both are set, as in the OpenBao CLI.

use std::path::PathBuf;
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};

/// Where and how to connect.
#[derive(Clone)]
pub struct Connection {
    /// Server address, e.g. `http://127.0.0.1:8200`.
    pub address: String,
    /// Token (may be empty for unauthenticated calls such as health or init).
    pub token: crate::secret::Token,
    /// PEM CA bundle to trust.
    pub ca_cert: Option<PathBuf>,
    /// A directory of PEM CA certificates to trust.
    pub ca_path: Option<PathBuf>,
    /// Client certificate (PEM) for servers that require one.
    pub client_cert: Option<PathBuf>,
    /// Its private key (PEM).
    pub client_key: Option<PathBuf>,
    /// The name to expect in the server's certificate (and to send as SNI)
    /// instead of the address's host (`VAULT_TLS_SERVER_NAME`): connecting
    /// to `https://10.0.0.5:8200` whose certificate names `vault.internal`.
    pub tls_server_name: Option<String>,
    /// Skip TLS verification.
    pub skip_verify: bool,
    /// The HTTP proxy every request goes through, whatever `HTTP_PROXY`,
    /// `HTTPS_PROXY` and `NO_PROXY` say (`VAULT_PROXY_ADDR`, or the older
    /// `VAULT_HTTP_PROXY`, as the Vault CLI). May hold a password: never shown.
    pub proxy: Option<String>,
    /// Vault Enterprise / OpenBao namespace.
    pub namespace: Option<String>,
    /// How long one request may take, connection included
    /// (`VAULT_CLIENT_TIMEOUT`, default 60 s, as the Vault CLI).
    pub timeout: std::time::Duration,
    /// How many times a failed request is retried where that is safe
    /// (`VAULT_MAX_RETRIES`, default 2, as the Vault CLI).
    pub max_retries: u32,
}

/// The default of `VAULT_CLIENT_TIMEOUT`.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// The default of `VAULT_MAX_RETRIES`.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Why a client could not be built.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnectError {
    /// The client settings were rejected.
    #[error("invalid Vault client settings for {address}: {reason}")]
    #[diagnostic(
        code(vaultform::vault::settings),
        help("check VAULT_ADDR (e.g. http://127.0.0.1:8200) and VAULT_CACERT")
    )]
    Settings {
        /// The address.
        address: String,
        /// What was rejected.
        reason: String,
    },
    /// No token anywhere.
    #[error("no Vault token: VAULT_TOKEN is not set and ~/.vault-token does not exist")]
    #[diagnostic(
        code(vaultform::vault::no_token),
        help("export VAULT_TOKEN, or log in with `bao login` / `vault login`")
    )]
    NoToken,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("address", &self.address)
            .field(
                "token",
                &if self.token.is_empty() {
                    "(none)"
                } else {
                    "(set)"
                },
            )
            .field("ca_cert", &self.ca_cert)
            .field("ca_path", &self.ca_path)
            .field("client_cert", &self.client_cert)
            .field("tls_server_name", &self.tls_server_name)
            .field("skip_verify", &self.skip_verify)
            .field("proxy", &self.proxy.as_ref().map(|_| "(set)"))
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl Connection {
    /// Reads the settings from the environment, like the Vault CLI.
    pub fn from_env() -> Self {
        Self::from_env_with(None)
    }

    /// Like [`Connection::from_env`], with `--address` over the environment.
    pub fn from_env_with(address: Option<&str>) -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        // `VAULT_X` names the setting; `BAO_X` wins when both are set.
        let env = |k: &str| {
            k.strip_prefix("VAULT_")
                .and_then(|rest| var(&format!("BAO_{rest}")))
                .or_else(|| var(k))
        };
        let token = env("VAULT_TOKEN")
            .or_else(|| {
                let home = env("HOME")?;
                let text = crate::files::read_text(
                    &PathBuf::from(home).join(".vault-token"),
                    crate::files::CREDENTIAL_LIMIT,
                )
                .ok()?;
                Some(text.trim().to_string())
            })
            .unwrap_or_default();
        Connection {
            address: address
                .map(str::to_string)
                .or_else(|| env("VAULT_ADDR"))
                .unwrap_or_else(|| "https://127.0.0.1:8200".to_string()),
            token: crate::secret::Token::new(token),
            ca_cert: env("VAULT_CACERT").map(PathBuf::from),
            ca_path: env("VAULT_CAPATH").map(PathBuf::from),
            client_cert: env("VAULT_CLIENT_CERT").map(PathBuf::from),
            client_key: env("VAULT_CLIENT_KEY").map(PathBuf::from),
            tls_server_name: env("VAULT_TLS_SERVER_NAME"),
            skip_verify: env("VAULT_SKIP_VERIFY")
                .map(|v| !matches!(v.as_str(), "0" | "false" | "False" | "FALSE"))
                .unwrap_or(false),
            proxy: env("VAULT_PROXY_ADDR").or_else(|| env("VAULT_HTTP_PROXY")),
            namespace: env("VAULT_NAMESPACE"),
            timeout: env("VAULT_CLIENT_TIMEOUT")
                .and_then(|t| crate::duration::parse_exact(&t))
                .filter(|d| !d.is_zero())
                .unwrap_or(DEFAULT_TIMEOUT),
            max_retries: env("VAULT_MAX_RETRIES")
                .and_then(|n| n.trim().parse::<u32>().ok())
                .map(|n| n.min(10))
                .unwrap_or(DEFAULT_MAX_RETRIES),
        }
    }

    /// Settings for `address` and `token`, everything else at its default.
    pub fn new(address: impl Into<String>, token: impl Into<String>) -> Self {
        Connection {
            address: address.into(),
            token: crate::secret::Token::new(token),
            ca_cert: None,
            ca_path: None,
            client_cert: None,
            client_key: None,
            tls_server_name: None,
            skip_verify: false,
            proxy: None,
            namespace: None,
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
        }
    }

    /// Fails unless a token is set.
    pub fn require_token(&self) -> Result<(), ConnectError> {
        if self.token.is_empty() {
            Err(ConnectError::NoToken)
        } else {
            Ok(())
        }
    }

    pub(super) fn build_client(&self) -> Result<VaultClient, ConnectError> {
        // Checked here: vaultrs panics on an address it cannot parse.
        let scheme_ok = url::Url::parse(&self.address)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        if !scheme_ok {
            return Err(ConnectError::Settings {
                address: self.address.clone(),
                reason: "it is not an http:// or https:// URL (write http://HOST:PORT or https://HOST:PORT)".into(),
            });
        }
        let mut b = VaultClientSettingsBuilder::default();
        b.address(&self.address)
            .timeout(Some(self.timeout))
            // The token stays in our own wiped type; vaultrs never holds it.
            .token("")
            .verify(!self.skip_verify)
            .ca_certs(
                self.ca_cert
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect(),
            );
        if let Some(ns) = &self.namespace {
            b.set_namespace(ns.clone());
        }
        let settings = b.build().map_err(|e| ConnectError::Settings {
            address: self.address.clone(),
            reason: e.to_string(),
        })?;
        VaultClient::new(settings).map_err(|e| ConnectError::Settings {
            address: self.address.clone(),
            reason: e.to_string(),
        })
    }

    /// The HTTP client vaultform sends with: the TLS settings vaultrs checked
    /// (CA bundle, verification), the timeout, and **no redirects followed**:
    /// a raft standby whose leader died answers 307 to the dead leader; that
    /// answer is retried (the standby forwards again once a leader is elected)
    /// instead of being chased to a refused connection. Also the path prefix
    /// of the address (`https://host/prefix` sends to `/prefix/v1/...`).
    pub(super) fn build_http(&self) -> Result<(super::http::Http, String), ConnectError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
        let settings_error = |reason: String| ConnectError::Settings {
            address: self.address.clone(),
            reason,
        };
        let url = url::Url::parse(self.address.trim_end_matches('/'))
            .ok()
            .filter(|u| !u.cannot_be_a_base() && matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| settings_error("not an http(s) URL".into()))?;
        let https = url.scheme() == "https";
        // Every TLS file named is read (and must be readable) whatever the
        // scheme: a typo in VAULT_CACERT is an error, never silently ignored.
        let read = |path: &PathBuf, what: &str| {
            crate::files::read_bytes(path, crate::files::CREDENTIAL_LIMIT).map_err(|e| {
                settings_error(format!("cannot read the {what} {}: {e}", path.display()))
            })
        };
        // A file that holds no certificate is an error too (the Vault CLI
        // refuses it): trusting nothing extra would fail later, less clearly.
        let certificates = |path: &PathBuf| {
            let pem = read(path, "CA certificate")?;
            let found = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| settings_error(format!("{}: {e}", path.display())))?;
            if found.is_empty() {
                return Err(settings_error(format!(
                    "the CA certificate file {} holds no PEM certificate",
                    path.display()
                )));
            }
            Ok(found)
        };
        let mut cas = Vec::new();
        if let Some(path) = &self.ca_cert {
            cas.extend(certificates(path)?);
        }
        if let Some(dir) = &self.ca_path {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                settings_error(format!(
                    "cannot read the CA directory {}: {e}",
                    dir.display()
                ))
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for path in files {
                cas.extend(certificates(&path)?);
            }
        }
        let unusable = |e: &dyn std::fmt::Display| {
            settings_error(format!("the client certificate or key is not usable: {e}"))
        };
        let identity = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_slice_iter(&read(cert, "client certificate")?)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| unusable(&e))?;
                if chain.is_empty() {
                    return Err(unusable(&"the certificate file holds no PEM certificate"));
                }
                let key_pem = zeroize::Zeroizing::new(read(key, "client key")?);
                let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| unusable(&e))?;
                Some((chain, key))
            }
            (None, None) => None,
            _ => {
                return Err(settings_error(
                    "VAULT_CLIENT_CERT and VAULT_CLIENT_KEY go together: set both".into(),
                ));
            }
        };
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let versions = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| settings_error(e.to_string()))?;
        let tls = if !https {
            // Plain HTTP: no TLS is ever made; no roots to load.
            versions
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        } else {
            let verifier: std::sync::Arc<dyn rustls::client::danger::ServerCertVerifier> = if self
                .skip_verify
            {
                std::sync::Arc::new(super::http::AnyCertificate(provider.clone()))
            } else {
                // The platform's roots and the CAs named, as the Vault CLI.
                std::sync::Arc::new(
                    rustls_platform_verifier::Verifier::new_with_extra_roots(cas, provider.clone())
                        .map_err(|e| settings_error(format!("cannot set up TLS: {e}")))?,
                )
            };
            let wants_auth = versions
                .dangerous()
                .with_custom_certificate_verifier(verifier);
            match identity {
                Some((chain, key)) => wants_auth
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| unusable(&e))?,
                None => wants_auth.with_no_client_auth(),
            }
        };
        // The certificate is checked against NAME and NAME is sent as SNI, as
        // the Vault CLI does; the connection goes to the address's own host.
        let server_name = match &self.tls_server_name {
            Some(name) if https => {
                let valid = !name.is_empty()
                    && name.len() <= 253
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                if !valid {
                    return Err(settings_error(
                        "VAULT_TLS_SERVER_NAME is not a host name (letters, digits, `-` and `.`)"
                            .into(),
                    ));
                }
                Some(
                    ServerName::try_from(name.clone())
                        .map_err(|e| settings_error(format!("VAULT_TLS_SERVER_NAME: {e}")))?,
                )
            }
            _ => None,
        };
        let scheme = if https {
            http::uri::Scheme::HTTPS
        } else {
            http::uri::Scheme::HTTP
        };
        let host = url
            .host_str()
            .ok_or_else(|| settings_error("the address has no host".into()))?;
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", host),
            None => host.to_string(),
        };
        let authority = http::uri::Authority::try_from(authority)
            .map_err(|e| settings_error(format!("the address's host: {e}")))?;
        let prefix = url.path().trim_end_matches('/').to_string();
        let proxies = match &self.proxy {
            Some(proxy) => super::http::Proxies::Given(proxy),
            None => super::http::Proxies::FromEnvironment,
        };
        let http =
            super::http::Http::new(tls, server_name, scheme, authority, self.timeout, proxies)
                .map_err(settings_error)?;
        Ok((http, prefix))
    }
}
