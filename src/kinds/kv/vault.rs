//! Vault calls for KV v2 secrets: read (data and version in one request),
//! check-and-set write, destroy, and the metadata of a whole mount in one
//! request.

use super::model::{KvMeta, KvTree, LiveSecret};
use crate::secret::Secret;
use crate::vault::{Vault, VaultError};
use serde_json::Value;
use std::collections::BTreeMap;

/// The parts of a KV v2 read that vaultform uses; the rest of the answer is
/// skipped while decoding.
#[derive(serde::Deserialize)]
struct ReadResponse {
    data: Option<ReadData>,
}

#[derive(serde::Deserialize)]
struct ReadData {
    data: Option<BTreeMap<String, Value>>,
    metadata: Option<ReadMetadata>,
}

#[derive(serde::Deserialize)]
struct ReadMetadata {
    version: Option<u64>,
    created_time: Option<String>,
}

/// Reads a secret's latest version. `None` when the path has never been
/// written (or its metadata was destroyed).
pub async fn read(
    vault: &Vault,
    mount: &str,
    path: &str,
) -> Result<Option<LiveSecret>, VaultError> {
    let api = format!("{mount}/data/{path}");
    let (status, body) = vault.get_as::<ReadResponse>(&api).await?;
    let Some(ReadData { data, metadata }) = body.and_then(|b| b.data) else {
        // 404 without metadata: never written. (A 2xx always has `data`.)
        return Ok(None);
    };
    let (version, created_time) = metadata
        .map(|m| (m.version, m.created_time.unwrap_or_default()))
        .unwrap_or_default();
    Ok(match status {
        200..=299 => Some(LiveSecret {
            version: version.unwrap_or(0),
            created_time,
            data: data.map(|d| d.into_iter().map(|(k, v)| (k, Secret::new(v))).collect()),
            unchanged: None,
        }),
        // A deleted or destroyed latest version: 404 with the metadata in the body.
        _ => version.map(|v| LiveSecret {
            version: v,
            created_time,
            data: None,
            unchanged: None,
        }),
    })
}

/// The body of a KV v2 write, serialised straight from borrowed data.
#[derive(serde::Serialize)]
struct WriteBody<'a> {
    options: WriteOptions,
    data: &'a BTreeMap<String, Value>,
}

#[derive(serde::Serialize)]
struct WriteOptions {
    cas: u64,
}

/// The version a write made and its `created_time` (empty when the answer
/// does not say).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The new version.
    pub version: u64,
    /// Its `created_time`.
    pub created_time: String,
}

/// Writes a whole secret with check-and-set `cas` (0 = must not exist yet).
pub async fn write(
    vault: &Vault,
    mount: &str,
    path: &str,
    data: &BTreeMap<String, Value>,
    cas: u64,
) -> Result<Written, VaultError> {
    let api = format!("{mount}/data/{path}");
    let body = WriteBody {
        options: WriteOptions { cas },
        data,
    };
    // The client waits out a just-enabled mount's upgrade window itself.
    match vault.post(&api, &body).await {
        Ok(answer) => Ok(Written {
            version: answer["data"]["version"].as_u64().unwrap_or(0),
            created_time: answer["data"]["created_time"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        }),
        Err(err) if err.is_cas_mismatch() => Err(VaultError::CasMismatch { path: api, cas }),
        Err(err) => Err(err),
    }
}

/// Step 3: the paths alone: one `SCAN <mount>/metadata/` on OpenBao
/// (recursive), a recursive LIST where the server does not know SCAN
/// (HashiCorp Vault) or the token may list but not scan.
async fn list_tree(vault: &Vault, mount: &str, limit: usize) -> Result<Vec<String>, VaultError> {
    let scan = crate::vault::Method::from_bytes(b"SCAN").map_err(|_| VaultError::Internal {
        what: "SCAN is a valid method token".into(),
    })?;
    let root = format!("{mount}/metadata/");
    let resp = vault.send(scan, &root, None).await?;
    let keys = |body: &Value| -> Vec<String> {
        body["data"]["keys"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out: Vec<String> = match resp.status {
        200..=299 => keys(&resp.body)
            .into_iter()
            .filter(|k| !k.ends_with('/'))
            .take(limit)
            .collect(),
        404 => Vec::new(),
        405 | 400 | 403 => {
            // No SCAN: walk the tree with LIST, breadth first, bounded.
            let mut found = Vec::new();
            let mut dirs = std::collections::VecDeque::from([String::new()]);
            while let Some(dir) = dirs.pop_front() {
                if found.len() >= limit {
                    break;
                }
                let api = format!("{mount}/metadata/{dir}");
                for key in vault.list(api.trim_end_matches('/')).await? {
                    if key.ends_with('/') {
                        // A folder whose name no request may carry is not walked.
                        let sub = format!("{dir}{key}");
                        if crate::kinds::names::path(sub.trim_end_matches('/')).is_ok() {
                            dirs.push_back(sub);
                        }
                    } else if found.len() < limit {
                        found.push(format!("{dir}{key}"));
                    }
                }
            }
            found
        }
        _ => return Err(VaultError::from_response("SCAN", &root, resp)),
    };
    out.sort();
    Ok(out)
}

/// Destroys a secret: every version and its metadata.
pub async fn destroy(vault: &Vault, mount: &str, path: &str) -> Result<(), VaultError> {
    vault.delete(&format!("{mount}/metadata/{path}")).await
}/// How a mount's secrets are listed. The default asks for the most the
/// server gives and falls back on its answer; the test-only environment
/// variable `VAULTFORM_TEST_KV_LISTING` (`list`: no `SCAN`; `list:N`: the
/// same with pages of N entries; `keys`: no metadata at all, as on HashiCorp
/// Vault) forces a fallback, so that tests can prove that every way gives
/// the same plan. Not a user setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    /// `SCAN <mount>/detailed-metadata/`, then the fallbacks.
    Scan,
    /// Paginated `LIST <mount>/detailed-metadata/<dir>` with pages of this
    /// many entries, then keys only.
    List(usize),
    /// Keys only (`SCAN`/`LIST <mount>/metadata/`): nothing can be skipped.
    Keys,
}

/// Entries per page of a paginated `LIST`.
const PAGE: usize = 1000;

impl Listing {
    /// The listing this run uses.
    pub fn current() -> Self {
        let var = std::env::var("VAULTFORM_TEST_KV_LISTING").unwrap_or_default();
        match var.split_once(':') {
            _ if var == "keys" => Self::Keys,
            _ if var == "list" => Self::List(PAGE),
            Some(("list", n)) => Self::List(n.parse().ok().filter(|n| *n > 0).unwrap_or(PAGE)),
            _ => Self::Scan,
        }
    }
}

/// Every secret under a KV v2 mount, at most `limit` of them, with each one's
/// metadata where the server gives it in bulk:
///
/// 1. one `SCAN <mount>/detailed-metadata/` (OpenBao: the whole tree and
///    every secret's metadata in one answer);
/// 2. where SCAN is refused (405 unsupported, 400, 403), paginated
///    `LIST <mount>/detailed-metadata/<dir>?limit=..&after=..`, directory by
///    directory;
/// 3. where that is refused too (HashiCorp Vault has no `detailed-metadata`),
///    the paths alone: `SCAN <mount>/metadata/`, else a recursive LIST.
///
/// `paths` is `None` when the token may do none of these.
pub async fn list_all(vault: &Vault, mount: &str, limit: usize) -> Result<KvTree, VaultError> {
    let listing = Listing::current();
    if listing == Listing::Scan
        && let Some(tree) = scan_detailed(vault, mount, limit).await?
    {
        return Ok(tree);
    }
    let page = match listing {
        Listing::List(n) => n,
        _ => PAGE,
    };
    if listing != Listing::Keys
        && let Some(tree) = list_detailed(vault, mount, limit, page).await?
    {
        return Ok(tree);
    }
    match list_tree(vault, mount, limit).await {
        Ok(paths) => Ok(KvTree {
            paths: Some(paths),
            meta: BTreeMap::new(),
        }),
        Err(VaultError::PermissionDenied { .. }) => Ok(KvTree::default()),
        Err(e) => Err(e),
    }
}

fn method(name: &'static [u8]) -> Result<crate::vault::Method, VaultError> {
    crate::vault::Method::from_bytes(name).map_err(|_| VaultError::Internal {
        what: "SCAN and LIST are valid method tokens".into(),
    })
}

/// Whether an answer means "this server or token does not do that here":
/// try the next way.
fn refused(status: u16) -> bool {
    matches!(status, 400 | 403 | 405 | 501)
}

/// The answer of a detailed-metadata listing; only what vaultform uses is
/// decoded.
#[derive(serde::Deserialize)]
struct DetailedAnswer {
    data: Option<DetailedData>,
}

#[derive(serde::Deserialize, Default)]
struct DetailedData {
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    key_info: BTreeMap<String, RawMeta>,
}

#[derive(serde::Deserialize, Default)]
struct RawMeta {
    #[serde(default)]
    current_version: u64,
    /// Only the newest version's entry is kept while decoding.
    #[serde(default, deserialize_with = "newest_version")]
    versions: Option<(u64, RawVersion)>,
}

#[derive(serde::Deserialize, Default)]
struct RawVersion {
    #[serde(default)]
    created_time: String,
    #[serde(default)]
    deletion_time: String,
    #[serde(default)]
    destroyed: bool,
}

/// Decodes a `versions` map keeping only the entry of the highest version:
/// the current one (versions are made in order; a listing whose
/// `current_version` is another is not trusted, and the secret is read).
fn newest_version<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<(u64, RawVersion)>, D::Error> {
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Option<(u64, RawVersion)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of versions")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut best: Option<(u64, RawVersion)> = None;
            while let Some((k, v)) = map.next_entry::<String, RawVersion>()? {
                let Ok(n) = k.parse::<u64>() else { continue };
                if best.as_ref().is_none_or(|(b, _)| n > *b) {
                    best = Some((n, v));
                }
            }
            Ok(best)
        }
    }
    d.deserialize_any(Visit)
}

impl RawMeta {
    fn into_meta(self) -> KvMeta {
        let current = self.current_version;
        match self.versions {
            Some((n, v)) if n == current => KvMeta {
                current_version: current,
                created_time: v.created_time,
                deleted: !v.deletion_time.is_empty(),
                destroyed: v.destroyed,
            },
            // No entry for the current version: nothing to match.
            _ => KvMeta {
                current_version: current,
                ..KvMeta::default()
            },
        }
    }
}

/// Adds one answer's secrets (`dir` + key) to `tree`; returns its sub-directories.
fn take(tree: &mut KvTree, dir: &str, data: DetailedData, limit: usize) -> Vec<String> {
    let paths = tree.paths.get_or_insert_with(Vec::new);
    let mut info = data.key_info;
    let mut dirs = Vec::new();
    for key in data.keys {
        if key.ends_with('/') {
            dirs.push(format!("{dir}{key}"));
            continue;
        }
        if paths.len() >= limit {
            continue;
        }
        let path = format!("{dir}{key}");
        if let Some(m) = info.remove(&key) {
            tree.meta.insert(path.clone(), m.into_meta());
        }
        paths.push(path);
    }
    dirs
}

/// Step 1: one SCAN. `None` when the server refuses it.
async fn scan_detailed(
    vault: &Vault,
    mount: &str,
    limit: usize,
) -> Result<Option<KvTree>, VaultError> {
    let root = format!("{mount}/detailed-metadata/");
    let answer = vault
        .fetch_as::<DetailedAnswer>(method(b"SCAN")?, &root, &[])
        .await?;
    let data = match answer {
        Ok(a) => a.data.unwrap_or_default(),
        // An empty mount.
        Err(r) if r.status == 404 && r.body.get("errors").is_some_and(is_empty_list) => {
            DetailedData::default()
        }
        Err(r) if refused(r.status) || r.status == 404 => return Ok(None),
        Err(r) => return Err(VaultError::from_response("SCAN", &root, r)),
    };
    let mut tree = KvTree {
        paths: Some(Vec::new()),
        meta: BTreeMap::new(),
    };
    take(&mut tree, "", data, limit);
    if let Some(p) = &mut tree.paths {
        p.sort();
    }
    Ok(Some(tree))
}

fn is_empty_list(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// Step 2: paginated LIST, directory by directory. `None` when the server
/// refuses it at the mount's root.
async fn list_detailed(
    vault: &Vault,
    mount: &str,
    limit: usize,
    page: usize,
) -> Result<Option<KvTree>, VaultError> {
    let list = method(b"LIST")?;
    let mut tree = KvTree {
        paths: Some(Vec::new()),
        meta: BTreeMap::new(),
    };
    let mut dirs = std::collections::VecDeque::from([String::new()]);
    let page_size = page;
    let page = page.to_string();
    while let Some(dir) = dirs.pop_front() {
        let api = format!("{mount}/detailed-metadata/{dir}");
        let mut after: Option<String> = None;
        loop {
            if tree.paths.as_ref().is_some_and(|p| p.len() >= limit) {
                break;
            }
            let mut query = vec![("limit", page.as_str())];
            if let Some(a) = &after {
                query.push(("after", a.as_str()));
            }
            let answer = vault
                .fetch_as::<DetailedAnswer>(list.clone(), api.trim_end_matches('/'), &query)
                .await?;
            let data = match answer {
                Ok(a) => a.data.unwrap_or_default(),
                Err(r) if r.status == 404 && r.body.get("errors").is_some_and(is_empty_list) => {
                    DetailedData::default()
                }
                Err(r) if dir.is_empty() && (refused(r.status) || r.status == 404) => {
                    return Ok(None);
                }
                Err(r) => return Err(VaultError::from_response("LIST", &api, r)),
            };
            let last = data.keys.last().cloned();
            let full = data.keys.len() >= page_size;
            for sub in take(&mut tree, &dir, data, limit) {
                // A folder whose name no request may carry is not walked.
                if crate::kinds::names::path(sub.trim_end_matches('/')).is_ok() {
                    dirs.push_back(sub);
                }
            }
            match last {
                Some(l) if full => after = Some(l),
                _ => break,
            }
        }
    }
    if let Some(p) = &mut tree.paths {
        p.sort();
    }
    Ok(Some(tree))
}
