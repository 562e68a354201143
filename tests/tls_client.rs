//! Connection conventions against a real OpenBao: a TLS listener that
//! requires client certificates (accepted with the right one, refused
//! without), `BAO_*` names beside `VAULT_*`, `--address`, `VAULT_CAPATH`,
//! `VAULT_TLS_SERVER_NAME`, and TLS files that cannot be read (or hold no
//! certificate) being errors; HTTP proxies from `HTTP_PROXY`, `HTTPS_PROXY`
//! and `NO_PROXY` (through a small forwarding proxy run by the test).

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

/// A dev server with a second listener: TLS, with the certificate that names
/// `vault.test` only. Its port.
fn named_server(pki: &Pki) -> (BaoDev, u16) {
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
    (bao, port)
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
    let (bao, port) = named_server(&pki);
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

/// A forwarding HTTP proxy on a free loopback port, as corporate networks
/// run: `CONNECT host:port` opens a tunnel, `GET http://host:port/...` is
/// passed on. Every host is reached at 127.0.0.1 (the tests name the server
/// `vault.test`, which only the proxy "resolves"). It records each
/// connection's first request line and its `Proxy-Authorization` value.
struct Proxy {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

/// A connection's first request line and its `Proxy-Authorization` value.
type Seen = (String, Option<String>);

impl Proxy {
    fn start() -> Proxy {
        use std::io::{Read, Write};
        let port = common::free_port().unwrap();
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().take(1000) {
                let Ok(mut client) = client else { continue };
                let log = log.clone();
                std::thread::spawn(move || {
                    // The request head, at most 64 KiB.
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
                        match client.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let text = String::from_utf8_lossy(&head).into_owned();
                    let first = text.lines().next().unwrap_or("").to_string();
                    let auth = text
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("proxy-authorization: ")
                                .or(l.strip_prefix("Proxy-Authorization: "))
                        })
                        .map(str::to_string);
                    log.lock().unwrap().push((first.clone(), auth));
                    let mut parts = first.split(' ');
                    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    let authority = if method == "CONNECT" {
                        target.to_string()
                    } else {
                        target
                            .strip_prefix("http://")
                            .and_then(|t| t.split('/').next())
                            .unwrap_or("")
                            .to_string()
                    };
                    let Some(port) = authority
                        .rsplit_once(':')
                        .and_then(|(_, p)| p.parse::<u16>().ok())
                    else {
                        let _ = client
                            .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
                        return;
                    };
                    let Ok(mut upstream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                        let _ = client
                            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
                        return;
                    };
                    if method == "CONNECT" {
                        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    } else {
                        let _ = upstream.write_all(&head);
                    }
                    let (mut c2, mut u2) =
                        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut u2, &mut c2);
                        let _ = c2.shutdown(std::net::Shutdown::Write);
                    });
                    let _ = std::io::copy(&mut client, &mut upstream);
                    let _ = upstream.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Proxy { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

#[test]
fn http_proxies_from_the_environment_carry_requests_to_remote_servers() {
    let bao = BaoDev::start();
    let proxy = Proxy::start();
    let home = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/vault.toml");
    // `vault.test` resolves nowhere but in the proxy: the plan can only have
    // gone through it, in absolute form, with the URL's user and password.
    let remote = format!("http://vault.test:{}", bao.port());
    let with_auth = format!("http://ops:pr0xy-pa55@127.0.0.1:{}", proxy.port);
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &remote)
        .env("VAULT_TOKEN", bao.token())
        .env("HTTP_PROXY", &with_auth)
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(&manifest));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.contains("+ mount.kv-test"), "{stdout}");
    assert!(!format!("{stdout}{stderr}").contains("pr0xy-pa55"));
    let seen = proxy.seen();
    let want_auth = "Basic b3BzOnByMHh5LXBhNTU="; // base64("ops:pr0xy-pa55")
    assert!(
        !seen.is_empty()
            && seen
                .iter()
                .all(|(line, auth)| line.contains(&format!(" {remote}/v1/"))
                    && auth.as_deref() == Some(want_auth)),
        "{seen:?}"
    );
    // NO_PROXY names the host: connected directly, where `vault.test` does
    // not resolve, so the run fails to reach it, and the proxy saw nothing more.
    let before = proxy.seen().len();
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &remote)
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_MAX_RETRIES", "0")
        .env("http_proxy", proxy.url())
        .env("no_proxy", "vault.test")
        .args(["health"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        common::flat(&format!("{stdout}{stderr}")).contains("cannot reach Vault"),
        "{stdout}{stderr}"
    );
    assert_eq!(proxy.seen().len(), before);
    // A loopback address never goes through a proxy (as the Vault CLI), even
    // one that is not there.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", bao.addr())
        .env("VAULT_TOKEN", bao.token())
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .args(["health", "--format", "json"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    // A SOCKS proxy is not spoken: a settings error that says how to go
    // around it, without the proxy's password.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &remote)
        .env("VAULT_TOKEN", bao.token())
        .env("ALL_PROXY", "socks5://ops:s0cks-pa55@127.0.0.1:1080")
        .args(["health"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let flat = common::flat(&stderr);
    assert!(
        flat.contains("not an http:// proxy") && flat.contains("NO_PROXY=vault.test"),
        "{stderr}"
    );
    assert!(!format!("{stdout}{stderr}").contains("s0cks-pa55"));
}

#[test]
fn https_servers_are_reached_through_a_proxy_tunnel() {
    // A TLS listener whose certificate names `vault.test`; the proxy tunnels
    // to it, and the certificate is checked against the name, end to end.
    let pki = Pki::new();
    let (bao, port) = named_server(&pki);
    let proxy = Proxy::start();
    let home = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/vault.toml");
    let remote = format!("https://vault.test:{port}");
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &remote)
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_CACERT", pki.path("ca.pem"))
        .env(
            "HTTPS_PROXY",
            format!("http://ops:tunnel-pa55@127.0.0.1:{}", proxy.port),
        )
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(&manifest));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.contains("+ mount.kv-test"), "{stdout}");
    assert!(!format!("{stdout}{stderr}").contains("tunnel-pa55"));
    let seen = proxy.seen();
    let want_auth = "Basic b3BzOnR1bm5lbC1wYTU1"; // base64("ops:tunnel-pa55")
    assert!(
        !seen.is_empty()
            && seen.iter().all(|(line, auth)| *line
                == format!("CONNECT vault.test:{port} HTTP/1.1")
                && auth.as_deref() == Some(want_auth)),
        "{seen:?}"
    );
    // Without the CA the tunnel opens but the certificate is refused.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", &remote)
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_MAX_RETRIES", "0")
        .env("HTTPS_PROXY", proxy.url())
        .args(["health"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        common::flat(&format!("{stdout}{stderr}")).contains("cannot reach Vault"),
        "{stdout}{stderr}"
    );
}

#[test]
fn vault_proxy_addr_takes_every_request_whatever_the_environment_says() {
    let bao = BaoDev::start();
    let proxy = Proxy::start();
    let home = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/vault.toml");
    // A loopback server, NO_PROXY naming it and a dead HTTP_PROXY: the given
    // proxy still carries every request (as the Vault CLI's VAULT_PROXY_ADDR).
    let given = format!("http://ops:g1ven-pa55@127.0.0.1:{}", proxy.port);
    for name in ["VAULT_PROXY_ADDR", "BAO_PROXY_ADDR", "VAULT_HTTP_PROXY"] {
        let before = proxy.seen().len();
        let (code, stdout, stderr) = run(vaultform(home.path())
            .env("VAULT_ADDR", bao.addr())
            .env("VAULT_TOKEN", bao.token())
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1")
            .env(name, &given)
            .args(["plan", "--detailed-exitcode", "-f"])
            .arg(&manifest));
        assert_eq!(code, 2, "{name}: {stdout}{stderr}");
        assert!(!format!("{stdout}{stderr}").contains("g1ven-pa55"));
        let seen = proxy.seen();
        let want_auth = "Basic b3BzOmcxdmVuLXBhNTU="; // base64("ops:g1ven-pa55")
        assert!(
            seen.len() > before
                && seen[before..].iter().all(|(line, auth)| line
                    .contains(&format!(" {}/v1/", bao.addr()))
                    && auth.as_deref() == Some(want_auth)),
            "{name}: {seen:?}"
        );
    }
    // Not an http:// URL: a settings error that does not show the value.
    let (code, stdout, stderr) = run(vaultform(home.path())
        .env("VAULT_ADDR", bao.addr())
        .env("VAULT_TOKEN", bao.token())
        .env("VAULT_PROXY_ADDR", "socks5://ops:s0cks-pa55@127.0.0.1:1080")
        .args(["health"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        common::flat(&format!("{stdout}{stderr}")).contains("VAULT_PROXY_ADDR"),
        "{stdout}{stderr}"
    );
    assert!(!format!("{stdout}{stderr}").contains("s0cks-pa55"));
}
