# Sourced by tests/run.sh, tests/airflow/venv.sh and bench/lib.sh: how Python packages get
# into a virtualenv. uv installs the test clients in about 10 s where pip takes 40–60 s
# (and pip's resolver spends most of that on a CPU the cargo steps want), so uv is put
# into the venv first and does the work; when uv cannot be had (no wheel for the platform,
# an index that lacks it), pip does it, as before, and the reason is said.

# pyinstall VENV ARGS...: installs ARGS (pip's syntax: names, -r FILE, --constraint FILE,
# --no-deps, --force-reinstall, paths) into the virtualenv VENV.
pyinstall() {
    local venv="$1"
    shift
    if [ ! -x "$venv/bin/uv" ] && [ "${PLAYBOOK_NO_UV:-}" != 1 ]; then
        "$venv/bin/pip" install --quiet --disable-pip-version-check 'uv>=0.9' >/dev/null 2>&1 \
            || echo "pyinstall: uv could not be installed into $venv; using pip" >&2
    fi
    if [ -x "$venv/bin/uv" ] && [ "${PLAYBOOK_NO_UV:-}" != 1 ]; then
        "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" "$@"
    else
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
    fi
}
