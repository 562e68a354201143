//! Renderers: `(&Plan, &mut impl Write)`. A plan holds no secret values, so no
//! renderer can print one.

pub mod human;
pub mod json;
pub mod markdown;

use std::borrow::Cow;
use std::fmt::Write as _;

/// Text that may come from outside (names the server lists, field values it
/// returns, KV key names, policy lines) made safe to print: control characters
/// and bidirectional-text overrides are shown as `\u{..}` escapes, so no name
/// can move the cursor, rewrite a CI log line or reorder what a reviewer reads.
/// Tabs are kept.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// ANSI styling, off unless asked for (terminal and no `NO_COLOR`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// Whether to emit colour codes.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Green.
    pub fn added(self, t: &str) -> String {
        self.paint("32", t)
    }

    /// Yellow.
    pub fn changed(self, t: &str) -> String {
        self.paint("33", t)
    }

    /// Red.
    pub fn removed(self, t: &str) -> String {
        self.paint("31", t)
    }

    /// Bold.
    pub fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }

    /// Dim.
    pub fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
}

/// The closing count line: `Plan: 1 to add, 2 to change, 0 to destroy.`
pub fn summary_line(plan: &crate::model::plan::Plan) -> String {
    let s = plan.summary;
    let mut line = format!(
        "Plan: {} to add, {} to change, {} to destroy",
        s.add, s.change, s.destroy
    );
    if s.adopt > 0 {
        line.push_str(&format!(", {} to adopt", s.adopt));
    }
    line.push('.');
    line
}

/// A unified diff of two policy texts, with a timeout so huge files cannot hang a plan.
pub fn policy_diff(before: &str, after: &str) -> String {
    // A new policy is all additions: no need to run a diff (thousands of new
    // policies are common on a first apply). Same output as the diff would give.
    if before.is_empty() && after.ends_with('\n') {
        let n = after.lines().count();
        let mut out = format!("--- \n+++ \n@@ -0,0 +1,{n} @@\n");
        for line in after.lines() {
            out.push('+');
            out.push_str(line);
            out.push('\n');
        }
        return out;
    }
    similar::TextDiff::configure()
        .timeout(std::time::Duration::from_millis(500))
        .diff_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{clean, policy_diff};

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(clean("plain name"), "plain name");
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("x\ny\r"), "x\\u{a}y\\u{d}");
        assert_eq!(clean("evil\u{202e}txt"), "evil\\u{202e}txt");
        assert_eq!(clean("tab\tkept"), "tab\tkept");
    }

    #[test]
    fn a_new_policy_renders_like_a_diff_from_nothing() {
        let text = "path \"a\" {\n  capabilities = [\"read\"]\n}\n";
        let via_similar = similar::TextDiff::configure()
            .diff_lines("", text)
            .unified_diff()
            .context_radius(3)
            .to_string();
        let lines = |s: &str| {
            s.lines()
                .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(&policy_diff("", text)), lines(&via_similar));
    }
}
