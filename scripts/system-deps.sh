#!/usr/bin/env bash
# Install the system libraries the build needs (Pango for WeasyPrint's PDFs, fonts,
# poppler-utils to look at PDFs) when they are missing and apt-get is usable.
# Elsewhere it only says what to install; the Python packages come from pip.
set -u
need=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz.so' || need+=(libharfbuzz0b)
# Font subsetting through HarfBuzz makes WeasyPrint's PDFs several times faster.
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || need+=(libharfbuzz-subset0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing system packages: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
    echo "Missing system packages: ${need[*]}" >&2
    echo "  Debian/Ubuntu: sudo apt-get install ${need[*]}" >&2
    echo "  macOS: brew install pango poppler     conda: conda install -c conda-forge pango poppler" >&2
    echo "HTML reports still build; PDFs need Pango." >&2
fi
exit 0
