#!/usr/bin/env bash
# Install the Debian packages Maillage needs, only when they are missing.
#   runtime: gettext (to compile the translations), Pango (WeasyPrint's PDF rendering)
#   test:    + PostgreSQL 15 (throwaway clusters), Chromium (browser tests), fonts, Node.js/npm (axe-core)
set -euo pipefail
profile="${1:-runtime}"
missing=()
command -v msgfmt >/dev/null || missing+=(gettext)
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [[ "$profile" == "test" ]]; then
  [[ -x /usr/lib/postgresql/15/bin/initdb ]] || missing+=(postgresql-15)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
  command -v npm >/dev/null || missing+=(npm)
fi
if (( ${#missing[@]} )); then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
