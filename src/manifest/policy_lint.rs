//! Offline checks of ACL policy files: HCL syntax (with line and column) and
//! the shape Vault accepts (`path "<glob>" { capabilities = [...] }`).

use super::diag::{Problem, SourceFile};
use hcl::edit::Span;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{BlockLabel, Structure};

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

/// Capabilities Vault and OpenBao accept.
pub const CAPABILITIES: &[&str] = &[
    "create",
    "read",
    "update",
    "patch",
    "delete",
    "list",
    "sudo",
    "deny",
    "subscribe",
    "recover",
    "scan",
];

const PATH_KEYS: &[&str] = &[
    "capabilities",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "pagination_limit",
    "list_scan_response_keys_filter_path",
];

/// Checks one policy file; returns its problems.
pub fn lint(src: &SourceFile, text: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    if text.trim().is_empty() {
        out.push(
            Problem::at(
                "vaultform::policy::empty",
                "policy file is empty",
                src,
                0..0,
                "empty",
            )
            .help("Vault rejects empty policies; add at least one path block"),
        );
        return out;
    }
    // The HCL parser recurses once per nesting level with no limit of its own
    // (a few hundred levels overflow the stack): refuse deep nesting first.
    if let Some(at) = too_deep(text) {
        out.push(
            Problem::at(
                "vaultform::policy::too_deep",
                format!("brackets are nested more than {MAX_DEPTH} levels deep"),
                src,
                at..at + 1,
                "too deep",
            )
            .help("a policy is `path \"...\" { capabilities = [...] }` blocks; check for unclosed brackets"),
        );
        return out;
    }
    let body = match hcl::edit::parser::parse_body(text) {
        Ok(b) => b,
        Err(e) => {
            let offset = e.location().offset().min(text.len());
            out.push(
                Problem::at(
                    "vaultform::policy::syntax",
                    format!("invalid HCL: {}", e.message()),
                    src,
                    offset..offset,
                    "here",
                )
                .help("fix the HCL syntax; see https://openbao.org/docs/concepts/policies/"),
            );
            return out;
        }
    };
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => out.push(
                Problem::at(
                    "vaultform::policy::unexpected_attribute",
                    format!("unexpected top-level attribute `{}`", a.key.as_str()),
                    src,
                    a.span().unwrap_or(0..0),
                    "not allowed here",
                )
                .help("a policy holds only `path \"...\" { ... }` blocks"),
            ),
            Structure::Block(b) => {
                let span = b.span().unwrap_or(0..0);
                if b.ident.as_str() != "path" {
                    out.push(
                        Problem::at(
                            "vaultform::policy::unknown_block",
                            format!("unknown block `{}`", b.ident.as_str()),
                            src,
                            span,
                            "not a path block",
                        )
                        .help("a policy holds only `path \"...\" { ... }` blocks"),
                    );
                    continue;
                }
                if !matches!(b.labels.as_slice(), [BlockLabel::String(_)]) {
                    out.push(
                        Problem::at(
                            "vaultform::policy::path_label",
                            "a path block needs exactly one quoted path",
                            src,
                            span.clone(),
                            "here",
                        )
                        .help("write path \"secret/data/app/*\" { ... }"),
                    );
                }
                for inner in b.body.iter() {
                    let Structure::Attribute(a) = inner else {
                        continue;
                    };
                    let key = a.key.as_str();
                    let aspan = a.span().unwrap_or(span.clone());
                    if !PATH_KEYS.contains(&key) {
                        out.push(
                            Problem::at(
                                "vaultform::policy::unknown_key",
                                format!("unknown key `{key}` in a path block"),
                                src,
                                aspan,
                                "not a known key",
                            )
                            .help(format!("valid keys: {}", PATH_KEYS.join(", "))),
                        );
                        continue;
                    }
                    if key == "capabilities" {
                        check_capabilities(src, &a.value, aspan, &mut out);
                    }
                }
            }
        }
    }
    out
}

fn check_capabilities(
    src: &SourceFile,
    value: &Expression,
    span: std::ops::Range<usize>,
    out: &mut Vec<Problem>,
) {
    let Expression::Array(items) = value else {
        out.push(
            Problem::at(
                "vaultform::policy::capabilities",
                "capabilities must be a list",
                src,
                span,
                "not a list",
            )
            .help("write capabilities = [\"read\", \"list\"]"),
        );
        return;
    };
    for item in items.iter() {
        let ispan = item.span().unwrap_or(span.clone());
        match item {
            Expression::String(s) if CAPABILITIES.contains(&s.as_str()) => {}
            Expression::String(s) => out.push(
                Problem::at(
                    "vaultform::policy::capability",
                    format!("invalid capability `{}`", s.as_str()),
                    src,
                    ispan,
                    "not a capability",
                )
                .help(format!("valid capabilities: {}", CAPABILITIES.join(", "))),
            ),
            _ => out.push(
                Problem::at(
                    "vaultform::policy::capability",
                    "a capability must be a quoted string",
                    src,
                    ispan,
                    "not a string",
                )
                .help(format!("valid capabilities: {}", CAPABILITIES.join(", "))),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_text(t: &str) -> Vec<Problem> {
        lint(
            &SourceFile::from(&miette::NamedSource::new("p.hcl", t.to_string())),
            t,
        )
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
}
