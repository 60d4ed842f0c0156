#!/usr/bin/env bash
# report-check.sh: the HTML reports in a real browser (Debian's chromium, headless), as a
# person would see them. Renders the committed fixtures with the debug binaries (`just
# build`): the conformance page of a run with failures, the comparison of two runs, and
# the benchmark page; takes a screenshot of each into target/report-check/, and checks:
#   - the page loads with no console message (the pages have no script; a CSP forbids it);
#   - the summary numbers in the rendered DOM equal report.json's counts;
#   - the link of a failing case (from "Rules broken") leads to an element holding its
#     problem text (rendered at file://...#case-..., screenshot case.png);
#   - the benchmark page has a chart per metric of report.json, each bar at its median;
#     a latency CDF with one line per candidate that has a warm_latency_distribution (its
#     points and its p50 those of report.json), and a chunk arrival chart with one step
#     line per candidate that has stream_chunk_arrival chunks (their count and bytes);
#     where report.json has neither, the page says what it did not draw. The lower part
#     of the page (from the CDF on) is screenshot apart: bench-charts.png.
# Chromium is installed when missing (apt-get). Where it cannot be, the check is skipped
# with a loud message, or fails when CI is set. The last line is "N passed, N failed".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { printf '[report-check] %s\n' "$*"; }
unavailable() {
  if [ -n "${CI:-}" ]; then
    say "FAILED: $* (CI is set, so this is an error)"
    exit 1
  fi
  say "################################################################"
  say "SKIP: $*"
  say "SKIP: the HTML reports were NOT checked in a browser"
  say "################################################################"
  exit 0
}

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  say "apt-get install chromium (Debian's package)"
  if ! { apt-get update -q >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; }; then
    unavailable "Chromium is not installed and could not be (apt-get install -y --no-install-recommends chromium)"
  fi
  CHROMIUM=$(command -v chromium || true)
  [ -n "$CHROMIUM" ] || unavailable "apt-get installed chromium, but there is no chromium command"
fi

CONFORMANCE=${LWA_CONFORMANCE:-target/debug/lwa-conformance}
BENCH=${LWA_BENCH:-target/debug/lwa-bench}
for bin in "$CONFORMANCE" "$BENCH"; do
  [ -x "$bin" ] || { say "$bin is missing: run just build"; exit 2; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The checks on the rendered DOM (python3's standard library only).
cat >"$WORK/check.py" <<'PY'
import html.parser, json, os, sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []
    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)
    def all(self, pred=lambda n: True):
        for c in self.children:
            if isinstance(c, Node):
                if pred(c):
                    yield c
                yield from c.all(pred)

class Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.node = Node("#root", {}, None)
    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.node)
        self.node.children.append(node)
        if tag not in VOID:
            self.node = node
    def handle_startendtag(self, tag, attrs):
        self.node.children.append(Node(tag, attrs, self.node))
    def handle_endtag(self, tag):
        node = self.node
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.node = node.parent
    def handle_data(self, data):
        self.node.children.append(data)

def parse(path):
    builder = Builder()
    with open(path, encoding="utf-8") as f:
        builder.feed(f.read())
    return builder.root

def by_id(root, id):
    return next(root.all(lambda n: n.attrs.get("id") == id), None)

def target(r):
    return f"{r['app']}/{r['arch']}" if r["host"] == "process" else f"{r['app']}/{r['arch']}/{r['host']}"

def slug(text):
    keep = lambda b: chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-._/")
    return "".join(chr(b) if keep(b) else f"~{b:02x}" for b in text.encode())

def anchor(r):
    return f"case-{slug(r['id'])}-{slug(target(r))}"

def counts(results):
    out = {}
    for r in results:
        out[r["verdict"]] = out.get(r["verdict"], 0) + 1
    return out

def row_counts(row):
    return {td.attrs["data-count"]: int(td.text()) for td in row.all(lambda n: "data-count" in n.attrs)}

def words(text):
    return " ".join(text.split())

def report(ok, what):
    print(("ok " if ok else "FAIL ") + what)

def check_summary(dom, key, results, name):
    want = counts(results)
    total = by_id(dom, f"summary-total{key}")
    if total is None:
        return report(False, f"{name}: no summary-total{key} row")
    got = row_counts(total)
    same = all(got.get(v, 0) == want.get(v, 0) for v in set(got) | set(want) if v != "total")
    report(same and got.get("total") == len(results), f"{name}: the total row {got} equals report.json's counts {want}")
    table = by_id(dom, f"summary{key}")
    rows = [r for r in table.all(lambda n: n.tag == "tr" and n.attrs.get("data-target") not in (None, "all"))]
    by_target = {}
    for r in results:
        by_target.setdefault(target(r), []).append(r)
    wrong = [r.attrs["data-target"] for r in rows
             if row_counts(r).get("total") != len(by_target.get(r.attrs["data-target"], []))
             or any(row_counts(r).get(v, 0) != n for v, n in counts(by_target[r.attrs["data-target"]]).items())]
    report(len(rows) == len(by_target) and not wrong, f"{name}: {len(rows)} target rows equal report.json's ({wrong or 'all equal'})")

def link(dom_path):
    dom = parse(dom_path)
    rules = by_id(dom, "rules")
    for a in rules.all(lambda n: n.tag == "a" and n.attrs.get("href", "").startswith("#case-")):
        element = by_id(dom, a.attrs["href"][1:])
        if element is not None and "v-fail" in element.attrs.get("class", ""):
            print(a.attrs["href"][1:])
            return

def check(out, faulty_path, reference_path, bench_path, case_anchor):
    faulty, reference = json.load(open(faulty_path)), json.load(open(reference_path))
    dom = parse(os.path.join(out, "conformance.dom.html"))
    check_summary(dom, "", faulty["results"], "conformance")
    report(not list(dom.all(lambda n: n.tag == "script")), "conformance: no script element")
    missing = [anchor(r) for r in faulty["results"] if by_id(dom, anchor(r)) is None]
    report(not missing, f"conformance: every result has its anchor ({missing or 'all there'})")
    failing = [r for r in faulty["results"] if anchor(r) == case_anchor]
    report(bool(failing) and failing[0]["verdict"] == "fail", f"conformance: the link #{case_anchor} is a failing case")
    if failing:
        case_dom = parse(os.path.join(out, "case.dom.html"))
        element = by_id(case_dom, case_anchor)
        problem = failing[0]["problems"][0].splitlines()[0]
        shown = element is not None and words(problem) in words(element.text())
        report(shown, f"conformance: #{case_anchor} holds its problem {problem!r}")
        report(os.path.getsize(os.path.join(out, "case.png")) > 0, f"conformance: screenshot {out}/case.png at the case")

    dom = parse(os.path.join(out, "compare.dom.html"))
    check_summary(dom, "-1", reference["results"], "compare (1)")
    check_summary(dom, "-2", faulty["results"], "compare (2)")
    key = lambda r: (r["id"], target(r))
    a = {key(r): r["verdict"] for r in reference["results"]}
    b = {key(r): r["verdict"] for r in faulty["results"]}
    differ = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
    rows = list(by_id(dom, "differences").all(lambda n: n.tag == "tr")) if by_id(dom, "differences") else []
    report(len(rows) - 1 == len(differ), f"compare: {len(rows) - 1} rows for the {len(differ)} results whose verdicts differ")

    bench = json.load(open(bench_path))
    dom = parse(os.path.join(out, "bench.dom.html"))
    bars = wrong = 0
    for c in bench["candidates"]:
        for name, metric in c["metrics"].items():
            if metric.get("median") is None:
                continue
            svg = next(dom.all(lambda n: n.tag == "svg" and n.attrs.get("data-metric") == name), None)
            g = svg and next(svg.all(lambda n: n.tag == "g" and n.attrs.get("data-candidate") == c["label"]), None)
            bars += 1
            if g is None or abs(float(g.attrs["data-median"]) - metric["median"]) > 1e-9 * max(1, abs(metric["median"])):
                wrong += 1
                print(f"FAIL bench: {c['label']} {name}: no bar at its median {metric['median']}")
    report(bars > 0 and wrong == 0, f"bench: {bars} bars, each at its report.json median")
    cold = next(dom.all(lambda n: n.tag == "svg" and n.attrs.get("data-by-run") == "cold_start_ms"), None)
    report(cold is not None, "bench: the cold start by run chart")
    check_bench_extras(dom, bench)

def series(dom, chart):
    svg = next(dom.all(lambda n: n.tag == "svg" and n.attrs.get("data-chart") == chart), None)
    if svg is None:
        return None
    return [(g.attrs["data-candidate"], g) for g in svg.all(lambda n: n.tag == "g" and "data-candidate" in n.attrs)]

def not_drawn(dom, what):
    # The "Not drawn" heading and what follows it.
    heading = by_id(dom, "not-drawn")
    if heading is None:
        return False
    after = heading.parent.children[heading.parent.children.index(heading) + 1:]
    return what in words(" ".join(c if isinstance(c, str) else c.text() for c in after))

def check_bench_extras(dom, bench):
    # The latency distribution: a line per candidate that has one, with its points.
    want = [c for c in bench["candidates"] if (c.get("warm_latency_distribution") or {}).get("values")]
    lines = series(dom, "warm-cdf")
    if not want:
        report(lines is None and not_drawn(dom, "latency distribution"),
               "bench: no latency distribution in report.json, and the page says it is not drawn")
    elif lines is None:
        report(False, "bench: report.json has latency distributions but the page has no CDF")
    else:
        report([l for l, _ in lines] == [c["label"] for c in want],
               f"bench: the CDF has a line for each of the {len(want)} candidates with a distribution ({[l for l, _ in lines]})")
        for c, (label, g) in zip(want, lines):
            d = c["warm_latency_distribution"]
            polylines = list(g.all(lambda n: n.tag == "polyline"))
            points = len(polylines[0].attrs.get("points", "").split()) if len(polylines) == 1 else 0
            p50 = d["values"][d["percentiles"].index(50)] if 50 in d["percentiles"] else None
            same = points == len(d["values"]) and p50 is not None and abs(float(g.attrs["data-p50"]) - p50) <= 1e-9 * max(1, p50)
            report(same, f"bench: CDF line of {label}: {points} points for {len(d['values'])} percentiles, p50 {g.attrs.get('data-p50')} = {p50}")
    # Streaming chunk arrival: a step line per candidate with chunks.
    want = [c for c in bench["candidates"] if (c.get("stream_chunk_arrival") or {}).get("chunks")]
    steps = series(dom, "stream-chunks")
    if not want:
        report(steps is None and not_drawn(dom, "chunk arrival"),
               "bench: no chunk arrival in report.json, and the page says it is not drawn")
    elif steps is None:
        report(False, "bench: report.json has streamed chunks but the page has no chunk chart")
    else:
        report([l for l, _ in steps] == [c["label"] for c in want],
               f"bench: the chunk chart has a series for each of the {len(want)} candidates with chunks ({[l for l, _ in steps]})")
        for c, (label, g) in zip(want, steps):
            chunks = c["stream_chunk_arrival"]["chunks"]
            dots = len(list(g.all(lambda n: n.tag == "circle")))
            paths = len(list(g.all(lambda n: n.tag == "path")))
            same = (int(g.attrs["data-chunks"]) == len(chunks) == dots and paths == 1
                    and int(g.attrs["data-bytes"]) == sum(x["bytes"] for x in chunks))
            report(same, f"bench: chunk series of {label}: {dots} dots and one step line for {len(chunks)} chunks, {g.attrs.get('data-bytes')} bytes")

if sys.argv[1] == "link":
    link(sys.argv[2])
else:
    check(*sys.argv[2:7])
PY

DATA=conformance/tests/data
BENCH_DATA=benches/tests/data
OUT=target/report-check
rm -rf "$OUT"
mkdir -p "$OUT"

"$CONFORMANCE" report --html "$OUT/conformance/index.html" "$DATA/report-faulty.json" >/dev/null
"$CONFORMANCE" report --html "$OUT/compare/index.html" "$DATA/report-reference.json" "$DATA/report-faulty.json" >/dev/null
"$BENCH" --render "$BENCH_DATA/report.json" --out "$OUT/bench" 2>/dev/null

# One browser run: its stderr (with the console log) in $WORK/NAME.log.
browse() {
  local name=$1
  shift
  timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --hide-scrollbars --user-data-dir="$WORK/profile-$name" --enable-logging=stderr --v=0 "$@" 2>"$WORK/$name.log"
}

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }

for page in conformance compare bench; do
  url="file://$ROOT/$OUT/$page/index.html"
  if browse "$page-shot" --window-size=1400,2000 --screenshot="$OUT/$page.png" "$url" >/dev/null &&
    [ -s "$OUT/$page.png" ]; then
    ok "$page: screenshot $OUT/$page.png"
  else
    bad "$page: no screenshot ($(tail -n 3 "$WORK/$page-shot.log" | tr '\n' ' '))"
  fi
  if browse "$page-dom" --dump-dom "$url" >"$OUT/$page.dom.html" && [ -s "$OUT/$page.dom.html" ]; then
    ok "$page: DOM after load"
  else
    bad "$page: no DOM ($(tail -n 3 "$WORK/$page-dom.log" | tr '\n' ' '))"
  fi
  if grep -h "CONSOLE" "$WORK/$page-shot.log" "$WORK/$page-dom.log"; then
    bad "$page: the console logged the messages above"
  else
    ok "$page: no console message"
  fi
done

# The failing case its link leads to, in the page rendered at that anchor. Headless
# Chromium paints a blank screenshot of a scrolled page, so the screenshot shows the
# page in a frame (which scrolls to the anchor inside it) instead.
anchor=$(python3 "$WORK/check.py" link "$OUT/conformance.dom.html")
if [ -n "$anchor" ]; then
  url="file://$ROOT/$OUT/conformance/index.html#$anchor"
  browse case-dom --dump-dom "$url" >"$OUT/case.dom.html" || true
  printf '<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block;width:1400px;height:1200px}</style></head><body><iframe src="conformance/index.html#%s"></iframe></body></html>\n' \
    "$anchor" >"$OUT/case-frame.html"
  browse case-shot --window-size=1400,1200 --screenshot="$OUT/case.png" "file://$ROOT/$OUT/case-frame.html" >/dev/null || true
fi

# The lower part of the benchmark page (the latency CDF and the chunk arrival), framed
# the same way.
printf '<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block;width:1400px;height:1500px}</style></head><body><iframe src="bench/index.html#latency-distribution"></iframe></body></html>\n' \
  >"$OUT/bench-charts-frame.html"
if browse bench-charts-shot --window-size=1400,1500 --screenshot="$OUT/bench-charts.png" \
  "file://$ROOT/$OUT/bench-charts-frame.html" >/dev/null && [ -s "$OUT/bench-charts.png" ]; then
  ok "bench: screenshot $OUT/bench-charts.png from the latency distribution on"
else
  bad "bench: no screenshot of the lower part ($(tail -n 3 "$WORK/bench-charts-shot.log" | tr '\n' ' '))"
fi

while IFS= read -r line; do
  case "$line" in
    ok\ *) ok "${line#ok }" ;;
    *) bad "${line#FAIL }" ;;
  esac
done < <(python3 "$WORK/check.py" check "$OUT" "$DATA/report-faulty.json" "$DATA/report-reference.json" \
  "$BENCH_DATA/report.json" "$anchor" 2>&1 || echo "FAIL the checks did not finish")

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
