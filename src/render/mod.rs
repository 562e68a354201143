//! Renderers: `(&Plan, &mut impl Write)`. A plan holds no secret values, so no
//! renderer can print one.

pub mod human;
pub mod json;
pub mod markdown;

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
pub fn summary_line(plan: &crate::plan::Plan) -> String {
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
    use super::policy_diff;

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
