#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server and TEST_DATABASE_URL pointing at it:
#   bash scripts/with-postgres.sh npx vitest run test/store
# The server lives in a temporary folder, listens on 127.0.0.1 only (trust auth), and is stopped
# and deleted on exit whatever happens. The command's exit code is passed on.
# Debian's `postgresql` package is installed with apt-get when initdb/pg_ctl are missing (as root).
# Set WITH_POSTGRES_PORT to choose the port (default: a free one).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

say() { echo "with-postgres: $*" >&2; }

find_bindir() {
  local dir
  # Debian puts the server binaries under /usr/lib/postgresql/<major>/bin, not on PATH.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -rn); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

bindir="$(find_bindir || true)"
if [ -z "$bindir" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "PostgreSQL server binaries (initdb, pg_ctl) not found, and only root can install them."
    say "Install Debian's postgresql package (sudo apt-get install postgresql) or run as root."
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "PostgreSQL server binaries (initdb, pg_ctl) not found and apt-get is not available to install them."
    exit 1
  fi
  say "installing PostgreSQL (apt-get install postgresql)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }; then
    say "apt-get could not install postgresql (see above)"
    exit 1
  fi
  bindir="$(find_bindir || true)"
  if [ -z "$bindir" ]; then
    say "postgresql was installed but initdb/pg_ctl are still not found under /usr/lib/postgresql/*/bin"
    exit 1
  fi
fi

# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
as_db_user() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    say "running as root, but there is no 'postgres' user to run the server as"
    exit 1
  fi
  if command -v runuser >/dev/null 2>&1; then
    as_db_user() { runuser -u postgres -- "$@"; }
  else
    as_db_user() { su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; }
  fi
  base=/tmp # reachable by the postgres user, unlike a root-only TMPDIR
else
  base="${TMPDIR:-/tmp}"
fi

dir="$(mktemp -d "$base/with-postgres.XXXXXX")"
started=""
cleanup() {
  if [ -n "$started" ]; then
    as_db_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
chmod 700 "$dir"

port="${WITH_POSTGRES_PORT:-}"
if [ -z "$port" ]; then
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
fi

if ! as_db_user "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
  say "initdb failed:"
  cat "$dir/initdb.log" >&2
  exit 1
fi
mkdir -p "$dir/socket"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir/socket"; fi
# Durability is pointless for a throwaway server: fsync off makes the tests faster.
opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off -c synchronous_commit=off"
opts="$opts -c full_page_writes=off -c max_connections=300"
if ! as_db_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null; then
  say "PostgreSQL did not start on 127.0.0.1:$port; server log:"
  cat "$dir/server.log" >&2 || true
  exit 1
fi
started=1

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
say "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (TEST_DATABASE_URL)"
# In the background so that a signal to this script is handled at once (bash defers traps until a
# foreground command ends); stdin is passed on explicitly, and the signal forwarded to the command.
"$@" <&0 &
child=$!
stop_child() {
  kill -TERM "$child" 2>/dev/null || true
  wait "$child" 2>/dev/null || true
  exit "$1"
}
trap 'stop_child 130' INT
trap 'stop_child 143' TERM
status=0
wait "$child" || status=$?
exit "$status"
