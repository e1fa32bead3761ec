#!/usr/bin/env bash
# Installs (from Debian's packages) and starts a local PostgreSQL with a `bot` role and a test database.
# Idempotent: an installed server, a running cluster, an existing role or database are fine.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters --no-header | grep -q "^$version *main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main status >/dev/null

as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -c \"$1\""; }
for _ in $(seq 1 30); do as_postgres "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
[ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname='bot'")" = 1 ] || as_postgres "CREATE USER bot PASSWORD 'bot'"
[ "$(as_postgres "SELECT 1 FROM pg_database WHERE datname='logement_test'")" = 1 ] \
  || as_postgres "CREATE DATABASE logement_test OWNER bot"
echo "PostgreSQL $version is running on 127.0.0.1:5432 (database logement_test)."
