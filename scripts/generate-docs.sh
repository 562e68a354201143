#!/usr/bin/env bash
# Regenerates the man page and the shell completions from the CLI definitions,
# and the manifest's JSON Schema from the kinds' definitions (tests/generated.rs
# and tests/vault_schema.rs fail when the committed files are out of date).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --quiet --locked
bin=target/debug/vaultform
"$bin" man > docs/man/vaultform.1
for shell in bash zsh fish; do
  "$bin" completions "$shell" > "docs/completions/vaultform.$shell"
done
"$bin" schema > docs/vault.schema.json
echo "docs/man/vaultform.1, docs/completions/ and docs/vault.schema.json regenerated"
