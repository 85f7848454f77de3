#!/usr/bin/env bash
# Install the Debian packages the browser test (tests/test_browser.py) needs:
#   chromium        the browser Playwright drives, as /usr/bin/chromium (Playwright
#                   never downloads a browser of its own here: no `playwright install`)
#   fonts-dejavu-core  a font, so that text and math render with real glyphs in screenshots
#
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
# Without root (or without apt-get) it installs nothing and says what to ask an
# administrator for; the browser test then skips and says why.
set -euo pipefail

# check -> Debian package that provides it
declare -A PACKAGE_OF=(
    [/usr/bin/chromium]=chromium
    [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]=fonts-dejavu-core
)

missing=()
for path in "${!PACKAGE_OF[@]}"; do
    if [ -e "$path" ]; then
        echo "install-browser-deps: ${PACKAGE_OF[$path]} is installed ($path)"
    else
        missing+=("${PACKAGE_OF[$path]}")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-browser-deps: nothing to install"
    exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser-deps: SKIPPED, not root. Missing Debian packages: ${missing[*]}"
    echo "  ask an administrator to run:  sudo apt-get install -y ${missing[*]}"
    echo "  until then tests/test_browser.py is skipped."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser-deps: SKIPPED, no apt-get on this machine (not Debian/Ubuntu)."
    echo "  install the equivalents of: ${missing[*]} with this system's package manager."
    exit 0
fi

echo "install-browser-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
for path in "${!PACKAGE_OF[@]}"; do
    [ -e "$path" ] || { echo "install-browser-deps: $path still missing after install" >&2; exit 1; }
done
echo "install-browser-deps: done"
