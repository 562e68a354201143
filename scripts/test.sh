#!/usr/bin/env bash
# The whole test suite in one command (CI runs exactly this via .ci/run):
# formatting, lints, then unit, snapshot, CLI and integration tests. The
# integration tests start their own OpenBao dev servers from the pinned binary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

BAO_BIN="$(scripts/install-openbao.sh)"
export BAO_BIN
# Unreviewed snapshot changes fail instead of being written.
export INSTA_UPDATE=no
# Never let a developer's Vault settings leak into the tests.
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE VAULT_CACERT VAULT_SKIP_VERIFY
for v in $(env | sed -n 's/^\(BAO_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --lib --bins --tests
