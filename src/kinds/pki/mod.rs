//! PKI (a `pki` mount): the issuing URLs, certificate authorities generated
//! inside Vault (the key never leaves it) and the roles certificates are
//! issued with.
//!
//! ```toml
//! [mounts.pki]
//! type = "pki"
//! max_lease_ttl = "87600h"
//!
//! [mounts.pki.urls]
//! issuing_certificates = ["https://vault.example.com/v1/pki/ca"]
//!
//! [mounts.pki.issuers.root-2026]
//! common_name = "Example Root CA"
//! key_type = "ec"
//! ttl = "87600h"
//!
//! [mounts.pki.roles.web]
//! allowed_domains = ["example.com"]
//! allow_subdomains = true
//! max_ttl = "72h"
//!
//! [mounts.pki_int]
//! type = "pki"
//!
//! [mounts.pki_int.intermediates.int-2026]
//! common_name = "Example Intermediate CA"
//! signed_by = "pki/root-2026"
//! ttl = "43800h"
//! ```
//!
//! Four kinds: `pki_urls` (one settings object per mount) and `pki_role`
//! (named items) are field tables; `pki_issuer` (a root CA) and
//! `pki_intermediate` (an intermediate CA whose key is generated in its
//! mount and whose certificate a root issuer of the manifest signs) are
//! written here. An issuer is
//! named by its `issuer_name`; its common name, key and TTL are creation
//! parameters of the root certificate, which vaultform generates when the
//! issuer is missing and never regenerates (the server does not return them
//! in a form vaultform compares: a changed `common_name` is not drift).
//! Deleting an issuer destroys its key: destructive, `--allow-destroy`.

use super::contract::{KindDef, PlanCx, ReadFuture, Section, Store, Wave};
use super::fields::FieldType;
use super::table::{DesiredFields, ParentRule, TableKind};
use crate::diag::Problem;
use crate::model::plan::{Action, Change, FieldChange};
use crate::kinds::mount::LiveBackend;
use crate::model::{Address, Desired, Kind, Live};
use crate::names::{self};
use crate::vault::{Vault, VaultError};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A PKI mount's issuing URLs (`<mount>/config/urls`).
pub const URLS: Kind = Kind::new(26, "pki_urls");
/// A root certificate authority generated inside a PKI mount.
pub const ISSUER: Kind = Kind::new(27, "pki_issuer");
/// An intermediate certificate authority generated inside a PKI mount and
/// signed by a root issuer; after the roots (a signer must exist first).
pub const INTERMEDIATE: Kind = Kind::new(28, "pki_intermediate");
/// A role certificates are issued with (`<mount>/roles/<name>`).
pub const ROLE: Kind = Kind::new(29, "pki_role");

const PKI: ParentRule = ParentRule {
    accepts: |t, _| t == "pki",
    needs: "a `pki` mount",
    help: "declare [mounts.{mount}] with type = \"pki\"",
    code: "vaultform::manifest::wrong_mount",
    nested_code: "vaultform::manifest::wrong_mount",
};

const KEY_TYPES: &[(&str, &str)] = &[
    ("rsa", "rsa"),
    ("ec", "ec"),
    ("ed25519", "ed25519"),
    ("any", "any"),
];

/// `[mounts.M.urls]`.
pub static PKI_URLS: TableKind = TableKind {
    kind: URLS,
    about: "a PKI mount's issuing URLs (`<mount>/config/urls`)",
    noun: None,
    what: "PKI URLs",
    parent: Kind::MOUNT,
    parent_rule: PKI,
    list: None,
    item: "{mount}/config/urls",
    fixed_mount: None,
    required: &[],
    rules: None,
    fields: &[&[
        ("issuing_certificates", FieldType::List),
        ("crl_distribution_points", FieldType::List),
        ("ocsp_servers", FieldType::List),
    ]],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "urls",
    }],
    declare: None,
    extra_keys: &[],
};

/// `[mounts.M.roles.NAME]` on a PKI mount.
pub static PKI_ROLES: TableKind = TableKind {
    kind: ROLE,
    about: "a PKI role (`<mount>/roles/<name>`)",
    noun: Some("PKI role(s)"),
    what: "PKI role",
    parent: Kind::MOUNT,
    parent_rule: PKI,
    list: Some("{mount}/roles"),
    item: "{mount}/roles/{name}",
    fixed_mount: None,
    required: &[],
    rules: None,
    fields: &[&[
        ("issuer_ref", FieldType::Str),
        ("allowed_domains", FieldType::List),
        ("allow_subdomains", FieldType::Bool),
        ("allow_bare_domains", FieldType::Bool),
        ("allow_glob_domains", FieldType::Bool),
        ("allow_wildcard_certificates", FieldType::Bool),
        ("allow_any_name", FieldType::Bool),
        ("allow_localhost", FieldType::Bool),
        ("allow_ip_sans", FieldType::Bool),
        ("enforce_hostnames", FieldType::Bool),
        ("server_flag", FieldType::Bool),
        ("client_flag", FieldType::Bool),
        ("require_cn", FieldType::Bool),
        ("no_store", FieldType::Bool),
        ("key_type", FieldType::Choice(KEY_TYPES)),
        ("key_bits", FieldType::Int),
        ("ttl", FieldType::Duration),
        ("max_ttl", FieldType::Duration),
        ("organization", FieldType::List),
        ("ou", FieldType::List),
        ("country", FieldType::List),
    ]],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "roles",
    }],
    declare: None,
    extra_keys: &[],
};

/// A CA's creation parameters, and whether it is the mount's default issuer
/// (root issuers and intermediates alike).
const CA_FIELDS: &[(&str, FieldType)] = &[
        ("common_name", FieldType::Str),
        ("default", FieldType::Bool),
        ("key_type", FieldType::Choice(KEY_TYPES)),
        ("key_bits", FieldType::Int),
        ("ttl", FieldType::Duration),
        ("organization", FieldType::Str),
        ("ou", FieldType::Str),
        ("country", FieldType::Str),
];

/// The declaration of an issuer: a field table, read with [`ISSUER_TABLE`]'s
/// declaration; the creation parameters of its root certificate.
static ISSUER_TABLE: TableKind = TableKind {
    kind: ISSUER,
    about: "a certificate authority generated inside a PKI mount",
    noun: Some("PKI issuer(s)"),
    what: "PKI issuer",
    parent: Kind::MOUNT,
    parent_rule: PKI,
    list: Some("{mount}/issuers"),
    item: "{mount}/issuer/{name}",
    fixed_mount: None,
    required: &["common_name"],
    rules: None,
    fields: &[CA_FIELDS],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "issuers",
    }],
    declare: None,
    extra_keys: &[],
};

/// The declaration of an intermediate CA: the creation parameters of its
/// key and certificate, and the root issuer that signs it.
static INTERMEDIATE_TABLE: TableKind = TableKind {
    kind: INTERMEDIATE,
    about: "an intermediate certificate authority generated inside a PKI mount, signed by a root issuer",
    noun: Some("PKI intermediate(s)"),
    what: "PKI intermediate",
    parent: Kind::MOUNT,
    parent_rule: PKI,
    list: Some("{mount}/issuers"),
    item: "{mount}/issuer/{name}",
    fixed_mount: None,
    required: &["common_name", "signed_by"],
    rules: None,
    fields: &[CA_FIELDS, &[("signed_by", FieldType::Str)]],
    sections: &[Section::Nested {
        parent: Kind::MOUNT,
        key: "intermediates",
    }],
    declare: None,
    extra_keys: &[],
};

/// An issuer as the server lists it (`<mount>/issuers` `key_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveIssuer {
    /// The issuer's ID (what the API deletes by).
    pub id: String,
    /// Whether it is the mount's default issuer.
    pub is_default: bool,
    /// Its certificate, chain and key, read only for `vaultform import`.
    pub details: Option<IssuerDetails>,
}

/// What `<mount>/issuer/<id>` says of an issuer (read for `vaultform import`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerDetails {
    /// Its certificate (PEM).
    pub certificate: String,
    /// `ca_chain`: its certificate, then the ones that signed it.
    pub chain: Vec<String>,
    /// Whether the mount holds its key (an imported chain's CA does not).
    pub has_key: bool,
}

impl IssuerDetails {
    /// Whether it signed itself (a root): its chain is itself alone.
    fn is_root(&self) -> bool {
        self.chain.len() <= 1
    }
}

/// The subject of a PEM certificate as the CA fields that declare it
/// (`common_name`, `organization`, `ou`, `country`); `None` when it does not
/// parse or has no common name.
fn subject_fields(pem: &str) -> Option<toml::Table> {
    use x509_parser::prelude::*;
    let (_, pem) = parse_x509_pem(pem.trim().as_bytes()).ok()?;
    let (_, cert) = X509Certificate::from_der(&pem.contents).ok()?;
    let subject = cert.subject();
    let first = |it: &mut dyn Iterator<Item = &AttributeTypeAndValue<'_>>| {
        it.next()
            .and_then(|a| a.as_str().ok())
            .map(|s| toml::Value::String(s.to_string()))
    };
    let mut t = toml::Table::new();
    t.insert("common_name".into(), first(&mut subject.iter_common_name())?);
    for (field, v) in [
        ("organization", first(&mut subject.iter_organization())),
        ("ou", first(&mut subject.iter_organizational_unit())),
        ("country", first(&mut subject.iter_country())),
    ] {
        if let Some(v) = v {
            t.insert(field.into(), v);
        }
    }
    Some(t)
}

/// PKI certificate authorities: roots (`INTERMEDIATE = false`) or
/// intermediates.
pub struct Issuers<const INTERMEDIATE: bool>;

/// The registry's entry for root issuers.
pub static PKI_ISSUERS: Issuers<false> = Issuers;
/// The registry's entry for intermediates.
pub static PKI_INTERMEDIATES: Issuers<true> = Issuers;

impl<const I: bool> Issuers<I> {
    const TABLE: &'static TableKind = if I {
        &INTERMEDIATE_TABLE
    } else {
        &ISSUER_TABLE
    };
    const KIND: Kind = if I { INTERMEDIATE } else { ISSUER };

    /// `vaultform import`: each listed issuer's certificate, chain and key.
    fn read_details<'a>(&'static self, vault: &'a Vault, live: &Live) -> Vec<ReadFuture<'a>> {
        live.items
            .iter::<LiveIssuer>(Self::KIND)
            .filter(|(_, l)| names::role_name(&l.id).is_ok())
            .filter_map(|(key, l)| {
                let (mount, _) = key.rsplit_once('/')?;
                let path = format!("{mount}/issuer/{}", l.id);
                let key = key.clone();
                Some(
                    async move {
                        let body = vault.read(&path).await?.unwrap_or(Value::Null);
                        let data = &body["data"];
                        let strings = |v: &Value| -> Vec<String> {
                            v.as_array()
                                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                                .unwrap_or_default()
                        };
                        let details = data["certificate"].as_str().map(|c| IssuerDetails {
                            certificate: c.to_string(),
                            chain: strings(&data["ca_chain"]),
                            has_key: data["key_id"].as_str().is_some_and(|k| !k.is_empty()),
                        });
                        let store: Store = Box::new(move |live: &mut Live| {
                            if let Some(l) = live.items.get_mut::<LiveIssuer>(Self::KIND, &key) {
                                l.details = details;
                            }
                        });
                        Ok(store)
                    }
                    .boxed(),
                )
            })
            .collect()
    }

    /// The root issuer an intermediate names in `signed_by`, as an address.
    fn signer(d: &DesiredFields) -> Option<Address> {
        match d.fields.get("signed_by") {
            Some(super::fields::FieldValue::Str(s)) => Some(Address::new(ISSUER, s.clone())),
            _ => None,
        }
    }
}

/// Creates an intermediate CA: a key and CSR generated in its mount (never
/// exported), the certificate signed by the root issuer, imported back, and
/// the new issuer named.
async fn create_intermediate(
    vault: &Vault,
    mount: &str,
    name: &str,
    d: &DesiredFields,
) -> Result<(), VaultError> {
    let field = |k: &str| d.fields.get(k).map(|v| v.to_json());
    let Some((signer_mount, signer)) = d
        .fields
        .get("signed_by")
        .and_then(|v| match v {
            super::fields::FieldValue::Str(s) => s.rsplit_once('/'),
            _ => None,
        })
        .map(|(m, n)| (m.to_string(), n.to_string()))
    else {
        return Err(VaultError::Internal {
            what: format!("pki_intermediate.{mount}/{name} has no signed_by"),
        });
    };
    // Names checked like every address before they reach a path.
    names::mount_path(&signer_mount)
        .and_then(|()| names::role_name(&signer))
        .map_err(|e| VaultError::Internal {
            what: format!("signed_by of pki_intermediate.{mount}/{name}: {e}"),
        })?;
    let mut generate = Map::new();
    for k in ["common_name", "key_type", "key_bits", "organization", "ou", "country"] {
        if let Some(v) = field(k) {
            generate.insert(k.into(), v);
        }
    }
    // Not repeated after an unknown outcome: a second key would be made.
    let csr = vault
        .write_once(
            &format!("{mount}/intermediate/generate/internal"),
            &Value::Object(generate),
        )
        .await?;
    let csr = csr["data"]["csr"].as_str().unwrap_or_default().to_string();
    let mut sign = Map::new();
    sign.insert("csr".into(), Value::from(csr));
    sign.insert("issuer_ref".into(), Value::from(signer.as_str()));
    for k in ["common_name", "ttl", "organization", "ou", "country"] {
        if let Some(v) = field(k) {
            sign.insert(k.into(), v);
        }
    }
    let signed = vault
        .write_once(
            &format!("{signer_mount}/root/sign-intermediate"),
            &Value::Object(sign),
        )
        .await?;
    let bundle = format!(
        "{}\n{}",
        signed["data"]["certificate"].as_str().unwrap_or_default(),
        signed["data"]["issuing_ca"].as_str().unwrap_or_default()
    );
    let imported = vault
        .write(
            &format!("{mount}/intermediate/set-signed"),
            &serde_json::json!({ "certificate": bundle }),
        )
        .await?;
    // The imported issuer that has a key is the intermediate (the root's
    // certificate comes along without one).
    let id = imported["data"]["mapping"]
        .as_object()
        .and_then(|m| {
            m.iter()
                .find(|(_, key)| key.as_str().is_some_and(|k| !k.is_empty()))
                .map(|(id, _)| id.clone())
        })
        .ok_or_else(|| VaultError::Internal {
            what: format!("{mount}/intermediate/set-signed imported no issuer with a key"),
        })?;
    names::role_name(&id).map_err(|e| VaultError::Internal {
        what: format!("an issuer ID from the server: {e}"),
    })?;
    vault
        .write(
            &format!("{mount}/issuer/{id}"),
            &serde_json::json!({ "issuer_name": name }),
        )
        .await?;
    if matches!(
        d.fields.get("default"),
        Some(super::fields::FieldValue::Bool(true))
    ) {
        vault
            .write(
                &format!("{mount}/config/issuers"),
                &serde_json::json!({ "default": id }),
            )
            .await?;
    }
    Ok(())
}

impl<const I: bool> KindDef for Issuers<I> {
    super::table::from_table!((*Self::TABLE));

    /// Roots (a chain of one) as issuers, the others as intermediates
    /// signed by the root issuer (on any PKI mount) whose certificate is the
    /// next in their chain: the subject's fields, `signed_by`, `default`.
    /// A declared issuer that exists is never generated again (only
    /// `default` is compared), so these plan no change; on a fresh server
    /// they make new keys with the same names and subjects. CAs without a
    /// key in their mount (an imported chain's) are left out.
    fn export(&self, live: &Live, out: &mut crate::kinds::export::Export) {
        for (key, l) in live.items.iter::<LiveIssuer>(Self::KIND) {
            let Some((mount, name)) = key.rsplit_once('/') else {
                continue;
            };
            let address = Address::new(Self::KIND, key.clone());
            let details = l.details.as_ref().or_else(|| {
                live.items
                    .get::<LiveIssuer>(ISSUER, key)
                    .and_then(|r| r.details.as_ref())
            });
            let Some(d) = details else {
                continue;
            };
            if d.is_root() == I
                || !(out.parents.contains(&address) || out.wants(Self::KIND, Some(mount), key))
                || out.owned_elsewhere(live, &address)
            {
                continue;
            }
            if !d.has_key {
                out.notes.push(format!(
                    "{address}: a CA certificate without its key in the mount (an imported chain): not managed"
                ));
                continue;
            }
            let Some(mut t) = subject_fields(&d.certificate) else {
                out.notes.push(format!("{address}: its certificate has no common name vaultform can read"));
                continue;
            };
            if I {
                let signer = d.chain.get(1).and_then(|parent| {
                    live.items.iter::<LiveIssuer>(ISSUER).find(|(_, r)| {
                        r.details.as_ref().is_some_and(|rd| {
                            rd.is_root() && rd.has_key && rd.certificate.trim() == parent.trim()
                        })
                    })
                });
                let Some((root, _)) = signer else {
                    out.notes.push(format!(
                        "{address}: signed by a CA that is not a root issuer on this server; declare it by hand"
                    ));
                    continue;
                };
                t.insert("signed_by".into(), toml::Value::String(root.clone()));
                out.parents.insert(Address::new(ISSUER, root.clone()));
            }
            if l.is_default {
                t.insert("default".into(), toml::Value::Boolean(true));
            }
            let section = if I { "intermediates" } else { "issuers" };
            out.declare(
                &address,
                &["mounts", mount, section, name],
                t,
                Some(Address::new(Kind::MOUNT, mount.to_string())),
            );
        }
    }

    fn destructive(&self) -> bool {
        true
    }
    fn depends_on(&self, desired: &Desired, name: &str) -> Vec<Address> {
        let mut out = Self::TABLE.depends_on(desired, name);
        if let Some(a) = desired
            .items
            .get::<DesiredFields>(Self::KIND, name)
            .and_then(Self::signer)
        {
            out.push(a);
        }
        out
    }
    fn check(&self, desired: &Desired, live: &Live) -> Vec<Problem> {
        let mut problems = Self::TABLE.check(desired, live);
        for (key, d) in desired.items.iter::<DesiredFields>(Self::KIND) {
            let Some(signer) = Self::signer(d) else {
                continue;
            };
            if !desired.items.contains(ISSUER, &signer.name) {
                problems.push(desired.problem_at(
                    &Address::new(Self::KIND, key.clone()),
                    "vaultform::manifest::unknown_issuer",
                    format!(
                        "intermediate `{key}` is signed_by `{}`, which is not a root issuer of the manifest",
                        names::excerpt(&signer.name)
                    ),
                    "write \"<pki mount>/<issuer>\" of a [mounts.<pki mount>.issuers.<issuer>] declared here".to_string(),
                ));
            }
        }
        problems
    }

    /// One list per PKI mount that declared or managed issuers live on; the
    /// list's `key_info` names them.
    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>> {
        // The details are read once, by the root issuers' kind (both kinds
        // list every issuer of a mount); intermediates look them up there.
        if wave == Wave::Items && live.everything && !I {
            return self.read_details(vault, live);
        }
        if wave != Wave::Lists {
            return Vec::new();
        }
        let mut mounts: BTreeSet<String> = desired
            .items
            .names(Self::KIND)
            .chain(live.managed.names(Self::KIND))
            .filter_map(|k| k.rsplit_once('/').map(|(m, _)| m.to_string()))
            .filter(|m| live.exists(Kind::MOUNT, m))
            .collect();
        if live.everything {
            mounts.extend(
                live.items
                    .iter::<LiveBackend>(Kind::MOUNT)
                    .filter(|(p, b)| b.type_name == "pki" && names::mount_path(p).is_ok())
                    .map(|(p, _)| p.clone()),
            );
        }
        mounts
            .into_iter()
            .map(|mount| {
                async move {
                    let path = format!("{mount}/issuers");
                    let list = crate::vault::Method::from_bytes(b"LIST").map_err(|_| {
                        VaultError::Internal {
                            what: "LIST is a valid method token".into(),
                        }
                    })?;
                    let resp = vault.send(list, &path, None).await?;
                    let body = match resp.status {
                        200..=299 => resp.body,
                        404 => Value::Null,
                        _ => return Err(VaultError::from_response("LIST", &path, resp)),
                    };
                    let mut found = Vec::new();
                    if let Some(info) = body["data"]["key_info"].as_object() {
                        for (id, v) in info {
                            let Some(name) = v["issuer_name"].as_str() else {
                                continue;
                            };
                            if names::role_name(name).is_err() {
                                continue;
                            }
                            let l = LiveIssuer {
                                id: id.clone(),
                                is_default: v["is_default"].as_bool().unwrap_or(false),
                                details: None,
                            };
                            found.push((format!("{mount}/{name}"), l));
                        }
                    }
                    let store: Store = Box::new(move |live: &mut Live| {
                        for (key, l) in found {
                            live.items.insert(Self::KIND, key, l);
                        }
                    });
                    Ok(store)
                }
                .boxed()
            })
            .collect()
    }

    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change> {
        let d = cx.desired.items.get::<DesiredFields>(Self::KIND, &address.name);
        let l = cx.live.items.get::<LiveIssuer>(Self::KIND, &address.name);
        let wants_default = |d: &DesiredFields| {
            matches!(
                d.fields.get("default"),
                Some(super::fields::FieldValue::Bool(true))
            )
        };
        match (d, l) {
            (None, None) => None,
            (Some(d), Some(l)) if wants_default(d) && !l.is_default => {
                let mut c = Change::new(address.clone(), Action::Update);
                c.fields.push(FieldChange::new(
                    "default",
                    Some("false".into()),
                    Some("true".into()),
                ));
                Some(c)
            }
            (Some(_), Some(_)) => None,
            (None, Some(_)) => {
                let mut c = Change::new(address.clone(), Action::Delete);
                c.destructive = true;
                Some(c)
            }
            (Some(d), None) => {
                let mut c = Change::new(address.clone(), Action::Create);
                c.fields = d
                    .fields
                    .iter()
                    .map(|(k, v)| FieldChange::new(k.clone(), None, Some(v.display(k))))
                    .collect();
                Some(c)
            }
        }
    }

    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        live: &'a Live,
        _key: &'a crate::secret::FingerprintKey,
    ) -> BoxFuture<'a, Result<crate::kinds::contract::Applied, VaultError>> {
        crate::kinds::contract::nothing_known(async move {
            let key = &change.address.name;
            let missing = || VaultError::Internal {
                what: format!("{} is not in the manifest", change.address),
            };
            let (mount, name) = key.rsplit_once('/').ok_or_else(missing)?;
            match change.action {
                Action::Adopt | Action::Replace => Ok(()),
                Action::Update => {
                    // The only thing that changes in place: which issuer is
                    // the mount's default.
                    let Some(l) = live.items.get::<LiveIssuer>(Self::KIND, key) else {
                        return Err(missing());
                    };
                    let body = serde_json::json!({ "default": l.id });
                    vault
                        .write(&format!("{mount}/config/issuers"), &body)
                        .await
                        .map(drop)
                }
                Action::Delete => {
                    let Some(l) = live.items.get::<LiveIssuer>(Self::KIND, key) else {
                        return Ok(());
                    };
                    vault.delete(&format!("{mount}/issuer/{}", l.id)).await
                }
                Action::Create => {
                    let d = desired
                        .items
                        .get::<DesiredFields>(Self::KIND, key)
                        .ok_or_else(missing)?;
                    if I {
                        return create_intermediate(vault, mount, name, d).await;
                    }
                    let mut body: Map<String, Value> = d
                        .fields
                        .iter()
                        .filter(|(k, _)| k.as_str() != "default")
                        .map(|(k, v)| (k.clone(), v.to_json()))
                        .collect();
                    body.insert("issuer_name".into(), Value::from(name));
                    // Not repeated after an unknown outcome: a second
                    // generation would make a second CA.
                    vault
                        .write_once(
                            &format!("{mount}/root/generate/internal"),
                            &Value::Object(body),
                        )
                        .await
                        .map(drop)
                }
            }
        })
    }

    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live) {
        let key = change.address.name.clone();
        match change.action {
            Action::Delete => {
                live.items.remove(Self::KIND, &key);
            }
            _ => {
                let default = desired
                    .items
                    .get::<DesiredFields>(Self::KIND, &key)
                    .is_some_and(|d| {
                        matches!(
                            d.fields.get("default"),
                            Some(super::fields::FieldValue::Bool(true))
                        )
                    });
                let mut l = live
                    .items
                    .get::<LiveIssuer>(Self::KIND, &key)
                    .cloned()
                    .unwrap_or(LiveIssuer {
                        id: format!("id-{key}"),
                        is_default: false,
                        details: None,
                    });
                l.is_default |= default;
                live.items.insert(Self::KIND, key, l);
            }
        }
    }

    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live) {
        use rand::Rng;
        for n in ["a", "b", "c"] {
            let mount = if I { "pki_int" } else { "pki" };
            let key = format!("{mount}/{n}");
            if rng.gen_bool(0.5) {
                let d = DesiredFields {
                    kind: Self::KIND,
                    mount: mount.into(),
                    name: n.into(),
                    fields: BTreeMap::from([
                        (
                            "common_name".to_string(),
                            super::fields::FieldValue::Str(format!("CA {n}")),
                        ),
                        (
                            "default".to_string(),
                            super::fields::FieldValue::Bool(rng.gen_bool(0.5)),
                        ),
                    ]),
                };
                desired.items.insert(Self::KIND, key.clone(), d);
            }
            if rng.gen_bool(0.5) {
                let l = LiveIssuer {
                    id: format!("id-{n}"),
                    is_default: n == "a",
                    details: None,
                };
                live.items.insert(Self::KIND, key, l);
            }
        }
    }
}
