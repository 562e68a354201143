//! Manifest problems as miette diagnostics: each points at a file, line and
//! column, carries a stable code and a help line; all problems of one run are
//! reported together as children of one [`ManifestError`].

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan,
    SpanContents,
};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Longest message or help text, in characters (a typed key can be huge).
const MAX_MESSAGE: usize = 600;
/// At most this many problems are shown; the rest are counted.
pub const MAX_PROBLEMS: usize = 100;
/// Source lines longer than this are shown as an excerpt around the problem.
const MAX_LINE: usize = 160;
/// Bytes shown before the start of a problem on a long line.
const WINDOW_BEFORE: usize = 40;
/// Bytes shown of a problem (and after it) on a long line.
const WINDOW_SPAN: usize = 80;

/// A file shown in diagnostics. Long lines are cut to a short excerpt around
/// the problem, so a diagnostic never echoes a 5 MB line (which could hold a
/// value) and never renders a label past column 65,535 (where miette panics).
/// Control and bidirectional-override characters are shown as `?` (or another
/// replacement of the same byte length, so every offset stays true): no source
/// line can drive the terminal. A line index makes each excerpt cost
/// O(log n), not a scan of the file, so thousands of problems in a large file
/// render quickly.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
    /// Byte offset of the start of every line.
    lines: Arc<[usize]>,
}

impl SourceFile {
    /// A file's name and text.
    pub fn new(name: &str, text: &str) -> Self {
        let shown = displayable(text);
        let mut lines = vec![0];
        lines.extend(
            shown
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self {
            name: clean_text(name, 300).into(),
            text: shown.into(),
            lines: lines.into(),
        }
    }

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

    /// The index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// The byte range of line `i`, without its line break.
    fn line_range(&self, i: usize) -> (usize, usize) {
        let start = self.lines[i];
        let mut end = self.lines.get(i + 1).map_or(self.text.len(), |n| n - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end)
    }
}

/// The text with every control character (but tab and line breaks) and every
/// bidirectional-override character replaced by one of the same UTF-8 length.
fn displayable(text: &str) -> String {
    // Printable ASCII, tabs and line breaks (the usual manifest): as it is.
    let plain = text.bytes().enumerate().all(|(i, b)| match b {
        b'\t' | b'\n' | 0x20..=0x7e => true,
        b'\r' => text.as_bytes().get(i + 1) == Some(&b'\n'),
        _ => false,
    });
    if plain {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let keep = match c {
            '\t' | '\n' => true,
            '\r' => chars.peek() == Some(&'\n'),
            c => !c.is_control() && !is_bidi(c),
        };
        if keep {
            out.push(c);
        } else {
            match c.len_utf8() {
                1 => out.push('?'),
                2 => out.push('\u{bf}'),
                3 => out.push('\u{fffd}'),
                _ => out.push_str("\u{fffd}?"),
            }
        }
    }
    out
}

/// The text with the secret values at `spans` masked for showing in
/// diagnostics: each character but line breaks (and a string's quotes)
/// becomes `*`s of the same UTF-8 length, so every other span still points
/// at the same place.
pub fn mask(text: &str, spans: &[Range<usize>]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for span in spans {
        let (start, end) = (span.start.min(bytes.len()), span.end.min(bytes.len()));
        let value = &mut bytes[start..end];
        // A string's delimiters (`"`, `'`, `"""`, `'''`) stay.
        let quotes = |b: &[u8]| {
            b.iter()
                .take(3)
                .take_while(|c| matches!(c, b'"' | b'\''))
                .count()
        };
        let lead = quotes(value);
        let tail = if lead > 0 {
            value
                .iter()
                .rev()
                .take(lead)
                .take_while(|c| matches!(c, b'"' | b'\''))
                .count()
        } else {
            0
        };
        let inner = value.len().saturating_sub(tail);
        for b in value.iter_mut().take(inner).skip(lead) {
            if !matches!(*b, b'\n' | b'\r') {
                *b = b'*';
            }
        }
    }
    // Only whole characters were replaced (spans start and end at character
    // boundaries and every byte of a character inside is replaced), by
    // ASCII: the result is valid UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text for a message: control and bidi characters escaped, at most `max`
/// characters (names and keys a user typed can be 70,000 characters long).
pub fn clean_text(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        if (c.is_control() && c != '\n' && c != '\t') || is_bidi(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A file's source for diagnostics, made into a [`SourceFile`] only when a
/// problem needs one: making it scans the whole text, and a valid manifest
/// or policy file shows none.
#[derive(Debug)]
pub struct LazySource {
    name: String,
    text: Arc<str>,
    made: std::sync::OnceLock<SourceFile>,
}

impl LazySource {
    /// The source of the file `name` holding `text`.
    pub fn new(name: impl Into<String>, text: Arc<str>) -> Self {
        Self {
            name: name.into(),
            text,
            made: std::sync::OnceLock::new(),
        }
    }

    /// The source as a [`SourceFile`], made on the first call.
    pub fn get(&self) -> &SourceFile {
        self.made
            .get_or_init(|| SourceFile::new(&self.name, &self.text))
    }
}

impl From<&SourceFile> for LazySource {
    fn from(src: &SourceFile) -> Self {
        let made = std::sync::OnceLock::new();
        let _ = made.set(src.clone());
        Self {
            name: src.name().to_string(),
            text: Arc::from(""),
            made,
        }
    }
}

impl From<&LazySource> for SourceFile {
    fn from(src: &LazySource) -> Self {
        src.get().clone()
    }
}

impl From<&SourceFile> for SourceFile {
    fn from(src: &SourceFile) -> Self {
        src.clone()
    }
}

impl From<&NamedSource<String>> for SourceFile {
    fn from(src: &NamedSource<String>) -> Self {
        SourceFile::new(src.name(), src.inner())
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
        if span.offset() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let bytes = text.as_bytes();
        let start = floor_char(text, span.offset());
        let end = (start + span.len()).min(text.len());
        let first = self.line_of(start);
        let last = self.line_of(end.saturating_sub(1).max(start));
        let name = self.name.to_string();
        let context_first = first.saturating_sub(before);
        let context_last = (last + after).min(self.lines.len() - 1);
        let long = (context_first..=context_last).any(|i| {
            let (a, b) = self.line_range(i);
            b - a > MAX_LINE
        });
        if !long {
            let from = self.lines[context_first];
            let to = self
                .lines
                .get(context_last + 1)
                .copied()
                .unwrap_or(text.len());
            let (line_start, _) = self.line_range(first);
            return Ok(Box::new(MietteSpanContents::new_named(
                name,
                &bytes[from..to],
                SourceSpan::new(from.into(), to - from),
                context_first,
                if before == 0 { start - line_start } else { 0 },
                context_last - context_first + 1,
            )));
        }
        // A long line: only a window of the problem's own line, no context.
        let (line_start, line_end) = self.line_range(first);
        let from = floor_char(text, start.saturating_sub(WINDOW_BEFORE).max(line_start));
        let to = ceil_char(
            text,
            (start + span.len().min(WINDOW_SPAN) + WINDOW_SPAN)
                .min(line_end)
                .max(from),
        );
        Ok(Box::new(MietteSpanContents::new_named(
            name,
            &bytes[from..to],
            SourceSpan::new(from.into(), to - from),
            first,
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
            message: clean_text(&message.into(), MAX_MESSAGE),
            help: None,
            src: Some(src.into()),
            span: Some(span.into()),
            label: clean_text(&label.into(), 100),
        }
    }

    /// A problem with no place (a missing file, say).
    pub fn general(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: clean_text(&message.into(), MAX_MESSAGE),
            help: None,
            src: None,
            span: None,
            label: String::new(),
        }
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(clean_text(&help.into(), MAX_MESSAGE));
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
#[error("{} in {}; nothing was changed", count(.problems.len()), self.files())]
#[diagnostic(code(vaultform::manifest::invalid))]
pub struct ManifestError {
    /// The manifest's path.
    pub manifest: String,
    /// The problems, in file order.
    #[related]
    pub problems: Vec<Problem>,
}

impl ManifestError {
    /// The files the problems are in: the policy file when all are in one
    /// (so the header names it, not `vault.toml`), else the manifest, plus
    /// how many other files.
    fn files(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for p in &self.problems {
            let name = p
                .src
                .as_ref()
                .map(SourceFile::name)
                .unwrap_or(&self.manifest);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        match names.as_slice() {
            [] => self.manifest.clone(),
            [one] => one.to_string(),
            [first, rest @ ..] => format!(
                "{first} and {} other file{}",
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 problem".to_string()
    } else {
        format!("{n} problems")
    }
}

/// One-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_values_keep_every_offset_and_line() {
        let text = "a = 1\npw = \"s3cr\u{e9}t\"\nml = '''\nx\ny'''\nn = 42\nb = 2\n";
        let spans: Vec<Range<usize>> = ["\"s3cr\u{e9}t\"", "'''\nx\ny'''", "42"]
            .iter()
            .map(|v| {
                let i = text.find(v).expect("in the text");
                i..i + v.len()
            })
            .collect();
        let m = mask(text, &spans);
        assert_eq!(m.len(), text.len());
        assert_eq!(
            m,
            "a = 1\npw = \"*******\"\nml = '''\n*\n*'''\nn = **\nb = 2\n"
        );
    }
}
