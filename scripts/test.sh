#!/usr/bin/env bash
# Set up and run the whole test suite: lint, unit, figure, browser and Redis tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# Debian packages the tests drive for real: Chromium (browser tests, server-side images),
# a Redis server (the shared cache across workers) and nginx (deploy/nginx.conf).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || missing+=(nginx-light)  # deploy/ test
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages for the tests: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/lint-imports --no-logo  # the layer contract in pyproject.toml
.venv/bin/mypy  # the annotated seams ([tool.mypy] in pyproject.toml)
.venv/bin/python -m pytest "$@"
