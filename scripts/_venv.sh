# Sourced by scripts/run, scripts/test and scripts/bench: makes .venv on first use and keeps
# it in step with pyproject.toml (reinstalls when that file changes).
ensure_venv() {
    local python="${PYTHON:-python3}"
    if ! command -v "$python" >/dev/null 2>&1; then
        echo "posterm needs Python 3.11 or newer: install python3 (e.g. sudo apt install python3 python3-venv)" >&2
        exit 1
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "posterm needs Python 3.11 or newer; $python is $("$python" --version 2>&1)" >&2
        exit 1
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "Creating .venv (first run only)..." >&2
        if ! "$python" -m venv .venv; then
            rm -rf .venv
            echo "Could not create a virtual environment: on Debian/Ubuntu run: sudo apt install python3-venv" >&2
            exit 1
        fi
    fi
    local stamp=.venv/.posterm-installed
    local want
    want=$(cat pyproject.toml | cksum)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "Installing posterm and its dependencies into .venv..." >&2
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]" >&2
        echo "$want" > "$stamp"
    fi
}
