#!/usr/bin/env bash
# The scale benchmark in one command: installs the pinned OpenBao server,
# builds vaultform in release mode and runs `cargo bench --bench scale`, which
# starts its own throw-away dev servers on free loopback ports, prints a table
# and writes JSON (default target/bench/scale.json) for tracking over time.
#
#   scripts/bench.sh                                 # sizes 10,100,1000, 3 rounds
#   scripts/bench.sh --sizes 10,100 --rounds 1       # quicker
#   scripts/bench.sh --json target/bench/$(date +%F).json
#
# Options are passed to the benchmark; `scripts/bench.sh --help` lists them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

BAO_BIN="$(scripts/install-openbao.sh)"
export BAO_BIN
# Never let a developer's Vault settings leak into the runs.
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE VAULT_CACERT VAULT_SKIP_VERIFY
for v in $(env | sed -n 's/^\(BAO_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

cargo build --release --locked --bin vaultform
exec cargo bench --locked --bench scale -- "$@"
