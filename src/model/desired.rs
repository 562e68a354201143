//! The desired state: everything the manifest declares, validated, with secret
//! values resolved (inside `Secret`). Built by `manifest::load`; plain data.

use super::address::{Address, Kind};
use super::store::Items;
use crate::diag::{ManifestError, Problem};
use miette::NamedSource;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::PathBuf;

/// The name of a manifest that does not set `[vaultform] name`.
pub const DEFAULT_NAME: &str = "default";

/// The desired state.
#[derive(Clone, Debug)]
pub struct Desired {
    /// Every declared resource, by kind and name, each kind's own type
    /// (`kinds::<kind>` has typed accessors).
    pub items: Items,
    /// Where the ownership record lives.
    pub ownership_mount: String,
    /// The manifest's name (`[vaultform] name`): which ownership record is
    /// its own. [`DEFAULT_NAME`] unless set.
    pub name: String,
    /// Lint warnings (literal values under secret-looking keys, ...).
    pub warnings: Vec<String>,
    /// The manifest source, for diagnostics found later.
    pub source: NamedSource<String>,
    /// Where each resource is declared. Only ever looked up, so hashed,
    /// with foldhash: the keys are the manifest's own names, and SipHash
    /// (std's default, built against flooding by hostile keys) made the
    /// hashing a tenth of reading a manifest of 30,000 resources.
    pub origins: foldhash::HashMap<Address, Range<usize>>,
    /// The manifest's directory.
    pub base_dir: PathBuf,
    /// `[[policy_tests]]`: who must and must not be able to do what.
    pub policy_tests: Vec<PolicyTest>,
    /// The declared `env_file`, resolved against the manifest's directory.
    pub env_file: Option<PathBuf>,
    /// Policy lints silenced by `[policies] allow`.
    pub lint_allow: Vec<String>,
}

/// One `[[policy_tests]]` expectation of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyTest {
    /// A role address or policy names separated by commas.
    pub principal: String,
    /// The API path.
    pub path: String,
    /// Capabilities it must have.
    pub can: Vec<String>,
    /// Capabilities it must not have.
    pub cannot: Vec<String>,
    /// Where the test is in the manifest.
    pub span: Range<usize>,
}

impl Desired {
    /// An empty desired state for the manifest `source` in `base_dir`.
    pub fn empty(source: NamedSource<String>, base_dir: PathBuf, ownership_mount: &str) -> Self {
        Self {
            items: Items::default(),
            ownership_mount: ownership_mount.to_string(),
            name: DEFAULT_NAME.to_string(),
            warnings: Vec::new(),
            source,
            origins: foldhash::HashMap::default(),
            base_dir,
            policy_tests: Vec::new(),
            env_file: None,
            lint_allow: Vec::new(),
        }
    }

    /// Every address the manifest declares.
    pub fn addresses(&self) -> BTreeSet<Address> {
        self.items
            .kinds()
            .flat_map(|k| self.items.names(k).map(move |n| Address::new(k, n.clone())))
            .collect()
    }

    /// Whether the manifest declares `address`.
    pub fn declares(&self, address: &Address) -> bool {
        self.items.contains(address.kind, &address.name)
    }

    /// How many resources of `kind` the manifest declares.
    pub fn count(&self, kind: Kind) -> usize {
        self.items.len(kind)
    }

    /// A problem pointing at where `address` is declared.
    pub fn problem_at(
        &self,
        address: &Address,
        code: &'static str,
        message: String,
        help: String,
    ) -> Problem {
        let span = self.origins.get(address).cloned().unwrap_or(0..0);
        Problem::at(code, message, &self.source, span, "declared here").help(help)
    }

    /// Wraps problems found after loading into the manifest's error.
    pub fn error(&self, problems: Vec<Problem>) -> ManifestError {
        ManifestError {
            manifest: self.source.name().to_string(),
            problems,
        }
    }
}
