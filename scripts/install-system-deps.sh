#!/usr/bin/env bash
# Install the Debian packages the sandboxed grading kernel needs (course/sandbox_kernel/host.py):
#   bwrap   (package bubblewrap): mount, network and PID namespaces for the student kernel
#   setpriv (package util-linux): drops the kernel to a uid of its own when grading runs as root
#
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
# Without root (or without apt-get) it installs nothing and says what to ask an
# administrator for; `python -m course grade` then refuses to grade (fail closed) and says
# why, unless asked to grade without the sandbox (--no-sandbox). Last, the script says
# whether the sandbox works here (python -m course.sandbox_kernel.host check).
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

# The verdict that matters: does the sandbox start here? (Needs the course's venv.)
verdict() {
    local py="${COURSE_PYTHON:-.venv/bin/python}"
    if [ -x "$py" ]; then
        "$py" -m course.sandbox_kernel.host check || echo "  grading will refuse to run until this is fixed (or: grade --no-sandbox)"
    fi
}

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-system-deps: nothing to install"
    verdict
    exit 0
fi

# de-duplicate, keep order stable
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: SKIPPED, not root. Missing Debian packages: ${missing[*]}"
    echo "  ask an administrator to run:  sudo apt-get install -y ${missing[*]}"
    echo "  until then the grading kernel cannot be sandboxed and \`python -m course grade\` refuses to run."
    verdict
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: SKIPPED, no apt-get on this machine (not Debian/Ubuntu)."
    echo "  install the equivalents of: ${missing[*]} with this system's package manager."
    verdict
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
verdict
