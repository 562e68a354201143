//! `vaultform health`: the report of `seeds/000` (`vault.healthy`,
//! `vault.available`, `docker_secrets.available`, `overall`), with the
//! server's initialised/sealed/standby state, version and latency, and, when
//! a service is named, whether its credentials log in and can read its
//! secrets. One unauthenticated `sys/health` request, plus a login and one
//! read per secret when a service is named; values read are dropped unseen.

use super::auth;
use super::spec::Spec;
use crate::vault::{Vault, VaultError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The server.
    pub vault: VaultHealth,
    /// The Docker-secrets directory.
    pub docker_secrets: DockerHealth,
    /// The service's login and reads, when a service was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialsHealth>,
    /// Whether the service can get its secrets from Vault.
    pub overall: bool,
}

/// The server's state.
#[derive(Debug, Serialize)]
pub struct VaultHealth {
    /// Initialised, unsealed and answering (active or standby).
    pub healthy: bool,
    /// Answering at all.
    pub available: bool,
    /// The address asked.
    pub address: String,
    /// Initialised (unknown when unreachable).
    pub initialized: Option<bool>,
    /// Sealed (unknown when unreachable).
    pub sealed: Option<bool>,
    /// A standby node.
    pub standby: Option<bool>,
    /// The server's version.
    pub version: Option<String>,
    /// How long `sys/health` took, in milliseconds.
    pub latency_ms: Option<f64>,
    /// What is wrong, in words, when not healthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Docker secrets.
#[derive(Debug, Serialize)]
pub struct DockerHealth {
    /// The directory exists.
    pub available: bool,
    /// The directory.
    pub dir: String,
}

/// The named service's credentials.
#[derive(Debug, Serialize)]
pub struct CredentialsHealth {
    /// A method of the auth chain gave a token.
    pub login: bool,
    /// Which.
    pub method: Option<String>,
    /// Why not, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per secret (`mount/path`): readable.
    pub paths: BTreeMap<String, bool>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HealthFormat {
    /// For people.
    Human,
    /// The JSON report.
    Json,
    /// Prometheus text exposition format.
    Prometheus,
}

/// Checks the server (and the service, when `spec` is given).
pub async fn check(anon: &Vault, spec: Option<&Spec>, docker_dir: &Path) -> Report {
    let started = std::time::Instant::now();
    let probe = anon.probe("sys/health").await;
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    let mut vault = VaultHealth {
        healthy: false,
        available: false,
        address: anon.address().to_string(),
        initialized: None,
        sealed: None,
        standby: None,
        version: None,
        latency_ms: None,
        message: None,
    };
    match probe {
        Ok(r) => {
            let b = &r.body;
            vault.available = true;
            vault.latency_ms = Some((latency * 1000.0).round() / 1000.0);
            vault.initialized = b["initialized"].as_bool();
            vault.sealed = b["sealed"].as_bool();
            // A sealed node says `standby: true`; it is not a standby of anything.
            vault.standby = b["standby"]
                .as_bool()
                .filter(|_| vault.sealed == Some(false));
            vault.version = b["version"].as_str().map(str::to_string);
            vault.healthy = vault.initialized == Some(true) && vault.sealed == Some(false);
            vault.message = match (vault.initialized, vault.sealed, r.status) {
                (Some(false), _, _) => Some(format!(
                    "Vault at {} is not initialised (run `vaultform bootstrap`, or `vaultform operator init` then `unseal`)",
                    vault.address
                )),
                (_, Some(true), _) => Some(format!(
                    "Vault at {} is sealed (run `vaultform operator unseal`, or `vaultform bootstrap`)",
                    vault.address
                )),
                (Some(true), Some(false), _) => None,
                (_, _, status) => Some(format!(
                    "Vault at {} answered sys/health with status {status} and no state",
                    vault.address
                )),
            };
            if vault.message.is_some() {
                vault.healthy = false;
            }
        }
        Err(e) => {
            let why = match &e {
                VaultError::Transport { .. }
                | VaultError::Timeout { .. }
                | VaultError::WrongScheme { .. } => {
                    format!("Vault at {} is unreachable: {e}", vault.address)
                }
                _ => e.to_string(),
            };
            vault.message = Some(why);
        }
    }
    let docker_secrets = DockerHealth {
        available: docker_dir.is_dir(),
        dir: docker_dir.display().to_string(),
    };
    let credentials = match spec {
        Some(spec) if vault.healthy => Some(check_credentials(anon, spec).await),
        Some(_) => Some(CredentialsHealth {
            login: false,
            method: None,
            error: Some("not tried: Vault is not healthy".into()),
            paths: BTreeMap::new(),
        }),
        None => None,
    };
    let overall = vault.healthy
        && credentials
            .as_ref()
            .is_none_or(|c| c.login && c.paths.values().all(|ok| *ok));
    Report {
        vault,
        docker_secrets,
        credentials,
        overall,
    }
}

async fn check_credentials(anon: &Vault, spec: &Spec) -> CredentialsHealth {
    let login = match auth::login(anon, spec).await {
        Ok(l) => l,
        Err(e) => {
            return CredentialsHealth {
                login: false,
                method: None,
                error: Some(e.to_string()),
                paths: BTreeMap::new(),
            };
        }
    };
    let vault = anon.with_token(&login.token);
    let reads = futures::future::join_all(spec.secrets.iter().map(|s| {
        let vault = &vault;
        async move {
            // Read and dropped: the body is wiped on drop.
            let ok = match vault.read(&s.data_path()).await {
                Ok(Some(body)) => {
                    drop(crate::secret::Secret::new(body));
                    true
                }
                _ => false,
            };
            (s.display(), ok)
        }
    }))
    .await;
    auth::revoke(&vault, &login).await;
    let paths: BTreeMap<String, bool> = reads.into_iter().collect();
    let failed: Vec<&str> = paths
        .iter()
        .filter(|(_, ok)| !**ok)
        .map(|(p, _)| p.as_str())
        .collect();
    CredentialsHealth {
        login: true,
        method: Some(format!("{} ({})", login.method.as_str(), login.origin)),
        error: (!failed.is_empty()).then(|| format!("cannot read {}", failed.join(", "))),
        paths,
    }
}

fn flag(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// Writes the report.
pub fn write(report: &Report, format: HealthFormat, out: &mut impl Write) -> std::io::Result<()> {
    match format {
        HealthFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        }
        HealthFormat::Human => {
            let v = &report.vault;
            writeln!(
                out,
                "vault:          {} ({})",
                if v.healthy { "healthy" } else { "NOT healthy" },
                v.address
            )?;
            if let Some(m) = &v.message {
                writeln!(out, "                {m}")?;
            }
            if v.available {
                writeln!(
                    out,
                    "                initialised {}, sealed {}, standby {}, version {}, {:.1} ms",
                    flag(v.initialized),
                    flag(v.sealed),
                    flag(v.standby),
                    v.version.as_deref().unwrap_or("unknown"),
                    v.latency_ms.unwrap_or(0.0)
                )?;
            }
            writeln!(
                out,
                "docker secrets: {} ({})",
                if report.docker_secrets.available {
                    "available"
                } else {
                    "not available"
                },
                report.docker_secrets.dir
            )?;
            if let Some(c) = &report.credentials {
                match &c.method {
                    Some(m) => writeln!(out, "login:          ok, {m}")?,
                    None => writeln!(
                        out,
                        "login:          FAILED: {}",
                        c.error.as_deref().unwrap_or("")
                    )?,
                }
                for (p, ok) in &c.paths {
                    writeln!(out, "  read {p}: {}", if *ok { "ok" } else { "FAILED" })?;
                }
            }
            writeln!(
                out,
                "overall:        {}",
                if report.overall {
                    "healthy"
                } else {
                    "NOT healthy"
                }
            )?;
        }
        HealthFormat::Prometheus => {
            let b = |x: bool| u8::from(x);
            let o = |x: Option<bool>| {
                x.map(|x| u8::from(x).to_string())
                    .unwrap_or_else(|| "NaN".into())
            };
            let v = &report.vault;
            writeln!(
                out,
                "# HELP vaultform_health_vault_available Whether Vault answered sys/health."
            )?;
            writeln!(out, "# TYPE vaultform_health_vault_available gauge")?;
            writeln!(out, "vaultform_health_vault_available {}", b(v.available))?;
            writeln!(
                out,
                "# HELP vaultform_health_vault_healthy Whether Vault is initialised and unsealed."
            )?;
            writeln!(out, "# TYPE vaultform_health_vault_healthy gauge")?;
            writeln!(out, "vaultform_health_vault_healthy {}", b(v.healthy))?;
            writeln!(out, "# TYPE vaultform_health_vault_initialized gauge")?;
            writeln!(
                out,
                "vaultform_health_vault_initialized {}",
                o(v.initialized)
            )?;
            writeln!(out, "# TYPE vaultform_health_vault_sealed gauge")?;
            writeln!(out, "vaultform_health_vault_sealed {}", o(v.sealed))?;
            writeln!(
                out,
                "# HELP vaultform_health_vault_latency_seconds How long sys/health took."
            )?;
            writeln!(out, "# TYPE vaultform_health_vault_latency_seconds gauge")?;
            writeln!(
                out,
                "vaultform_health_vault_latency_seconds {}",
                v.latency_ms
                    .map(|ms| (ms / 1000.0).to_string())
                    .unwrap_or_else(|| "NaN".into())
            )?;
            writeln!(
                out,
                "# TYPE vaultform_health_docker_secrets_available gauge"
            )?;
            writeln!(
                out,
                "vaultform_health_docker_secrets_available {}",
                b(report.docker_secrets.available)
            )?;
            if let Some(c) = &report.credentials {
                writeln!(out, "# TYPE vaultform_health_login_ok gauge")?;
                writeln!(out, "vaultform_health_login_ok {}", b(c.login))?;
                writeln!(out, "# TYPE vaultform_health_secret_readable gauge")?;
                for (p, ok) in &c.paths {
                    writeln!(
                        out,
                        "vaultform_health_secret_readable{{path=\"{p}\"}} {}",
                        b(*ok)
                    )?;
                }
            }
            writeln!(
                out,
                "# HELP vaultform_health_overall Whether the service can get its secrets from Vault."
            )?;
            writeln!(out, "# TYPE vaultform_health_overall gauge")?;
            writeln!(out, "vaultform_health_overall {}", b(report.overall))?;
        }
    }
    out.flush()
}
