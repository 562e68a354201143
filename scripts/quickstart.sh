#!/usr/bin/env bash
# The quick start in one command: installs the pinned OpenBao if needed, builds
# vaultform, starts a throw-away local dev server on a free loopback port, then
# runs `plan`, `apply` and `plan` again on the example manifest (vault.toml,
# policies/, values from .env, created from .env.example when missing), shows
# what the server holds and the next steps (how to put vaultform on the PATH).
#
#   scripts/quickstart.sh          # stop the dev server at the end
#   scripts/quickstart.sh --keep   # leave it running and print how to connect
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

# Bold headings on a terminal only: no escape codes into a pipe or a log.
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
  step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
  step() { printf '\n==> %s\n' "$*"; }
fi

step "Installing OpenBao (pinned) if needed"
bao="$(scripts/install-openbao.sh)"

step "Building vaultform"
cargo build --quiet
vaultform="$root/target/debug/vaultform"

port="$(python3 -c 'import socket
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p + 1)); t.close(); print(p); break
    except OSError:
        t.close()')"
state="$root/.tools/dev"
mkdir -p "$state"
umask 077
token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
printf '%s\n' "$token" > "$state/root-token"
log="$state/server.log"

# The example's audit device: OpenBao enables audit devices only from its own
# configuration, so the server declares it and vaultform checks it is there.
cat > "$state/audit.hcl" <<'HCL'
audit "file" "stdout" {
  options {
    file_path = "stdout"
  }
}
HCL

step "Starting a local OpenBao dev server on 127.0.0.1:$port (log: .tools/dev/server.log)"
env -u VAULT_ADDR -u VAULT_TOKEN -u BAO_ADDR -u BAO_TOKEN \
  "$bao" server -dev -dev-no-store-token -dev-root-token-id="$token" \
  -dev-listen-address="127.0.0.1:$port" -config="$state/audit.hcl" >"$log" 2>&1 &
server=$!
if ! $keep; then
  trap 'kill "$server" 2>/dev/null || true' EXIT
fi
# vaultform reads BAO_* over VAULT_*: none from the shell may point elsewhere.
for v in $(env | sed -n 's/^\(BAO_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export VAULT_ADDR="http://127.0.0.1:$port"
export VAULT_TOKEN="$token"
for _ in $(seq 1 300); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('$VAULT_ADDR/v1/sys/health', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "the dev server exited; see $log" >&2; exit 1; }
  sleep 0.1
done

if [[ ! -f .env ]]; then
  # The manifest reads its values from .env (git-ignored): start from the
  # example's obviously fake ones, as vault.toml's header says to.
  cp .env.example .env
  chmod 600 .env
  echo "(no .env: created it from .env.example, obviously fake values; edit it for anything real)"
fi

step "vaultform validate"
"$vaultform" validate
step "vaultform plan"
"$vaultform" plan
step "vaultform apply --auto-approve"
"$vaultform" apply --auto-approve
step "vaultform plan --detailed-exitcode (expect no changes, exit 0)"
"$vaultform" plan --detailed-exitcode

step "What the server holds now"
bao_cli() { env -u BAO_ADDR -u BAO_TOKEN "$bao" "$@"; }
bao_cli secrets list
bao_cli auth list
bao_cli audit list
echo "policies: $(bao_cli policy list | tr '\n' ' ')"
echo "approle roles: $(bao_cli list -format=json auth/approle/role | tr -d '[]" \n')"
echo "secret paths: $(bao_cli kv list -format=json secret | tr -d '[]" \n')"

if $keep; then
  step "The dev server keeps running (pid $server). To use it:"
  echo "  export VAULT_ADDR=$VAULT_ADDR"
  echo "  export VAULT_TOKEN=\$(cat .tools/dev/root-token)"
  echo "  kill $server   # to stop it"
else
  step "Done; stopping the dev server"
fi

step "Next steps"
if command -v vaultform >/dev/null 2>&1; then
  echo "  vaultform on your PATH:           $(command -v vaultform)"
else
  echo "  Put vaultform on your PATH:       cargo install --path . --locked   (into ~/.cargo/bin)"
  echo "  ... or run it from here:          target/debug/vaultform --help"
fi
cat <<'EOF'
  Edit the manifest with a server:  vaultform dev --watch      (re-applies on save; Ctrl-C stops it)
  Adopt an existing server:         vaultform -f imported/vault.toml import
  Plan in pull-request CI:          vaultform plan --detailed-exitcode --format markdown
  Run the whole test suite:         scripts/test.sh
  Read more:                        README.md, vaultform --help, man docs/man/vaultform.1
EOF
