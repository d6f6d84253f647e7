#!/usr/bin/env bash
# Set up and serve the dashboard on the embedded data in data/ (http://127.0.0.1:8050/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m dashboard serve data "$@"
