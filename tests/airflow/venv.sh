#!/usr/bin/env bash
# The Apache Airflow test environment (tests/test_airflow.py): a virtualenv, cached at
# ${PLAYBOOK_CACHE:-~/.cache/playbook}/airflow-venv, with apache-airflow==$AIRFLOW_VERSION
# installed under constraints, Airflow's papermill provider
# (apache-airflow-providers-papermill==$PAPERMILL_PROVIDER_VERSION, for PapermillOperator),
# plus ./integrations/airflow (playbook-airflow) and ./integrations/papermill
# (papermill-playbook).
#
# Idempotent: a marker in the venv records what was installed; when it matches, Airflow
# is not touched, the provider is added to a venv that lacks it (Airflow stays), and the
# integrations are reinstalled (--no-deps) only when their files changed. Warm, it takes
# about a second.
#
# Constraints: Airflow's published file for this version and Python if it can be fetched,
# else tests/airflow/constraints-3.11.txt (what this project resolved and tested; the
# published one lives on raw.githubusercontent.com, which these machines cannot reach).
#
# Exit status: 0 ready; 75 PyPI cannot be reached (the test skips, saying so); other
# non-zero: a real failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

AIRFLOW_VERSION=3.3.2
PAPERMILL_PROVIDER_VERSION=3.13.3
PYTHON_VERSION=3.11
CACHE="${PLAYBOOK_CACHE:-$HOME/.cache/playbook}"
VENV="${PLAYBOOK_AIRFLOW_VENV:-$CACHE/airflow-venv}"
PYTHON="${PLAYBOOK_AIRFLOW_PYTHON:-python$PYTHON_VERSION}"
PACKAGES=(integrations/airflow integrations/papermill)
LOCAL_CONSTRAINTS=tests/airflow/constraints-$PYTHON_VERSION.txt
PUBLISHED_CONSTRAINTS="https://raw.githubusercontent.com/apache/airflow/constraints-$AIRFLOW_VERSION/constraints-$PYTHON_VERSION.txt"
MARKER="$VENV/.playbook-airflow"

say() { printf 'airflow venv: %s\n' "$*"; }
# shellcheck source=tests/pyinstall.sh
. tests/pyinstall.sh

# PyPI unreachable is the one reason to give up without failing (exit 75).
pypi_reachable() {
    "$PYTHON" - <<'EOF'
import sys, urllib.request
try:
    urllib.request.urlopen("https://pypi.org/simple/apache-airflow/", timeout=20).read(1)
except Exception as exc:
    print(f"airflow venv: PyPI unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
EOF
}

give_up_or_fail() {
    if ! pypi_reachable; then
        say "cannot install Airflow: PyPI is not reachable from here"
        exit 75
    fi
    say "FAILED: $1"
    exit 1
}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    say "FAILED: $PYTHON not found (set PLAYBOOK_AIRFLOW_PYTHON to a Python $PYTHON_VERSION)"
    exit 1
fi
actual=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$actual" != "$PYTHON_VERSION" ]; then
    say "FAILED: $PYTHON is Python $actual, the constraints are for $PYTHON_VERSION"
    exit 1
fi

# What Airflow was installed with: version, Python, and where the constraints came from
# (the published file, or the local one with its content's hash: a change reinstalls).
airflow_key() {
    if [ "$1" = "$LOCAL_CONSTRAINTS" ]; then
        printf 'apache-airflow==%s python%s constraints=local:%s' "$AIRFLOW_VERSION" "$PYTHON_VERSION" \
            "$(sha256sum "$1" | cut -c1-16)"
    else
        printf 'apache-airflow==%s python%s constraints=published' "$AIRFLOW_VERSION" "$PYTHON_VERSION"
    fi
}
# The integrations' own files (not caches or build leftovers).
package_key() {
    find "${PACKAGES[@]}" -type f \( -name '*.py' -o -name '*.toml' -o -name '*.md' -o -name '*.typed' \) \
        -not -path '*/__pycache__/*' -not -path '*/build/*' -print0 | sort -z | xargs -0 sha256sum \
        | sha256sum | cut -c1-16
}

marker_line() { [ -f "$MARKER" ] && sed -n "s/^$1=//p" "$MARKER" || true; }

# -- Airflow ---------------------------------------------------------------------------
installed_airflow=$(marker_line airflow)
if [ -x "$VENV/bin/airflow" ] && { [ "$installed_airflow" = "$(airflow_key published)" ] \
        || [ "$installed_airflow" = "$(airflow_key "$LOCAL_CONSTRAINTS")" ]; }; then
    say "apache-airflow $AIRFLOW_VERSION already in $VENV ($installed_airflow)"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    if curl -fsSL --max-time 15 -o "$work/constraints.txt" "$PUBLISHED_CONSTRAINTS" 2>/dev/null; then
        constraints="$work/constraints.txt"
        say "constraints: Airflow's published $PUBLISHED_CONSTRAINTS"
    else
        constraints="$LOCAL_CONSTRAINTS"
        say "constraints: $LOCAL_CONSTRAINTS (Airflow's published file cannot be fetched from here)"
    fi
    say "creating $VENV with $("$PYTHON" --version) and installing apache-airflow==$AIRFLOW_VERSION"
    start=$(date +%s)
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
    pyinstall "$VENV" "apache-airflow==$AIRFLOW_VERSION" --constraint "$constraints" \
        || give_up_or_fail "pip install apache-airflow==$AIRFLOW_VERSION"
    printf 'airflow=%s\n' "$(airflow_key "$constraints")" >"$MARKER"
    say "apache-airflow installed in $(( $(date +%s) - start ))s"
fi

# -- Airflow's papermill provider (PapermillOperator) -----------------------------------
want_provider="apache-airflow-providers-papermill==$PAPERMILL_PROVIDER_VERSION"
if [ "$(marker_line provider)" = "$want_provider" ]; then
    say "$want_provider already in $VENV"
else
    say "installing $want_provider (Airflow stays as it is)"
    start=$(date +%s)
    # The provider asks for papermill[all], whose boto3 needs python-dateutil<3, and
    # Airflow 3.3.2's constraints pin python-dateutil 4.0.0: no resolution exists. So the
    # provider comes without its dependencies, and papermill (what PapermillOperator
    # imports; its cloud storage extras are not used here) is added under Airflow's pins:
    # the installed distributions are the constraints.
    pins=$(mktemp)
    "$VENV/bin/python" -m pip freeze --exclude-editable 2>/dev/null | grep '==' >"$pins" || true
    { pyinstall "$VENV" --no-deps "$want_provider" \
        && pyinstall "$VENV" "papermill>=2.6" "nbformat>=5.10" --constraint "$pins"; } \
        || { rm -f "$pins"; give_up_or_fail "pip install $want_provider"; }
    rm -f "$pins"
    sed -i '/^provider=/d' "$MARKER"
    printf 'provider=%s\n' "$want_provider" >>"$MARKER"
    say "$want_provider installed in $(( $(date +%s) - start ))s"
fi

# -- the integrations ------------------------------------------------------------------
want_package=$(package_key)
if [ "$(marker_line package)" = "$want_package" ]; then
    say "playbook-airflow and papermill-playbook up to date ($want_package)"
else
    say "installing ${PACKAGES[*]} (files $want_package)"
    # --no-deps: Airflow and papermill (the provider's) are there, pinned; the integrations
    # add nothing else. A build backend (hatchling) is fetched into an isolated build
    # environment.
    pyinstall "$VENV" --no-deps --force-reinstall "${PACKAGES[@]/#/./}" \
        || give_up_or_fail "pip install ${PACKAGES[*]}"
    sed -i '/^package=/d' "$MARKER"
    printf 'package=%s\n' "$want_package" >>"$MARKER"
fi

"$VENV/bin/python" -c 'import airflow, playbook_airflow, papermill_playbook, airflow.providers.papermill.operators.papermill; print("airflow venv: ready: airflow", airflow.__version__, "+ playbook_airflow", playbook_airflow.__version__, "+ papermill_playbook", papermill_playbook.__version__)' 2>/dev/null \
    | grep 'ready' || { say "FAILED: airflow, its papermill provider, playbook_airflow or papermill_playbook does not import in $VENV"; exit 1; }
