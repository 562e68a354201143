#!/usr/bin/env bash
# Checks docs/policies/*.hcl against a real OpenBao dev server:
#   1. OpenBao accepts both policies;
#   2. with a vaultform-plan token, `plan` works and `apply` is refused;
#   3. with a vaultform-apply token, `apply` of the example manifest (vault.toml,
#      policies/, .env.example) works, a second `plan` finds nothing, and
#      `apply --allow-destroy` of an empty manifest deletes everything again;
#   4. sys/auth/* needs sudo, sys/mounts/* does not; the guard rails hold;
#      neither token can read role-ids or issue secret-ids.
# Starts `bao server -dev` on a free 127.0.0.1 port in 18240-18299 and stops it on
# exit. Needs curl and jq. Usage, from the repository root:
#   cargo build && docs/policies/check.sh [path/to/vaultform]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
vaultform="$(realpath "${1:-$root/target/debug/vaultform}")"
bao="$("$root/scripts/install-openbao.sh")"
work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=""
for p in $(seq 18240 18299); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n "$port" ]] || { echo "no free port in 18240-18299" >&2; exit 1; }
export VAULT_ADDR="http://127.0.0.1:$port"
unset VAULT_TOKEN VAULT_NAMESPACE VAULTFORM_AUTH_METHOD
"$bao" server -dev -dev-no-store-token -dev-root-token-id=root \
  -dev-listen-address="127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -fs "$VAULT_ADDR/v1/sys/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$VAULT_ADDR/v1/sys/health" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

failures=0
ok() { printf 'ok    %s\n' "$1"; }
bad() { printf 'FAIL  %s\n' "$1"; failures=$((failures + 1)); }

# HTTP status of a request: status TOKEN METHOD PATH [JSON]
status() {
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$2" -H "X-Vault-Token: $1")
  [[ $# -ge 4 ]] && args+=(-d "$4")
  curl "${args[@]}" "$VAULT_ADDR/v1/$3"
}
expect() { # expect CODE TOKEN METHOD PATH [JSON]
  local want=$1; shift
  local got; got="$(status "$@")"
  if [[ "$got" == "$want" ]]; then ok "$2 $3 -> $got"; else bad "$2 $3 -> $got, want $want: $(head -c 200 "$work/body")"; fi
}

for name in vaultform-plan vaultform-apply; do
  jq -n --rawfile p "$root/docs/policies/$name.hcl" '{policy: $p}' >"$work/$name.json"
  expect 204 root PUT "sys/policies/acl/$name" "$(cat "$work/$name.json")"
done
token() {
  curl -fs -X POST -H "X-Vault-Token: root" \
    -d "{\"policies\": [\"$1\"], \"no_default_policy\": true, \"ttl\": \"30m\"}" \
    "$VAULT_ADDR/v1/auth/token/create" | jq -r .auth.client_token
}
plan_token="$(token vaultform-plan)"
apply_token="$(token vaultform-apply)"

mkdir "$work/ex"
cp -r "$root/vault.toml" "$root/policies" "$work/ex/"
cp "$root/.env.example" "$work/ex/.env"
cd "$work/ex"
run() { # run WANT_RC TOKEN ARGS...: runs vaultform, checks its exit code
  local want=$1 tok=$2; shift 2
  local rc=0
  VAULT_TOKEN="$tok" "$vaultform" --no-color "$@" >"$work/out" 2>&1 || rc=$?
  if [[ "$rc" == "$want" ]]; then ok "vaultform $* -> exit $rc"; else bad "vaultform $* -> exit $rc, want $want"; tail -20 "$work/out"; fi
}
run 2 "$plan_token" plan --detailed-exitcode
run 1 "$plan_token" apply --auto-approve
run 0 "$apply_token" apply --auto-approve
run 0 "$plan_token" plan --detailed-exitcode
run 2 "$plan_token" plan --detailed-exitcode -f "$root/fixtures/basic/vault.toml"

# Sudo: auth methods need it, secrets engines do not. A copy of the apply
# policy without sudo shows the first half.
sed 's/"create", "update", "delete", "sudo"/"create", "update", "delete"/' \
  "$root/docs/policies/vaultform-apply.hcl" >"$work/nosudo.hcl"
expect 204 root PUT sys/policies/acl/nosudo "$(jq -n --rawfile p "$work/nosudo.hcl" '{policy: $p}')"
nosudo_token="$(token nosudo)"
expect 403 "$nosudo_token" POST sys/auth/check-up '{"type": "userpass"}'
expect 403 "$nosudo_token" POST sys/auth/approle/tune '{"description": "x"}'
expect 403 "$nosudo_token" DELETE sys/auth/approle
expect 204 "$nosudo_token" POST sys/mounts/check-kv '{"type": "kv", "options": {"version": "2"}}'
expect 204 "$nosudo_token" POST sys/mounts/check-kv/tune '{"description": "x"}'
expect 204 "$nosudo_token" DELETE sys/mounts/check-kv
expect 204 "$apply_token" POST sys/auth/check-up '{"type": "userpass"}'
expect 204 "$apply_token" POST sys/auth/check-up/tune '{"description": "x"}'
expect 204 "$apply_token" DELETE sys/auth/check-up

# Guard rails of the apply policy.
expect 204 root POST sys/auth/jwt '{"type": "jwt"}'
expect 403 "$apply_token" DELETE sys/auth/jwt
expect 403 "$apply_token" POST sys/auth/jwt/tune '{"description": "x"}'
expect 403 "$apply_token" PUT sys/policies/acl/vaultform-plan '{"policy": "path \"*\" { capabilities = [\"sudo\"] }"}'
expect 403 "$apply_token" DELETE sys/policies/acl/vaultform-apply
expect 403 "$apply_token" DELETE sys/mounts/vaultform
expect 403 "$apply_token" POST sys/mounts/vaultform/tune '{"description": "x"}'

# Neither token can log in as a role.
for tok in "$plan_token" "$apply_token"; do
  expect 403 "$tok" GET auth/approle/role/user/role-id
  expect 403 "$tok" POST auth/approle/role/user/secret-id '{}'
done
# The plan token writes nothing.
expect 403 "$plan_token" POST secret/data/check '{"data": {"a": "b"}}'
expect 403 "$plan_token" POST vaultform/data/managed '{"data": {}}'
expect 403 "$plan_token" DELETE secret/metadata/user_db

# Everything vaultform manages is deleted again (mounts, auth methods with sudo,
# KV metadata), and the plan token sees a server with nothing left to do.
printf '# empty: every managed resource is deleted\n' >"$work/ex/empty.toml"
run 1 "$apply_token" apply --auto-approve -f empty.toml
run 0 "$apply_token" apply --auto-approve --allow-destroy -f empty.toml
run 0 "$plan_token" plan --detailed-exitcode -f empty.toml

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all policy checks passed"
