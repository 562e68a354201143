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

/// Whether two texts are the same once [`normalise`]d, without copying them
/// when they are the same but for trailing whitespace (a no-op plan compares
/// every policy). `normalise(x)` is `x` trimmed at the end with CRLF made LF:
/// no CRLF pair spans the end of the trimmed text, whose last character is
/// not whitespace.
pub fn same_text(a: &str, b: &str) -> bool {
    a.trim_end() == b.trim_end() || normalise(a) == normalise(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut answers as comparing the normalised copies does,
        /// over texts made of the characters that matter to it.
        #[test]
        fn same_text_is_equality_of_normalised_texts(
            a in "[ab \\t\\r\\n]{0,12}",
            b in "[ab \\t\\r\\n]{0,12}",
        ) {
            prop_assert_eq!(same_text(&a, &b), normalise(&a) == normalise(&b));
            let crlf = a.replace('\n', "\r\n");
            prop_assert_eq!(same_text(&a, &crlf), normalise(&a) == normalise(&crlf));
        }
    }

    #[test]
    fn line_endings_and_trailing_space_are_forgiven_and_nothing_else() {
        assert!(same_text("a\r\nb\r\n\r\n", "a\nb"));
        assert!(same_text("a  \n", "a"));
        assert!(!same_text("a\nb", "a b"));
        assert!(!same_text(" a", "a"));
    }
}
