#!/bin/sh
# Cross-checks the JSON Schemas in schema/ against `rsc validate`: two
# independent readers of docs/ruleset.md must agree.
#
#   tests/schema_test.sh RSC_BINARY     e.g. tests/schema_test.sh build/rsc
#   tests/schema_test.sh --schema-only  only the schema half (no rsc yet)
#
# flags/, ci/templates/ (rsc init's scaffold) and every
# tests/fixtures/valid/<case>/ must be accepted by both;
# every tests/fixtures/invalid/<case>/ (a complete ruleset with one mistake a
# schema can express, described in its README.md) must be rejected by both.
# A root with a tests/ directory is run with `rsc test` (its expectations
# must hold) instead of `rsc validate`.
# rsc must exit 0 (valid) or 1 (invalid); anything else is a failure.
# Run from the top of the repository.  Ends with "N passed, M failed".
set -u

if [ $# -ne 1 ]; then
	echo "usage: tests/schema_test.sh RSC_BINARY | --schema-only" >&2
	exit 2
fi
rsc=$1
if [ "$rsc" = "--schema-only" ]; then
	rsc=""
elif [ ! -x "$rsc" ]; then
	echo "tests/schema_test.sh: $rsc: not an executable" >&2
	exit 2
fi
# Debian's python has python3-yaml and python3-jsonschema (ci/install-deps);
# a python3 earlier on PATH (pyenv, a venv) may not.
python=/usr/bin/python3
checker=tests/schema_check.py
tmp=tests/tmp/schema_test.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

# run_case DIR EXPECT: EXPECT is 0 (valid) or 1 (invalid).
run_case() {
	dir=${1%/}
	expect=$2
	want=valid
	[ "$expect" -eq 1 ] && want=invalid
	problems=""

	"$python" "$checker" "$dir" > "$tmp/schema.out" 2>&1
	got=$?
	if [ "$got" -ne "$expect" ]; then
		problems="$problems schema exit $got (want $expect);"
	fi

	if [ -n "$rsc" ]; then
		# Expectation files (tests/) are read by rsc test, which validates
		# the ruleset first.
		cmd=validate
		[ -d "$dir/tests" ] && cmd=test
		"$rsc" $cmd --worktree --root "$dir" > "$tmp/rsc.out" 2>&1
		got=$?
		if [ "$got" -ne "$expect" ]; then
			problems="$problems rsc exit $got (want $expect);"
		fi
	fi

	if [ -z "$problems" ]; then
		passed=$((passed + 1))
		echo "ok   $dir ($want)"
	else
		failed=$((failed + 1))
		echo "FAIL $dir ($want):$problems"
		sed 's/^/     schema: /' "$tmp/schema.out"
		[ -n "$rsc" ] && sed 's/^/     rsc: /' "$tmp/rsc.out"
	fi
}

run_case flags 0
run_case ci/templates 0   # what rsc init writes
for d in tests/fixtures/valid/*/; do
	[ -d "$d" ] && run_case "$d" 0
done
ninvalid=0
for d in tests/fixtures/invalid/*/; do
	[ -d "$d" ] || continue
	run_case "$d" 1
	ninvalid=$((ninvalid + 1))
done
# A lost fixture directory must not turn into a quiet pass.
if [ "$ninvalid" -lt 8 ]; then
	echo "FAIL tests/fixtures/invalid: $ninvalid cases, expected at least 8"
	failed=$((failed + 1))
fi

[ -z "$rsc" ] && echo "(schema only: rsc not run)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
