//! What the server offers in bulk besides KV's `SCAN` (docs/bulk-reads.md),
//! asked of a real OpenBao: policies and roles list names only, `SCAN` is
//! refused outside KV, `?detailed=true` is ignored. If a release adds a bulk
//! read, this fails, and the plan could use it to send fewer requests.

mod common;

use common::BaoDev;
use serde_json::json;

#[test]
fn policies_roles_and_identity_list_names_only() {
    let bao = BaoDev::start();
    assert_eq!(
        bao.write(
            "sys/policies/acl/p1",
            &json!({"policy": "path \"a\" { capabilities = [\"read\"] }"})
        )
        .0,
        204
    );
    assert_eq!(
        bao.write("sys/auth/approle", &json!({"type": "approle"})).0,
        204
    );
    assert_eq!(
        bao.write("auth/approle/role/web", &json!({"token_ttl": "1h"}))
            .0,
        204
    );
    let (status, _) = bao.write(
        "identity/entity",
        &json!({"name": "bob", "policies": ["p1"]}),
    );
    assert_eq!(status, 200);

    // Names only: no text, version or time to compare with.
    for (path, name) in [("sys/policies/acl", "p1"), ("auth/approle/role", "web")] {
        let (status, body) = bao.request("LIST", path, None);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            body["data"]["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == name),
            "{body}"
        );
        assert!(
            body["data"].get("key_info").is_none(),
            "{path} lists details now: {body}"
        );
        let (status, body) = bao.request("LIST", &format!("{path}?detailed=true"), None);
        assert_eq!(status, 200, "{body}");
        assert!(
            body["data"].get("key_info").is_none(),
            "{path}?detailed=true: {body}"
        );
        let (status, body) = bao.request("SCAN", path, None);
        assert!(status >= 400, "SCAN {path} answers now: {status} {body}");
        assert!(body.to_string().contains("unsupported operation"), "{body}");
    }
    // Entities by id: the name, nothing of what vaultform compares.
    let (status, body) = bao.request("LIST", "identity/entity/id", None);
    assert_eq!(status, 200, "{body}");
    let info = body["data"]["key_info"].as_object().unwrap();
    let entry = info.values().next().unwrap().as_object().unwrap();
    assert_eq!(entry.get("name").unwrap(), "bob");
    assert!(
        entry.get("policies").is_none() && entry.get("metadata").is_none(),
        "{body}"
    );
}
