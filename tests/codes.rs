//! The list of diagnostic codes, `docs/diagnostic-codes.md`, against the source.
//!
//! Every occurrence of `vaultform::<area>::<name>` in `src/**/*.rs` (a string literal, a
//! `#[diagnostic(code(...))]` attribute, a `miette!(code = ...)`, a doc comment) is a code,
//! except Rust paths: one followed by `::`, `(`, `!` or `<`, one on a `use` line, and one
//! whose area is a module of the crate that has no codes (`NOT_AREAS`). The codes listed are
//! the backticked first column of the document's tables. Checked: every code used is listed
//! (under the `## <area>` section of its area), every listed code is used, none is listed
//! twice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository root.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The document, relative to the root.
const DOC: &str = "docs/diagnostic-codes.md";

/// Modules of the crate that report no diagnostics of their own: `vaultform::kinds::x` in a
/// doc comment is a path, not a code.
const NOT_AREAS: &[&str] = &[
    "diag",
    "duration",
    "files",
    "kinds",
    "live",
    "metrics",
    "model",
    "names",
    "ownership",
    "pipeline",
    "plan",
    "render",
    "secret",
];

/// A code found in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Used {
    code: String,
    /// The file, relative to the root (`src/lock.rs`).
    file: String,
    /// 1-based.
    line: usize,
}

/// A code listed in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Listed {
    code: String,
    /// 1-based line of its row.
    line: usize,
    /// The `## ` heading above the row.
    section: String,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// One segment of a code: a lower-case letter, then lower-case letters, digits and `_`
/// (`not_kv2`). Returns the segment's end, or `None`.
fn segment(bytes: &[u8], start: usize) -> Option<usize> {
    if !bytes.get(start).is_some_and(u8::is_ascii_lowercase) {
        return None;
    }
    let mut end = start + 1;
    while bytes
        .get(end)
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
    {
        end += 1;
    }
    Some(end)
}

/// The codes in one source text, with their 1-based lines, in order.
fn codes_in(text: &str) -> Vec<(String, usize)> {
    const PREFIX: &str = "vaultform::";
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("use ") || trimmed.starts_with("pub use ") {
            continue;
        }
        let bytes = line.as_bytes();
        let mut from = 0;
        while let Some(found) = line[from..].find(PREFIX) {
            let start = from + found;
            from = start + PREFIX.len();
            // `my_vaultform::` or `x::vaultform::` is another path.
            if start > 0 && (is_ident(bytes[start - 1]) || bytes[start - 1] == b':') {
                continue;
            }
            let area_start = start + PREFIX.len();
            let Some(area_end) = segment(bytes, area_start) else {
                continue;
            };
            if !line[area_end..].starts_with("::") {
                continue;
            }
            let Some(end) = segment(bytes, area_end + 2) else {
                continue;
            };
            let rest = &line[end..];
            let next = rest.as_bytes().first().copied();
            // Upper case or more segments: a Rust path (or not this pattern at all).
            if next.is_some_and(is_ident)
                || rest.starts_with("::")
                || matches!(next, Some(b'(' | b'!' | b'<'))
            {
                continue;
            }
            if NOT_AREAS.contains(&&line[area_start..area_end]) {
                continue;
            }
            out.push((line[start..end].to_string(), i + 1));
            from = end;
        }
    }
    out
}

/// The codes listed in the document: the first cell of each table row, backticked. Rows whose
/// first cell is not a single backticked code are returned as problems.
fn listed_in(doc: &str) -> (Vec<Listed>, Vec<String>) {
    let mut listed = Vec::new();
    let mut problems = Vec::new();
    let mut section = String::new();
    for (i, line) in doc.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix("## ") {
            section = heading.trim().to_string();
            continue;
        }
        let Some(row) = trimmed.strip_prefix('|') else {
            continue;
        };
        let first = row.split('|').next().unwrap_or("").trim();
        if first == "code" || (!first.is_empty() && first.chars().all(|c| "-: ".contains(c))) {
            continue; // header or separator
        }
        match first
            .strip_prefix('`')
            .and_then(|c| c.strip_suffix('`'))
            .filter(|c| !c.contains('`'))
        {
            Some(code) => listed.push(Listed {
                code: code.to_string(),
                line: line_no,
                section: section.clone(),
            }),
            None => problems.push(format!(
                "{DOC}:{line_no}: the first column of a table row must be one backticked code \
                 (`vaultform::<area>::<name>`), found `{first}`; fix or remove the row"
            )),
        }
    }
    (listed, problems)
}

/// The area of a code: `manifest` of `vaultform::manifest::unknown_key`.
fn area(code: &str) -> &str {
    code.split("::").nth(1).unwrap_or("")
}

/// Everything that disagrees between the codes used and the codes listed, one message each,
/// saying what to add or remove.
fn compare(used: &[Used], listed: &[Listed]) -> Vec<String> {
    let mut problems = Vec::new();
    // Where each code is used, in order of appearance.
    let mut uses: BTreeMap<&str, Vec<&Used>> = BTreeMap::new();
    for u in used {
        uses.entry(u.code.as_str()).or_default().push(u);
    }
    let mut rows: BTreeMap<&str, Vec<&Listed>> = BTreeMap::new();
    for l in listed {
        rows.entry(l.code.as_str()).or_default().push(l);
    }
    let sections: BTreeSet<&str> = listed.iter().map(|l| l.section.as_str()).collect();
    for (code, at) in &uses {
        if rows.contains_key(code) {
            continue;
        }
        let places: Vec<String> = at
            .iter()
            .map(|u| format!("{}:{}", u.file, u.line))
            .collect();
        let area = area(code);
        let under = if sections.contains(area) {
            format!("under `## {area}`")
        } else {
            format!("in a new section `## {area}` (with a `| code | when | fix |` table)")
        };
        problems.push(format!(
            "missing: `{code}` is used in {} but not listed; add the row \
             | `{code}` | <when> | <fix> | {under} in {DOC}",
            places.join(", ")
        ));
    }
    for (code, at) in &rows {
        if !uses.contains_key(code) {
            problems.push(format!(
                "stale: remove the row of `{code}` ({DOC}:{}); no file under src/ uses it",
                at[0].line
            ));
        }
        if at.len() > 1 {
            let lines: Vec<String> = at.iter().map(|l| l.line.to_string()).collect();
            problems.push(format!(
                "duplicate: `{code}` is listed {} times ({DOC} lines {}); remove all rows but one",
                at.len(),
                lines.join(", ")
            ));
        }
        for l in at {
            if l.section != area(code) {
                problems.push(format!(
                    "misplaced: move the row of `{code}` ({DOC}:{}) from `## {}` to `## {}`",
                    l.line,
                    l.section,
                    area(code)
                ));
            }
        }
    }
    problems
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The codes used under `src/`.
fn used_in_source() -> Vec<Used> {
    let root = Path::new(ROOT);
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut used = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let file = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        for (code, line) in codes_in(&text) {
            used.push(Used {
                code,
                file: file.clone(),
                line,
            });
        }
    }
    used
}

#[test]
fn every_code_is_listed_once_and_every_listed_code_is_used() {
    let used = used_in_source();
    assert!(
        !used.is_empty(),
        "no code found under src/: the scanner is broken"
    );
    let doc = std::fs::read_to_string(Path::new(ROOT).join(DOC))
        .unwrap_or_else(|e| panic!("read {DOC}: {e}"));
    let (listed, mut problems) = listed_in(&doc);
    problems.extend(compare(&used, &listed));
    assert!(
        problems.is_empty(),
        "{DOC} and src/ disagree ({} problem(s)):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn scanner_finds_codes_and_skips_paths() {
    let text = r#"
/// Stable code, e.g. `vaultform::manifest::unknown_key`.
#[diagnostic(code(vaultform::apply::failed))]
    miette!(code = "vaultform::cli::x", "...");
        "vaultform::manifest::not_kv2", "vaultform::policy::syntax",
use vaultform::cli::{self, Cli};
use vaultform::cli::run;
/// See [`vaultform::kinds::registry`] and `vaultform::model::desired::Desired`.
    vaultform::cli::run(cli);
    vaultform::manifest::Desired
    vaultform::manifest::loadX
    my_vaultform::apply::failed
"#;
    let found = codes_in(text);
    assert_eq!(
        found,
        vec![
            ("vaultform::manifest::unknown_key".to_string(), 2),
            ("vaultform::apply::failed".to_string(), 3),
            ("vaultform::cli::x".to_string(), 4),
            ("vaultform::manifest::not_kv2".to_string(), 5),
            ("vaultform::policy::syntax".to_string(), 5),
        ]
    );
}

#[test]
fn compare_reports_missing_stale_duplicate_and_misplaced_codes() {
    let used: Vec<Used> = codes_in(
        "\"vaultform::vault::sealed\"\n#[diagnostic(code(vaultform::lock::held))]\n\
         code = \"vaultform::manifest::unknown_key\",\n",
    )
    .into_iter()
    .map(|(code, line)| Used {
        code,
        file: "src/x.rs".into(),
        line,
    })
    .collect();
    let doc = "\
# Codes

## vault

| code | when | fix |
|---|---|---|
| `vaultform::vault::sealed` | sealed | unseal |
| `vaultform::vault::gone` | never | - |

## manifest

| code | when | fix |
|:--|--|--|
| `vaultform::manifest::unknown_key` | a | b |
| `vaultform::manifest::unknown_key` | a | b |
| `vaultform::vault::sealed` | listed again, under the wrong area | - |
| vaultform::manifest::bare | not backticked | - |
";
    let (listed, bad_rows) = listed_in(doc);
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert_eq!(bad_rows.len(), 1, "{bad_rows:?}");
    assert!(bad_rows[0].contains(":17:"), "{bad_rows:?}");

    let problems = compare(&used, &listed);
    let has = |start: &str, needle: &str| {
        problems
            .iter()
            .any(|p| p.starts_with(start) && p.contains(needle))
    };
    // Used, not listed: names the file and the section to add it under.
    assert!(
        has(
            "missing: `vaultform::lock::held` is used in src/x.rs:2 but not listed",
            "add the row | `vaultform::lock::held` | <when> | <fix> | in a new section `## lock`"
        ),
        "{problems:#?}"
    );
    // Listed, not used.
    assert!(
        has(
            "stale: remove the row of `vaultform::vault::gone`",
            "diagnostic-codes.md:8"
        ),
        "{problems:#?}"
    );
    // Listed twice.
    assert!(
        has(
            "duplicate: `vaultform::manifest::unknown_key` is listed 2 times",
            "lines 14, 15"
        ),
        "{problems:#?}"
    );
    assert!(
        has("duplicate: `vaultform::vault::sealed`", "lines 7, 16"),
        "{problems:#?}"
    );
    // Under another area's heading.
    assert!(
        has(
            "misplaced: move the row of `vaultform::vault::sealed`",
            "from `## manifest` to `## vault`"
        ),
        "{problems:#?}"
    );
    assert_eq!(problems.len(), 5, "{problems:#?}");

    // The same inputs in agreement: nothing to report.
    let fixed: Vec<Listed> = used
        .iter()
        .map(|u| Listed {
            code: u.code.clone(),
            line: u.line,
            section: area(&u.code).to_string(),
        })
        .collect();
    assert_eq!(compare(&used, &fixed), Vec::<String>::new());
}
