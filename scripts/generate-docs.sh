#!/usr/bin/env bash
# Regenerates the man page and the shell completions from the CLI definitions
# (tests/generated.rs fails when the committed files are out of date).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --quiet --locked
bin=target/debug/vaultform
"$bin" man > docs/man/vaultform.1
for shell in bash zsh fish; do
  "$bin" completions "$shell" > "docs/completions/vaultform.$shell"
done
echo "docs/man/vaultform.1 and docs/completions/ regenerated"
