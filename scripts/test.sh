#!/usr/bin/env bash
# The whole test suite in one command (CI runs exactly this via .ci/run):
# formatting, lints, then unit, snapshot, CLI and integration tests. The
# integration tests start their own OpenBao dev servers from the pinned binary
# (and PostgreSQL and Redis servers for the database kinds).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

BAO_BIN="$(scripts/install-openbao.sh)"
export BAO_BIN
# PostgreSQL and Redis for the database secrets engine tests (distribution
# packages, pinned to their major versions); prints VAULTFORM_PG_BIN=... and
# VAULTFORM_REDIS_SERVER=... lines.
servers="$(scripts/install-test-servers.sh)"
while IFS='=' read -r key value; do
  case "$key" in
    VAULTFORM_PG_BIN | VAULTFORM_REDIS_SERVER) export "$key=$value" ;;
  esac
done <<<"$servers"
# Unreviewed snapshot changes fail instead of being written.
export INSTA_UPDATE=no
# Never let a developer's Vault settings leak into the tests.
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE VAULT_CACERT VAULT_SKIP_VERIFY
for v in $(env | sed -n 's/^\(BAO_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

# CI builds from a clean clone, where incremental caches only cost disk (a
# gigabyte for this suite) and time; a developer may set CARGO_INCREMENTAL=1.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked --lib --bins --tests
