#!/usr/bin/env bash
# Learned embeddings, product-disjoint (README, "Learned embeddings: lookalike train"): the triplet head over
# effnet-lite0, its frozen backbone, pHash and the autoencoder on the shared product sets, 2 folds x 2 seeds, with
# training times. Extra arguments go to the benchmark (--unlabelled, --folds 4, --hidden 512, --no-autoencoder...).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product LookalikeBenchmarks
# Stored effnet-lite0 vectors are reused when present (the images are still decoded, for pHash and the autoencoder).
export LOOKALIKE_EMBEDDINGS="${LOOKALIKE_EMBEDDINGS:-$HOME/.cache/lookalike/embeddings}"
exec .build/release/LookalikeBenchmarks learned --seeds 2 "$@"
