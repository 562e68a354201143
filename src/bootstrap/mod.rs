//! A server's start-up: `operator init` (keys file written 0600, optionally
//! age-encrypted), `operator unseal`, and the steps `vaultform bootstrap`
//! chains before it applies the manifest.
//!
//! - [`keys`]: the keys file: format, permissions, age encryption.
//! - [`server`]: the unauthenticated calls: health, seal-status, init, unseal.
//!
//! This module never prints or logs an unseal key or a root token, and it
//! never overwrites a keys file: the file is created before `sys/init` is
//! called, so a server is never initialised without a place for its keys.

pub mod keys;
pub mod server;

pub use keys::{KeysError, KeysFile};
pub use server::{Health, ServerError, Unsealed};

use crate::vault::Vault;
use std::path::{Path, PathBuf};

/// Why a start-up step failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BootstrapError {
    /// The keys file or an age identity.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Keys(#[from] KeysError),
    /// A call to the server.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Server(#[from] ServerError),
    /// The server was initialised, but its keys could not be saved.
    #[error(
        "the server at {address} was initialised, but writing its keys to {} failed: its unseal keys and root token are lost",
        .path.display()
    )]
    #[diagnostic(
        code(vaultform::bootstrap::keys_not_written),
        help(
            "the server cannot be unsealed after a restart. It holds nothing yet: stop it, empty its storage, fix the cause (disk space?) and initialise again"
        )
    )]
    KeysNotWritten {
        /// The server.
        address: String,
        /// The keys file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What `operator init` is asked to do.
#[derive(Clone, Copy, Debug)]
pub struct InitRequest<'a> {
    /// Key shares.
    pub shares: u8,
    /// Shares needed to unseal.
    pub threshold: u8,
    /// Where to write the keys file (must not exist).
    pub keys_file: &'a Path,
    /// age recipients (`age1...`) to encrypt the file to; none = plain JSON.
    pub recipients: &'a [String],
}

/// How `init` ended.
#[derive(Debug)]
pub enum InitOutcome {
    /// The server was initialised before; nothing was written.
    AlreadyInitialized,
    /// Initialised now; the keys file is written.
    Initialized {
        /// What was written (kept in memory so bootstrap can unseal and log in).
        keys: Box<KeysFile>,
        /// How many age recipients the file is encrypted to (0: plain JSON).
        encrypted_to: usize,
    },
}

/// Initialises the server unless it already is.
///
/// Order matters: recipients and share settings are checked and the keys file
/// is created (empty, 0600, refusing to overwrite) *before* `sys/init`, and the
/// file is removed again if init does not happen. On an initialised server
/// nothing is written.
pub async fn init(vault: &Vault, req: &InitRequest<'_>) -> Result<InitOutcome, BootstrapError> {
    let recipients = keys::parse_recipients(req.recipients)?;
    server::check_shares(req.shares, req.threshold)?;
    if server::seal_status(vault).await?.initialized {
        return Ok(InitOutcome::AlreadyInitialized);
    }
    let reserved = keys::reserve(req.keys_file)?;
    let answer = match server::init(vault, req.shares, req.threshold).await {
        Ok(server::InitAnswer::Keys {
            keys_hex,
            keys_base64,
            root_token,
        }) => KeysFile {
            shares: req.shares,
            threshold: req.threshold,
            keys_hex,
            keys_base64,
            root_token,
            vault_addr: vault.address().to_string(),
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        },
        Ok(server::InitAnswer::AlreadyInitialized) => {
            reserved.discard();
            return Ok(InitOutcome::AlreadyInitialized);
        }
        Err(e) => {
            reserved.discard();
            return Err(e.into());
        }
    };
    let path = reserved.path().to_path_buf();
    reserved
        .write(&answer, &recipients)
        .map_err(|source| BootstrapError::KeysNotWritten {
            address: vault.address().to_string(),
            path,
            source,
        })?;
    tracing::info!(
        shares = req.shares,
        threshold = req.threshold,
        "initialised"
    );
    Ok(InitOutcome::Initialized {
        keys: Box::new(answer),
        encrypted_to: recipients.len(),
    })
}

/// What to tell people about a new keys file: where it is, what it unlocks,
/// and what to do with it. Never a key.
pub fn init_instructions(keys_file: &Path, keys: &KeysFile, encrypted_to: usize) -> String {
    let path = keys_file.display();
    let (t, n) = (keys.threshold, keys.shares);
    let form = if encrypted_to == 0 {
        "plain JSON, mode 0600".to_string()
    } else {
        format!("age-encrypted to {encrypted_to} recipient(s), mode 0600")
    };
    let mut text = format!(
        "Initialised Vault at {addr} with {n} key shares and a threshold of {t}.\n\
         Wrote the unseal keys and the root token to {path} ({form}).\n\
         \n\
         Anyone holding {t} of its {n} keys can unseal the server, and the root token can do anything:\n\
         \x20 - Move the file off this machine to safe storage now (a password manager, an offline copy),\n\
         \x20   and keep a backup: without {t} of the keys the server can never be unsealed again.\n\
         \x20 - Better, give the {n} keys to different people, so that no single person or place holds {t}.\n\
         \x20 - Never commit it to version control or put it into an image.\n\
         \x20 - Unseal after a restart with `vaultform operator unseal --keys-file {path}`\n\
         \x20   (or `--keys-stdin`, {t} keys, one per line).\n",
        addr = keys.vault_addr,
    );
    text.push_str(
        "  - For unattended `vaultform bootstrap` the file must stay readable where it runs: prefer an\n    \
         encrypted one (`--recipient`), with the identity delivered separately (e.g. a Docker secret).\n",
    );
    if encrypted_to == 0 {
        text.push_str(
            "  - It is not encrypted: next time consider `--recipient age1...` so the file is safe at rest.\n",
        );
    }
    text
}

/// Reads unseal keys and the root token from a keys file (see [`keys::read`]).
pub fn read_keys(path: &Path, identity: Option<&Path>) -> Result<KeysFile, BootstrapError> {
    Ok(keys::read(path, identity)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn init_instructions_name_the_file_and_threshold_but_no_key() {
        let keys = KeysFile {
            shares: 5,
            threshold: 3,
            keys_hex: (0..5)
                .map(|i| Secret::from_string(format!("hexkey{i}")))
                .collect(),
            keys_base64: (0..5)
                .map(|i| Secret::from_string(format!("b64key{i}")))
                .collect(),
            root_token: Secret::from_string("s.roottoken".into()),
            vault_addr: "http://127.0.0.1:8200".into(),
            created_unix: 0,
        };
        let text = init_instructions(Path::new("/run/keys.json"), &keys, 0);
        assert!(text.contains("/run/keys.json"), "{text}");
        assert!(text.contains("3 of its 5 keys"), "{text}");
        assert!(text.contains("Never commit"), "{text}");
        assert!(text.contains("--recipient"), "{text}");
        for secret in ["hexkey", "b64key", "s.roottoken"] {
            assert!(!text.contains(secret), "{text}");
        }
        let encrypted = init_instructions(Path::new("k"), &keys, 2);
        assert!(
            encrypted.contains("age-encrypted to 2 recipient(s)"),
            "{encrypted}"
        );
    }
}
