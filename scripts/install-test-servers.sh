#!/usr/bin/env bash
# Installs the database servers the database-secrets-engine tests start on
# loopback ports: PostgreSQL 15 and Redis 7.0, from the distribution's packages,
# pinned to those major versions (the patch level is whatever the distribution's
# security updates carry). Idempotent: when both are present it only prints.
#
# Prints two lines for the test run to export:
#   VAULTFORM_PG_BIN=<folder with initdb, pg_ctl, postgres>
#   VAULTFORM_REDIS_SERVER=<path of redis-server>
# PostgreSQL refuses to run as root: when run as root, the tests start it as
# the `postgres` system user the package creates.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
REDIS_SERIES="${REDIS_SERIES:-5:7.0.*}"
pg_bin="/usr/lib/postgresql/$PG_MAJOR/bin"

need=()
[[ -x "$pg_bin/initdb" && -x "$pg_bin/postgres" ]] || need+=("postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR")
command -v redis-server >/dev/null 2>&1 || need+=("redis-server=$REDIS_SERIES" "redis-tools=$REDIS_SERIES")

if ((${#need[@]})); then
  sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  echo "installing ${need[*]} from the distribution's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >&2
  # --no-install-recommends keeps the install small; the package scripts may
  # try to start a system service: there is no init here, that is fine.
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 || {
    echo "error: could not install ${need[*]} (apt-get failed); the database tests need them" >&2
    exit 1
  }
fi

# The package may have started a system-wide server on the default ports;
# the tests use their own on free ports, so leave it, but say so.
redis="$(command -v redis-server)"
"$pg_bin/postgres" --version >&2
"$redis" --version >&2
echo "VAULTFORM_PG_BIN=$pg_bin"
echo "VAULTFORM_REDIS_SERVER=$redis"
