# Shared by scripts/start and scripts/test: create .venv and install the project into it,
# again only when pyproject.toml changed since the last install.
ensure_venv() {
  local extra="${1:-}"
  local python="${PYTHON:-python3}"
  local spec="." stamp=".venv/.installed"
  [ -n "$extra" ] && spec=".[$extra]" && stamp=".venv/.installed-$extra"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  local want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$want" > "$stamp"
  fi
}

# The dashboard's end-to-end tests drive Debian's chromium through Playwright (which never
# downloads a browser of its own). Install it when missing and we may (root with apt-get).
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  elif [ "${CI:-}" = true ]; then
    echo "error: /usr/bin/chromium is missing and cannot be installed here; CI needs it" >&2
    return 1
  else
    echo "note: /usr/bin/chromium is missing; the browser tests will be skipped" >&2
  fi
}
