#!/bin/sh
# make.sh build|test|bench [BUILD] - the Node.js binding's part of the
# Makefile (make bindings-node, test-bindings-node, bench).  Installs the
# npm packages from package-lock.json (npm ci, preferring npm's cache),
# builds the addon with node-gyp against the system's Node headers
# (--nodedir=/usr: no download) linked with BUILD/librsl.a, and runs the
# tests or the benchmark.  Without node, npm or node-gyp it prints
# "skipped: <why>" and succeeds: ci/install-deps installs them, so CI runs.
set -eu
cd "$(dirname "$0")"
what=${1:-build}
build=${2:-build}
case $build in /*) ;; *) build=$(cd ../.. && pwd)/$build ;; esac

skip() { echo "bindings/node: skipped: $*"; exit 0; }
command -v node >/dev/null 2>&1 || skip "node is not installed (ci/install-deps installs nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (ci/install-deps installs npm)"
[ -f /usr/include/node/node_api.h ] ||
	skip "no Node headers in /usr/include/node (ci/install-deps installs libnode-dev)"
# npm's own node-gyp, else Debian's.
gyp="$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js"
if [ -f "$gyp" ]; then
	gyp="node $gyp"
elif command -v node-gyp >/dev/null 2>&1; then
	gyp=node-gyp
else
	skip "node-gyp is not installed (ci/install-deps installs node-gyp)"
fi
[ -f "$build/librsl.a" ] || { echo "bindings/node: $build/librsl.a is missing: run make first" >&2; exit 1; }

if [ ! -d node_modules/@openfeature/server-sdk ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
# The addon is rebuilt when librsl, rsl.h or its sources are newer.
addon=build/Release/rulestead.node
if [ ! -f "$addon" ] || [ -n "$(find "$build/librsl.a" ../../loader/rsl.h src binding.gyp -newer "$addon" 2>/dev/null)" ]; then
	$gyp rebuild --nodedir=/usr --librsl="$build/librsl.a" --loglevel=warn >/dev/null
fi

case $what in
build) echo "bindings/node: built $addon" ;;
test) node --expose-gc --test test/*.test.js ;;
bench) node bench/bench.js "$build/rsc" ;;
*) echo "make.sh: expected build, test or bench, found '$what'" >&2; exit 2 ;;
esac
