#!/usr/bin/env bash
# Install (if missing) and start a local PostgreSQL server for the test suite; print its admin URL.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$ver main$"; then
  pg_createcluster "$ver" main >&2
fi
if ! pg_lsclusters -h | grep -q "^$ver *main .* online"; then
  pg_ctlcluster "$ver" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
for _ in $(seq 1 30); do
  su postgres -c "psql -p $port -tAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname='truthline'\"" | grep -q 1 \
  || su postgres -c "psql -p $port -qc \"CREATE ROLE truthline LOGIN SUPERUSER PASSWORD 'truthline'\"" >&2
echo "postgresql://truthline:truthline@127.0.0.1:$port/postgres"
