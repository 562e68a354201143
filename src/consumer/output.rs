//! Values out: `env`'s formats (shell `export` lines, dotenv, JSON) and
//! `--render-dir` files. Quoting is exact for any text: what a shell or a
//! dotenv parser reads back is byte for byte the value.

use super::{ConsumerError, Value};
use std::io::Write;
use std::path::Path;

/// `vaultform env` formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFormat {
    /// `export NAME='value'` lines for `eval` or `.` in a POSIX shell.
    Shell,
    /// `NAME="value"` lines for a `.env` file.
    Dotenv,
    /// One JSON object `{"NAME": "value"}`.
    Json,
}

/// Single-quoted for a POSIX shell: every byte is literal inside `'...'`,
/// and a `'` is written `'\''`.
pub fn shell_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Double-quoted for dotenv parsers (dotenvy, python-dotenv, Docker Compose):
/// `\`, `"`, `$` and `\n` escaped (as dotenvy and Docker Compose read them).
pub fn dotenv_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes the values in `format`. The only place a value is printed, on
/// purpose: `vaultform env` exists to hand values to a script.
pub fn write_env(values: &[Value], format: EnvFormat, out: &mut impl Write) -> std::io::Result<()> {
    match format {
        EnvFormat::Shell => {
            for v in values {
                writeln!(
                    out,
                    "export {}={}",
                    v.var,
                    shell_quote(&v.value.expose_text())
                )?;
            }
        }
        EnvFormat::Dotenv => {
            for v in values {
                writeln!(out, "{}={}", v.var, dotenv_quote(&v.value.expose_text()))?;
            }
        }
        EnvFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = values
                .iter()
                .map(|v| {
                    (
                        v.var.clone(),
                        serde_json::Value::String(v.value.expose_text()),
                    )
                })
                .collect();
            let mut doc = crate::secret::Secret::new(serde_json::Value::Object(map));
            serde_json::to_writer(&mut *out, doc.expose())?;
            writeln!(out)?;
            drop(std::mem::replace(
                &mut doc,
                crate::secret::Secret::new(serde_json::Value::Null),
            ));
        }
    }
    out.flush()
}

/// Refuses NUL bytes (no environment variable can hold one).
pub fn check_env_values(values: &[Value]) -> Result<(), ConsumerError> {
    for v in values {
        if v.value.expose_text().contains('\0') {
            return Err(ConsumerError::Nul {
                var: v.var.clone(),
                origin: v.origin.clone(),
            });
        }
    }
    Ok(())
}

fn render_err(path: &Path, e: impl std::fmt::Display) -> ConsumerError {
    ConsumerError::Render {
        path: path.display().to_string(),
        why: e.to_string(),
    }
}

/// Writes each value to `dir/<VAR>`: the directory 0700 (created if needed,
/// never through a symbolic link), each file 0600, written to a temporary
/// file in the same directory and renamed over the old one, so a reader sees
/// the old value or the new one, never half. With `owner`, the directory and
/// files are given to that user (and group), for images that drop privileges
/// before reading them (the postgres image reads `*_FILE` as uid 999).
pub fn render(
    dir: &Path,
    values: &[Value],
    owner: Option<(u32, Option<u32>)>,
) -> Result<(), ConsumerError> {
    use std::os::unix::fs::PermissionsExt;
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(render_err(
            dir,
            "it is a symbolic link; vaultform renders only into a real directory",
        ));
    }
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .create(dir)
            .map_err(|e| render_err(dir, e))?;
    }
    if !std::fs::metadata(dir)
        .map_err(|e| render_err(dir, e))?
        .is_dir()
    {
        return Err(render_err(dir, "it is not a directory"));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| render_err(dir, e))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(dir, Some(uid), gid).map_err(|e| render_err(dir, e))?;
    }
    for v in values {
        let path = dir.join(&v.var);
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| render_err(dir, e))?; // 0600
        let text = crate::secret::Token::new(v.value.expose_text());
        tmp.write_all(text.expose().as_bytes())
            .map_err(|e| render_err(&path, e))?;
        tmp.as_file().sync_all().map_err(|e| render_err(&path, e))?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::fchown(tmp.as_file(), Some(uid), gid)
                .map_err(|e| render_err(&path, e))?;
        }
        tmp.persist(&path).map_err(|e| render_err(&path, e.error))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// What dotenvy reads back is the value, for any text without NUL.
        #[test]
        fn dotenv_round_trips(value in "[^\u{0}]{0,40}") {
            let line = format!("K={}\n", dotenv_quote(&value));
            let parsed: Vec<(String, String)> = dotenvy::from_read_iter(line.as_bytes()).collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(&parsed[0].1, &value);
        }
    }

    #[test]
    fn shell_round_trips_through_sh() {
        let values = [
            "plain",
            "it's",
            "a'b'c",
            "$HOME `id` $(id)",
            "new\nline",
            "back\\slash",
            "\"q\"",
            "tab\tend ",
            "é ü 漢字",
            "'",
            "",
        ];
        let mut script = String::new();
        for (i, v) in values.iter().enumerate() {
            script.push_str(&format!("export V{i}={}\n", shell_quote(v)));
            script.push_str(&format!("printf '%s\\0' \"$V{i}\"\n"));
        }
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        assert!(out.status.success());
        let got: Vec<&[u8]> = out.stdout.split(|b| *b == 0).collect();
        for (i, v) in values.iter().enumerate() {
            assert_eq!(got[i], v.as_bytes(), "value {i}");
        }
    }
}
