#!/bin/sh
# compile_memory.sh - how much memory `rsc compile` and `rsc validate` take
# for a large ruleset.  Generates N flags (default 100,000; the first
# argument) with tests/bench/gen_ruleset.sh (the synthetic ruleset of make
# bench-scale too: flag files of every type, targeting in three environments,
# segments) in a fresh git repository in a temporary directory; then runs both commands under
# /usr/bin/time -v and prints the YAML's size, the peak resident set size,
# their ratio and the wall time.  Not a test: figures go to
# docs/benchmarks.md.  Usage: tests/bench/compile_memory.sh [N] (RSC= picks
# the binary, default build/rsc; KEEP=DIR keeps the repository in DIR, and
# reuses it when DIR already holds one, to compare two binaries).
set -eu

N=${1:-100000}
RSC=${RSC:-build/rsc}
case $RSC in /*) ;; *) RSC=$(pwd)/$RSC ;; esac
[ -x "$RSC" ] || { echo "compile_memory.sh: expected an executable rsc at $RSC; run make first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "compile_memory.sh: expected GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
R=${KEEP:-$TMP/repo}
if [ -n "${KEEP:-}" ] && git -C "$R" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	echo "reusing the repository in $R"
else
	echo "generating $N flags in $R ..."
	"$(dirname "$0")/gen_ruleset.sh" "$N" "$R"
fi

"$RSC" keygen --out "$TMP/signing" >/dev/null

YAML=$(find "$R" -name '*.yaml' -printf '%s\n' | awk '{ s += $1 } END { print s }')
FILES=$(find "$R" -name '*.yaml' | wc -l)
echo "flags: $N  files: $FILES  YAML: $YAML bytes ($(awk -v b="$YAML" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)"

# run NAME COMMAND...: one measured run, printing peak RSS, ratio and time.
run() {
	name=$1
	shift
	if ! /usr/bin/time -v -o "$TMP/time.txt" "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"; then
		echo "compile_memory.sh: $name failed:" >&2
		head -20 "$TMP/err.txt" >&2
		exit 1
	fi
	awk -v name="$name" -v yaml="$YAML" '
		/Maximum resident set size/ { kb = $NF }
		/Elapsed \(wall clock\)/ { wall = $NF }
		END {
			printf "%-9s peak RSS %8.1f MiB  %5.2fx the YAML  wall %s\n",
			       name, kb / 1024, kb * 1024 / yaml, wall
		}' "$TMP/time.txt"
}

run validate "$RSC" validate --root "$R"
run compile "$RSC" compile --root "$R" --key "$TMP/signing.key" --out "$TMP/out"
ls -l "$TMP/out" | awk '/rsnap/ { printf "  %s %d bytes\n", $NF, $5 }'
