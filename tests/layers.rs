//! The crate's top-level modules are layered one way: a module may only use
//! modules of a strictly lower rank in [`RANKS`]. A module that `src/lib.rs`
//! declares must have a rank here.
//!
//! Uses are found by reading the source, not by compiling it: every
//! `crate::<x>` path (including `use crate::{a, b::{c, d}}` groups over
//! several lines) and every `super::…::<x>` path that climbs to the crate root
//! (`super::x` in `src/<m>.rs` or `src/<m>/mod.rs`). Comments, string and
//! character literals do not count; `mod tests { … }` blocks and files named
//! `tests.rs` are skipped. Other `#[cfg(test)]` code counts.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Each top-level module and its rank. A module may only use modules of a
/// strictly lower rank.
const RANKS: &[(&str, u32)] = &[
    ("duration", 0),
    ("files", 0),
    ("secret", 0),
    ("names", 0),
    ("toml_tree", 0),
    ("diag", 1),
    ("model", 2),
    ("vault", 3),
    ("kinds", 4),
    ("ownership", 5),
    ("lock", 5),
    ("manifest", 6),
    ("live", 6),
    ("plan", 6),
    ("render", 6),
    ("metrics", 6),
    ("bootstrap", 6),
    ("consumer", 6),
    ("apply", 7),
    ("planfile", 7),
    ("import", 7),
    ("pipeline", 8),
    ("cli", 9),
];

/// One use of a higher- or same-ranked module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    /// The file, relative to the crate root, with `/` separators.
    file: String,
    module: String,
    rank: u32,
    used: String,
    used_rank: u32,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} (rank {}) uses {} (rank {})",
            self.file, self.module, self.rank, self.used, self.used_rank
        )
    }
}

/// `src` with comments, string literals and character literals replaced by
/// spaces (newlines kept, so line numbers stay right).
fn blank_comments_and_literals(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            // Block comments nest.
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if let Some((quote, hashes)) = raw_string_start(&c, i) {
            // r"…", r#"…"#, br"…", cr"…": no escapes, ends at `"` + the same hashes.
            let mut end = quote + 1;
            while end < c.len() {
                if c[end] == '"' && (1..=hashes).all(|h| c.get(end + h) == Some(&'#')) {
                    end += hashes + 1;
                    break;
                }
                end += 1;
            }
            let end = end.min(c.len());
            for &x in &c[i..end] {
                blank(&mut out, x);
            }
            i = end;
        } else if ch == '"' {
            blank(&mut out, ch);
            i += 1;
            while i < c.len() {
                let x = c[i];
                if x == '\\' {
                    blank(&mut out, x);
                    if let Some(&y) = c.get(i + 1) {
                        blank(&mut out, y);
                    }
                    i += 2;
                    continue;
                }
                blank(&mut out, x);
                i += 1;
                if x == '"' {
                    break;
                }
            }
        } else if ch == '\'' {
            // A character literal ('x', '\n', '\'', '\u{..}'), else a lifetime or label.
            let end = if next == Some('\\') {
                (i + 3..c.len()).find(|&j| c[j] == '\'').map(|j| j + 1)
            } else if next.is_some() && next != Some('\n') && c.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &x in &c[i..end] {
                        blank(&mut out, x);
                    }
                    i = end;
                }
                None => {
                    out.push(ch);
                    i += 1;
                }
            }
        } else {
            out.push(ch);
            i += 1;
        }
    }
    out
}

fn is_ident_char(ch: char) -> bool {
    ch == '_' || ch.is_alphanumeric()
}

/// If a raw string literal starts at `i`: the index of its opening quote and
/// its number of `#`s.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    if i > 0 && is_ident_char(c[i - 1]) {
        return None;
    }
    let mut j = i;
    if matches!(c.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some((j, hashes))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// Tokens of blanked source, each with its 1-based line.
fn tokenize(code: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_digit() {
            // A number, with its suffix: not a name.
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
        } else if is_ident_char(ch) {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            toks.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            toks.push((Tok::PathSep, line));
            i += 2;
        } else {
            toks.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    toks
}

fn is_ident(tok: Option<&(Tok, usize)>, name: &str) -> bool {
    matches!(tok, Some((Tok::Ident(n), _)) if n == name)
}

fn is_punct(tok: Option<&(Tok, usize)>, ch: char) -> bool {
    matches!(tok, Some((Tok::Punct(p), _)) if *p == ch)
}

fn is_path_sep(tok: Option<&(Tok, usize)>) -> bool {
    matches!(tok, Some((Tok::PathSep, _)))
}

/// The index of the `}` that closes the `{` at `open` (or the end).
fn matching_brace(toks: &[(Tok, usize)], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, tok) in toks.iter().enumerate().skip(open) {
        if is_punct(Some(tok), '{') {
            depth += 1;
        } else if is_punct(Some(tok), '}') {
            depth -= 1;
            if depth == 0 {
                return j;
            }
        }
    }
    toks.len()
}

/// The first name of each item of the use group whose `{` is at `open`
/// (items that are groups themselves are looked into), with its line.
fn group_heads(toks: &[(Tok, usize)], open: usize, heads: &mut Vec<(String, usize)>) {
    let close = matching_brace(toks, open);
    let mut item_start = true;
    let mut j = open + 1;
    while j < close {
        match &toks[j] {
            (Tok::Punct(','), _) => {
                item_start = true;
                j += 1;
                continue;
            }
            (Tok::Punct('{'), _) => {
                if item_start {
                    group_heads(toks, j, heads);
                }
                j = matching_brace(toks, j) + 1;
            }
            (Tok::Ident(name), line) => {
                if item_start && name != "self" {
                    heads.push((name.clone(), *line));
                }
                j += 1;
            }
            _ => j += 1,
        }
        item_start = false;
    }
}

/// The names (with lines) that the path tree after the crate root's `::` at
/// `sep` starts with: `x` of `::x::…`, or `a`, `b` of `::{a, b::c}`.
fn root_heads(toks: &[(Tok, usize)], sep: usize, heads: &mut Vec<(String, usize)>) {
    match toks.get(sep + 1) {
        Some((Tok::Ident(name), line)) if name != "self" => heads.push((name.clone(), *line)),
        Some((Tok::Punct('{'), _)) => group_heads(toks, sep + 1, heads),
        _ => {}
    }
}

/// The first path segments after the crate root in the file at `path`
/// (relative to the crate root, e.g. `src/cli/plan.rs`), with their lines.
fn crate_root_uses(path: &str, src: &str) -> Vec<(String, usize)> {
    let parts: Vec<&str> = path.trim_start_matches("src/").split('/').collect();
    // How many `super`s reach the crate root from the file's own module.
    let file_depth = if parts.last() == Some(&"mod.rs") {
        parts.len() - 1
    } else {
        parts.len()
    };
    let toks = tokenize(&blank_comments_and_literals(src));
    let mut heads = Vec::new();
    // For each open `{`: whether it opened an inline `mod x { … }`.
    let mut braces: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let depth = file_depth + braces.iter().filter(|&&m| m).count();
        let prev_is_sep = i > 0 && is_path_sep(toks.get(i - 1));
        match &toks[i].0 {
            Tok::Ident(kw)
                if kw == "mod"
                    && is_ident(toks.get(i + 1), "tests")
                    && is_punct(toks.get(i + 2), '{') =>
            {
                i = matching_brace(&toks, i + 2) + 1;
                continue;
            }
            Tok::Punct('{') => {
                let inline_mod = i >= 2
                    && is_ident(toks.get(i - 2), "mod")
                    && matches!(toks.get(i - 1), Some((Tok::Ident(_), _)));
                braces.push(inline_mod);
            }
            Tok::Punct('}') => {
                braces.pop();
            }
            Tok::Ident(kw) if kw == "crate" && !prev_is_sep && is_path_sep(toks.get(i + 1)) => {
                root_heads(&toks, i + 1, &mut heads);
            }
            Tok::Ident(kw) if kw == "super" && !prev_is_sep => {
                let mut supers = 0;
                let mut j = i;
                while is_ident(toks.get(j), "super") && is_path_sep(toks.get(j + 1)) {
                    supers += 1;
                    j += 2;
                }
                if supers > 0 && supers == depth {
                    root_heads(&toks, j - 1, &mut heads);
                }
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// The modules that `src/lib.rs` declares (`mod x;` or `mod x { … }` at its top level).
fn declared_modules(lib_rs: &str) -> Vec<String> {
    let toks = tokenize(&blank_comments_and_literals(lib_rs));
    let mut depth = 0usize;
    let mut modules = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        match &tok.0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Ident(kw) if kw == "mod" && depth == 0 => {
                if let Some((Tok::Ident(name), _)) = toks.get(i + 1) {
                    if is_punct(toks.get(i + 2), ';') || is_punct(toks.get(i + 2), '{') {
                        modules.push(name.clone());
                    }
                }
            }
            _ => {}
        }
    }
    modules
}

/// The declared modules that have no rank.
fn unranked(declared: &[String], ranks: &[(&str, u32)]) -> Vec<String> {
    declared
        .iter()
        .filter(|m| !ranks.iter().any(|(r, _)| r == m))
        .cloned()
        .collect()
}

/// The top-level module of a file under `src/`: `src/<m>.rs` or `src/<m>/…`.
fn top_module(path: &str) -> Option<String> {
    let rest = path.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    Some(first.strip_suffix(".rs").unwrap_or(first).to_string())
}

/// Every use, in `files` (path relative to the crate root, text), of a module
/// whose rank is not strictly lower than the using module's: one per file and
/// used module, sorted. Files named `tests.rs` and modules without a rank are
/// not checked.
fn violations(files: &[(String, String)], ranks: &[(&str, u32)]) -> Vec<Violation> {
    let rank_of: BTreeMap<&str, u32> = ranks.iter().copied().collect();
    let mut found = BTreeSet::new();
    for (path, src) in files {
        if path.rsplit('/').next() == Some("tests.rs") {
            continue;
        }
        let Some(module) = top_module(path) else {
            continue;
        };
        let Some(&rank) = rank_of.get(module.as_str()) else {
            continue;
        };
        for (used, _line) in crate_root_uses(path, src) {
            let Some(&used_rank) = rank_of.get(used.as_str()) else {
                continue;
            };
            if used != module && used_rank >= rank {
                found.insert(Violation {
                    file: path.clone(),
                    module: module.clone(),
                    rank,
                    used,
                    used_rank,
                });
            }
        }
    }
    found.into_iter().collect()
}

/// Every `.rs` file under `dir`, recursively, as (path relative to `root`, text).
fn collect_rs(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_rs(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            read_into(root, &path, out);
        }
    }
}

fn read_into(root: &Path, path: &Path, out: &mut Vec<(String, String)>) {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let rel = path
        .strip_prefix(root)
        .expect("a path under the crate root");
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    out.push((rel, text));
}

#[test]
fn top_level_modules_are_layered() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).expect("reading src/lib.rs");
    let declared = declared_modules(&lib);
    assert!(
        !declared.is_empty(),
        "no `mod` declarations found in src/lib.rs"
    );

    let missing = unranked(&declared, RANKS);
    assert!(
        missing.is_empty(),
        "src/lib.rs declares modules without a rank; place them in RANKS in tests/layers.rs: {}",
        missing.join(", ")
    );
    for (m, _) in RANKS {
        if !declared.iter().any(|d| d == m) {
            eprintln!("note: RANKS names `{m}`, which src/lib.rs does not declare");
        }
    }

    let mut files = Vec::new();
    for m in &declared {
        let file = src.join(format!("{m}.rs"));
        if file.is_file() {
            read_into(root, &file, &mut files);
        }
        let dir = src.join(m);
        if dir.is_dir() {
            collect_rs(root, &dir, &mut files);
        }
    }
    assert!(!files.is_empty(), "no module files found under src/");

    let found = violations(&files, RANKS);
    assert!(
        found.is_empty(),
        "{} use(s) of a module of the same or a higher rank (a module may only use strictly \
         lower-ranked modules; ranks are in tests/layers.rs):\n{}",
        found.len(),
        found
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

#[test]
fn scanner_reports_only_the_violation() {
    let files = files(&[
        // Allowed: model (2) uses diag (1).
        ("src/model/mod.rs", "use crate::diag::Diagnostic;\n"),
        // Violation: vault (3) uses kinds (4).
        (
            "src/vault/mod.rs",
            "pub fn f() -> crate::kinds::Kind { todo!() }\n",
        ),
    ]);
    let found = violations(&files, RANKS);
    let shown: Vec<String> = found.iter().map(|v| v.to_string()).collect();
    assert_eq!(
        shown,
        ["src/vault/mod.rs: vault (rank 3) uses kinds (rank 4)"]
    );
}

#[test]
fn scanner_rules() {
    let files = files(&[
        // Nested groups over several lines: model (2) uses names, diag (fine) and vault, cli (not).
        (
            "src/model/address.rs",
            "use crate::{\n    diag::Diagnostic,\n    names::{self, Name},\n    {vault::Client, cli::{Args}},\n};\n",
        ),
        // Comments, doc comments and string literals do not count; `mod tests` does not.
        (
            "src/secret.rs",
            "//! See [`crate::cli`].\n/// Uses crate::apply.\nfn f() { /* crate::plan */ let _ = \"crate::pipeline // \"; let _ = r#\"crate::lock\"#; let _ = '{'; }\n// crate::render\n#[cfg(test)]\nmod tests {\n    use crate::kinds;\n}\n",
        ),
        // `super::x` in a top-level file is the crate root; other #[cfg(test)] code counts.
        (
            "src/diag.rs",
            "use super::model::X;\n#[cfg(test)]\nfn helper() { super::duration::f(); }\n",
        ),
        // In `src/kinds/auth/kind.rs`, `super::vault` is `kinds::auth::vault`...
        (
            "src/kinds/auth/kind.rs",
            "use super::vault::read;\nuse super::super::diag;\n",
        ),
        // ...and `super::super::super::x` reaches the crate root.
        (
            "src/kinds/auth/vault.rs",
            "use super::super::super::ownership::Record;\n",
        ),
        // In a `mod.rs`, one `super` is the crate root.
        ("src/vault/mod.rs", "use super::{lock, names};\n"),
        // Same rank counts; a module using itself does not; `tests.rs` files are skipped.
        (
            "src/apply.rs",
            "use crate::planfile::P;\nuse crate::apply::x;\n",
        ),
        ("src/plan/tests.rs", "use crate::cli;\n"),
        // An inline module adds one level for `super`.
        (
            "src/render/human.rs",
            "mod inner { use super::super::super::cli; }\n",
        ),
    ]);
    let shown: Vec<String> = violations(&files, RANKS)
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(
        shown,
        [
            "src/apply.rs: apply (rank 7) uses planfile (rank 7)",
            "src/diag.rs: diag (rank 1) uses model (rank 2)",
            "src/kinds/auth/vault.rs: kinds (rank 4) uses ownership (rank 5)",
            "src/model/address.rs: model (rank 2) uses cli (rank 9)",
            "src/model/address.rs: model (rank 2) uses vault (rank 3)",
            "src/render/human.rs: render (rank 6) uses cli (rank 9)",
            "src/vault/mod.rs: vault (rank 3) uses lock (rank 5)",
        ]
    );
}

#[test]
fn unranked_modules_are_named() {
    let lib = "//! mod ignored;\n#![warn(x)]\npub mod apply;\nmod extra;\n#[cfg(test)]\nmod inline { mod inner; }\n";
    let declared = declared_modules(lib);
    assert_eq!(declared, ["apply", "extra", "inline"]);
    assert_eq!(unranked(&declared, RANKS), ["extra", "inline"]);
}
