//! A small fault-injecting HTTP proxy in front of a real OpenBao server, for
//! retry tests: it forwards every request to the server, except that the
//! first N requests matching a rule get an injected answer instead. One request
//! per connection (`Connection: close`); loopback only; bounded reads.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Inject `status` for the next `times` requests whose method is `method` and
/// whose path (after `/v1/`) starts with `path_prefix`.
pub struct Rule {
    pub method: &'static str,
    pub path_prefix: String,
    pub status: u16,
    pub times: AtomicU32,
}

impl Rule {
    pub fn new(method: &'static str, path_prefix: &str, status: u16, times: u32) -> Rule {
        Rule {
            method,
            path_prefix: path_prefix.to_string(),
            status,
            times: AtomicU32::new(times),
        }
    }
}

pub struct FaultProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    /// Every request seen: (method, path, injected status or 0).
    pub seen: Arc<Mutex<Vec<(String, String, u16)>>>,
    accept: Option<thread::JoinHandle<()>>,
}

impl FaultProxy {
    pub fn start(upstream: u16, rules: Vec<Rule>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rules = Arc::new(rules);
        let accept = {
            let stop = stop.clone();
            let seen = seen.clone();
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let rules = rules.clone();
                    let seen = seen.clone();
                    thread::spawn(move || {
                        let _ = handle(conn, upstream, &rules, &seen);
                    });
                }
            })
        };
        FaultProxy {
            port,
            stop,
            seen,
            accept: Some(accept),
        }
    }

    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many answers were injected.
    pub fn injected(&self) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, _, s)| *s != 0)
            .count()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

fn handle(
    mut client: TcpStream,
    upstream: u16,
    rules: &[Rule],
    seen: &Mutex<Vec<(String, String, u16)>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    // The request head.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Ok(());
        }
        let n = client.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let path = target.trim_start_matches("/v1/").to_string();
    let mut length = 0usize;
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0).min(MAX_BODY);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        headers.push(line.to_string());
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }

    let rule = rules.iter().find(|r| {
        r.method == method
            && path.starts_with(&r.path_prefix)
            && r.times
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| t.checked_sub(1))
                .is_ok()
    });
    if let Some(rule) = rule {
        seen.lock().unwrap().push((method, path, rule.status));
        let text = "{\"errors\":[\"injected by the test proxy\"]}";
        write!(
            client,
            "HTTP/1.1 {} Injected\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            rule.status,
            text.len()
        )?;
        let _ = client.shutdown(Shutdown::Both);
        return Ok(());
    }
    seen.lock().unwrap().push((method.clone(), path, 0));
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut out = format!("{request_line}\r\n");
    for h in &headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    server.write_all(out.as_bytes())?;
    server.write_all(&body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    client.write_all(&answer)?;
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}
