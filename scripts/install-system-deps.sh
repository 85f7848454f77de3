#!/usr/bin/env bash
# Install the Debian packages the sandboxed grading kernel needs (course/sandbox.py):
#   bwrap   (package bubblewrap): mount, network and PID namespaces for the student kernel
#   setpriv (package util-linux): drops the kernel to uid/gid 65534 when grading runs as root
#
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
# Without root (or without apt-get) it installs nothing and says what to ask an
# administrator for; grading then runs unsandboxed and says so in its report.
set -euo pipefail

# command -> Debian package that provides it
declare -A PACKAGE_OF=(
    [bwrap]=bubblewrap
    [setpriv]=util-linux
)

missing=()
for cmd in "${!PACKAGE_OF[@]}"; do
    if command -v "$cmd" >/dev/null 2>&1; then
        echo "install-system-deps: $cmd is installed ($(command -v "$cmd"))"
    else
        missing+=("${PACKAGE_OF[$cmd]}")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-system-deps: nothing to install"
    exit 0
fi

# de-duplicate, keep order stable
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: SKIPPED, not root. Missing Debian packages: ${missing[*]}"
    echo "  ask an administrator to run:  sudo apt-get install -y ${missing[*]}"
    echo "  until then the grading kernel cannot be sandboxed and grading runs unsandboxed."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: SKIPPED, no apt-get on this machine (not Debian/Ubuntu)."
    echo "  install the equivalents of: ${missing[*]} with this system's package manager."
    exit 0
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
for cmd in "${!PACKAGE_OF[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || { echo "install-system-deps: $cmd still missing after install" >&2; exit 1; }
done
echo "install-system-deps: done"
