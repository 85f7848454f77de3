#!/usr/bin/env bash
# Install the PostgreSQL server from Debian's packages, for the scaling tests
# (tests/test_scale.py starts a throwaway server on 127.0.0.1 with initdb and pg_ctl
# from /usr/lib/postgresql/<version>/bin) and for a course that keeps its gradebook
# on PostgreSQL (`python -m course grade A --db postgresql://...`).
#
#   postgresql  the server (initdb, pg_ctl, postgres) and the `postgres` user it runs as
#   util-linux  setpriv: the tests start the server as `postgres` when run as root
#
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
# Without root (or without apt-get) it installs nothing and says what to ask for;
# the PostgreSQL tests then skip with that reason.
set -euo pipefail

have_server() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

missing=()
if have_server; then
    echo "install-postgres: PostgreSQL server is installed ($(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' '))"
else
    missing+=(postgresql)
fi
if command -v setpriv >/dev/null 2>&1; then
    echo "install-postgres: setpriv is installed ($(command -v setpriv))"
else
    missing+=(util-linux)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-postgres: nothing to install"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-postgres: SKIPPED, not root. Missing Debian packages: ${missing[*]}"
    echo "  ask an administrator to run:  sudo apt-get install -y ${missing[*]}"
    echo "  until then the PostgreSQL tests in tests/test_scale.py are skipped."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgres: SKIPPED, no apt-get on this machine (not Debian/Ubuntu)."
    echo "  install the equivalents of: ${missing[*]} with this system's package manager."
    exit 0
fi

echo "install-postgres: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: the server without extras; the tests start their own
# cluster, so the one Debian creates (port 5432) is left as Debian sets it up.
apt-get install -y -qq --no-install-recommends "${missing[@]}"
have_server || { echo "install-postgres: initdb/pg_ctl still missing after install" >&2; exit 1; }
command -v setpriv >/dev/null 2>&1 || { echo "install-postgres: setpriv still missing after install" >&2; exit 1; }
echo "install-postgres: done"
