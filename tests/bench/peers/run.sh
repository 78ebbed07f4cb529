#!/bin/sh
# run.sh BUILD [CONTEXTS] [RUNS] - make bench-peers: installs the pinned
# peers of tests/bench/peers/package-lock.json into BUILD/bench-peers with
# `npm ci` (never into the tree), builds the Node.js binding (its row is
# left out, saying why, when it cannot be built), and runs bench.js.
# Needs node and npm (ci/install-deps installs them); without them it
# prints "skipped: <why>" and succeeds, like the other benchmarks.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD [CONTEXTS] [RUNS]}
contexts=${2:-1000000}
runs=${3:-5}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac

skip() { echo "bench-peers: skipped: $*"; exit 0; }
command -v node >/dev/null 2>&1 || skip "node is not installed (ci/install-deps installs nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (ci/install-deps installs npm)"

peers=$build/bench-peers
mkdir -p "$peers"
# npm ci again only when the lock changed.
if ! cmp -s "$here/package-lock.json" "$peers/package-lock.json" ||
	[ ! -f "$peers/node_modules/.package-lock.json" ]; then
	cp "$here/package.json" "$here/package-lock.json" "$peers/"
	npm ci --prefix "$peers" --no-audit --no-fund --loglevel=error
fi

binding=
out=$("$here/../../../bindings/node/make.sh" build "$build" 2>&1) || out="failed: $out"
case $out in
*built*) ;;
*) echo "bench-peers: the Node.js binding's row is left out: $out"; binding=--no-node-binding ;;
esac

exec node "$here/bench.js" "$build" "$peers" "$contexts" "$runs" $binding
