//! What a name or path may be, per kind. Every name that ends up in a request
//! URL is checked here first: by the manifest (with a diagnostic), by
//! `Address::parse` (through each kind's `check_name`) (for addresses from the ownership
//! record, saved plans and `--target`), and again by the Vault client before it
//! sends anything ([`api_path`]).
//!
//! The rules are the server's where the server is strict (role names follow
//! Vault's `\w(([\w-.]+)?\w)?`), and stricter than the server where it accepts
//! names that are hard to use safely: mount, auth and KV paths are `/`-separated
//! segments of ASCII letters, digits, `-`, `_` and `.`, never empty, `.` or
//! `..`. Pure; no I/O.

use std::fmt;

/// The longest name or path vaultform accepts, in bytes.
pub const MAX_NAME_LEN: usize = 512;

/// Mount paths the server reserves: a secrets engine cannot be mounted under
/// them (measured: `400 cannot mount`).
pub const RESERVED_MOUNT_PREFIXES: [&str; 4] = ["sys", "auth", "identity", "cubbyhole"];

/// Why a name was refused. Never holds the name itself, so it can be shown
/// wherever the name came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// Longer than [`MAX_NAME_LEN`].
    TooLong,
    /// A path starts or ends with `/`, or has `//`.
    EmptySegment,
    /// A path segment is `.` or `..`.
    DotSegment,
    /// A character outside the allowed set (spaces, control characters,
    /// `%`, `?`, `#`, `\`, non-ASCII, ...).
    BadChar,
    /// A role name that does not start and end with a letter, digit or `_`.
    RoleEdge,
    /// A secrets-engine mount under `sys/`, `auth/`, `identity/` or `cubbyhole/`.
    Reserved,
    /// A `<mount>/<name>` or `<mount>/<path>` key without the `/`.
    NoMount,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::Empty => "it is empty",
            NameError::TooLong => "it is longer than 512 bytes",
            NameError::EmptySegment => "it has an empty segment (a leading, trailing or double `/`)",
            NameError::DotSegment => "it has a `.` or `..` segment",
            NameError::BadChar => {
                "it has a character other than ASCII letters, digits, `-`, `_`, `.` (and `/` between segments)"
            }
            NameError::RoleEdge => "it must start and end with a letter, a digit or `_`",
            NameError::Reserved => {
                "`sys/`, `auth/`, `identity/` and `cubbyhole/` are reserved by the server"
            }
            NameError::NoMount => "it names no mount (`<mount>/<name>`)",
        })
    }
}

impl NameError {
    /// A help line naming what is allowed.
    pub fn help(self) -> &'static str {
        match self {
            NameError::RoleEdge | NameError::BadChar | NameError::Empty => {
                "use ASCII letters, digits, `-`, `_` and `.`; role names start and end with a letter, digit or `_`"
            }
            NameError::Reserved => "mount the engine at another path",
            NameError::NoMount => "write `<mount>/<name>`",
            _ => "write segments of letters, digits, `-`, `_` and `.`, separated by single `/`",
        }
    }
}

/// [`role_name`] as a regular expression (ECMA 262, for the manifest's JSON
/// Schema), lower case only as the manifest requires.
pub const ROLE_NAME_PATTERN: &str = r"^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$";

/// [`path`] as a regular expression: segments of letters, digits, `-`, `_`
/// and `.`, never `.` or `..`, separated by single `/`.
pub const PATH_PATTERN: &str = concat!(
    r"^([A-Za-z0-9_-][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*|\.\.[A-Za-z0-9._-]+)",
    r"(/([A-Za-z0-9_-][A-Za-z0-9._-]*|\.[A-Za-z0-9_-][A-Za-z0-9._-]*|\.\.[A-Za-z0-9._-]+))*$"
);

fn segment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A `/`-separated path: mount paths, auth paths and KV secret paths.
pub fn path(p: &str) -> Result<(), NameError> {
    if p.is_empty() {
        return Err(NameError::Empty);
    }
    if p.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    for seg in p.split('/') {
        if seg.is_empty() {
            return Err(NameError::EmptySegment);
        }
        if seg == "." || seg == ".." {
            return Err(NameError::DotSegment);
        }
        if !seg.chars().all(segment_char) {
            return Err(NameError::BadChar);
        }
    }
    Ok(())
}

/// A secrets-engine mount path: a [`path`] outside the reserved prefixes.
pub fn mount_path(p: &str) -> Result<(), NameError> {
    path(p)?;
    let first = p.split('/').next().unwrap_or(p);
    if p.contains('/') && RESERVED_MOUNT_PREFIXES.contains(&first) {
        return Err(NameError::Reserved);
    }
    Ok(())
}

/// An ACL policy name: one segment (the file name is the policy name).
pub fn policy_name(n: &str) -> Result<(), NameError> {
    if n.contains('/') {
        return Err(NameError::BadChar);
    }
    path(n)
}

/// An auth role name, as the server's route pattern `\w(([\w-.]+)?\w)?` allows
/// (`a..b` is fine: it is one segment).
pub fn role_name(n: &str) -> Result<(), NameError> {
    if n.is_empty() {
        return Err(NameError::Empty);
    }
    if n.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    if !n.chars().all(segment_char) {
        return Err(NameError::BadChar);
    }
    let edges_ok =
        n.chars().next().is_some_and(word_char) && n.chars().last().is_some_and(word_char);
    if !edges_ok {
        return Err(NameError::RoleEdge);
    }
    Ok(())
}

/// `<mount>/<item>`: an item on a mount (a role, its credentials, a setting
/// of a named item), split on the last `/` since mounts may be nested.
pub fn mount_item(name: &str) -> Result<(), NameError> {
    let (mount, item) = name.rsplit_once('/').ok_or(NameError::NoMount)?;
    path(mount)?;
    role_name(item)
}

/// `<mount>/<path>`: a secret on a KV mount.
pub fn mount_and_path(name: &str) -> Result<(), NameError> {
    if !name.contains('/') {
        return Err(NameError::NoMount);
    }
    path(name)
}

/// Checks an API path just before a request is built from it (`sys/mounts/x`,
/// `secret/data/app`): segments of printable ASCII without `%`, `?`, `#` or
/// `\`, never `.` or `..`, never empty except one trailing `/` (LIST).
/// A request URL can then only ever address the path it names.
pub fn api_path(p: &str) -> Result<(), NameError> {
    let p = p.strip_prefix('/').unwrap_or(p);
    let p = p.strip_suffix('/').unwrap_or(p);
    if p.is_empty() {
        return Err(NameError::Empty);
    }
    for seg in p.split('/') {
        if seg.is_empty() {
            return Err(NameError::EmptySegment);
        }
        if seg == "." || seg == ".." {
            return Err(NameError::DotSegment);
        }
        if !seg
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '%' | '?' | '#' | '\\'))
        {
            return Err(NameError::BadChar);
        }
    }
    Ok(())
}

/// A name cut to at most 64 characters for an error message (names are not
/// values, but a 70,000-character key should not fill a terminal).
pub fn excerpt(name: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = name
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if name.chars().count() > MAX {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_refuse_dot_and_empty_segments_and_odd_characters() {
        for ok in ["secret", "team/kv", "a.b/c-d_e", ".hidden/x", "a..b"] {
            assert_eq!(path(ok), Ok(()), "{ok}");
        }
        let cases = [
            ("", NameError::Empty),
            ("a/../b", NameError::DotSegment),
            ("..", NameError::DotSegment),
            ("a/.", NameError::DotSegment),
            ("a//b", NameError::EmptySegment),
            ("/a", NameError::EmptySegment),
            ("a/", NameError::EmptySegment),
            ("a b", NameError::BadChar),
            ("a%2e%2e", NameError::BadChar),
            ("a%2Fb", NameError::BadChar),
            ("a\\b", NameError::BadChar),
            ("a\u{2215}b", NameError::BadChar), // division slash
            ("\u{ff0e}\u{ff0e}", NameError::BadChar), // fullwidth full stops
            ("a\nb", NameError::BadChar),
            ("a?b", NameError::BadChar),
        ];
        for (bad, why) in cases {
            assert_eq!(path(bad), Err(why), "{bad:?}");
        }
        assert_eq!(path(&"a".repeat(513)), Err(NameError::TooLong));
    }

    #[test]
    fn role_names_follow_the_server_pattern() {
        // Measured on OpenBao 2.7.2: these are accepted ...
        for ok in ["a", "a.b", "a-b", "a_b", "_a", "a_", "a..b", "1", "web-api"] {
            assert_eq!(role_name(ok), Ok(()), "{ok}");
        }
        // ... and these answer 404 "unsupported path".
        for bad in [
            "-a", "a-", "a.", ".a", "..", ".", "a b", "a+b", "a@b", "a:b", "a~b", "é", "a%b",
            "a=b", "a/b", "",
        ] {
            assert!(role_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn mounts_under_reserved_prefixes_are_refused() {
        for bad in ["sys/x", "auth/x", "identity/x", "cubbyhole/x"] {
            assert_eq!(mount_path(bad), Err(NameError::Reserved), "{bad}");
        }
        assert_eq!(mount_path("team/kv"), Ok(()));
    }

    #[test]
    fn addresses_split_roles_on_the_last_slash() {
        assert_eq!(mount_item("team/approle/web"), Ok(()));
        assert_eq!(mount_item("approle"), Err(NameError::NoMount));
        assert_eq!(mount_and_path("secret"), Err(NameError::NoMount));
        assert_eq!(
            mount_and_path("secret/a/../../../sys/mounts/important"),
            Err(NameError::DotSegment)
        );
        assert_eq!(policy_name("../x"), Err(NameError::BadChar));
    }

    #[test]
    fn api_paths_allow_a_trailing_slash_only() {
        assert_eq!(api_path("sys/mounts"), Ok(()));
        assert_eq!(api_path("/sys/mounts"), Ok(()));
        assert_eq!(api_path("secret/metadata/"), Ok(()));
        assert_eq!(
            api_path("secret/data/a/../../sys"),
            Err(NameError::DotSegment)
        );
        assert_eq!(api_path("secret/data/a//b"), Err(NameError::EmptySegment));
        assert_eq!(api_path("secret/data/%2e%2e"), Err(NameError::BadChar));
        assert_eq!(api_path("secret/data/x?y"), Err(NameError::BadChar));
        assert_eq!(api_path(""), Err(NameError::Empty));
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("abc"), "abc");
        let long = excerpt(&"x".repeat(70_000));
        assert_eq!(long.chars().count(), 65);
        assert_eq!(excerpt("a\u{1b}[2Jb"), "a\u{fffd}[2Jb");
    }
}
