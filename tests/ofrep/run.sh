#!/bin/sh
# tests/ofrep/run.sh [BUILD] - the OFREP test of `make test`: OpenFeature's
# own Node.js provider (@openfeature/ofrep-provider with
# @openfeature/server-sdk, pinned in package-lock.json and installed with
# npm ci into BUILD/ofrep) evaluates flags through `rsc agent --serve`,
# and must get what `rsc explain` says.  Without node or npm it prints
# "skipped: <why>" and succeeds (ci/install-deps installs them).
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac

skip() { echo "tests/ofrep: skipped: $*"; exit 0; }
command -v node >/dev/null 2>&1 || skip "node is not installed (ci/install-deps installs nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (ci/install-deps installs npm)"
[ -x "$build/rsc" ] || { echo "tests/ofrep: $build/rsc is missing: run make first" >&2; exit 1; }

dir=$build/ofrep
mkdir -p "$dir"
if [ ! -d "$dir/node_modules/@openfeature/ofrep-provider" ] ||
   ! cmp -s tests/ofrep/package-lock.json "$dir/package-lock.json"; then
	cp tests/ofrep/package.json tests/ofrep/package-lock.json "$dir/"
	(cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi
RSC="$build/rsc" NODE_PATH="$dir/node_modules" OFREP_TMP="$dir/tmp" \
	node --test tests/ofrep/ofrep.test.js
