#!/usr/bin/env bash
# Build an offline installer folder: the app's wheel, every dependency's wheel, and a lock file
# (DIR/wheelhouse.lock) pinning each one by version and SHA-256.
#
# On a machine with internet:
#   packaging/build_wheelhouse.sh wheelhouse/                       # for this machine
#   packaging/build_wheelhouse.sh --platform win_amd64 --python-version 3.11 wheelhouse-win/
#   packaging/build_wheelhouse.sh --platform macosx_11_0_arm64 --python-version 3.12 wheelhouse-mac/
#   packaging/build_wheelhouse.sh --platform manylinux_2_28_x86_64 wheelhouse-el8/   # glibc 2.28
# On the air-gapped machine:
#   pip install --no-index --find-links wheelhouse/ --require-hashes -r wheelhouse/wheelhouse.lock
#
# Only binary wheels are taken (--only-binary=:all:), so nothing is compiled on either machine and a
# foreign platform gets exactly the files it can install. PYTHON picks the interpreter that runs pip
# (default python3); --python-version defaults to that interpreter's version.
set -euo pipefail

usage() {
  echo "usage: $0 [--platform TAG]... [--python-version X.Y] [--implementation cp] [--abi ABI] DIR" >&2
  exit 2
}

python="${PYTHON:-python3}"
target=()
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --platform)
      [ $# -ge 2 ] || usage
      target+=(--platform "$2")
      # pip takes a manylinux tag literally: glibc 2.N also runs wheels built for 2.17 … 2.N-1.
      if [[ "$2" =~ ^manylinux_2_([0-9]+)_(.+)$ ]]; then
        for ((minor = BASH_REMATCH[1] - 1; minor >= 17; minor--)); do
          target+=(--platform "manylinux_2_${minor}_${BASH_REMATCH[2]}")
        done
        target+=(--platform "manylinux2014_${BASH_REMATCH[2]}")
      fi
      shift 2
      ;;
    --python-version | --implementation | --abi)
      [ $# -ge 2 ] || usage
      target+=("$1" "$2")
      shift 2
      ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
      [ -z "$out" ] || usage
      out="$1"
      shift
      ;;
  esac
done
out="${out:-wheelhouse}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$(dirname "$0")/.."

# The app itself is pure Python: one wheel fits every platform.
rm -f "$out"/mlops_desktop-*.whl
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$out" .
app_wheel="$(ls "$out"/mlops_desktop-*.whl)"

# Its dependencies, resolved for the target platform and Python.
"$python" -m pip download --quiet --dest "$out" --only-binary=:all: "${target[@]}" "$app_wheel"

# The lock: every wheel in the folder, by version and SHA-256, in pip's requirements format.
"$python" - "$out" "${target[*]:-this machine}" <<'EOF'
import hashlib
import sys
from pathlib import Path

folder, target = Path(sys.argv[1]), sys.argv[2]
lines = [
    "# Every wheel in this wheelhouse, pinned by version and SHA-256 (written by build_wheelhouse.sh).",
    f"# Target: {target}",
    "# Install: pip install --no-index --find-links DIR --require-hashes -r DIR/wheelhouse.lock",
]
pins: dict[str, list[str]] = {}
for wheel in sorted(folder.glob("*.whl")):
    name, version = wheel.name.split("-")[:2]
    pin = f"{name.lower().replace('_', '-')}=={version}"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    pins.setdefault(pin, []).append(f"--hash=sha256:{digest}")
for pin, hashes in sorted(pins.items()):
    lines.append(" \\\n    ".join([pin, *hashes]))
(folder / "wheelhouse.lock").write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"{len(pins)} packages pinned in {folder / 'wheelhouse.lock'}")
EOF
echo "Wheels for an offline install are in $out/ ($(du -sh "$out" | cut -f1))"
