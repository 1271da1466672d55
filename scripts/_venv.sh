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
