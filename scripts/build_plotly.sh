#!/usr/bin/env bash
# Rebuild assets/plotly/plotly-partial.min.js (the page's plotly.js) and
# assets/topojson/world_50m.json (the map's layers) from frontend/plotly-partial/: pinned
# plotly.js + esbuild from npm. Only needed when the figures start using another trace
# type or map layer, or plotly.js is upgraded; the built files are committed, so neither
# CI nor users need node or npm.
set -euo pipefail
cd "$(dirname "$0")/../frontend/plotly-partial"
# --ignore-scripts: no package needs an install script (esbuild's binary comes as an
# optional dependency).
npm ci --ignore-scripts --no-audit --no-fund
npm run build
# The map's borders simplified to what a page draws (assets/topojson/README.md).
../../.venv/bin/python ../../scripts/simplify_geometry.py
