//! The contract of a resource kind: everything vaultform knows about one kind,
//! behind one trait. The live reader, the planner, the applier, `--target`,
//! `validate` and the property test loop over [`REGISTRY`](super::REGISTRY)
//! and name no kind.
//!
//! A kind implements [`KindDef`] in its own folder (`kinds/<kind>/`) and is
//! listed once in the registry. Most kinds are "a list path, an item
//! path and a table of typed fields": those are a [`TableKind`](super::table::TableKind)
//! value, not code.

use super::declare::{Sources, Val, Walker};
use crate::diag::Problem;
use crate::model::plan::{Change, Plan};
use crate::model::{Address, Desired, Kind, Live};
use crate::names::NameError;
use crate::secret::FingerprintKey;
use crate::vault::{Vault, VaultError};
use futures::future::BoxFuture;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// What a finished read does to the live state (stores what it read).
pub type Store = Box<dyn FnOnce(&mut Live) + Send>;

/// One pending read of the live state.
pub type ReadFuture<'a> = BoxFuture<'a, Result<Store, VaultError>>;

/// What applying one change tells later plans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The resource's entry for the known record ([`crate::model::Known`]):
    /// what a later plan may take as unchanged without reading it. `None`:
    /// nothing (a later plan reads it).
    pub known: Option<String>,
}

/// One change made, nothing known: what most kinds' `apply` returns.
pub fn nothing_known<'a>(
    change: impl std::future::Future<Output = Result<(), VaultError>> + Send + 'a,
) -> BoxFuture<'a, Result<Applied, VaultError>> {
    use futures::{FutureExt, TryFutureExt};
    change.map_ok(|()| Applied::default()).boxed()
}

/// The live state is read in three waves; each wave's reads of every kind go
/// through one stream with bounded concurrency, and each wave sees what the
/// waves before it stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wave {
    /// Whole-server lists that need nothing else (`sys/mounts`, `sys/auth`,
    /// the policy names).
    Root,
    /// Lists inside a mount found in the root wave (the roles of an auth method).
    Lists,
    /// Reads of single resources the lists say exist.
    Items,
}

/// What the planner gives a kind.
pub struct PlanCx<'a> {
    /// The manifest.
    pub desired: &'a Desired,
    /// The server.
    pub live: &'a Live,
    /// The key of the plan's fingerprints.
    pub fp: &'a FingerprintKey,
    /// The addresses this manifest manages (its record, and what it takes over).
    pub managed: &'a BTreeSet<Address>,
}

/// Where a kind is declared in the manifest, when the kind reads its own
/// declaration (the built-in kinds' sections are read by the loader).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// A top-level table of its own: `[KEY.NAME]` (`[audit.file]`).
    Top(&'static str),
    /// Inside another kind's section: `[mounts.NAME.KEY]`.
    Nested {
        /// The kind whose section holds it.
        parent: Kind,
        /// The key inside that section.
        key: &'static str,
    },
}

/// What a kind's declaration is given.
pub struct Declare<'a, 'w> {
    /// Typed reads of the TOML value that record problems.
    pub w: &'w mut Walker,
    /// The desired state so far (for a nested kind, the parent is in it).
    pub desired: &'w mut Desired,
    /// Secret values and deferred references, from the manifest loader.
    pub sources: &'w mut dyn Sources,
    /// The parent's name (`secret` for `[mounts.secret.kv_config]`); empty
    /// for a top-level section.
    pub parent: &'a str,
    /// The parent's type (`kv`, `approle`); empty for a top-level section.
    pub parent_type: &'a str,
    /// Where the parent (or the section's key) is declared.
    pub parent_span: Range<usize>,
}

impl Declare<'_, '_> {
    /// Records that `address` is declared at `span`; `false`, with a
    /// problem there, if it already was (a resource written by hand and
    /// again by a template's instance: TOML itself cannot tell).
    pub fn claim(&mut self, address: Address, span: Range<usize>) -> bool {
        if let Some(first) = self.desired.origins.get(&address).cloned() {
            let (line, col) = crate::diag::line_col(self.desired.source.inner(), first.start);
            self.w.problem(
                "vaultform::manifest::duplicate",
                span,
                format!("`{address}` is declared twice (first at line {line}, column {col})"),
                "declared again here",
                "keep one declaration",
            );
            return false;
        }
        self.desired.origins.insert(address, span);
        true
    }
}

/// Everything vaultform knows about one kind of resource.
pub trait KindDef: Send + Sync + 'static {
    /// Its name and dependency rank.
    fn kind(&self) -> Kind;

    /// One line for people: what it is and where it lives in Vault.
    fn about(&self) -> &'static str;

    /// How `validate` counts it (`"mount(s)"`); kinds with the same words are
    /// counted together. `None`: not counted.
    fn noun(&self) -> Option<&'static str> {
        None
    }

    /// Checks a name of this kind, wherever it comes from (the manifest, the
    /// ownership record, a saved plan, `--target`): nothing is ever built
    /// from an unchecked name.
    fn check_name(&self, name: &str) -> Result<(), NameError>;

    /// Whether resources of this kind are kept in the ownership record.
    /// `false` for local things (delivered credentials): created and updated
    /// for what the manifest declares, never adopted, never deleted.
    fn recorded(&self) -> bool {
        true
    }

    /// Names Vault makes itself, never managed (`sys`, `default`, ...).
    fn builtin(&self, _desired: &Desired, _name: &str) -> bool {
        false
    }

    /// Whether creating, replacing or deleting it destroys data beyond itself
    /// (shown and guarded by `--allow-destroy`). Decided by the diff; this is
    /// for documentation.
    fn destructive(&self) -> bool {
        false
    }

    /// Where it is declared in the manifest: a top-level section of its own,
    /// or tables inside another kind's section (some kinds are both:
    /// `[approles.NAME]` and `[auth.MOUNT.roles.NAME]`). Empty for kinds
    /// another kind declares (credentials, inside their AppRole).
    fn sections(&self) -> &'static [Section] {
        &[]
    }

    /// For a nested kind, whether a parent of this type (and options) can
    /// hold it (`roles` under an `approle` auth method are AppRole roles).
    fn accepts_parent(&self, _type_name: &str, _options: &BTreeMap<String, String>) -> bool {
        true
    }

    /// For a nested kind, what its parent must be (for messages: "a KV v2
    /// mount") and the diagnostic code when it is declared under another.
    fn parent_rule(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// The JSON Schema of the value at one of its [`KindDef::sections`]
    /// (`[KEY]` or `[PARENT.NAME.KEY]` as a whole), made from the same
    /// tables its declaration reads, for `vaultform schema` and editors.
    /// `None`: any table (the schema cannot say more).
    fn schema(&self, _section: Section) -> Option<serde_json::Value> {
        None
    }

    /// Reads its declaration (the value of one of its [`KindDef::sections`])
    /// into `cx.desired`, recording problems with their places.
    fn declare(&self, _cx: &mut Declare<'_, '_>, _value: &Val<'_>) {}

    /// What the declared `name` depends on (created first; `--target` takes
    /// them along).
    fn depends_on(&self, _desired: &Desired, _name: &str) -> Vec<Address> {
        Vec::new()
    }

    /// Completes the declaration with facts only the server knows (a secret
    /// whose mount is not declared sits on the longest mount the server has).
    fn complete(&self, _desired: &mut Desired, _live: &Live) {}

    /// Checks the declaration against the server (a secret must sit on a KV v2
    /// mount, a role on an auth method of its type). Pure.
    fn check(&self, _desired: &Desired, _live: &Live) -> Vec<Problem> {
        Vec::new()
    }

    /// The reads of one wave: of what the manifest declares, what the
    /// ownership record names, and what the lists found.
    fn reads<'a>(
        &'static self,
        wave: Wave,
        vault: &'a Vault,
        desired: &'a Desired,
        live: &Live,
    ) -> Vec<ReadFuture<'a>>;

    /// Whether resources of this kind can have write-only fields.
    fn has_write_only(&self) -> bool {
        false
    }

    /// The write-only values of the declared `name` (fields the server never
    /// returns): compared through keyed fingerprints, which apply records.
    fn write_only<'d>(
        &self,
        _desired: &'d Desired,
        _name: &str,
    ) -> Vec<(String, &'d crate::secret::Secret)> {
        Vec::new()
    }

    /// Whether the kind keeps entries in the known record (and its reads use
    /// them to skip reading what has not changed).
    fn uses_known(&self) -> bool {
        false
    }

    /// The known-record entry for the declared `name` as the plan read it,
    /// when it is exactly as declared (no change): recorded by the next
    /// apply, so that later plans need not read it again while the server
    /// shows it unchanged. `key` is the persistent fingerprint key.
    fn known(
        &self,
        _desired: &Desired,
        _live: &Live,
        _name: &str,
        _key: &FingerprintKey,
    ) -> Option<String> {
        None
    }

    /// The change that makes `address` as declared (or deletes it, when it is
    /// not declared); `None` when it already is. Pure.
    fn diff(&self, address: &Address, cx: &PlanCx<'_>) -> Option<Change>;

    /// Adds what the kind knows about the plan as a whole (warnings,
    /// unmanaged secrets, the access a policy change grants). Pure.
    fn finish(&self, _cx: &PlanCx<'_>, _plan: &mut Plan) {}

    /// Makes one change on the server, with values from the manifest, and
    /// says what later plans may take as known (see [`Applied`]); kinds
    /// that keep nothing wrap their change in [`nothing_known`]. `key` is
    /// the persistent fingerprint key.
    fn apply<'a>(
        &'static self,
        vault: &'a Vault,
        change: &'a Change,
        desired: &'a Desired,
        live: &'a Live,
        key: &'a FingerprintKey,
    ) -> BoxFuture<'a, Result<Applied, VaultError>>;

    /// For `vaultform import`: adds the manifest sections that declare what
    /// the server has of this kind (read with [`Live::everything`]) to
    /// `out`, so that the manifest plans no change against that server;
    /// notes what it cannot declare. Kinds run in reverse rank order, so a
    /// mount sees which of its items were imported. Pure.
    fn export(&self, _live: &Live, _out: &mut super::export::Export) {}

    /// The model of the server for the property test: what `live` looks like
    /// after `change` is applied perfectly.
    fn simulate(&self, change: &Change, desired: &Desired, live: &mut Live);

    /// Adds random declared and live resources of this kind for the property
    /// test, with names that overlap so that every case (create, update,
    /// adopt, delete, unmanaged) occurs.
    fn arbitrary(&self, rng: &mut dyn rand::RngCore, desired: &mut Desired, live: &mut Live);
}
