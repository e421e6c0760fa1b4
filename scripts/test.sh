#!/usr/bin/env bash
# Set up everything the tests need (system packages included), then lint, type-check and run the whole suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy

echo "== pytest"
status=0
# a private session bus for the tray and notification tests; each test starts its own X server
dbus-run-session --config-file=tests/support/session-bus.conf -- .venv/bin/pytest "$@" || status=$?
if ((status == 5)); then
    echo "pytest ran no tests: that is a failure here" >&2
    exit 1
fi
exit "$status"
