//! Plain data for ACL policies.

use std::path::PathBuf;

/// A policy from `policies/<name>.hcl`.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredPolicy {
    /// Policy name (the file name without `.hcl`), lower-case.
    pub name: String,
    /// The file's text, sent verbatim.
    pub text: String,
    /// Where it came from, for messages.
    pub file: PathBuf,
}

/// A policy as the server has it.
#[derive(Clone, Debug, PartialEq)]
pub struct LivePolicy {
    /// The text, verbatim.
    pub text: String,
}

/// Normalises policy text for comparison: CRLF to LF and trailing whitespace at
/// the end ignored. OpenBao stores text verbatim, so this only forgives editors.
pub fn normalise(text: &str) -> String {
    let mut t = text.replace("\r\n", "\n");
    t.truncate(t.trim_end().len());
    t
}
