#!/bin/sh
# bench_scale.sh - `make bench-scale`: how rsc and librsl grow with the
# ruleset.  For each size (flags; default 1000 10000 100000) it generates the
# synthetic ruleset (tests/bench/gen_ruleset.sh) in a git repository under
# OUT, then measures:
#  - rsc validate and rsc compile (of the commit): wall time and peak RSS,
#    under /usr/bin/time, median of RSC_RUNS runs (default 3);
#  - the YAML's size against the prod snapshot's;
#  - for the prod snapshot, through tests/bench/bench_scale.c (RUNS runs,
#    default 7): rsl_open against one SHA-512 pass, read and mapped, the
#    private memory the open leaves and its peak, and ns per evaluation of
#    random flags (and of 64 flags that stay in cache).
# It writes OUT/results.tsv (one line per size), OUT/loader-N.txt (what
# bench_scale printed for N flags, with how the flags decided), OUT/report.md (the table
# and how each figure grows per 10x flags) and OUT/bench-scale.svg (the
# plot), through tests/bench/bench_scale_report.py.  A measure, not a test:
# nothing fails on a number.  A repository already generated for a size by
# the same generator is reused (delete OUT to start afresh).
#
# Usage: tests/bench/bench_scale.sh [SIZE...]
# Environment: RSC (build/rsc), BENCH_SCALE (build/bench_scale),
# OUT (build/bench-scale), RUNS, RSC_RUNS.
set -eu

RSC=${RSC:-build/rsc}
BENCH_SCALE=${BENCH_SCALE:-build/bench_scale}
OUT=${OUT:-build/bench-scale}
RUNS=${RUNS:-7}
RSC_RUNS=${RSC_RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- 1000 10000 100000

for b in "$RSC" "$BENCH_SCALE"; do
	[ -x "$b" ] || { echo "bench_scale.sh: expected an executable $b; run make first" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench_scale.sh: expected GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench_scale.sh: expected python3 for the report" >&2; exit 2; }
case $RSC in /*) ;; *) RSC=$(pwd)/$RSC ;; esac

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
[ -f "$OUT/key.pub" ] || "$RSC" keygen --force --out "$OUT/key" >/dev/null
GEN_ID=$(sha256sum "$HERE/gen_ruleset.sh" | cut -c1-16)

# measure NAME COMMAND...: RSC_RUNS runs under /usr/bin/time; prints the
# median wall seconds and the median peak RSS in KiB.
measure() {
	name=$1
	shift
	: >"$TMP/runs"
	i=0
	while [ $i -lt "$RSC_RUNS" ]; do
		rm -rf "$TMP/out"
		if ! /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" >"$TMP/stdout" 2>"$TMP/stderr"; then
			echo "bench_scale.sh: $name failed:" >&2
			head -20 "$TMP/stderr" >&2
			exit 1
		fi
		tail -1 "$TMP/time" >>"$TMP/runs"
		i=$((i + 1))
	done
	wall=$(cut -d' ' -f1 "$TMP/runs" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	rss=$(cut -d' ' -f2 "$TMP/runs" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "$wall $rss"
}

# v NAME: the figure NAME of bench_scale's output.
v() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) exit 1 }' "$TMP/loader"; }

RESULTS=$OUT/results.tsv
# machine LINE: what the report says about where and when it ran.
machine() {
	printf 'Machine: %s, %s CPUs, %s; %s; load average %s.\n' \
	       "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" \
	       "$(uname -sr)" "$(${CC:-cc} --version 2>/dev/null | head -1)" \
	       "$(cut -d' ' -f1-3 /proc/loadavg)"
}
{
	echo "Command: make bench-scale SIZES=\"$*\" (RUNS=$RUNS, RSC_RUNS=$RSC_RUNS), $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo "At the start: $(machine)"
} >"$OUT/machine.txt"
printf 'flags\tfiles\tyaml_bytes\tsnapshot_bytes\tvalidate_s\tvalidate_rss_kb\tcompile_s\tcompile_rss_kb' >"$RESULTS.tmp"
printf '\tread_sha512_ms\topen_read_ms\tread_private_kb\tread_anon_kb\tread_peak_kb' >>"$RESULTS.tmp"
printf '\tmmap_sha512_ms\topen_mmap_ms\tmmap_private_kb\tmmap_anon_kb\tmmap_peak_kb\teval_ns\teval_hot_ns\n' >>"$RESULTS.tmp"

for N in "$@"; do
	case $N in '' | *[!0-9]*) echo "bench_scale.sh: a size is a number of flags, not '$N'" >&2; exit 2 ;; esac
	R=$OUT/repo-$N
	if [ "$(cat "$R.gen" 2>/dev/null)" = "$GEN_ID" ] && git -C "$R" rev-parse -q --verify HEAD >/dev/null 2>&1; then
		echo "== $N flags: reusing $R"
	else
		echo "== $N flags: generating $R"
		rm -rf "$R" "$R.gen"
		"$HERE/gen_ruleset.sh" "$N" "$R"
		echo "$GEN_ID" >"$R.gen"
	fi
	git -C "$R" ls-files '*.yaml' | grep -v / | grep -vx rulestead.yaml | sed 's/\.yaml$//' >"$TMP/keys"
	FILES=$(git -C "$R" ls-files '*.yaml' | wc -l)
	YAML=$(find "$R" -path "$R/.git" -prune -o -name '*.yaml' -printf '%s\n' | awk '{ s += $1 } END { print s }')

	m=$(measure validate "$RSC" validate --root "$R")
	VAL_S=${m% *} VAL_KB=${m#* }
	m=$(measure compile "$RSC" compile --root "$R" --key "$OUT/key.key" --out "$TMP/out")
	COMP_S=${m% *} COMP_KB=${m#* }
	rm -rf "$OUT/out-$N"
	mv "$TMP/out" "$OUT/out-$N"
	SNAP=$OUT/out-$N/prod.rsnap
	SNAP_BYTES=$(wc -c <"$SNAP")
	echo "   validate ${VAL_S}s ${VAL_KB} KiB, compile ${COMP_S}s ${COMP_KB} KiB, YAML $YAML B, prod snapshot $SNAP_BYTES B"

	# The snapshots just written go to disk first, so that their write-back
	# does not run during the opens being timed.
	sync
	"$BENCH_SCALE" "$SNAP" "$OUT/key.pub" "$TMP/keys" "$RUNS" >"$TMP/loader"
	sed 's/^/   /' "$TMP/loader"
	cp "$TMP/loader" "$OUT/loader-$N.txt"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$N" "$FILES" "$YAML" "$SNAP_BYTES" \
	       "$VAL_S" "$VAL_KB" "$COMP_S" "$COMP_KB" >>"$RESULTS.tmp"
	for m in read mmap; do
		printf '\t%s\t%s\t%s\t%s\t%s' "$(v open_${m}_sha512_ms)" "$(v open_${m}_ms)" \
		       "$(v open_${m}_private_kb)" "$(v open_${m}_anon_kb)" "$(v open_${m}_peak_kb)" >>"$RESULTS.tmp"
	done
	printf '\t%s\t%s\n' "$(v eval_ns)" "$(v eval_hot_ns)" >>"$RESULTS.tmp"
done
mv "$RESULTS.tmp" "$RESULTS"
echo "At the end: load average $(cut -d' ' -f1-3 /proc/loadavg)." >>"$OUT/machine.txt"

python3 "$HERE/bench_scale_report.py" "$RESULTS" "$OUT/report.md" "$OUT/bench-scale.svg" "$OUT/machine.txt"
cat "$OUT/report.md"
echo "wrote $RESULTS, $OUT/report.md and $OUT/bench-scale.svg"
