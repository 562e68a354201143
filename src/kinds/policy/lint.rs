//! Offline checks of ACL policy files, HCL or JSON: syntax (with line and
//! column) and the rules the server applies when a policy is written, as
//! measured on OpenBao 2.7.2 (top-level keys `path` and `name`; the keys of a
//! path block; capabilities; the legacy `policy = "read"` form, accepted with
//! a deprecation warning; wrapping TTLs; parameter maps). A differential test
//! (`tests/policy_parity.rs`) gives the same texts to the server.
//!
//! The server's lenient readings are followed, as measured with
//! `sys/capabilities`: `path { ... }` is the rule for the path `path`,
//! `path "a" "b" { ... }` the rule for `a`, a key set twice in one block adds
//! up, JSON that ends before its objects close is read as if they did, and
//! what follows the first JSON value is ignored, and (HCL 1) items may be
//! separated by a comma, a space or nothing on one line, and a JSON text cut
//! off after a key's `:` loses that key.

use crate::diag::{LazySource, Problem, SourceFile};
use hcl::edit::Span as _;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{BlockLabel, Structure};
use std::collections::BTreeMap;

/// Deepest bracket nesting accepted in a policy file (real policies use 3).
pub const MAX_DEPTH: usize = 32;

/// Where nesting of `{`, `[` and `(` first exceeds [`MAX_DEPTH`], counting
/// every bracket (inside strings too: deliberately conservative).
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Capabilities OpenBao 2.7.2 accepts (measured: `subscribe`, `recover` and
/// `root` are refused with `invalid capability`).
pub const CAPABILITIES: &[&str] = &[
    "create", "read", "update", "patch", "delete", "list", "sudo", "deny", "scan",
];

/// Keys the server accepts in a path block (measured on OpenBao 2.7.2).
pub const PATH_KEYS: &[&str] = &[
    "capabilities",
    "policy",
    "comment",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "mfa_methods",
    "control_group",
    "pagination_limit",
    "list_scan_response_keys_filter_path",
];

/// The legacy `policy = "..."` values and the capabilities the server gives
/// them (`""` is accepted and grants nothing).
pub const LEGACY_POLICIES: &[(&str, &[&str])] = &[
    ("", &[]),
    ("deny", &["deny"]),
    ("read", &["read", "list"]),
    ("write", &["create", "read", "update", "delete", "list"]),
    (
        "sudo",
        &["create", "read", "update", "delete", "list", "sudo"],
    ),
];

type Span = std::ops::Range<usize>;

/// A literal value of a policy, from HCL or JSON, with where it is.
#[derive(Debug)]
enum Node {
    Str(String),
    Num(String),
    Bool,
    Null,
    List(Vec<(Node, Span)>),
    Object(Vec<(String, Node, Span)>),
    /// An HCL expression that is not a literal (a function call, a variable,
    /// an interpolation): the server's HCL has none of these.
    Expr,
}

/// What checking a policy found: errors, and warnings (deprecated forms).
#[derive(Debug, Default)]
pub struct Lint {
    /// Errors: the server would refuse the policy.
    pub problems: Vec<Problem>,
    /// Warnings: accepted, but deprecated.
    pub warnings: Vec<String>,
}

/// Checks one policy file (HCL, or JSON when its first character is `{`):
/// whatever OpenBao accepts passes, whatever it refuses is an error at the
/// place (see `tests/policy_parity.rs`, which asks the server).
pub fn lint(src: &SourceFile, text: &str) -> Lint {
    lint_with_rules(&LazySource::from(src), text).0
}

/// [`lint`], and the policy's [`rules`] from the same parse (`None` when it
/// does not parse): loading a manifest needs both, and parsing is most of
/// the cost of either.
pub fn lint_with_rules(src: &LazySource, text: &str) -> (Lint, Option<Vec<Rule>>) {
    let mut out = Lint::default();
    if text.is_empty() {
        out.problems.push(
            Problem::at(
                "vaultform::policy::empty",
                "policy file is empty",
                src,
                0..0,
                "empty",
            )
            .help("Vault rejects empty policies; add at least one path block"),
        );
        return (out, None);
    }
    // The parsers recurse once per nesting level with no limit of their own
    // (a few hundred levels overflow the stack): refuse deep nesting first.
    if let Some(at) = too_deep(text) {
        out.problems.push(
            Problem::at(
                "vaultform::policy::too_deep",
                format!("brackets are nested more than {MAX_DEPTH} levels deep"),
                src,
                at..at + 1,
                "too deep",
            )
            .help("a policy is `path \"...\" { capabilities = [...] }` blocks; check for unclosed brackets"),
        );
        return (out, None);
    }
    let top = if text.trim_start().starts_with('{') {
        json_top(src, text, &mut out)
    } else {
        simple_top(text).or_else(|| hcl_top(src, text, &mut out))
    };
    let Some(top) = top else {
        return (out, None);
    };
    let rules = rules_of(text, &top);
    let mut c = Checker { src, out: &mut out };
    c.top(top);
    (out, Some(rules))
}

/// One path rule of a policy, as the server reads it: the path as written,
/// the capabilities it grants (the legacy `policy = "..."` form expanded,
/// several `capabilities` keys merged), and the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The path glob.
    pub path: String,
    /// Capabilities, sorted.
    pub capabilities: std::collections::BTreeSet<String>,
    /// Line of the rule in its file.
    pub line: usize,
}

/// The path rules of a policy text that [`lint`] accepts (`None` when it
/// does not parse).
pub fn rules(text: &str) -> Option<Vec<Rule>> {
    let src = LazySource::new("policy", std::sync::Arc::from(text));
    let mut scratch = Lint::default();
    let top = if text.trim_start().starts_with('{') {
        json_top(&src, text, &mut scratch)?
    } else {
        match simple_top(text) {
            Some(top) => top,
            None => hcl_top(&src, text, &mut scratch)?,
        }
    };
    Some(rules_of(text, &top))
}

/// The path rules of a parsed policy (`top`, from `text`).
fn rules_of(text: &str, top: &[(String, Node, Span)]) -> Vec<Rule> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    fn walk(node: &Node, out: &mut Vec<Rule>, line_of: &dyn Fn(usize) -> usize) {
        match node {
            Node::Object(items) => {
                for (path, body, span) in items {
                    let Node::Object(keys) = body else { continue };
                    let mut caps = std::collections::BTreeSet::new();
                    for (key, value, _) in keys {
                        match (key.as_str(), value) {
                            ("capabilities", Node::List(items)) => {
                                for (item, _) in items {
                                    if let Node::Str(c) = item {
                                        caps.insert(c.clone());
                                    }
                                }
                            }
                            ("policy", Node::Str(p)) => {
                                if let Some((_, granted)) =
                                    LEGACY_POLICIES.iter().find(|(n, _)| n == p)
                                {
                                    caps.extend(granted.iter().map(|c| c.to_string()));
                                }
                            }
                            _ => {}
                        }
                    }
                    out.push(Rule {
                        path: path.clone(),
                        capabilities: caps,
                        line: line_of(span.start),
                    });
                }
            }
            Node::List(items) => {
                for (item, _) in items {
                    walk(item, out, line_of);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (key, node, _) in top {
        if key == "path" {
            walk(node, &mut out, &line_of);
        }
    }
    out
}

fn syntax(src: &LazySource, what: &str, message: String, at: usize) -> Problem {
    Problem::at(
        "vaultform::policy::syntax",
        format!("invalid {what}: {message}"),
        src,
        at..at,
        "here",
    )
    .help(format!(
        "fix the {what} syntax; see https://openbao.org/docs/concepts/policies/"
    ))
}

/// The top-level entries of the usual policy text, read without the HCL
/// parser (which costs tens of microseconds a file, thousands of files in a
/// large manifest): blocks `path "GLOB" {`, a line `capabilities = ["c",
/// ...]` and a line `}`, separated by blank lines. `None` for anything else
/// (comments, other keys, other layouts, `\r\n`, interpolation), which
/// [`hcl_top`] reads; where both read a text, they give the same entries
/// (unit tests compare them).
fn simple_top(text: &str) -> Option<Vec<(String, Node, Span)>> {
    let b = text.as_bytes();
    let mut i = 0;
    let blank = |i: &mut usize, newlines: bool| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || (newlines && b[*i] == b'\n')) {
            *i += 1;
        }
    };
    let mut entries = Vec::new();
    loop {
        blank(&mut i, true);
        if i == b.len() {
            break;
        }
        let start = i;
        if !b[i..].starts_with(b"path") {
            return None;
        }
        i += 4;
        let after = i;
        blank(&mut i, false);
        if i == after || b.get(i) != Some(&b'"') {
            return None;
        }
        i += 1;
        let label = i;
        while i < b.len() && b[i] != b'"' {
            if !(0x20..=0x7e).contains(&b[i]) || matches!(b[i], b'\\' | b'$' | b'%') {
                return None;
            }
            i += 1;
        }
        if i == b.len() || i == label {
            return None;
        }
        let label = &text[label..i];
        i += 1;
        blank(&mut i, false);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i += 1;
        blank(&mut i, false);
        if b.get(i) != Some(&b'\n') {
            return None;
        }
        blank(&mut i, true);
        let attr = i;
        if !b[i..].starts_with(b"capabilities") {
            return None;
        }
        i += "capabilities".len();
        blank(&mut i, false);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        blank(&mut i, false);
        if b.get(i) != Some(&b'[') {
            return None;
        }
        i += 1;
        let mut items = Vec::new();
        loop {
            blank(&mut i, false);
            match b.get(i) {
                Some(b']') => break,
                Some(b'"') => {}
                _ => return None,
            }
            let item = i;
            i += 1;
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
            }
            if b.get(i) != Some(&b'"') || i == item + 1 {
                return None;
            }
            i += 1;
            items.push((Node::Str(text[item + 1..i - 1].to_string()), item..i));
            blank(&mut i, false);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b']') => break,
                _ => return None,
            }
        }
        i += 1;
        let attr_end = i;
        blank(&mut i, false);
        if b.get(i) != Some(&b'\n') {
            return None;
        }
        blank(&mut i, true);
        if b.get(i) != Some(&b'}') {
            return None;
        }
        i += 1;
        let end = i;
        blank(&mut i, false);
        if i < b.len() && b[i] != b'\n' {
            return None;
        }
        let body = Node::Object(vec![(
            "capabilities".to_string(),
            Node::List(items),
            attr..attr_end,
        )]);
        let rule = Node::Object(vec![(label.to_string(), body, start..end)]);
        entries.push(("path".to_string(), rule, start..end));
    }
    if entries.is_empty() {
        return None;
    }
    Some(entries)
}

/// Top-level entries of an HCL policy: `(key, value, span)`, blocks turned
/// into nested objects (`path "x" { ... }` -> `path = { "x" = { ... } }`), as
/// the server's HCL reads them.
fn hcl_top(src: &LazySource, text: &str, out: &mut Lint) -> Option<Vec<(String, Node, Span)>> {
    let original = text;
    // The server's HCL takes a key set twice in one block (capabilities add
    // up; measured); hcl-rs refuses it. Each repeat is renamed to a unique
    // key of the same length (so spans stay true) and mapped back.
    let mut text = text.to_string();
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut fixes = 0;
    let mut ins = Inserted(Vec::new());
    let body = loop {
        match hcl::edit::parser::parse_body(&text) {
            Ok(b) => break b,
            Err(e) => {
                let offset = e.location().offset().min(text.len());
                if e.message().contains("redefined attribute")
                    && renamed.len() < 64
                    && let Some((new, original)) = rename_at(&mut text, offset, &renamed)
                {
                    renamed.insert(new, original);
                    continue;
                }
                if fixes < MAX_HCL1_FIXES && hcl1_separator(&mut text, offset, e.message()) {
                    fixes += 1;
                    continue;
                }
                // Two items with nothing between them (`["read"]comment = "x"`):
                // a newline is inserted, and spans mapped back.
                if fixes < MAX_HCL1_FIXES
                    && e.message().contains("newline")
                    && offset > 0
                    && text
                        .as_bytes()
                        .get(offset)
                        .is_some_and(|b| b.is_ascii_alphabetic())
                    && text
                        .as_bytes()
                        .get(offset - 1)
                        .is_some_and(|b| matches!(b, b']' | b'}' | b'"'))
                {
                    text.insert(offset, '\n');
                    ins.insert(offset);
                    fixes += 1;
                    continue;
                }
                // The parser can stop inside a multi-byte character.
                let mut at = ins.back(offset).min(original.len());
                while !original.is_char_boundary(at) {
                    at -= 1;
                }
                out.problems
                    .push(syntax(src, "HCL", e.message().to_string(), at));
                return None;
            }
        }
    };
    let mut entries = hcl_body(&body, &renamed, &ins);
    // `path "a" { }` is the rule for `a`; the server reads `path { }` as the
    // rule for the path `path`, and `path "a" "b" { }` as the rule for `a`
    // (measured with sys/capabilities).
    for (key, node, span) in entries.iter_mut() {
        if key != "path" {
            continue;
        }
        if let Node::Object(items) = node
            && items.iter().any(|(k, _, _)| k == "\u{0}block")
        {
            let body = std::mem::replace(node, Node::Null);
            *node = Node::Object(vec![("path".to_string(), body, span.clone())]);
        }
    }
    Some(entries)
}

/// How many HCL1 separators one policy may need read the HCL1 way.
const MAX_HCL1_FIXES: usize = 1000;

/// The server's HCL (version 1) separates the items of a block or an object
/// by a comma, a newline or nothing but a space (`path "x" { capabilities =
/// ["read"] comment = "x" }`); HCL 2 wants a newline. Where hcl-rs stops at
/// such a place, the separator is rewritten in place, keeping every offset:
/// a comma becomes a space, the space before the next item a newline.
fn hcl1_separator(text: &mut String, offset: usize, message: &str) -> bool {
    if !message.contains("newline") {
        return false;
    }
    let bytes = text.as_bytes();
    match bytes.get(offset) {
        Some(b',') => {
            text.replace_range(offset..offset + 1, " ");
            true
        }
        Some(b' ' | b'\t') => {
            text.replace_range(offset..offset + 1, "\n");
            true
        }
        // A newline put into a one-line block: HCL 2 then wants one after
        // its `{` too.
        Some(b'\n') => {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            match text[line_start..offset].rfind('{') {
                Some(i) if matches!(bytes.get(line_start + i + 1), Some(b' ' | b'\t')) => {
                    let at = line_start + i + 1;
                    text.replace_range(at..at + 1, "\n");
                    true
                }
                _ => false,
            }
        }
        _ if offset > 0 && matches!(bytes.get(offset - 1), Some(b' ' | b'\t')) => {
            text.replace_range(offset - 1..offset, "\n");
            true
        }
        _ => false,
    }
}

/// Renames the attribute key at `offset` to a unique identifier of the same
/// length: `(new, original)`.
fn rename_at(
    text: &mut String,
    offset: usize,
    taken: &BTreeMap<String, String>,
) -> Option<(String, String)> {
    let rest = text.get(offset..)?;
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let original = rest.get(..len)?.to_string();
    if !original.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    for i in 0..1000u32 {
        let tag = format!("z{i}_");
        if tag.len() >= original.len() {
            return None;
        }
        let new = format!("{tag}{}", &original[tag.len()..]);
        if !taken.contains_key(&new) && !text.contains(&new) {
            text.replace_range(offset..offset + len, &new);
            return Some((new, original));
        }
    }
    None
}

/// Maps spans of the rewritten text back to the file's (newlines inserted
/// between HCL 1 items shift what follows them).
struct Inserted(Vec<usize>);

impl Inserted {
    fn back(&self, o: usize) -> usize {
        o - self.0.iter().filter(|p| **p < o).count()
    }

    fn span(&self, s: Option<Span>) -> Span {
        let s = s.unwrap_or(0..0);
        self.back(s.start)..self.back(s.end)
    }

    fn insert(&mut self, at: usize) {
        for p in self.0.iter_mut() {
            if *p >= at {
                *p += 1;
            }
        }
        self.0.push(at);
    }
}

fn hcl_body(
    body: &hcl::edit::structure::Body,
    renamed: &BTreeMap<String, String>,
    ins: &Inserted,
) -> Vec<(String, Node, Span)> {
    let mut entries = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                let span = ins.span(a.span());
                let key = a.key.as_str();
                let key = renamed.get(key).map(String::as_str).unwrap_or(key);
                entries.push((key.to_string(), hcl_expr(&a.value, ins), span));
            }
            Structure::Block(b) => {
                let span = ins.span(b.span());
                let mut inner = hcl_body(&b.body, renamed, ins);
                if b.labels.is_empty() && b.ident.as_str() == "path" {
                    // Marks `path { ... }`, which the server reads as the rule
                    // for the path `path`.
                    inner.push(("\u{0}block".to_string(), Node::Null, span.clone()));
                }
                let mut node = Node::Object(inner);
                // Only the first label names the rule (the server ignores the others).
                if let Some(label) = b.labels.first() {
                    let key = match label {
                        BlockLabel::String(s) => s.as_str().to_string(),
                        BlockLabel::Ident(i) => i.as_str().to_string(),
                    };
                    node = Node::Object(vec![(key, node, span.clone())]);
                }
                entries.push((b.ident.as_str().to_string(), node, span));
            }
        }
    }
    entries
}

fn hcl_expr(e: &Expression, ins: &Inserted) -> Node {
    match e {
        Expression::String(s) => Node::Str(s.as_str().to_string()),
        Expression::Number(n) => Node::Num(n.to_string()),
        Expression::Bool(_) => Node::Bool,
        Expression::Null(_) => Node::Null,
        Expression::Array(items) => Node::List(
            items
                .iter()
                .map(|i| (hcl_expr(i, ins), ins.span(i.span())))
                .collect(),
        ),
        Expression::Object(o) => Node::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        hcl::edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                        hcl::edit::expr::ObjectKey::Expression(Expression::String(s)) => {
                            s.as_str().to_string()
                        }
                        hcl::edit::expr::ObjectKey::Expression(_) => String::from("\u{0}expr"),
                    };
                    (key, hcl_expr(v.expr(), ins), ins.span(v.expr().span()))
                })
                .collect(),
        ),
        Expression::HeredocTemplate(h) => match h.template.to_string() {
            t if !t.contains("${") && !t.contains("%{") => Node::Str(t),
            _ => Node::Expr,
        },
        _ => Node::Expr,
    }
}

/// A JSON policy: the same structure as HCL's (`{"path": {"x": {...}}}`, or
/// a list of such objects under `path`). Spans point at a key's first
/// occurrence in the text (serde_json keeps none).
fn json_top(src: &LazySource, text: &str, out: &mut Lint) -> Option<Vec<(String, Node, Span)>> {
    // The server's HCL reads the first JSON value and ignores what follows
    // it, and reads a text that ends before its objects are closed as if they
    // were (measured; an unclosed list is refused).
    let first = |t: &str| {
        serde_json::Deserializer::from_str(t)
            .into_iter::<serde_json::Value>()
            .next()
            .unwrap_or_else(|| serde_json::from_str::<serde_json::Value>(t))
    };
    let parsed = first(text).or_else(|e| {
        if e.classify() != serde_json::error::Category::Eof {
            return Err(e);
        }
        // A text cut off right after a key's `:` loses that key (measured:
        // accepted, the key ignored).
        let body = dangling_key_cut(text).unwrap_or_else(|| text.to_string());
        match closers(&body) {
            Some(tail) => first(&format!("{body}{tail}")).map_err(|_| e),
            None => Err(e),
        }
    });
    let value: serde_json::Value = match parsed {
        Ok(v) => v,
        Err(e) => {
            // serde's message can quote the text: give only what and where.
            let offset = line_col_offset(text, e.line(), e.column());
            out.problems.push(syntax(
                src,
                "JSON",
                format!("{:?} error", e.classify()).to_lowercase(),
                offset,
            ));
            return None;
        }
    };
    let node = json_node(&value, text, 0);
    match node {
        Node::Object(entries) => Some(entries),
        _ => {
            out.problems.push(syntax(
                src,
                "JSON",
                "the policy is not a JSON object".into(),
                0,
            ));
            None
        }
    }
}

/// `{"a": {...}, "b": ` without its dangling `, "b":`.
fn dangling_key_cut(text: &str) -> Option<String> {
    let t = text.trim_end().strip_suffix(':')?.trim_end();
    let t = t.strip_suffix('"')?;
    let start = t.rfind('"')?;
    let t = t[..start].trim_end();
    Some(t.strip_suffix(',').unwrap_or(t).to_string())
}

/// The closing brackets an unfinished JSON text needs, outside strings
/// (`None` when it is not merely unfinished).
fn closers(text: &str) -> Option<String> {
    let mut stack = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => stack.push('}'),
            '[' => stack.push(']'),
            '}' | ']' if stack.pop() != Some(c) => return None,
            _ => {}
        }
    }
    (!in_string && !stack.is_empty() && !stack.contains(&']')).then(|| stack.iter().rev().collect())
}

fn line_col_offset(text: &str, line: usize, column: usize) -> usize {
    let mut at = line_col_bytes(text, line, column);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn line_col_bytes(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

fn json_node(v: &serde_json::Value, text: &str, from: usize) -> Node {
    match v {
        serde_json::Value::String(s) => Node::Str(s.clone()),
        serde_json::Value::Number(n) => Node::Num(n.to_string()),
        serde_json::Value::Bool(_) => Node::Bool,
        serde_json::Value::Null => Node::Null,
        serde_json::Value::Array(items) => Node::List(
            items
                .iter()
                .map(|i| (json_node(i, text, from), from..from))
                .collect(),
        ),
        serde_json::Value::Object(m) => Node::Object(
            m.iter()
                .map(|(k, item)| {
                    let quoted = serde_json::to_string(k).unwrap_or_default();
                    let at = text
                        .get(from..)
                        .and_then(|t| t.find(&quoted))
                        .map(|i| from + i)
                        .unwrap_or(from);
                    let span = at..(at + quoted.len()).min(text.len());
                    (k.clone(), json_node(item, text, at), span)
                })
                .collect(),
        ),
    }
}

struct Checker<'a> {
    src: &'a LazySource,
    out: &'a mut Lint,
}

impl Checker<'_> {
    fn problem(
        &mut self,
        code: &'static str,
        message: String,
        span: Span,
        label: &str,
        help: &str,
    ) {
        self.out
            .problems
            .push(Problem::at(code, message, self.src, span, label).help(help.to_string()));
    }

    fn top(&mut self, entries: Vec<(String, Node, Span)>) {
        for (key, node, span) in entries {
            match key.as_str() {
                "name" => {}
                "path" => self.paths(node, span),
                other => self.problem(
                    "vaultform::policy::unexpected_attribute",
                    format!(
                        "invalid key `{}` at the top level",
                        crate::kinds::names::excerpt(other)
                    ),
                    span,
                    "not allowed here",
                    "a policy holds only `path \"...\" { ... }` blocks (and an optional `name`)",
                ),
            }
        }
    }

    /// The value of `path`: an object of path -> rules, or (JSON) a list of such objects.
    fn paths(&mut self, node: Node, span: Span) {
        match node {
            Node::Object(items) => {
                for (path, rules, pspan) in items {
                    match rules {
                        Node::Object(keys) => self.rules(&path, keys, pspan),
                        _ => self.problem(
                            "vaultform::policy::path_label",
                            format!(
                                "the rules of path `{}` are not a block",
                                crate::kinds::names::excerpt(&path)
                            ),
                            pspan,
                            "not a block",
                            "write path \"secret/data/app/*\" { capabilities = [...] }",
                        ),
                    }
                }
            }
            Node::List(items) => {
                for (item, ispan) in items {
                    self.paths(item, ispan);
                }
            }
            _ => self.problem(
                "vaultform::policy::path_label",
                "`path` must be a block: path \"<glob>\" { ... }".into(),
                span,
                "not a block",
                "write path \"secret/data/app/*\" { capabilities = [...] }",
            ),
        }
    }

    fn rules(&mut self, path: &str, keys: Vec<(String, Node, Span)>, pspan: Span) {
        if path.contains("+*") {
            self.problem(
                "vaultform::policy::wildcard",
                format!(
                    "path `{}`: `+*` is not allowed",
                    crate::kinds::names::excerpt(path)
                ),
                pspan.clone(),
                "here",
                "`+` matches one whole segment and `*` ends a prefix; write `+/*` or `prefix*`",
            );
        }
        let mut caps: Vec<String> = Vec::new();
        let mut ttl: [Option<f64>; 2] = [None, None];
        let mut filter_at: Option<Span> = None;
        for (key, node, span) in keys {
            match key.as_str() {
                "capabilities" => self.capabilities(node, span, &mut caps),
                "policy" => self.legacy(path, node, span, &mut caps),
                "comment" | "control_group" | "\u{0}block" => {}
                "pagination_limit" => {
                    let ok = match &node {
                        Node::Num(n) | Node::Str(n) => n.trim().parse::<i64>().is_ok(),
                        _ => false,
                    };
                    if !ok {
                        self.problem(
                            "vaultform::policy::value",
                            "`pagination_limit` must be a whole number".into(),
                            span,
                            "not a whole number",
                            "write pagination_limit = 100",
                        );
                    }
                }
                "required_parameters" | "mfa_methods" => {
                    if !matches!(node, Node::List(_)) {
                        self.problem(
                            "vaultform::policy::value",
                            format!("`{key}` must be a list"),
                            span,
                            "not a list",
                            "write a list: [\"...\"]",
                        );
                    }
                }
                "allowed_parameters" | "denied_parameters" => self.parameters(&key, node, span),
                "min_wrapping_ttl" | "max_wrapping_ttl" => {
                    let i = usize::from(key == "max_wrapping_ttl");
                    match wrapping_ttl(&node) {
                        Some(secs) => ttl[i] = Some(secs),
                        None => self.problem(
                            "vaultform::policy::value",
                            format!("`{key}` is not a duration"),
                            span,
                            "not a duration",
                            "write a duration such as \"1h\", \"90s\", or a number of seconds",
                        ),
                    }
                }
                "list_scan_response_keys_filter_path" => {
                    if !matches!(&node, Node::Str(t) if filter_template_uses_key(t)) {
                        self.problem(
                            "vaultform::policy::value",
                            "list_scan_response_keys_filter_path must be a template that uses the key, such as \"secret/data/{{ .key }}\"".into(),
                            span.clone(),
                            "does not depend on the key",
                            "the server renders it for two different keys and refuses a template that gives the same path",
                        );
                    }
                    filter_at = Some(span);
                }
                other => self.problem(
                    "vaultform::policy::unknown_key",
                    format!(
                        "unknown key `{}` in a path block",
                        crate::kinds::names::excerpt(other)
                    ),
                    span,
                    "not a known key",
                    &format!("valid keys: {}", PATH_KEYS.join(", ")),
                ),
            }
        }
        if let [Some(min), Some(max)] = ttl
            && min > 0.0
            && max > 0.0
            && max < min
        {
            self.problem(
                "vaultform::policy::value",
                "max_wrapping_ttl cannot be less than min_wrapping_ttl".into(),
                pspan.clone(),
                "in this block",
                "raise max_wrapping_ttl or lower min_wrapping_ttl",
            );
        }
        if let Some(at) = filter_at
            && !caps.iter().any(|c| c == "list")
        {
            self.problem(
                "vaultform::policy::value",
                "list_scan_response_keys_filter_path needs the `list` capability".into(),
                at,
                "here",
                "add \"list\" to capabilities",
            );
        }
    }

    fn capabilities(&mut self, node: Node, span: Span, caps: &mut Vec<String>) {
        let Node::List(items) = node else {
            self.problem(
                "vaultform::policy::capabilities",
                "capabilities must be a list".into(),
                span,
                "not a list",
                "write capabilities = [\"read\", \"list\"]",
            );
            return;
        };
        for (item, ispan) in items {
            let ispan = if ispan.is_empty() {
                span.clone()
            } else {
                ispan
            };
            match item {
                Node::Str(s) if CAPABILITIES.contains(&s.as_str()) => caps.push(s),
                Node::Str(s) | Node::Num(s) => self.problem(
                    "vaultform::policy::capability",
                    format!("invalid capability `{}`", crate::kinds::names::excerpt(&s)),
                    ispan,
                    "not a capability",
                    &format!("valid capabilities: {}", CAPABILITIES.join(", ")),
                ),
                _ => self.problem(
                    "vaultform::policy::capability",
                    "a capability must be a quoted string".into(),
                    ispan,
                    "not a string",
                    &format!("valid capabilities: {}", CAPABILITIES.join(", ")),
                ),
            }
        }
    }

    fn legacy(&mut self, path: &str, node: Node, span: Span, caps: &mut Vec<String>) {
        let value = match &node {
            Node::Str(s) | Node::Num(s) => s.as_str(),
            _ => "",
        };
        match LEGACY_POLICIES.iter().find(|(name, _)| *name == value) {
            Some((name, granted)) if matches!(node, Node::Str(_)) => {
                caps.extend(granted.iter().map(|c| c.to_string()));
                self.out.warnings.push(format!(
                    "{}: path \"{}\" uses the deprecated `policy = \"{name}\"`; the server reads it as capabilities = [{}]",
                    self.src.get().name(),
                    crate::kinds::names::excerpt(path),
                    granted.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
                ));
            }
            _ => self.problem(
                "vaultform::policy::legacy",
                format!("invalid policy `{}`", crate::kinds::names::excerpt(value)),
                span,
                "not a legacy policy",
                "the legacy form takes deny, read, write or sudo; better, write capabilities = [...]",
            ),
        }
    }

    fn parameters(&mut self, key: &str, node: Node, span: Span) {
        let Node::Object(items) = node else {
            self.problem(
                "vaultform::policy::value",
                format!("`{key}` must be a map of parameter -> list of values"),
                span,
                "not a map",
                "write allowed_parameters = { \"name\" = [] }",
            );
            return;
        };
        for (name, values, vspan) in items {
            if !matches!(values, Node::List(_)) {
                self.problem(
                    "vaultform::policy::value",
                    format!(
                        "the values of `{}` in `{key}` must be a list",
                        crate::kinds::names::excerpt(&name)
                    ),
                    vspan,
                    "not a list",
                    "write \"name\" = [] (any value) or [\"a\", \"b\"]",
                );
            }
        }
    }
}

/// Whether a filter template has a `{{ ... .key ... }}` action (and its
/// `{{` and `}}` pair up), so that two keys give two paths.
fn filter_template_uses_key(t: &str) -> bool {
    let mut rest = t;
    let mut uses_key = false;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            return false;
        };
        let action = &rest[open + 2..open + close];
        if action.contains("{{") {
            return false;
        }
        uses_key |= action
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .any(|w| w == ".key");
        rest = &rest[open + close + 2..];
    }
    uses_key && !rest.contains("}}")
}

/// A wrapping TTL as the server parses it (seconds): a number, or text that
/// is empty, a number of seconds, `<n>d`, or a Go duration (`1h30m`, `1.5h`).
fn wrapping_ttl(node: &Node) -> Option<f64> {
    match node {
        Node::Num(n) => n.parse().ok(),
        Node::Str(s) => go_duration(s),
        _ => None,
    }
}

fn go_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0.0);
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(n as f64);
    }
    if let Some(d) = s.strip_suffix('d')
        && let Ok(n) = d.parse::<i64>()
    {
        return Some(n as f64 * 86400.0);
    }
    let (sign, mut rest) = match s.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0.0);
    }
    let mut total = 0.0;
    let mut any = false;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * factor;
        any = true;
    }
    any.then_some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser's entries for `t` (`None`: it refuses it).
    fn parsed(t: &str) -> Option<String> {
        let src = LazySource::new("p.hcl", std::sync::Arc::from(t));
        hcl_top(&src, t, &mut Lint::default()).map(|top| format!("{top:?}"))
    }

    #[test]
    fn simple_policies_are_read_as_the_hcl_parser_reads_them() {
        for t in [
            "path \"secret/data/user\" {\n  capabilities = [\"read\"]\n}\n",
            "path \"secret/data/user\" {\n  capabilities = [\"read\"]\n}",
            "\n\npath \"a/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n\npath \"b/+/c\" {\n\tcapabilities=[\"create\",\"update\",]\n}\n\n",
            "path  \"sys/{x}\"{  \n\n    capabilities  =  [ ]  \n\n  }  \n",
            "path \"a b\" {\n capabilities = [ \"deny\" , \"sudo\" ]\n}\npath \"a b\" {\n capabilities = [\"read\"]\n}\n",
        ] {
            let simple = simple_top(t).map(|top| format!("{top:?}"));
            assert!(simple.is_some(), "not read: {t:?}");
            assert_eq!(simple, parsed(t), "{t:?}");
        }
    }

    #[test]
    fn other_policies_are_left_to_the_hcl_parser() {
        for t in [
            "",
            "\n",
            "# comment\npath \"a\" {\n  capabilities = [\"read\"]\n}\n",
            "path \"a\" { capabilities = [\"read\"] }\n",
            "path \"a\" {\r\n  capabilities = [\"read\"]\r\n}\r\n",
            "path \"a\" {\n  capabilities = [\"read\"]\n  comment = \"x\"\n}\n",
            "path \"${x}\" {\n  capabilities = [\"read\"]\n}\n",
            "path \"a\\\"b\" {\n  capabilities = [\"read\"]\n}\n",
            "path \"\" {\n  capabilities = [\"read\"]\n}\n",
            "path \"a\" {\n  capabilities = [\"READ\"]\n}\n",
            "path \"a\" {\n  capabilities = [\"read\"\n  ]\n}\n",
            "path \"a\" {\n  capabilities = [\"read\"]\n} path \"b\" {\n  capabilities = []\n}\n",
            "path \"a\" \"b\" {\n  capabilities = [\"read\"]\n}\n",
            "path \"a\" {\n  policy = \"read\"\n}\n",
            "paths \"a\" {\n  capabilities = [\"read\"]\n}\n",
            "path \"a\" {\n  capabilities = [\"read\"]\n}\nx = 1\n",
            "path \"é\" {\n  capabilities = [\"read\"]\n}\n",
        ] {
            assert!(simple_top(t).is_none(), "read: {t:?}");
        }
    }

    fn lint_text(t: &str) -> Vec<Problem> {
        lint(
            &SourceFile::from(&miette::NamedSource::new("p.hcl", t.to_string())),
            t,
        )
        .problems
    }

    #[test]
    fn accepts_a_normal_policy() {
        let t = "# comment\npath \"secret/data/user\" {\n  capabilities = [\"read\"]\n}\n";
        assert!(lint_text(t).is_empty());
    }

    #[test]
    fn reports_syntax_errors_with_a_place() {
        let p = lint_text("path \"a\" {\n  capabilities = [\"read\"\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, "vaultform::policy::syntax");
    }

    #[test]
    fn reports_bad_capabilities_and_keys() {
        let p = lint_text("path \"a\" {\n  capabilities = [\"fly\"]\n  pth = 1\n}\n");
        assert_eq!(p.len(), 2);
    }

    proptest::proptest! {
        /// Any text, JSON-looking or not, gives problems or none, never a panic;
        /// every span lies on character boundaries inside the text.
        #[test]
        fn never_panics(body in "\\PC{0,80}", json in proptest::bool::ANY) {
            let t = if json { format!("{{{body}") } else { body };
            for p in lint_text(&t) {
                if let Some(span) = p.span {
                    proptest::prop_assert!(span.offset() + span.len() <= t.len());
                    proptest::prop_assert!(t.is_char_boundary(span.offset()));
                }
            }
        }
    }

    #[test]
    fn json_and_legacy_forms_are_accepted_and_wrong_types_are_not() {
        assert!(lint_text("{\"path\": {\"x/*\": {\"capabilities\": [\"read\"]}}}").is_empty());
        assert!(lint_text("path \"x\" {\n  policy = \"write\"\n}\n").is_empty());
        assert_eq!(
            lint_text("path \"x\" {\n  policy = \"list\"\n}\n")[0].code,
            "vaultform::policy::legacy"
        );
        assert_eq!(
            lint_text("{\"path\": {\"x\": {\"capabilities\": \"read\"}}}")[0].code,
            "vaultform::policy::capabilities"
        );
        // Cut off after a key's colon: the server accepts it (measured).
        assert!(lint_text("{\"path\": ").is_empty());
        assert_eq!(lint_text("{\"path\": [").len(), 1);
        assert_eq!(
            lint_text("path \"x\" {\n  capabilities = [\"subscribe\"]\n}\n")[0].code,
            "vaultform::policy::capability"
        );
    }

    #[test]
    fn go_durations_parse_as_the_server_does() {
        for (t, secs) in [
            ("", 0.0),
            ("90", 90.0),
            ("1h30m", 5400.0),
            ("1.5h", 5400.0),
            ("7d", 604800.0),
            ("-5s", -5.0),
            ("300ms", 0.3),
        ] {
            assert_eq!(go_duration(t), Some(secs), "{t}");
        }
        for t in ["abc", "1x", "h", "1h-", "1e3"] {
            assert_eq!(go_duration(t), None, "{t}");
        }
    }
}
