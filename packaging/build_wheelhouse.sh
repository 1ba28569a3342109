#!/usr/bin/env bash
# Build an offline installer folder: the app's wheel and every dependency's wheel for this platform.
# On a machine with internet:   packaging/build_wheelhouse.sh wheelhouse/
# On the air-gapped machine:    pip install --no-index --find-links wheelhouse/ mlops-desktop
set -euo pipefail
out="${1:-wheelhouse}"
cd "$(dirname "$0")/.."
python3 -m pip wheel --wheel-dir "$out" .
echo "Wheels for an offline install are in $out/"
