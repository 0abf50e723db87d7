#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster on loopback, then remove the cluster.
#   scripts/with-postgres.sh pytest -q
# The command sees DATABASE_URL. initdb refuses to run as root, so the cluster runs as `postgres`.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${PGPORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
PGDATA=$(mktemp -d /tmp/maillage-pg.XXXXXX)
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres:postgres "$PGDATA"
  as_pg=(runuser -u postgres --)
fi
chmod 700 "$PGDATA"
cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap cleanup EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
psql -q -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE maillage LOGIN PASSWORD 'maillage' CREATEDB" -c "CREATE DATABASE maillage OWNER maillage" >/dev/null
export DATABASE_URL="postgres://maillage:maillage@127.0.0.1:$PORT/maillage"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
"$@"
