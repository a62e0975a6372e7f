#!/usr/bin/env bash
# First run on a new machine: installs what is missing, builds, hashes the project's own fixtures.
#   bash Scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh
swift build -c release --product lookalike
echo "== lookalike hash Fixtures/images (the broken/ files are there on purpose: expect one line each on stderr)" >&2
status=0
.build/release/lookalike hash Fixtures/images || status=$?
echo "== exit status $status (1 = some files could not be hashed, as expected here)" >&2
