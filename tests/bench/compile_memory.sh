#!/bin/sh
# compile_memory.sh - how much memory `rsc compile` and `rsc validate` take
# for a large ruleset.  Generates N flags (default 100,000; the first
# argument), each with a flag file (key, description, owner, type, variants,
# tags) and a targeting file in each of three environments (two rules, one of
# them on a segment, a split default), plus 100 segments; commits them to a
# fresh git repository in a temporary directory; then runs both commands under
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

generate() {
	mkdir -p "$R/segments" "$R/environments/dev" "$R/environments/staging" "$R/environments/prod"
	cat >"$R/rulestead.yaml" <<'EOF'
environments:
  - dev
  - staging
  - prod
settings:
  snapshot_ttl: 7d
EOF

	echo "generating $N flags in $R ..."
	awk -v n="$N" -v r="$R" 'BEGIN {
	nseg = 100
	for (s = 0; s < nseg; s++) {
		f = sprintf("%s/segments/segment-%03d.yaml", r, s)
		printf "key: segment-%03d\n", s > f
		printf "description: Customers of account tier %d in the synthetic benchmark.\n", s > f
		printf "when:\n  all:\n    - attribute: tier\n      eq: %d\n", s > f
		printf "    - attribute: country\n      in: [SE, DK, FI, DE, FR]\n" > f
		close(f)
	}
	split("dev staging prod", envs, " ")
	for (i = 0; i < n; i++) {
		k = sprintf("flag-%06d", i)
		f = sprintf("%s/%s.yaml", r, k)
		printf "key: %s\n", k > f
		printf "description: Synthetic flag number %d, generated to measure how much memory the compiler needs.\n", i > f
		printf "owner: team-%02d\n", i % 40 > f
		printf "type: string\n" > f
		printf "variants:\n  control: \"control\"\n  treatment: \"treatment-%d\"\n  holdout: \"holdout\"\n", i > f
		printf "off_variant: control\n" > f
		printf "tags: [bench, group-%d]\n", i % 16 > f
		close(f)
		for (e = 1; e <= 3; e++) {
			f = sprintf("%s/environments/%s/%s.yaml", r, envs[e], k)
			printf "enabled: true\n" > f
			printf "rules:\n" > f
			printf "  - name: %s members of segment %d\n", envs[e], i % nseg > f
			printf "    when:\n      segment: segment-%03d\n", i % nseg > f
			printf "    serve: treatment\n" > f
			printf "  - name: old app versions\n" > f
			printf "    when:\n      all:\n        - attribute: platform\n          starts_with: ios\n" > f
			printf "        - attribute: app_version\n          semver_lt: 3.%d.0\n", i % 10 > f
			printf "    serve: holdout\n" > f
			printf "default:\n  split:\n    control: 50\n    treatment: 50\n" > f
			close(f)
		}
	}
}'

	(
		cd "$R"
		git init -q
		git add -A
		git -c user.name=bench -c user.email=bench@example.invalid \
		    -c commit.gpgsign=false -c gc.auto=0 commit -q -m "synthetic ruleset of $N flags"
		git gc -q   # packed, as a clone is
	)
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
R=${KEEP:-$TMP/repo}
if [ -n "${KEEP:-}" ] && git -C "$R" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	echo "reusing the repository in $R"
else
	generate
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
