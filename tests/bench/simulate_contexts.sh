#!/bin/sh
# simulate_contexts.sh - how long `rsc simulate` takes, and how much memory,
# for a large population of contexts.  Copies the bundled flags/ into a
# fresh git repository in a temporary directory, commits it, ramps prod's
# new-checkout split from 12.5% to 25% in a second commit, generates N
# contexts (default 1,000,000; the first argument) as JSON Lines (a user, a
# tenant, a country, an e-mail address, an order count, a user agent), then
# runs `rsc simulate --env prod` and `rsc simulate` (every environment)
# under /usr/bin/time -v and prints the file's size, the wall time and the
# peak resident set size.  Not a test: figures go to docs/benchmarks.md.
# Usage: tests/bench/simulate_contexts.sh [N] (RSC= picks the binary,
# default build/rsc).  Run from the top of the repository.
set -eu

N=${1:-1000000}
RSC=${RSC:-build/rsc}
case $RSC in /*) ;; *) RSC=$(pwd)/$RSC ;; esac
[ -x "$RSC" ] || { echo "simulate_contexts.sh: expected an executable rsc at $RSC; run make first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "simulate_contexts.sh: expected GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
[ -f flags/rulestead.yaml ] || { echo "simulate_contexts.sh: run from the top of the repository (flags/ not found)" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/rsc-simulate.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
R=$T/repo
mkdir -p "$R"
cp -R flags "$R/flags"
(
	cd "$R"
	git init -q -b main .
	git config user.name bench
	git config user.email bench@example.com
	git add -A
	GIT_COMMITTER_DATE='@1780000000 +0000' GIT_AUTHOR_DATE='@1780000000 +0000' \
		git commit -q -m 'bundled flags'
	sed 's/^    on: 12.5$/    on: 25/; s/^    off: 87.5$/    off: 75/' \
		flags/environments/prod/new-checkout.yaml > "$T/t" &&
		mv "$T/t" flags/environments/prod/new-checkout.yaml
	GIT_COMMITTER_DATE='@1780000100 +0000' GIT_AUTHOR_DATE='@1780000100 +0000' \
		git commit -q -am 'new-checkout: 25% in prod'
)

echo "generating $N contexts ..."
awk -v n="$N" 'BEGIN {
	split("DE FR SE NO US CA GB NL", c, " ")
	for (i = 0; i < n; i++)
		printf "{\"targeting_key\":\"user-%d\",\"tenant_key\":\"shop-%d\",\"country\":\"%s\",\"email\":\"u%d@mail.example\",\"lifetime_orders\":%d,\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}\n", i, i % 997, c[i % 8 + 1], i, i % 40
}' > "$T/contexts.jsonl"
size=$(wc -c < "$T/contexts.jsonl")
echo "contexts.jsonl: $N lines, $size bytes"

run() {
	label=$1
	shift
	/usr/bin/time -v "$RSC" simulate --root "$R/flags" --contexts "$T/contexts.jsonl" \
		--now 2026-12-01T00:00:00Z "$@" HEAD~1 HEAD > "$T/out" 2> "$T/time"
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/time")
	user=$(sed -n 's/.*User time (seconds): //p' "$T/time")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time")
	echo "$label: wall $wall, user ${user}s, peak RSS $rss KiB"
}
run "rsc simulate --env prod (12 flags, 2 sides)"  --env prod
grep -A4 'new-checkout:' "$T/out" | sed 's/^/    /'
run "rsc simulate (3 environments x 12 flags, 2 sides)"
