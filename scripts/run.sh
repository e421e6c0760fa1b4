#!/usr/bin/env bash
# Set up (first run only does real work) and start the Proxim host. Extra arguments go to `proxim`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/proxim "$@"
