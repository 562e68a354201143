//! The keys file written by `operator init`: its JSON format, its permissions
//! (created 0600, refused when group or others may access it) and its optional
//! age encryption.
//!
//! Key material lives only in [`Secret`]s. Nothing here ever prints a key, the
//! root token or the file's contents, not even in an error: a malformed file is
//! described by line and column only.

use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The first line of an armored age file.
const ARMOR_BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
/// The first bytes of a binary age file.
const BINARY_BEGIN: &[u8] = b"age-encryption.org/v1";
/// Larger files are certainly not keys files.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The unseal keys and root token of one server, as written by `operator init`.
///
/// `Debug` shows counts and the address only: every key and the token are
/// [`Secret`]s.
#[derive(Clone, Debug)]
pub struct KeysFile {
    /// Number of key shares the server was initialised with.
    pub shares: u8,
    /// Number of shares needed to unseal.
    pub threshold: u8,
    /// The unseal keys, hex-encoded.
    pub keys_hex: Vec<Secret>,
    /// The same unseal keys, base64-encoded.
    pub keys_base64: Vec<Secret>,
    /// The initial root token.
    pub root_token: Secret,
    /// The address the server was initialised at (for people; never used to connect).
    pub vault_addr: String,
    /// When the server was initialised, in seconds since the Unix epoch.
    pub created_unix: u64,
}

impl KeysFile {
    /// The unseal keys to submit: hex if the file has them, else base64.
    pub fn unseal_keys(&self) -> &[Secret] {
        if self.keys_hex.is_empty() {
            &self.keys_base64
        } else {
            &self.keys_hex
        }
    }

    /// The file's JSON text (pretty, with a trailing newline).
    fn to_json(&self) -> io::Result<Vec<u8>> {
        let texts = |keys: &[Secret]| keys.iter().map(Secret::expose_text).collect::<Vec<_>>();
        let raw = RawOut {
            version: FORMAT_VERSION,
            shares: self.shares,
            threshold: self.threshold,
            keys_hex: texts(&self.keys_hex),
            keys_base64: texts(&self.keys_base64),
            root_token: self.root_token.expose_text(),
            vault_addr: &self.vault_addr,
            created_unix: self.created_unix,
        };
        let mut out = serde_json::to_vec_pretty(&raw).map_err(io::Error::other)?;
        out.push(b'\n');
        Ok(out)
    }

    /// Parses the JSON text of a keys file. Errors name a line and column,
    /// never a value.
    fn from_json(path: &Path, bytes: &[u8]) -> Result<Self, KeysError> {
        let invalid = |reason: String| KeysError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let raw: RawIn = serde_json::from_slice(bytes).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    "it is not valid JSON"
                }
                _ => "a field is missing or has the wrong type",
            };
            invalid(format!("{what} (line {}, column {})", e.line(), e.column()))
        })?;
        if raw.version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format version {} is not supported (this vaultform reads version {FORMAT_VERSION})",
                raw.version
            )));
        }
        if raw.keys_hex.is_empty() && raw.keys_base64.is_empty() {
            return Err(invalid("it holds no unseal keys".into()));
        }
        if raw.root_token.is_empty() {
            return Err(invalid("it holds no root token".into()));
        }
        let secrets = |keys: Vec<String>| keys.into_iter().map(Secret::from_string).collect();
        Ok(KeysFile {
            shares: raw.shares,
            threshold: raw.threshold,
            keys_hex: secrets(raw.keys_hex),
            keys_base64: secrets(raw.keys_base64),
            root_token: Secret::from_string(raw.root_token),
            vault_addr: raw.vault_addr,
            created_unix: raw.created_unix,
        })
    }
}

/// The file as written. No `Debug`: it holds plain key text for a moment.
#[derive(Serialize)]
struct RawOut<'a> {
    version: u32,
    shares: u8,
    threshold: u8,
    keys_hex: Vec<String>,
    keys_base64: Vec<String>,
    root_token: String,
    vault_addr: &'a str,
    created_unix: u64,
}

/// The file as read. No `Debug`: it holds plain key text for a moment.
#[derive(Deserialize)]
struct RawIn {
    version: u32,
    shares: u8,
    threshold: u8,
    #[serde(default)]
    keys_hex: Vec<String>,
    #[serde(default)]
    keys_base64: Vec<String>,
    root_token: String,
    #[serde(default)]
    vault_addr: String,
    #[serde(default)]
    created_unix: u64,
}

/// Why a keys file or an age identity could not be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum KeysError {
    /// `operator init` never overwrites a keys file.
    #[error("the keys file {} already exists", .path.display())]
    #[diagnostic(
        code(vaultform::bootstrap::keys_file_exists),
        help(
            "nothing was changed and the server was not initialised. If that file belongs to this \
             server, keep it (run `vaultform operator unseal`). Otherwise move it away (never delete \
             keys you may still need) or choose another --keys-file{note}"
        )
    )]
    Exists {
        /// The file.
        path: PathBuf,
        /// Whether it is empty (a reservation left by an interrupted init).
        empty: bool,
        /// What an empty file means, or nothing.
        note: &'static str,
    },
    /// The keys file could not be created.
    #[error("cannot create the keys file {}", .path.display())]
    #[diagnostic(
        code(vaultform::bootstrap::keys_file_create),
        help(
            "nothing was changed and the server was not initialised; check that the directory exists and is writable"
        )
    )]
    Create {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// No keys file where one was expected.
    #[error("the keys file {} does not exist", .path.display())]
    #[diagnostic(
        code(vaultform::bootstrap::keys_file_missing),
        help(
            "pass the file `vaultform operator init` wrote with --keys-file (or VAULTFORM_KEYS_FILE), or give the keys on stdin with --keys-stdin"
        )
    )]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The keys file could not be read.
    #[error("cannot read the keys file {}", .path.display())]
    #[diagnostic(code(vaultform::bootstrap::keys_file_read))]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Group or others may access the keys file.
    #[error(
        "the keys file {} is accessible to group or others (mode {mode:04o}); refusing to use it",
        .path.display()
    )]
    #[diagnostic(
        code(vaultform::bootstrap::keys_file_permissions),
        help(
            "anyone who can read it can unseal the server and holds the root token: run `chmod 600 {}`, and check who may have copied it",
            .path.display()
        )
    )]
    InsecureKeysFile {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The keys file is not a keys file.
    #[error("the keys file {} is not a vaultform keys file: {reason}", .path.display())]
    #[diagnostic(
        code(vaultform::bootstrap::keys_file_invalid),
        help("use the file written by `vaultform operator init`, unchanged")
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong (never a value from the file).
        reason: String,
    },
    /// The keys file is age-encrypted and no identity was given.
    #[error("the keys file {} is age-encrypted", .path.display())]
    #[diagnostic(
        code(vaultform::bootstrap::keys_file_encrypted),
        help(
            "pass --identity FILE (or VAULTFORM_AGE_IDENTITY) with the age identity of one of the recipients it was encrypted to"
        )
    )]
    Encrypted {
        /// The file.
        path: PathBuf,
    },
    /// The keys file could not be decrypted.
    #[error("cannot decrypt the keys file {} with the identity in {}", .path.display(), .identity.display())]
    #[diagnostic(
        code(vaultform::bootstrap::keys_file_decrypt),
        help(
            "use the identity whose recipient (`age1...`) was given to `operator init --recipient`"
        )
    )]
    Decrypt {
        /// The keys file.
        path: PathBuf,
        /// The identity file.
        identity: PathBuf,
        /// age's reason.
        reason: String,
    },
    /// Group or others may access the identity file.
    #[error(
        "the age identity file {} is accessible to group or others (mode {mode:04o}); refusing to use it",
        .path.display()
    )]
    #[diagnostic(
        code(vaultform::bootstrap::identity_permissions),
        help("run `chmod 600 {}`", .path.display())
    )]
    InsecureIdentity {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The identity file could not be read or holds no identity.
    #[error("cannot use the age identity file {}: {reason}", .path.display())]
    #[diagnostic(
        code(vaultform::bootstrap::identity_invalid),
        help("an identity file holds lines `AGE-SECRET-KEY-1...`, as written by `age-keygen`")
    )]
    Identity {
        /// The file.
        path: PathBuf,
        /// What is wrong (never a line of the file).
        reason: String,
    },
    /// A `--recipient` is not an age recipient.
    #[error("`{recipient}` is not an age recipient")]
    #[diagnostic(
        code(vaultform::bootstrap::invalid_recipient),
        help(
            "an age recipient is a public key `age1...`, as printed by `age-keygen` or `age-keygen -y IDENTITY_FILE`"
        )
    )]
    Recipient {
        /// What was given (a public key, not a secret).
        recipient: String,
    },
    /// `--keys-stdin` read no key.
    #[error("no unseal key on stdin")]
    #[diagnostic(
        code(vaultform::bootstrap::no_keys_on_stdin),
        help("with --keys-stdin, write the unseal keys to stdin, one per line")
    )]
    NoKeysOnStdin,
    /// Reading stdin failed.
    #[error("cannot read unseal keys from stdin")]
    #[diagnostic(code(vaultform::bootstrap::stdin))]
    Stdin {
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// Parses `--recipient` values. Done before anything is changed, so a typo
/// never leaves an initialised server without a keys file.
pub fn parse_recipients(texts: &[String]) -> Result<Vec<age::x25519::Recipient>, KeysError> {
    texts
        .iter()
        .map(|t| {
            t.trim()
                .parse::<age::x25519::Recipient>()
                .map_err(|_| KeysError::Recipient {
                    recipient: t.clone(),
                })
        })
        .collect()
}

/// A keys file created (empty, mode 0600) before `sys/init` is called, so the
/// keys always have a place to go. [`Reserved::discard`] removes it again when
/// init does not happen.
#[derive(Debug)]
pub struct Reserved {
    file: File,
    path: PathBuf,
}

/// Creates `path` empty with mode 0600, failing if it exists.
pub fn reserve(path: &Path) -> Result<Reserved, KeysError> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| match source.kind() {
            io::ErrorKind::AlreadyExists => {
                let empty = fs::metadata(path).is_ok_and(|m| m.len() == 0);
                KeysError::Exists {
                    path: path.to_path_buf(),
                    empty,
                    note: if empty {
                        "; it is empty, so an earlier init was probably interrupted before the server answered"
                    } else {
                        ""
                    },
                }
            }
            _ => KeysError::Create {
                path: path.to_path_buf(),
                source,
            },
        })?;
    // The mode above is filtered by the umask; make it exactly 0600.
    let reserved = Reserved {
        file,
        path: path.to_path_buf(),
    };
    if let Err(source) = reserved
        .file
        .set_permissions(fs::Permissions::from_mode(0o600))
    {
        reserved.discard();
        return Err(KeysError::Create {
            path: path.to_path_buf(),
            source,
        });
    }
    Ok(reserved)
}

impl Reserved {
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the (still empty) file: init did not happen.
    pub fn discard(self) {
        drop(self.file);
        if let Err(e) = fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove the unused keys file");
        }
    }

    /// Writes `keys` (age-encrypted and armored when there are recipients),
    /// then flushes the file and its directory to disk.
    pub fn write(
        mut self,
        keys: &KeysFile,
        recipients: &[age::x25519::Recipient],
    ) -> io::Result<()> {
        let json = keys.to_json()?;
        let bytes = if recipients.is_empty() {
            json
        } else {
            encrypt(&json, recipients)?
        };
        self.file.write_all(&bytes)?;
        self.file.sync_all()?;
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            // Best effort: some file systems cannot sync a directory.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// Encrypts `plain` to `recipients`, armored.
fn encrypt(plain: &[u8], recipients: &[age::x25519::Recipient]) -> io::Result<Vec<u8>> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(io::Error::other)?;
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)?;
    let mut writer = encryptor.wrap_output(armor).map_err(io::Error::other)?;
    writer.write_all(plain)?;
    writer.finish()?.finish()?;
    Ok(out)
}

/// Whether `bytes` is an age file (armored or binary).
pub fn is_age(bytes: &[u8]) -> bool {
    bytes.starts_with(BINARY_BEGIN) || bytes.trim_ascii_start().starts_with(ARMOR_BEGIN.as_bytes())
}

/// Reads a keys file: refuses one that group or others may access, decrypts
/// it with `identity` when it is age-encrypted, and checks its format.
pub fn read(path: &Path, identity: Option<&Path>) -> Result<KeysFile, KeysError> {
    let bytes = read_private(path, |mode| KeysError::InsecureKeysFile {
        path: path.to_path_buf(),
        mode,
    })
    .map_err(|e| match e {
        Private::Refused(e) => e,
        Private::Io(source) if source.kind() == io::ErrorKind::NotFound => KeysError::Missing {
            path: path.to_path_buf(),
        },
        Private::Io(source) => KeysError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if !is_age(&bytes) {
        return KeysFile::from_json(path, &bytes);
    }
    let Some(identity) = identity else {
        return Err(KeysError::Encrypted {
            path: path.to_path_buf(),
        });
    };
    let plain = decrypt(path, &bytes, identity)?;
    KeysFile::from_json(path, &plain)
}

/// Decrypts an age file with the identities in `identity_path`.
fn decrypt(path: &Path, bytes: &[u8], identity_path: &Path) -> Result<Vec<u8>, KeysError> {
    let identity_error = |reason: String| KeysError::Identity {
        path: identity_path.to_path_buf(),
        reason,
    };
    let text = read_private(identity_path, |mode| KeysError::InsecureIdentity {
        path: identity_path.to_path_buf(),
        mode,
    })
    .map_err(|e| match e {
        Private::Refused(e) => e,
        Private::Io(e) => identity_error(e.to_string()),
    })?;
    // age's parse errors name a line number, never the line.
    let identities = age::IdentityFile::from_buffer(&text[..])
        .map_err(|e| identity_error(e.to_string()))?
        .into_identities()
        .map_err(|e| identity_error(e.to_string()))?;
    if identities.is_empty() {
        return Err(identity_error("it holds no identity".into()));
    }
    let failed = |reason: String| KeysError::Decrypt {
        path: path.to_path_buf(),
        identity: identity_path.to_path_buf(),
        reason,
    };
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(bytes))
        .map_err(|e| failed(e.to_string()))?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| failed(e.to_string()))?;
    let mut plain = Vec::new();
    reader
        .read_to_end(&mut plain)
        .map_err(|e| failed(e.to_string()))?;
    Ok(plain)
}

enum Private {
    Refused(KeysError),
    Io(io::Error),
}

/// Reads a small file that only its owner may access (mode & 0o077 == 0).
fn read_private(path: &Path, refused: impl FnOnce(u32) -> KeysError) -> Result<Vec<u8>, Private> {
    let file = File::open(path).map_err(Private::Io)?;
    let meta = file.metadata().map_err(Private::Io)?;
    if !meta.is_file() {
        return Err(Private::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(Private::Refused(refused(mode)));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(Private::Io)?;
    Ok(bytes)
}

/// Unseal keys from a reader, one per line; blank lines and `#` comments are
/// skipped.
pub fn keys_from_lines(input: impl BufRead) -> Result<Vec<Secret>, KeysError> {
    let mut keys = Vec::new();
    for line in input.lines() {
        let line = line.map_err(|source| KeysError::Stdin { source })?;
        let key = line.trim();
        if key.is_empty() || key.starts_with('#') {
            continue;
        }
        keys.push(Secret::from_string(key.to_string()));
    }
    if keys.is_empty() {
        return Err(KeysError::NoKeysOnStdin);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KeysFile {
        KeysFile {
            shares: 3,
            threshold: 2,
            keys_hex: vec![
                Secret::from_string("aa11".into()),
                Secret::from_string("bb22".into()),
                Secret::from_string("cc33".into()),
            ],
            keys_base64: vec![Secret::from_string("qhE=".into())],
            root_token: Secret::from_string("s.rootrootroot".into()),
            vault_addr: "http://127.0.0.1:8200".into(),
            created_unix: 1_700_000_000,
        }
    }

    fn texts(keys: &[Secret]) -> Vec<String> {
        keys.iter().map(Secret::expose_text).collect()
    }

    #[test]
    fn debug_never_shows_a_key_or_the_token() {
        let shown = format!("{:?}", sample());
        for secret in ["aa11", "bb22", "cc33", "qhE=", "s.rootrootroot"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn json_round_trips_and_has_the_documented_fields() {
        let json = sample().to_json().unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        for field in [
            "version",
            "shares",
            "threshold",
            "keys_hex",
            "keys_base64",
            "root_token",
            "vault_addr",
            "created_unix",
        ] {
            assert!(value.get(field).is_some(), "{field} missing");
        }
        assert_eq!(value["version"], 1);
        let back = KeysFile::from_json(Path::new("k.json"), &json).unwrap();
        assert_eq!(texts(&back.keys_hex), ["aa11", "bb22", "cc33"]);
        assert_eq!(back.root_token.expose_text(), "s.rootrootroot");
        assert_eq!((back.shares, back.threshold), (3, 2));
    }

    #[test]
    fn invalid_json_error_never_quotes_the_file() {
        let text = br#"{"version":1,"shares":"aa11-secret","threshold":2,"root_token":"s.x"}"#;
        let err = KeysFile::from_json(Path::new("k.json"), text).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("aa11-secret"), "{shown}");
        assert!(shown.contains("line 1"), "{shown}");
    }

    #[test]
    fn unsupported_version_is_refused() {
        let text =
            br#"{"version":2,"shares":1,"threshold":1,"keys_hex":["aa"],"root_token":"s.x"}"#;
        let err = KeysFile::from_json(Path::new("k.json"), text).unwrap_err();
        assert!(err.to_string().contains("format version 2"), "{err}");
    }

    #[test]
    fn reserve_creates_0600_and_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let reserved = reserve(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(
            reserve(&path),
            Err(KeysError::Exists { empty: true, .. })
        ));
        reserved.write(&sample(), &[]).unwrap();
        assert!(matches!(
            reserve(&path),
            Err(KeysError::Exists { empty: false, .. })
        ));
        let back = read(&path, None).unwrap();
        assert_eq!(texts(&back.keys_hex), ["aa11", "bb22", "cc33"]);
    }

    #[test]
    fn discard_removes_the_reservation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        reserve(&path).unwrap().discard();
        assert!(!path.exists());
    }

    #[test]
    fn read_refuses_a_file_others_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        reserve(&path).unwrap().write(&sample(), &[]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = read(&path, None).unwrap_err();
        assert!(
            matches!(err, KeysError::InsecureKeysFile { mode: 0o644, .. }),
            "{err:?}"
        );
        let report = format!("{:?}", miette::Report::new(err));
        assert!(report.contains("chmod 600"), "{report}");
    }

    #[test]
    fn read_of_a_missing_file_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(&dir.path().join("nope.json"), None).unwrap_err();
        assert!(matches!(err, KeysError::Missing { .. }), "{err:?}");
    }

    #[test]
    fn age_round_trip_with_an_identity_file() {
        use age::secrecy::ExposeSecret;
        let dir = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let recipients = parse_recipients(&[identity.to_public().to_string()]).unwrap();
        let id_path = dir.path().join("identity.txt");
        fs::write(
            &id_path,
            format!("{}\n", identity.to_string().expose_secret()),
        )
        .unwrap();
        fs::set_permissions(&id_path, fs::Permissions::from_mode(0o600)).unwrap();

        let path = dir.path().join("keys.age");
        reserve(&path)
            .unwrap()
            .write(&sample(), &recipients)
            .unwrap();
        let bytes = fs::read(&path).unwrap();
        assert!(is_age(&bytes));
        assert!(String::from_utf8(bytes).unwrap().starts_with(ARMOR_BEGIN));

        assert!(matches!(
            read(&path, None),
            Err(KeysError::Encrypted { .. })
        ));
        let back = read(&path, Some(&id_path)).unwrap();
        assert_eq!(back.root_token.expose_text(), "s.rootrootroot");

        fs::set_permissions(&id_path, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            read(&path, Some(&id_path)),
            Err(KeysError::InsecureIdentity { .. })
        ));

        let other = age::x25519::Identity::generate();
        fs::write(&id_path, format!("{}\n", other.to_string().expose_secret())).unwrap();
        fs::set_permissions(&id_path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            read(&path, Some(&id_path)),
            Err(KeysError::Decrypt { .. })
        ));
    }

    #[test]
    fn bad_recipient_is_named() {
        let err = parse_recipients(&["age1nope".into()]).unwrap_err();
        assert!(err.to_string().contains("age1nope"), "{err}");
    }

    #[test]
    fn keys_from_lines_skips_blanks_and_comments() {
        let keys = keys_from_lines(&b"# keys\n aa11 \n\nbb22\n"[..]).unwrap();
        assert_eq!(texts(&keys), ["aa11", "bb22"]);
        assert!(matches!(
            keys_from_lines(&b"\n\n"[..]),
            Err(KeysError::NoKeysOnStdin)
        ));
    }
}
