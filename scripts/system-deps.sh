#!/usr/bin/env bash
# Install the Debian packages ERMS needs, but only those that are missing.
#
#   scripts/system-deps.sh          run-time needs: the PDF font, LibreOffice without a GUI
#                                   (the worker's PDF/A preservation copies) and venv support
#                                   for Debian's own python3, if that is missing
#   scripts/system-deps.sh --test   also what the test suite needs: a PostgreSQL
#                                   server with the RUM extension, chromium
#                                   (Playwright) and pdftotext
#
# Every check looks at files or dpkg state, so a second run is instant and needs
# no network. `apt-get update` runs once, and only when something must be installed.
# Environment: PYTHON (default python3) is the interpreter the Makefile uses for its venv.
set -euo pipefail

with_test=0
for arg in "$@"; do
    case "$arg" in
        --test) with_test=1 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "system-deps.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

missing=()

pkg_installed() {  # true if dpkg says the package is installed
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' ok installed$'
}

# Run time: the TrueType font fpdf2 embeds in generated PDFs.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

# Run time: LibreOffice headless, with which the worker makes PDF/A copies of office documents (Writer,
# Calc, Impress) and raster images (Draw) for preservation (filing/preservation.py). The -nogui builds
# leave out X11 and the toolkit; Impress adds only 4 MB to the other three.
for pkg in libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui libreoffice-draw-nogui; do
    pkg_installed "$pkg" || missing+=("$pkg")
done

# `python3 -m venv` needs ensurepip, which Debian splits out into python3.X-venv.
python_bin=${PYTHON:-python3}
if command -v "$python_bin" >/dev/null 2>&1 \
        && ! "$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    real=$(readlink -f "$(command -v "$python_bin")")
    case "$real" in
        /usr/bin/python3*)
            ver=$("$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
            pkg_installed "python$ver-venv" || missing+=("python$ver-venv") ;;
        *)
            echo "system-deps.sh: warning: $python_bin ($real) cannot create venvs (no ensurepip);" \
                 "it is not Debian's python, so install venv support for it yourself." >&2 ;;
    esac
fi

if [ "$with_test" = 1 ]; then
    # Server binaries (initdb, pg_ctl, postgres) of any major version.
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        missing+=(postgresql)
    fi
    # The RUM index (the search engine ranks in it) for that server's major version: the newest installed,
    # else Debian 12's. Debian builds it against the newest minor release, so installing it may update the server.
    major=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
    major=${major:-15}
    [ -f "/usr/share/postgresql/$major/extension/rum.control" ] || missing+=("postgresql-$major-rum")
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "system-deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run this again:" >&2
    echo "    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "system-deps.sh: installing ${missing[*]}" >&2

# Keep apt from starting services (e.g. the system postgres cluster): we start our own.
# Only if no policy is in place already, and removed again afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from ERMS scripts/system-deps.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
