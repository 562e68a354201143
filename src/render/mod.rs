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
    similar::TextDiff::configure()
        .timeout(std::time::Duration::from_millis(500))
        .diff_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .to_string()
}
