//! Policy syntax parity with the server: every text of a corpus (hand-written
//! edge cases measured on OpenBao 2.7.2, plus every path-block key with every
//! kind of value, in HCL and in JSON) is given to vaultform's offline check
//! and to a real server (`PUT sys/policies/acl/NAME`); both must accept or
//! both must refuse, on every text.

mod common;

use common::BaoDev;
use serde_json::json;
use vaultform::manifest::diag::SourceFile;
use vaultform::manifest::policy_lint;

/// Texts measured by hand: the documented forms, the legacy form, JSON, and
/// the edges of each rule.
const HAND: &[&str] = &[
    // The server's lenient readings (see src/manifest/policy_lint.rs).
    "path \"x\" { capabilities = [\"read\"] comment = \"hi\" }",
    "path \"x\" { capabilities = [\"read\"], comment = \"hi\" }",
    "path \"x\" { capabilities = [\"read\"], }",
    "path \"x\" {\n  capabilities = [\"read\"],\n  comment = \"x\"\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  allowed_parameters = { \"foo\" = [] \"bar\" = [\"x\"] }\n}",
    "path \"x\" { capabilities = [\"read\"] } path \"y\" { capabilities = [\"list\"] }",
    "path \"x\" { capabilities = [\"read\"] comment = }",
    "path \"x\" { capabilities = [\"read\"]comment = \"hi\" }",
    "path \"x\" {\n  capabilities = [\"read\"]comment = \"hi\"\n  foo = 1\n}",
    "path \"x\" { capabilities = [\"read\"]pagination_limit = 5 }",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}, \"y\": ",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}, \"y\": {\"capabilities\": [\"fly\"]}, \"z\":",
    "{\"path\": {\"x\": {\"capabilities\": [\"fly\"]}, \"y\": ",
    "{\"path\": ",
    "{\"x\": ",
    "{\"path\": {\"x\": ",
    "{\"path\": [",
    "path \"x\" { capabilities = [\"read\"] comment = \"hi\" foo = 1 }",
    "path { capabilities = [\"read\"] }",
    "path \"a\" \"b\" { capabilities = [\"read\"] }",
    "path \"a\" \"b\" \"c\" {\n  capabilities = [\"read\"]\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  capabilities = [\"list\"]\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  capabilities = [\"list\"]\n  capabilities = [\"fly\"]\n}",
    "path \"x\" {\n  policy = \"read\"\n  policy = \"fly\"\n}",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}}",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"",
    "{\"path\": {\"x\": {\"capabilities\": [\"fly\"]}}",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}}}}",
    "{\"path\": {\"x\": {\"capabilities\": [\"re",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}}}}}}",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}}} x",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}}} {\"path\": {\"y\": {\"capabilities\": [\"read\"]}}}",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}}}]",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"], \"policy\": \"read\"",
    "{\"path\": {\"x\": {\"capabilities\": [\"fly\"]}}} x",
    "{\"path\": {\"secret/data/x/*\": {\"capabilities\": [\"read\"]}}}",
    "path \"x\" { policy = \"read\" }",
    "path \"x\" { policy = \"write\" }",
    "path \"x\" { policy = \"sudo\" }",
    "path \"x\" { policy = \"deny\" }",
    "path \"x\" { policy = \"\" }",
    "path \"x\" { policy = \"list\" }",
    "path \"x\" { policy = \"fly\" }",
    "name = \"x\"\npath \"x\" { capabilities = [\"read\"] }",
    "name = 1\npath \"x\" { capabilities = [\"read\"] }",
    "foo = 1\npath \"x\" { capabilities = [\"read\"] }",
    "path \"x\" { capabilities = [\"fly\"] }",
    "path \"x\" { capabilities = \"read\" }",
    "# only a comment",
    "path \"x\" {}",
    "path \"x\" = { capabilities = [\"read\"] }",
    "path \"x\" {\n  policy = \"read\"\n  capabilities = [\"list\"]\n}",
    "path \"x\" { capabilities = [\"READ\"] }",
    "path \"secret/+/x\" { capabilities = [\"read\"] }",
    "path \"+*\" { capabilities = [\"read\"] }",
    "path \"secret/+*\" { capabilities = [\"read\"] }",
    "path \"secret/+/*\" { capabilities = [\"read\"] }",
    "path \"secret/a+*\" { capabilities = [\"read\"] }",
    "path \"secret/*/+\" { capabilities = [\"read\"] }",
    "path \"*\" { capabilities = [\"read\"] }",
    "path \"/secret/x\" { capabilities = [\"read\"] }",
    "path \"secret/*/x\" { capabilities = [\"read\"] }",
    "path \"secret/data/{{identity.entity.id}}/*\" { capabilities = [\"read\"] }",
    "path \"secret/data/{{foo}}/*\" { capabilities = [\"read\"] }",
    "path \"x\" { capabilities = [\"read\"] }\npath \"x\" { capabilities = [\"list\"] }",
    "{\"path\": {\"x\": {\"capabilities\": [\"fly\"]}}}",
    "{\"path\": [{\"x\": {\"capabilities\": [\"read\"]}}]}",
    "{}",
    "{\"foo\": 1}",
    "{\"name\": \"n\", \"path\": {\"x\": {\"capabilities\": [\"read\"]}}}",
    "{\"path\": {\"x\": {\"capabilities\": \"read\"}}}",
    "{\"path\": {\"x\": {\"policy\": \"read\"}}}",
    "{\"path\": {\"x\": {\"capabilities\": [\"read\"], \"foo\": 1}}}",
    "{\"path\": 1}",
    "{\"path\": {\"x\": 1}}",
    "path \"x\" { capabilities = [] }",
    "path \"x\" { capabilities = [\"deny\", \"read\"] }",
    "path \"*\" { capabilities = [\"sudo\"] }",
    "path \"x\" {\n  capabilities = [\"read\",]\n}",
    "path \"x\" { capabilities = [\"subscribe\"] }",
    "path \"x\" { capabilities = [\"recover\"] }",
    "path \"x\" { capabilities = [\"scan\"] }",
    "path \"x\" { capabilities = [\"patch\"] }",
    "path \"x\" { capabilities = [\"root\"] }",
    "path \"x\" { capabilities = [\"create\",\"read\",\"update\",\"delete\",\"list\",\"sudo\",\"deny\"] }",
    "path = 1",
    "path \"x\" { capabilities = [\"read\"] }\nidentity = 1",
    "path \"\" { capabilities = [\"read\"] }",
    "path \"x\" { capabilities = [1] }",
    "path \"x\" {\n  capabilities = [\"read\"]\n  min_wrapping_ttl = \"2h\"\n  max_wrapping_ttl = \"1h\"\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  min_wrapping_ttl = \"1h\"\n  max_wrapping_ttl = \"2h\"\n}",
    "path \"x\" { capabilities = [\"read\"] } # trailing\n// another\n/* block */",
    "path \"x\" {\n  capabilities = [\n    # comment in list\n    \"read\"\n  ]\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  allowed_parameters {\n    foo = []\n  }\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  comment = <<EOT\nhello\nEOT\n}",
    "path \"x\" {\n  capabilities = <<EOT\nread\nEOT\n}",
    "path \"x\" { capabilities = [\"re\\u0061d\"] }",
    "path \"x\" {\n  capabilities = [\"deny\"]\n  policy = \"read\"\n}",
    "path \"x\" {\n  capabilities = [\"list\"]\n  list_scan_response_keys_filter_path = \"{{ .Key }}\"\n}",
    "path \"x\" {\n  capabilities = [\"list\"]\n  list_scan_response_keys_filter_path = \"secret/data/{{ .key }}\"\n}",
    "path \"x\" {\n  capabilities = [\"list\"]\n  list_scan_response_keys_filter_path = \"{{ .path }}{{ .key }}\"\n}",
    "path \"x\" {\n  capabilities = [\"list\"]\n  list_scan_response_keys_filter_path = \"static\"\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  pagination_limit = \"-1\"\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  pagination_limit = \"1e3\"\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  comment = [\"a\"]\n}",
    "path \"x\" {\n  capabilities = [\"read\"]\n  list_scan_response_keys_filter_path = \"{{ .Key }}\"\n}",
    "path \"secret/data/app\" {\n  capabilities = [\"read\"]\n}\n\npath \"secret/metadata/app\" {\n  capabilities = [\"list\"]\n}\n",
];

/// Every path-block key (and one unknown) with every kind of value, in HCL
/// (one attribute per line) and in JSON.
fn generated() -> Vec<String> {
    let keys = [
        "capabilities",
        "policy",
        "comment",
        "allowed_parameters",
        "denied_parameters",
        "required_parameters",
        "min_wrapping_ttl",
        "max_wrapping_ttl",
        "mfa_methods",
        "pagination_limit",
        "foo",
    ];
    // (HCL, JSON) of the same value.
    let values = [
        ("\"read\"", "\"read\""),
        ("\"write\"", "\"write\""),
        ("\"deny\"", "\"deny\""),
        ("\"\"", "\"\""),
        ("\"1h\"", "\"1h\""),
        ("\"90\"", "\"90\""),
        ("\"1h30m\"", "\"1h30m\""),
        ("\"7d\"", "\"7d\""),
        ("\"abc\"", "\"abc\""),
        ("[\"read\"]", "[\"read\"]"),
        ("[\"read\", \"list\"]", "[\"read\", \"list\"]"),
        ("[\"fly\"]", "[\"fly\"]"),
        ("[]", "[]"),
        ("[\"a\", 1]", "[\"a\", 1]"),
        ("5", "5"),
        ("-1", "-1"),
        ("1.5", "1.5"),
        ("true", "true"),
        ("{ a = [] }", "{\"a\": []}"),
        ("{ a = [\"x\", \"y\"] }", "{\"a\": [\"x\", \"y\"]}"),
        ("{ a = \"x\" }", "{\"a\": \"x\"}"),
    ];
    let mut out = Vec::new();
    for key in keys {
        for (hcl, js) in values {
            // A second key keeps the block valid apart from the one under test.
            let (base_hcl, base_json) = if key == "capabilities" {
                ("", "")
            } else {
                (
                    "  capabilities = [\"read\"]\n",
                    "\"capabilities\": [\"read\"], ",
                )
            };
            out.push(format!(
                "path \"secret/data/x\" {{\n{base_hcl}  {key} = {hcl}\n}}\n"
            ));
            // HCL 1's one-line form: items separated by spaces only.
            out.push(format!(
                "path \"secret/data/x\" {{ {}{key} = {hcl} }}\n",
                base_hcl.trim_start().replace('\n', " ")
            ));
            out.push(format!(
                "{{\"path\": {{\"secret/data/x\": {{{base_json}\"{key}\": {js}}}}}}}"
            ));
        }
    }
    out
}

fn vaultform_accepts(text: &str) -> bool {
    let src = SourceFile::from(&miette::NamedSource::new("p.hcl", text.to_string()));
    policy_lint::lint(&src, text).problems.is_empty()
}

fn server_accepts(bao: &BaoDev, i: usize, text: &str) -> bool {
    let (status, body) = bao.write(
        &format!("sys/policies/acl/parity-{i}"),
        &json!({ "policy": text }),
    );
    match status {
        200 | 204 => true,
        400 => false,
        other => panic!("unexpected answer {other} to policy {i}: {body}"),
    }
}

#[test]
fn vaultform_accepts_exactly_what_the_server_accepts() {
    let bao = BaoDev::start();
    let corpus: Vec<String> = HAND
        .iter()
        .map(|s| s.to_string())
        .chain(generated())
        .collect();
    assert!(corpus.len() >= 200, "{} texts", corpus.len());
    let mut disagreements = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for (i, text) in corpus.iter().enumerate() {
        let server = server_accepts(&bao, i, text);
        if server {
            accepted += 1;
        } else {
            refused += 1;
        }
        if vaultform_accepts(text) != server {
            disagreements.push(format!(
                "server {}: {text:?}",
                if server { "accepts" } else { "refuses" }
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} texts disagree:\n{}",
        disagreements.len(),
        corpus.len(),
        disagreements.join("\n")
    );
    // Both verdicts are well represented.
    assert!(
        accepted > 50 && refused > 50,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn json_and_legacy_policy_files_are_managed_like_hcl_ones() {
    let bao = BaoDev::start();
    let mut ws = common::workspace::Workspace::new();
    std::fs::write(
        ws.path("policies/json-policy.json"),
        "{\"path\": {\"kv-test/data/json/*\": {\"capabilities\": [\"read\", \"list\"]}}}\n",
    )
    .unwrap();
    std::fs::write(
        ws.path("policies/legacy-policy.hcl"),
        "path \"kv-test/data/legacy\" {\n  policy = \"read\"\n}\n",
    )
    .unwrap();
    let r = ws.run(&bao, &["validate"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        common::flat(&r.stdout).contains("uses the deprecated `policy = \"read\"`; the server reads it as capabilities = [\"read\", \"list\"]"),
        "{}",
        r.stdout
    );
    let r = ws.plan(&bao);
    assert!(r.stdout.contains("+ policy.json-policy"), "{}", r.stdout);
    assert!(r.stdout.contains("+ policy.legacy-policy"), "{}", r.stdout);
    ws.apply(&bao);
    ws.assert_converged(&bao);
    let (_, body) = bao.get("sys/policies/acl/json-policy");
    assert!(
        body["data"]["policy"]
            .as_str()
            .unwrap()
            .contains("kv-test/data/json/*")
    );
    // A capability the server refuses is refused offline, in the JSON file.
    std::fs::write(
        ws.path("policies/json-policy.json"),
        "{\"path\": {\"kv-test/data/json/*\": {\"capabilities\": [\"read\", \"subscribe\"]}}}\n",
    )
    .unwrap();
    let r = ws.run(&bao, &["plan"]);
    assert_eq!(r.code, 1);
    let e = common::flat(&r.stderr);
    assert!(e.contains("invalid capability `subscribe`"), "{e}");
    assert!(
        e.contains("policies/json-policy.json; nothing was changed"),
        "{e}"
    );
    // One policy in two files is an error naming both.
    std::fs::write(
        ws.path("policies/legacy-policy.json"),
        "{\"path\": {\"x\": {\"capabilities\": [\"read\"]}}}",
    )
    .unwrap();
    let r = ws.run(&bao, &["validate"]);
    assert_eq!(r.code, 1);
    assert!(
        common::flat(&r.stderr).contains("policy `legacy-policy` is defined twice"),
        "{}",
        r.stderr
    );
}
