# Run: bash Benchmarks/fuzz.sh [SECONDS]   (default 120)
# libFuzzer over ImageDecoder.decode(bytes:path:) (harness: Benchmarks/Fuzz/DecodeFuzzer.swift), one job, for
# SECONDS, from a seed corpus of the fixtures and seeded mutants of them (DecoderFuzzTests/testWriteSeedCorpus).
# Beyond crashes, the harness aborts when a good JPEG decoded after an input differs from a fresh decode, or an
# input's outcome differs from a fresh decoder's. Prints executions, exec/s, coverage (libFuzzer's cov/ft: edges
# and features of Lookalike's own code; the system libjpeg-turbo and libpng are not instrumented) and what it
# found. Release build in .build-fuzz (.build-fuzz-address with ASan); everything else in bench-out/fuzz (corpus kept between runs).
#   FUZZ_SANITIZE=fuzzer,address bash Benchmarks/fuzz.sh 300    adds AddressSanitizer (slower)
#   swift run LookalikeFuzz bench-out/fuzz/crashes/crash-...    replays an input through the same checks (debug)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
out=bench-out/fuzz
sanitizers=()
IFS=, read -ra names <<< "${FUZZ_SANITIZE:-fuzzer}"
for name in "${names[@]}"; do sanitizers+=(--sanitize="$name"); done
scratch=.build-fuzz$(IFS=-; [ "${#names[@]}" -gt 1 ] && echo "-${names[*]:1}" || true)

# swiftc keeps only the last -sanitize= it is given, so the Swift modules also get all of them in one flag.
swift build -c release --scratch-path "$scratch" "${sanitizers[@]}" -Xswiftc -sanitize="${FUZZ_SANITIZE:-fuzzer}" \
    -Xswiftc -DLOOKALIKE_LIBFUZZER --product LookalikeFuzz >&2
if [ ! -d "$out/seeds" ]; then
    swift build --build-tests >&2
    LOOKALIKE_WRITE_FUZZ_CORPUS="$PWD/$out/seeds.tmp" \
        swift test --skip-build --disable-swift-testing --filter DecoderFuzzTests/testWriteSeedCorpus >&2
    cp Fixtures/images/broken/* Fixtures/images/orient/* "$out/seeds.tmp/"
    mv "$out/seeds.tmp" "$out/seeds"
fi
mkdir -p "$out/corpus" "$out/crashes"
before=$(ls "$out/crashes" | wc -l)
log="$out/fuzz-$(date +%Y%m%d-%H%M%S).log"
set +e
"$scratch"/release/LookalikeFuzz "$out/corpus" "$out/seeds" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=10 -artifact_prefix="$out/crashes/" -dict=Benchmarks/Fuzz/image.dict > "$log" 2>&1
status=$?
set -e

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
echo "libFuzzer, ${seconds} s, sanitizers: ${FUZZ_SANITIZE:-fuzzer}, log: $log (exit $status)"
echo "executions      $(stat number_of_executed_units)"
echo "exec/s          $(stat average_exec_per_sec)"
echo "coverage        $(sed -E 's/.*(cov: [0-9]+ ft: [0-9]+).*/\1/' <<< "$last")   (last status: ${last})"
echo "new units       $(stat new_units_added)   corpus: $(ls "$out/corpus" | wc -l) files"
echo "slowest unit    $(stat slowest_unit_time_sec) s   peak RSS: $(stat peak_rss_mb) MB"
found=$(( $(ls "$out/crashes" | wc -l) - before ))
echo "found           $found new file(s) in $out/crashes"
if [ "$found" -gt 0 ] || [ "$status" -ne 0 ]; then
    grep -E '^(==[0-9]+==|LookalikeFuzz:|SUMMARY|  )' "$log" | head -20 || true
    ls -t "$out/crashes" | head -"$(( found > 0 ? found : 1 ))" | sed "s|^|  $out/crashes/|"
fi
