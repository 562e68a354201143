//! Manifest problems as miette diagnostics: each points at a file, line and
//! column, carries a stable code and a help line; all problems of one run are
//! reported together as children of one [`ManifestError`].

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan,
    SpanContents,
};
use std::fmt;
use std::sync::Arc;

/// Source lines longer than this are shown as an excerpt around the problem.
const MAX_LINE: usize = 160;
/// Bytes shown before the start of a problem on a long line.
const WINDOW_BEFORE: usize = 40;
/// Bytes shown of a problem (and after it) on a long line.
const WINDOW_SPAN: usize = 80;

/// A file shown in diagnostics. Long lines are cut to a short excerpt around
/// the problem, so a diagnostic never echoes a 5 MB line (which could hold a
/// value) and never renders a label past column 65,535 (where miette panics).
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
}

impl SourceFile {
    /// The file's name as shown.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same span, cut to what is shown: at most [`WINDOW_SPAN`] bytes,
    /// ending on a character boundary.
    fn clip(&self, span: SourceSpan) -> SourceSpan {
        let start = floor_char(&self.text, span.offset().min(self.text.len()));
        let mut end = (start + span.len().min(WINDOW_SPAN)).min(self.text.len());
        if span.len() > WINDOW_SPAN {
            end = floor_char(&self.text, end);
        } else {
            end = ceil_char(&self.text, end);
        }
        SourceSpan::new(start.into(), end - start)
    }
}

impl From<&SourceFile> for SourceFile {
    fn from(src: &SourceFile) -> Self {
        src.clone()
    }
}

impl From<&NamedSource<String>> for SourceFile {
    fn from(src: &NamedSource<String>) -> Self {
        Self {
            name: src.name().into(),
            text: src.inner().as_str().into(),
        }
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.text;
        let full = text.read_span(span, before, after)?;
        let name = self.name.to_string();
        if full
            .data()
            .split(|b| *b == b'\n')
            .all(|l| l.len() <= MAX_LINE)
        {
            return Ok(Box::new(MietteSpanContents::new_named(
                name,
                full.data(),
                *full.span(),
                full.line(),
                full.column(),
                full.line_count(),
            )));
        }
        // A long line: only a window of the problem's own line, no context.
        let bytes = text.as_bytes();
        let start = floor_char(text, span.offset().min(text.len()));
        let line_start = bytes[..start]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let line_end = bytes[start..]
            .iter()
            .position(|b| *b == b'\n' || *b == b'\r')
            .map_or(text.len(), |i| start + i);
        let from = floor_char(text, start.saturating_sub(WINDOW_BEFORE).max(line_start));
        let to = ceil_char(
            text,
            (start + span.len().min(WINDOW_SPAN) + WINDOW_SPAN).min(line_end),
        );
        let line = bytes[..line_start].iter().filter(|b| **b == b'\n').count();
        Ok(Box::new(MietteSpanContents::new_named(
            name,
            &bytes[from..to],
            SourceSpan::new(from.into(), to - from),
            line,
            if before == 0 {
                start - line_start
            } else {
                from - line_start
            },
            1,
        )))
    }
}

/// One problem in the manifest or a policy file.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Stable code, e.g. `vaultform::manifest::unknown_key`.
    pub code: &'static str,
    /// What is wrong, lower-case, no trailing period.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The file it is in.
    pub src: Option<SourceFile>,
    /// Where in that file.
    pub span: Option<SourceSpan>,
    /// The label at the span.
    pub label: String,
}

impl Problem {
    /// A problem at a place in a file.
    pub fn at(
        code: &'static str,
        message: impl Into<String>,
        src: impl Into<SourceFile>,
        span: impl Into<SourceSpan>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            help: None,
            src: Some(src.into()),
            span: Some(span.into()),
            label: label.into(),
        }
    }

    /// A problem with no place (a missing file, say).
    pub fn general(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            help: None,
            src: None,
            span: None,
            label: String::new(),
        }
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = match &self.src {
            Some(src) => src.clip(self.span?),
            None => self.span?,
        };
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.label.clone()),
            span,
        ))))
    }
}

/// Every problem found in one load of the manifest. Nothing is written when
/// this is returned.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} in {manifest}; nothing was changed", count(.problems.len()))]
#[diagnostic(code(vaultform::manifest::invalid))]
pub struct ManifestError {
    /// The manifest's path.
    pub manifest: String,
    /// The problems, in file order.
    #[related]
    pub problems: Vec<Problem>,
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 problem".to_string()
    } else {
        format!("{n} problems")
    }
}
