#!/bin/sh
# bench_scale_test.sh BUILD - make bench-scale at two tiny sizes (40 and 400
# flags, one run each), so that the benchmark does not rot between the
# times it is run for docs/benchmarks.md.  Checks what its user reads: a
# result line per size with every figure a number, a snapshot that grows
# with the ruleset, a generated ruleset whose flags decide in every way a
# flag can (static, default, rule, split, kill switch, prerequisite) and
# never with an error, the report's growth table, and a plot with one line
# of two points per series.  Times nothing: the figures themselves are not
# checked.
set -eu

BUILD=${1:-build}
fail() { echo "bench_scale_test: FAIL: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "skipped: bench_scale_test: no GNU time at /usr/bin/time (ci/install-deps installs time)"; exit 0; }
for b in "$BUILD/rsc" "$BUILD/bench_scale"; do
	[ -x "$b" ] || fail "expected $b (make $b)"
done

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT INT TERM
RSC=$BUILD/rsc BENCH_SCALE=$BUILD/bench_scale OUT=$OUT RUNS=1 RSC_RUNS=1 \
	tests/bench/bench_scale.sh 40 400 >"$OUT/log" 2>&1 || { cat "$OUT/log" >&2; fail "bench_scale.sh 40 400 exited with $?"; }

# One line per size, every field a number.
[ "$(wc -l <"$OUT/results.tsv")" -eq 3 ] || fail "results.tsv should hold a header and 2 lines:
$(cat "$OUT/results.tsv")"
awk -F'\t' 'NR > 1 { for (i = 1; i <= NF; i++) if ($i !~ /^[0-9]+(\.[0-9]+)?$/) { print "field " i " of line " NR " is \"" $i "\""; bad = 1 } }
	NR > 1 && NF != 20 { print "line " NR " has " NF " fields, not 20"; bad = 1 }
	END { exit bad }' "$OUT/results.tsv" >&2 || fail "results.tsv has a figure that is not a number"
set -- $(awk -F'\t' 'NR > 1 { print $1, $4 }' "$OUT/results.tsv")
[ "$1" = 40 ] && [ "$3" = 400 ] || fail "sizes are '$1' and '$3', not 40 and 400"
[ "$4" -gt "$2" ] || fail "the 400-flag snapshot ($4 bytes) is not larger than the 40-flag one ($2)"

# Every way a flag decides, and no errors.
for r in STATIC DEFAULT TARGETING_MATCH SPLIT DISABLED PREREQUISITE_FAILED; do
	c=$(awk -v k="reason_$r" '$1 == k { print $2 }' "$OUT/loader-400.txt")
	[ "${c:-0}" -gt 0 ] || fail "no flag of the 400 decided with reason $r:
$(cat "$OUT/loader-400.txt")"
done
c=$(awk '$1 == "reason_ERROR" { print $2 }' "$OUT/loader-400.txt")
[ "$c" = 0 ] || fail "$c evaluations of the generated flags ended in ERROR"

grep -q '^| `rsl_open` (mmap) | ×[0-9.]* |' "$OUT/report.md" || fail "the report has no growth row for rsl_open:
$(cat "$OUT/report.md")"
/usr/bin/python3 - "$OUT/bench-scale.svg" <<'PY' || fail "the plot is not as expected"
import sys, xml.etree.ElementTree as ET
lines = ET.parse(sys.argv[1]).getroot().findall("{http://www.w3.org/2000/svg}polyline")
points = [len(p.get("points").split()) for p in lines]
if points != [2] * 5:
    sys.exit(f"expected 5 series of 2 points, found {points}")
PY
echo "bench_scale_test: ok (40 and 400 flags: results, mix of reasons, report, plot)"
