#!/usr/bin/env bash
# ASK CLI v2 custom build hook: `ask deploy` runs hooks/build.sh <OUT_FILE> <DO_DEBUG>
# instead of its own pip build (which would pip-install requirements.txt from
# lambda/, bundle boto3 and skip our bytecode). We build the same reproducible
# zip as `make package` straight into the file the CLI uploads.
set -euo pipefail

out="${1:-upload.zip}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
# -P: the repository, even when hooks/ is reached through a symlink (tests/ask_cli.js).
root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

make -C "$root" --no-print-directory .venv/.installed >&2
cd "$root"
.venv/bin/python -m skill_tools.package --lambda-zip "$out" >&2
