//! vaultform logging itself in for CI and cron (AppRole, JWT), one login per
//! run, the token revoked at the end; and the documented least-privilege plan
//! policy being enough for `plan`.

mod common;

use common::BaoDev;
use common::workspace::Workspace;
use serde_json::{Value, json};
use std::fs;
use std::path::Path;

const ALL: &str = "path \"*\" { capabilities = [\"create\", \"read\", \"update\", \"patch\", \"delete\", \"list\", \"sudo\"] }";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Token accessors currently valid on the server (to see logins and revocations).
fn accessors(bao: &BaoDev) -> Vec<String> {
    bao.list("auth/token/accessors")
}

fn setup_approle(bao: &BaoDev, policy: &str, policy_text: &str) -> (String, String) {
    assert_eq!(
        bao.write(
            &format!("sys/policies/acl/{policy}"),
            &json!({"policy": policy_text})
        )
        .0,
        204
    );
    assert_eq!(
        bao.write("sys/auth/ci-approle", &json!({"type": "approle"}))
            .0,
        204
    );
    assert_eq!(
        bao.write(
            "auth/ci-approle/role/vaultform",
            &json!({"token_policies": [policy], "token_ttl": "10m"})
        )
        .0,
        204
    );
    let role_id = bao.get("auth/ci-approle/role/vaultform/role-id").1["data"]["role_id"]
        .as_str()
        .unwrap()
        .to_string();
    let secret_id = bao
        .write("auth/ci-approle/role/vaultform/secret-id", &json!({}))
        .1["data"]["secret_id"]
        .as_str()
        .unwrap()
        .to_string();
    (role_id, secret_id)
}

#[test]
fn approle_login_applies_and_revokes_its_token() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    let (role_id, secret_id) = setup_approle(&bao, "vaultform-all", ALL);
    ws.secrets.push(secret_id.clone());
    fs::write(ws.path("secret-id"), &secret_id).unwrap();
    let before = accessors(&bao);
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.env_remove("VAULT_TOKEN")
        .env("VAULTFORM_AUTH_METHOD", "approle")
        .env("VAULTFORM_AUTH_MOUNT", "ci-approle")
        .env("VAULT_ROLE_ID", &role_id)
        .env("VAULT_SECRET_ID_FILE", ws.path("secret-id"))
        .args(["apply", "--auto-approve", "-f"])
        .arg(ws.manifest());
    let r = ws.record(cmd);
    let (code, stdout, stderr) = (Some(r.code), r.stdout, r.stderr);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        bao.get("auth/approle/role/web").0,
        200,
        "applied with the AppRole's token"
    );
    assert_eq!(
        accessors(&bao),
        before,
        "the login token was revoked at the end"
    );

    // A wrong secret id: a clear error, nothing printed of the credential.
    let out = common::vaultform_cmd(&bao)
        .env_remove("VAULT_TOKEN")
        .env("VAULTFORM_AUTH_METHOD", "approle")
        .env("VAULTFORM_AUTH_MOUNT", "ci-approle")
        .env("VAULT_ROLE_ID", &role_id)
        .env("VAULT_SECRET_ID", "00000000-0000-0000-0000-00000000dead")
        .args(["plan", "-f"])
        .arg(ws.manifest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains("login at auth/ci-approle/login failed"),
        "{stderr}"
    );
    assert!(stderr.contains("invalid role or"), "{stderr}");
    assert!(!stderr.contains("dead"), "{stderr}");
}

#[test]
fn jwt_login_like_a_ci_provider_identity_token() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    assert_eq!(
        bao.write("sys/policies/acl/vaultform-all", &json!({"policy": ALL}))
            .0,
        204
    );
    assert_eq!(bao.write("sys/auth/jwt", &json!({"type": "jwt"})).0, 204);
    let public = fs::read_to_string(root().join("fixtures/jwt/test-signing-key.pub.pem")).unwrap();
    let (status, body) = bao.write(
        "auth/jwt/config",
        &json!({"jwt_validation_pubkeys": [public], "bound_issuer": "https://ci.example"}),
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = bao.write(
        "auth/jwt/role/vaultform-plan",
        &json!({
            "role_type": "jwt", "user_claim": "sub", "bound_audiences": ["vaultform"],
            "bound_claims": {"repository": "acme/platform"},
            "token_policies": ["vaultform-all"], "token_ttl": "10m"
        }),
    );
    assert_eq!(status, 204, "{body}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": "https://ci.example", "sub": "repo:acme/platform:pull_request", "aud": "vaultform",
        "repository": "acme/platform", "iat": now, "nbf": now, "exp": now + 300
    });
    let key = jsonwebtoken::EncodingKey::from_ec_pem(
        &fs::read(root().join("fixtures/jwt/test-signing-key.pem")).unwrap(),
    )
    .unwrap();
    let jwt = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
        &key,
    )
    .unwrap();
    ws.secrets.push(jwt.clone());
    let before = accessors(&bao);
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.env_remove("VAULT_TOKEN")
        .env("VAULTFORM_AUTH_METHOD", "jwt")
        .env("VAULTFORM_ROLE", "vaultform-plan")
        .env("VAULTFORM_JWT", &jwt)
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(ws.manifest());
    let r = ws.record(cmd);
    let (code, stdout, stderr) = (Some(r.code), r.stdout, r.stderr);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stdout.contains("+ approle.approle/web"), "{stdout}");
    assert_eq!(
        accessors(&bao),
        before,
        "the login token was revoked at the end"
    );

    // Missing role: a clear error before any request.
    let out = common::vaultform_cmd(&bao)
        .env_remove("VAULT_TOKEN")
        .env("VAULTFORM_AUTH_METHOD", "jwt")
        .env("VAULTFORM_JWT", &jwt)
        .args(["plan", "-f"])
        .arg(ws.manifest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("VAULTFORM_ROLE"), "{stderr}");
    ws.outputs.push(stderr);
}

/// The documented plan policy, adapted to the fixture's KV mount.
fn plan_policy() -> String {
    let text = fs::read_to_string(root().join("docs/policies/vaultform-plan.hcl"))
        .expect("docs/policies/vaultform-plan.hcl is part of the documentation");
    text.replace("secret/", "kv-test/")
}

#[test]
fn plan_works_with_the_documented_plan_policy_alone_and_apply_does_not() {
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    ws.apply(&bao);
    ws.remember_server_secrets(&bao, "kv-test/data/web");
    ws.set_env(
        "VF_BASIC_WEB_DB_PASSWORD",
        "drifted-password-for-policy-test",
    );
    let (_, tok) = bao.write(
        "auth/token/create",
        &json!({"policies": ["vaultform-plan"], "no_default_policy": false, "ttl": "10m"}),
    );
    let (status, body) = bao.write(
        "sys/policies/acl/vaultform-plan",
        &json!({"policy": plan_policy()}),
    );
    assert_eq!(status, 204, "{body}");
    let token = tok["auth"]["client_token"].as_str().unwrap().to_string();
    ws.secrets.push(token.clone());
    let plan_file = ws.path("plan.json");
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.env("VAULT_TOKEN", &token)
        .args(["plan", "--detailed-exitcode", "--out"])
        .arg(&plan_file)
        .arg("-f")
        .arg(ws.manifest());
    let r = ws.record(cmd);
    let (code, stdout, stderr) = (Some(r.code), r.stdout, r.stderr);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stdout.contains("~ DB_PASSWORD = (sensitive)"), "{stdout}");
    ws.outputs.push(fs::read_to_string(&plan_file).unwrap());
    // The plan token cannot apply.
    let out = common::vaultform_cmd(&bao)
        .env("VAULT_TOKEN", &token)
        .arg("apply")
        .arg(&plan_file)
        .arg("-f")
        .arg(ws.manifest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("permission denied"), "{stderr}");
    let (_, web) = bao.get("kv-test/data/web");
    assert_eq!(web["data"]["metadata"]["version"], Value::from(1));
    ws.outputs.push(stderr);
}

#[test]
fn kubernetes_login_reads_the_service_account_token_and_reports_a_rejection() {
    // Kubernetes auth always asks the cluster's TokenReview API, and there is
    // no cluster here: OpenBao is real, so the login reaches it with the token
    // from the file and the role, and its refusal is reported without the token.
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    assert_eq!(
        bao.write("sys/auth/kubernetes", &json!({"type": "kubernetes"}))
            .0,
        204
    );
    let ca = fs::read_to_string(root().join("fixtures/k8s/ca.pem")).unwrap();
    let (status, body) = bao.write(
        "auth/kubernetes/config",
        &json!({"kubernetes_host": "https://127.0.0.1:9", "kubernetes_ca_cert": ca}),
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = bao.write(
        "auth/kubernetes/role/vaultform-plan",
        &json!({"bound_service_account_names": ["vaultform"], "bound_service_account_namespaces": ["ci"],
                "token_policies": ["default"], "token_ttl": "10m"}),
    );
    assert_eq!(status, 204, "{body}");
    let jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6dmF1bHRmb3JtIn0.c2lnbmF0dXJlLXZhbHVl";
    ws.secrets.push(jwt.to_string());
    let token_file = ws.path("sa-token");
    fs::write(&token_file, jwt).unwrap();
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.env_remove("VAULT_TOKEN")
        .env("VAULTFORM_AUTH_METHOD", "kubernetes")
        .env("VAULTFORM_ROLE", "vaultform-plan")
        .env("VAULTFORM_JWT_FILE", &token_file)
        .args(["plan", "-f"])
        .arg(ws.manifest());
    let r = ws.record(cmd);
    let (code, stdout, stderr) = (Some(r.code), r.stdout, r.stderr);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("vaultform::login::rejected"), "{stderr}");
    assert!(stderr.contains("auth/kubernetes/login"), "{stderr}");
    // Without a token file at all: a clear error naming what to set.
    let out = common::vaultform_cmd(&bao)
        .env_remove("VAULT_TOKEN")
        .env("VAULTFORM_AUTH_METHOD", "kubernetes")
        .env("VAULTFORM_ROLE", "vaultform-plan")
        .env("VAULTFORM_JWT_FILE", ws.path("missing-token"))
        .args(["plan", "-f"])
        .arg(ws.manifest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("VAULTFORM_JWT"), "{stderr}");
    ws.outputs.push(stderr);
}

#[test]
fn kubernetes_login_with_a_service_account_token_plans_and_revokes() {
    let review = common::tokenreview::TokenReview::start("ci", "vaultform");
    let bao = BaoDev::start();
    let mut ws = Workspace::new();
    assert_eq!(
        bao.write("sys/policies/acl/vaultform-all", &json!({"policy": ALL}))
            .0,
        204
    );
    assert_eq!(
        bao.write("sys/auth/kubernetes", &json!({"type": "kubernetes"}))
            .0,
        204
    );
    let (status, body) = bao.write(
        "auth/kubernetes/config",
        &json!({"kubernetes_host": review.host, "kubernetes_ca_cert": review.ca_pem, "disable_local_ca_jwt": true}),
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = bao.write(
        "auth/kubernetes/role/vaultform-plan",
        &json!({"bound_service_account_names": ["vaultform"], "bound_service_account_namespaces": ["ci"],
                "token_policies": ["vaultform-all"], "token_ttl": "10m"}),
    );
    assert_eq!(status, 204, "{body}");
    let jwt = common::tokenreview::service_account_jwt("ci", "vaultform");
    ws.secrets.push(jwt.clone());
    let token_file = ws.path("sa-token");
    fs::write(&token_file, &jwt).unwrap();
    let before = accessors(&bao);
    let mut cmd = common::vaultform_cmd(&bao);
    cmd.env_remove("VAULT_TOKEN")
        .env("VAULTFORM_AUTH_METHOD", "kubernetes")
        .env("VAULTFORM_ROLE", "vaultform-plan")
        .env("VAULTFORM_JWT_FILE", &token_file)
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(ws.manifest());
    let r = ws.record(cmd);
    let (code, stdout, stderr) = (Some(r.code), r.stdout, r.stderr);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stdout.contains("+ approle.approle/web"), "{stdout}");
    assert_eq!(
        accessors(&bao),
        before,
        "the login token was revoked at the end"
    );
}
