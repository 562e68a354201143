//! Manifest problems as miette diagnostics: each points at a file, line and
//! column, carries a stable code and a help line; all problems of one run are
//! reported together as children of one [`ManifestError`].

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use std::fmt;

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
    pub src: Option<NamedSource<String>>,
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
        src: &NamedSource<String>,
        span: impl Into<SourceSpan>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            help: None,
            src: Some(src.clone()),
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
        let span = self.span?;
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
