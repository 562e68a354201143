//! Bounded reads of local files. Every file vaultform reads (the manifest,
//! policies, the env file, `{ file = ... }` sources, delivered credentials,
//! token files, saved plans, metrics) goes through [`read_bytes`] or
//! [`read_text`], with a documented size limit: `/dev/zero`, a FIFO or a
//! multi-gigabyte file gives a clear error instead of filling memory or
//! hanging.
//!
//! Errors name the file and say what is wrong; they never hold its contents.

use std::io::Read;
use std::path::Path;

/// The manifest (`vault.toml`).
pub const MANIFEST_LIMIT: u64 = 4 << 20;
/// One policy file.
pub const POLICY_LIMIT: u64 = 1 << 20;
/// The manifest's `env_file`.
pub const ENV_FILE_LIMIT: u64 = 8 << 20;
/// A `{ file = ... }` secret source.
pub const SECRET_FILE_LIMIT: u64 = 1 << 20;
/// A small credential file: `role_id`, `secret_id`, `~/.vault-token`, a JWT.
pub const CREDENTIAL_LIMIT: u64 = 64 << 10;
/// A saved plan (`plan --out`).
pub const PLAN_FILE_LIMIT: u64 = 256 << 20;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file system refused (missing, permissions, ...).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A device, FIFO, socket or directory.
    #[error("it is not a regular file")]
    NotAFile,
    /// Larger than the limit for this kind of file.
    #[error("it is larger than {} (the limit for this kind of file)", size(*.limit))]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Not UTF-8; where the first bad byte is.
    #[error("it is not valid UTF-8 (line {line}, column {column})")]
    NotUtf8 {
        /// One-based line of the first invalid byte.
        line: usize,
        /// One-based column (in characters) of the first invalid byte.
        column: usize,
    },
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// Reads at most `limit` bytes of a regular file (symbolic links are followed).
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Checked before opening: opening a FIFO for reading blocks until a writer comes.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    let file = std::fs::File::open(path)?;
    // The size as a hint (the file may change between the two calls; the
    // limit still holds): one read fills it, a second sees the end.
    let hint = meta.len().min(limit).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    read_within(file, limit, &mut bytes)?;
    Ok(bytes)
}

/// Appends what `file` holds to `buf`, or fails past `limit` bytes (having
/// read at most one more).
fn read_within(file: std::fs::File, limit: u64, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    file.take(limit.saturating_add(1)).read_to_end(buf)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(())
}

/// Like [`read_text`], for a file that a directory listing has just said is
/// a regular file (`DirEntry::file_type`, which costs no system call): one
/// system call less per file, for the thousands of policy files of a large
/// manifest. The file is opened without blocking instead of checked first,
/// so one replaced by a FIFO since the listing reads as empty rather than
/// hang, and a device still stops at the limit. `scratch` is kept between
/// files: its capacity is the size hint that lets one read take a file.
pub fn read_listed_text(
    path: &Path,
    limit: u64,
    scratch: &mut Vec<u8>,
) -> Result<String, ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(path)?;
    scratch.clear();
    read_within(file, limit, scratch)?;
    utf8(scratch.as_slice().to_vec())
}

/// Like [`read_bytes`], as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    utf8(read_bytes(path, limit)?)
}

/// Bytes as UTF-8, or where the first invalid byte is.
pub fn utf8(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // `good` is valid UTF-8 by definition of `valid_up_to`.
        let text = std::str::from_utf8(good).unwrap_or_default();
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ReadError::NotUtf8 { line, column }
    })
}

/// Writes `text` to `path` atomically (a temporary file in the same
/// directory, then renamed over it), readable by others (mode 0644): files
/// meant to be read by other programs or committed (metrics, an imported
/// manifest). Secrets go through 0600 writers instead.
pub fn write_public(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_fifos_are_refused_without_reading() {
        assert!(matches!(
            read_bytes(Path::new("/dev/zero"), 10),
            Err(ReadError::NotAFile)
        ));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_bytes(dir.path(), 10),
            Err(ReadError::NotAFile)
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(read_bytes(&fifo, 10), Err(ReadError::NotAFile)));
        }
    }

    #[test]
    fn files_over_the_limit_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big");
        std::fs::write(&f, vec![b'x'; 11]).unwrap();
        assert!(matches!(
            read_bytes(&f, 10),
            Err(ReadError::TooLarge { limit: 10 })
        ));
        assert_eq!(read_bytes(&f, 11).unwrap().len(), 11);
    }

    #[test]
    fn listed_files_are_read_whole_within_the_limit_and_a_fifo_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let mut scratch = Vec::new();
        for size in [0usize, 1, 45, 5000, 20_000] {
            let f = dir.path().join(format!("f{size}"));
            let text = "x".repeat(size);
            std::fs::write(&f, &text).unwrap();
            assert_eq!(read_listed_text(&f, 20_000, &mut scratch).unwrap(), text);
        }
        let big = dir.path().join("f20000");
        assert!(matches!(
            read_listed_text(&big, 19_999, &mut scratch),
            Err(ReadError::TooLarge { limit: 19_999 })
        ));
        let bad = dir.path().join("bad");
        std::fs::write(&bad, b"ok\n\xff").unwrap();
        assert!(matches!(
            read_listed_text(&bad, 100, &mut scratch),
            Err(ReadError::NotUtf8 { line: 2, column: 1 })
        ));
        // A FIFO with no writer (a file replaced since the listing): read
        // as empty at once, on a thread so that a regression fails the test
        // instead of hanging it.
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut scratch = Vec::new();
            let _ = tx.send(read_listed_text(&fifo, 100, &mut scratch).map_err(|e| e.to_string()));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO returned");
        assert_eq!(got.as_deref(), Ok(""));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = utf8(b"ab\ncd\xffe".to_vec()).unwrap_err();
        assert!(
            matches!(err, ReadError::NotUtf8 { line: 2, column: 3 }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("cd"));
    }
}
