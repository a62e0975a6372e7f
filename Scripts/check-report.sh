#!/usr/bin/env bash
# Run: bash Scripts/check-report.sh report.html [shot.png]
# Checks a `lookalike compare` HTML report in headless Chromium, as a person would see it: the page logs nothing
# to the console; every <img> loads (naturalWidth > 0: data: URIs, or --link-images' relative files); nothing
# leaves the page for the network (every host is blocked in the browser, and the HTML is grepped for external
# URLs, @import and url()). Takes a full-page screenshot, 1280 px wide and as tall as the page (default path:
# $TMPDIR/<report>-screenshot.png). Exit 0: ok; 1: problems, one line each; 2: usage, or no chromium.
# The report is not modified: images are checked on a temporary copy next to it (so that relative links
# resolve) with a small script added before </body>; the screenshot and console check use the report itself.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
WIDTH=1280
MAX_HEIGHT=40000   # tallest screenshot taken; a taller page is cut (and said so)

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
    sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
    exit 2
fi
report=$1
[[ -f $report ]] || { echo "check-report: no such file: $report" >&2; exit 2; }
if [[ ! -x $CHROMIUM ]]; then
    echo "check-report: $CHROMIUM not found; install it with: apt-get install -y chromium" >&2
    exit 2
fi
report_abs=$(cd "$(dirname "$report")" && pwd -P)/$(basename "$report")
report_dir=$(dirname "$report_abs")
shot=${2:-${TMPDIR:-/tmp}/$(basename "${report%.*}")-screenshot.png}

work=$(mktemp -d "${TMPDIR:-/tmp}/check-report.XXXXXX")
copy=
cleanup() { rm -rf "$work"; [[ -z $copy ]] || rm -f "$copy"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

problems=()
problem() { problems+=("$1"); }

file_url() {  # absolute path -> file:// URL, percent-encoding anything unusual
    printf 'file://%s' "$(printf '%s' "$1" | perl -pe 's/([^A-Za-z0-9\/._~-])/sprintf("%%%02X", ord $1)/ge')"
}

# Every host resolves to nothing, so a request for anything but file: and data: fails (and is seen below).
chromium_run() {  # chromium_run STDERR_FILE ARGS...: headless Chromium, with a throwaway profile
    local err=$1; shift
    timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$work/profile" --no-first-run --disable-extensions --disable-background-networking \
        --disable-component-update --disable-sync --mute-audio \
        --enable-logging=stderr --v=0 --host-resolver-rules="MAP * ~NOTFOUND" \
        --virtual-time-budget=10000 "$@" 2>"$err"
}
chromium_noise() {  # the last lines of Chromium's stderr that are not its usual noise (dbus, GPU, sandbox...)
    grep -vE 'dbus|DBus|D-Bus|vaapi|sandbox_linux|idle_linux|bluez|gpu_|viz|unexpected operator|bytes written to file' "$1" |
        tail -n 5 | cut -c1-200 || true
}

# 1. The HTML itself: nothing that would fetch from the network. (Base64 in data: URIs holds no ':' or '(',
#    so only '//' needs care: it counts only at the start of an attribute value.)
while IFS= read -r hit; do
    problem "$hit"
done < <(perl -0777 -ne '
    s/\bxmlns(:\w+)?\s*=\s*("[^"]*"|\x27[^\x27]*\x27)//gi;          # namespace names are never fetched
    # Each hit is cut out once said, so that one problem gives one line.
    while (s/(\@import[^;]{0,80})//i) { print "CSS \@import in HTML: $1\n" }
    while (s/(url\(\s*+["\x27]?+\s*+(?!data:)[^)]{0,80}\)?)//i) { print "CSS url() that fetches a file: $1\n" }
    while (s/\b((?:src|href|srcset|poster|data|action|background)\s*=\s*["\x27]?\s*(?:https?:|\/\/)[^"\x27\s>]{0,80})//i) {
        print "external reference in HTML: $1\n" }
    my %seen;
    while (/(https?:\/\/[^"\x27\s<>)]{0,80})/gi) {
        print "external URL in HTML: $1\n" unless $seen{$1}++ or $1 =~ m{^https?://www\.w3\.org/}i }
' "$report")

# 2. Images, on a copy with a checking script before </body>. The copy sits in the report's folder so that
#    --link-images' relative links resolve; where that folder is read-only, a <base> in a copy in $TMPDIR does it.
probe='<script>
addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images), done = false;
  imgs.forEach(function (i) { if (i.loading === "lazy") i.loading = "eager"; });
  function report() {
    if (done) return; done = true;
    var bad = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
    var badSrc = bad.map(function (i) { return i.currentSrc || i.src; });
    var ext = performance.getEntriesByType("resource").map(function (e) { return e.name; })
                .filter(function (n) { return !/^(file|data|blob|about):/i.test(n) && badSrc.indexOf(n) < 0; });
    var h = Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
    var out = ["broken=" + bad.length + " total=" + imgs.length + " external=" + ext.length + " height=" + Math.ceil(h)];
    var seen = {}, srcs = [];  /* one line per broken source, however many <img> show it; at most 20 */
    bad.forEach(function (i) {
      var s = (i.currentSrc || i.getAttribute("src") || "(no src)").slice(0, 80);
      if (!(s in seen)) { seen[s] = 0; srcs.push(s); } seen[s]++;
    });
    srcs.slice(0, 20).forEach(function (s) { out.push("broken: " + seen[s] + " " + s); });
    if (srcs.length > 20) out.push("broken-more: " + (srcs.length - 20));
    ext.forEach(function (n) { out.push("external: " + n.slice(0, 80)); });
    var pre = document.createElement("pre"); pre.id = "lookalike-check"; pre.textContent = out.join("\n");
    (document.body || document.documentElement).appendChild(pre);
  }
  Promise.all(imgs.map(function (i) {
    return i.complete ? null : new Promise(function (r) { i.addEventListener("load", r); i.addEventListener("error", r); });
  })).then(report);
  setTimeout(report, 8000);  /* virtual time: an image that never settles counts as broken */
});
</script>'
if copy=$(mktemp --suffix=.html "$report_dir/.check-report.XXXXXX" 2>/dev/null); then
    base=
else
    copy=
    base="<base href=\"$(file_url "$report_dir")/\">"
fi
target=${copy:-$work/report.html}
PROBE=$probe BASE=$base perl -0777 -pe '
    if (length $ENV{BASE}) { s/(<head\b[^>]*>)/$1$ENV{BASE}/i or $_ = $ENV{BASE} . $_ }
    s/(.*)(<\/body>)/$1$ENV{PROBE}$2/is or $_ .= $ENV{PROBE};
' "$report" >"$target"

set +e
chromium_run "$work/dom.err" --window-size="$WIDTH,2000" --dump-dom "$(file_url "$target")" >"$work/dom.html"
rc=$?
set -e
marker=$(perl -0777 -ne 'print $1 if /<pre id="lookalike-check">(.*?)<\/pre>/s' "$work/dom.html" |
         sed -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&nbsp;/ /g; s/&amp;/\&/g')
[[ -z $copy ]] || { rm -f "$copy"; copy=; }
total=0 height=0
if [[ -z $marker ]]; then
    problem "image check did not run (chromium exit $rc; the page's load event never fired?) $(chromium_noise "$work/dom.err" | tr '\n' ' ')"
else
    first=${marker%%$'\n'*}
    total=$(sed -E 's/.*total=([0-9]+).*/\1/' <<<"$first")
    broken=$(sed -E 's/.*broken=([0-9]+).*/\1/' <<<"$first")
    height=$(sed -E 's/.*height=([0-9]+).*/\1/' <<<"$first")
    while IFS= read -r line; do
        case $line in
            "broken: "*) rest=${line#broken: } n=${rest%% *} src=${rest#* }   # COUNT SRC
                         if (( n > 1 )); then problem "broken image (did not load; shown $n times): $src"
                         else problem "broken image (did not load): $src"; fi ;;
            "broken-more: "*) problem "... and ${line#broken-more: } more broken image sources ($broken broken <img> in all)" ;;
            "external: "*) url=${line#external: }   # said once: skip what the HTML check above already named
                           [[ " ${problems[*]-} " == *"$url"* ]] || problem "request leaves the page: $url" ;;
        esac
    done <<<"$marker"
fi

# 3. The unmodified report: console messages, and the screenshot, as tall as the page.
(( height >= 600 )) || height=6000
if (( height > MAX_HEIGHT )); then
    echo "note: page is ${height}px tall; the screenshot shows the first ${MAX_HEIGHT}px" >&2
    height=$MAX_HEIGHT
fi
mkdir -p "$(dirname "$shot")"
rm -f "$shot"
set +e
chromium_run "$work/shot.err" --window-size="$WIDTH,$height" --screenshot="$shot" "$(file_url "$report_abs")" >/dev/null
rc=$?
set -e
[[ -s $shot ]] || problem "no screenshot written (chromium exit $rc) $(chromium_noise "$work/shot.err" | tr '\n' ' ')"
# Page console messages look like '[pid:tid:time:INFO:CONSOLE:12] "text", source: URL (12)' (older Chromium:
# 'CONSOLE(12)'); Chromium logs them all at INFO, whatever the level, so every one counts.
console=0
while IFS= read -r line; do
    console=$((console + 1))
    problem "console message: $(cut -c1-160 <<<"${line#*] }")"
done < <(grep -E ':CONSOLE(:[0-9]*\]|\([0-9]*\))' "$work/shot.err" || true)

if (( ${#problems[@]} )); then
    printf '%s\n' "${problems[@]}"
    echo "FAILED: ${#problems[@]} problem(s) in $report (screenshot: $shot)" >&2
    exit 1
fi
echo "ok: $total images, 0 broken, $console console messages, screenshot: $shot"
