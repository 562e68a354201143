//! The manifest's `env_file`: dotenv `KEY=value` lines, parsed by `dotenvy`.
//!
//! dotenvy's errors quote the line they failed on, and that line holds a
//! value, so they are never shown: a line that does not parse is reported by
//! line, column and a reason from a fixed list. Pure; the caller reads the file.

use std::collections::BTreeMap;

/// Where and why an env file does not parse. Holds no text from the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvFileError {
    /// One-based line.
    pub line: usize,
    /// One-based column, in characters.
    pub column: usize,
    /// What is wrong, from a fixed list.
    pub reason: &'static str,
}

/// Parses the text of an env file into its variables.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, EnvFileError> {
    let mut out = BTreeMap::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((k, v)) => {
                out.insert(k, v);
            }
            Err(_) => return Err(locate(text)),
        }
    }
    Ok(out)
}

/// One logical line: a physical line, or several when a quoted value spans
/// newlines. `open_quote` is where an unterminated quote starts.
struct Logical {
    start: usize,
    end: usize,
    open_quote: Option<usize>,
}

/// Splits `text` into logical lines the way dotenv quoting works: a newline
/// inside `"..."` or `'...'` continues the value; `#` after whitespace (or at
/// the start of a line) starts a comment in which quotes do not count; `\`
/// escapes the next character.
fn logical_lines(text: &str) -> Vec<Logical> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Plain,
        AfterSpace,
        Comment,
        Weak,
        Strong,
    }
    let mut out = Vec::new();
    let mut state = State::AfterSpace;
    let mut escaped = false;
    let mut start = 0;
    let mut quote_at = 0;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (state, c) {
            (State::Weak | State::Strong, '\\') => escaped = true,
            (State::Weak, '"') | (State::Strong, '\'') => state = State::Plain,
            (State::Weak | State::Strong, _) => {}
            (_, '\n') => {
                out.push(Logical {
                    start,
                    end: i,
                    open_quote: None,
                });
                start = i + 1;
                state = State::AfterSpace;
            }
            (State::Comment, _) => {}
            (State::AfterSpace, '#') => state = State::Comment,
            (_, '\\') => {
                escaped = true;
                state = State::Plain;
            }
            (_, '"') => {
                quote_at = i;
                state = State::Weak;
            }
            (_, '\'') => {
                quote_at = i;
                state = State::Strong;
            }
            (_, ' ' | '\t' | '\r') => state = State::AfterSpace,
            _ => state = State::Plain,
        }
    }
    if start < text.len() || matches!(state, State::Weak | State::Strong) {
        out.push(Logical {
            start,
            end: text.len(),
            open_quote: matches!(state, State::Weak | State::Strong).then_some(quote_at),
        });
    }
    out
}

/// Finds the first logical line that does not parse on its own, and a reason.
fn locate(text: &str) -> EnvFileError {
    let at = |offset: usize, reason| {
        let before = &text[..offset.min(text.len())];
        EnvFileError {
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            reason,
        }
    };
    for l in logical_lines(text) {
        if let Some(q) = l.open_quote {
            return at(q, "a quote that is never closed");
        }
        let line = &text[l.start..l.end];
        let Some(Err(err)) = dotenvy::from_read_iter(line.as_bytes()).find(Result::is_err) else {
            continue;
        };
        let (offset, reason) = match err {
            dotenvy::Error::LineParse(part, index) => {
                // `part` is the line or its value; `index` counts characters in it.
                let base = line.rfind(part.as_str()).unwrap_or(0);
                let within = part
                    .char_indices()
                    .nth(index)
                    .map_or(part.len(), |(b, _)| b);
                let pos = (base + within).min(line.len());
                let prev = line[..pos].chars().next_back();
                let here = line[pos..].chars().next();
                let reason = if prev == Some('\\') {
                    "an unknown escape sequence (use \\\\, \\\", \\', \\$, \\n or quote the value)"
                } else if matches!(here, Some(' ' | '\t')) || line[..pos].ends_with([' ', '\t']) {
                    "whitespace in an unquoted value (quote the value)"
                } else if line.contains("${") {
                    "a `${` substitution that is never closed"
                } else if !line.contains('=') {
                    "no `=` (write KEY=value)"
                } else {
                    "not a valid KEY=value line"
                };
                (l.start + pos, reason)
            }
            _ => (l.start, "not a valid KEY=value line"),
        };
        return at(offset, reason);
    }
    at(0, "not a valid env file")
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "S3cr3t";

    #[test]
    fn good_files_parse() {
        let vars = parse("# c\nA=1\nexport B='x y'\nC=\"multi\nline\"\nD=v # note it's\n").unwrap();
        assert_eq!(vars["A"], "1");
        assert_eq!(vars["B"], "x y");
        assert_eq!(vars["C"], "multi\nline");
        assert_eq!(vars["D"], "v");
    }

    #[test]
    fn every_malformed_line_is_located_and_never_quoted() {
        // The cases of issue 9, item 2, each after a good first line.
        let cases = [
            (format!("DB_PASSWORD={VALUE} Pa55"), 2, 20, "whitespace"),
            (format!("DB_PASSWORD=\"{VALUE}"), 2, 13, "never closed"),
            (format!("DB_PASSWORD='a'{VALUE}'"), 2, 22, "never closed"),
            (format!("DB_PASSWORD={VALUE}\\q"), 2, 20, "escape"),
            (format!("DB_PASSWORD=${{x{VALUE}"), 2, 0, "substitution"),
            (format!("DB_PASSWORD {VALUE}"), 2, 0, ""),
        ];
        for (line, want_line, want_col, reason) in cases {
            let text = format!("OK=1\n{line}\nAFTER=2\n");
            let err = parse(&text).expect_err(&line);
            assert_eq!(err.line, want_line, "{line}: {err:?}");
            if want_col > 0 {
                assert_eq!(err.column, want_col, "{line}: {err:?}");
            }
            assert!(err.reason.contains(reason), "{line}: {err:?}");
            assert!(!format!("{err:?}").contains(VALUE));
        }
    }
}
