//! Connection conventions against a real OpenBao: a TLS listener that
//! requires client certificates (accepted with the right one, refused
//! without), `BAO_*` names beside `VAULT_*`, `--address`, `VAULT_CAPATH`,
//! `VAULT_TLS_SERVER_NAME`, and TLS files that cannot be read (or hold no
//! certificate) being errors.

mod common;

use common::BaoDev;
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use std::fs;
use std::path::{Path, PathBuf};

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// A CA, a server certificate for 127.0.0.1, one for the name
    /// `vault.test` only, and a client certificate.
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        for (name, usage, sans) in [
            (
                "server",
                ExtendedKeyUsagePurpose::ServerAuth,
                vec!["127.0.0.1".to_string()],
            ),
            (
                "named",
                ExtendedKeyUsagePurpose::ServerAuth,
                vec!["vault.test".to_string()],
            ),
            (
                "client",
                ExtendedKeyUsagePurpose::ClientAuth,
                vec!["client".to_string()],
            ),
        ] {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(sans).unwrap();
            params.extended_key_usages = vec![usage];
            let cert = params.signed_by(&key, &issuer).unwrap();
            fs::write(dir.path().join(format!("{name}.pem")), cert.pem()).unwrap();
            fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem()).unwrap();
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A dev server with a second listener: TLS, client certificate required.
fn server(pki: &Pki) -> (BaoDev, String) {
    let port = common::free_port_pair().unwrap();
    let config = pki.path("listener.hcl");
    fs::write(
        &config,
        format!(
            "listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"\n  tls_client_ca_file = \"{}\"\n  tls_require_and_verify_client_cert = true\n}}\n",
            pki.path("server.pem").display(),
            pki.path("server.key").display(),
            pki.path("ca.pem").display()
        ),
    )
    .unwrap();
    let bao = BaoDev::start_with_args(&[format!("-config={}", config.display())]);
    (bao, format!("https://127.0.0.1:{port}"))
}

fn vaultform(home: &Path) -> assert_cmd::Command {
    // No VAULT_*/BAO_* from the developer's shell, no token file.
    common::offline_vaultform_cmd(home)
}

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_server_that_requires_client_certificates_accepts_ours_and_refuses_none() {
    let pki = Pki::new();
    let (bao, tls_addr) = server(&pki);
    let home = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/vault.toml");
    // BAO_* names, the client certificate: a plan works over the TLS listener.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("BAO_ADDR", &tls_addr)
        .env("BAO_TOKEN", bao.token())
        .env("BAO_CACERT", pki.path("ca.pem"))
        .env("BAO_CLIENT_CERT", pki.path("client.pem"))
        .env("BAO_CLIENT_KEY", pki.path("client.key"))
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(&manifest));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.contains("+ mount.kv-test"), "{stdout}");
    // The same with VAULT_* names, a CA directory and --address over the environment.
    let capath = pki.path("cas");
    fs::create_dir(&capath).unwrap();
    fs::copy(pki.path("ca.pem"), capath.join("ca.pem")).unwrap();
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_CAPATH", &capath)
        .env("VAULT_CLIENT_CERT", pki.path("client.pem"))
        .env("VAULT_CLIENT_KEY", pki.path("client.key"))
        .args(["--address", &tls_addr, "health", "--format", "json"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("\"healthy\": true"), "{stdout}");
    // Without a client certificate the server refuses the connection.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &tls_addr)
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_CACERT", pki.path("ca.pem"))
        .env("VAULT_MAX_RETRIES", "0")
        .args(["plan", "-f"])
        .arg(&manifest));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        common::flat(&stderr).contains("cannot reach Vault"),
        "{stderr}"
    );
    // A certificate without its key is a settings error, before any request.
    let (code, _, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &tls_addr)
        .env("VAULT_CLIENT_CERT", pki.path("client.pem"))
        .args(["health"]));
    assert_eq!(code, 1);
    assert!(
        common::flat(&stderr).contains("VAULT_CLIENT_CERT and VAULT_CLIENT_KEY go together"),
        "{stderr}"
    );
}

#[test]
fn tls_files_that_cannot_be_read_are_errors_whatever_the_scheme() {
    let bao = BaoDev::start();
    let home = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", bao.addr())
        .env("VAULT_CACERT", "/nonexistent/ca.pem")
        .args(["health"]));
    assert_eq!(code, 1);
    assert!(
        common::flat(&stderr).contains("cannot read the CA certificate /nonexistent/ca.pem"),
        "{stderr}"
    );
    let (code, _, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", bao.addr())
        .env("VAULT_CAPATH", "/nonexistent-dir")
        .args(["health"]));
    assert_eq!(code, 1);
    assert!(
        common::flat(&stderr).contains("cannot read the CA directory"),
        "{stderr}"
    );
    // BAO_ADDR wins over VAULT_ADDR; --address over both.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", "http://127.0.0.1:9")
        .env("BAO_ADDR", bao.addr())
        .args(["health", "--format", "json"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, _) = run(vaultform(home.path())
        .env("BAO_ADDR", "http://127.0.0.1:9")
        .args(["--address", bao.addr(), "health", "--format", "json"]));
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn tls_server_name_checks_the_certificate_against_that_name() {
    // A TLS listener whose certificate names `vault.test`, not 127.0.0.1.
    let pki = Pki::new();
    let port = common::free_port_pair().unwrap();
    let config = pki.path("named.hcl");
    fs::write(
        &config,
        format!(
            "listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"\n}}\n",
            pki.path("named.pem").display(),
            pki.path("named.key").display(),
        ),
    )
    .unwrap();
    let bao = BaoDev::start_with_args(&[format!("-config={}", config.display())]);
    let addr = format!("https://127.0.0.1:{port}");
    let home = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/vault.toml");
    // Without it, the certificate does not match the address: refused.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &addr)
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_CACERT", pki.path("ca.pem"))
        .env("VAULT_MAX_RETRIES", "0")
        .args(["health"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    // With it, health and a plan go through; messages still name the address.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &addr)
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_CACERT", pki.path("ca.pem"))
        .env("VAULT_TLS_SERVER_NAME", "vault.test")
        .args(["health", "--format", "json"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("\"healthy\": true"), "{stdout}");
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("BAO_ADDR", &addr)
        .env("BAO_TOKEN", bao.token())
        .env("BAO_CACERT", pki.path("ca.pem"))
        .env("BAO_TLS_SERVER_NAME", "vault.test")
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(&manifest));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.contains("+ mount.kv-test"), "{stdout}");
    // Another name is refused as the certificate does not hold it.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &addr)
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_CACERT", pki.path("ca.pem"))
        .env("VAULT_TLS_SERVER_NAME", "other.test")
        .env("VAULT_MAX_RETRIES", "0")
        .args(["health"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        common::flat(&format!("{stdout}{stderr}")).contains(&addr),
        "{stdout}{stderr}"
    );
    // Not a host name: a settings error before any request.
    let (code, _, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &addr)
        .env("VAULT_TLS_SERVER_NAME", "vault.test/x")
        .args(["health"]));
    assert_eq!(code, 1);
    assert!(
        common::flat(&stderr).contains("VAULT_TLS_SERVER_NAME is not a host name"),
        "{stderr}"
    );
}

#[test]
fn a_ca_file_without_a_certificate_is_an_error() {
    let bao = BaoDev::start();
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("not-a-ca.pem");
    fs::write(&empty, "this is not a certificate\n").unwrap();
    let (code, _, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", bao.addr())
        .env("VAULT_CACERT", &empty)
        .args(["health"]));
    assert_eq!(code, 1);
    assert!(
        common::flat(&stderr).contains("holds no PEM certificate"),
        "{stderr}"
    );
}
