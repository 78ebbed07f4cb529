'use strict';
// bench.js - make bench-peers, after run.sh has installed the peers:
//
//   node bench.js BUILD MODULES CONTEXTS RUNS [--no-node-binding]
//
// BUILD holds rsc and bench_peers_native; MODULES is the directory npm ci
// installed the pinned peers into.  In BUILD/bench-peers/work it writes the
// contexts (contexts.js), each engine's ruleset in its own format
// (engines.js) and Rulestead's as a flags/ tree compiled with BUILD/rsc
// under a throwaway key; checks that the network guard (nonet.js) refuses
// a connection; then runs every row in its own process, one after the
// other, and prints one table.  Exits 1 when the engines' shares of "on"
// differ by more than 0.001 (their rules would not be the same flag), when
// an engine serves off to a context the first two rules match, when the
// floor and librsl disagree on any count (they bucket alike), or when a
// row fails or touched the network.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');
const contexts = require('./contexts');
const { engines, writeRulestead } = require('./engines');

const TOLERANCE = 0.001;
const NONET = path.join(__dirname, 'nonet.js');

function fail(msg) {
  console.error(`bench-peers: FAILED: ${msg}`);
  process.exit(1);
}

// Runs one row; its last line of output is its JSON result.
function row(label, cmd, args) {
  process.stderr.write(`bench-peers: ${label} ...\n`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    fail(`${label} exited with ${r.status === 3 ? '3 (it tried to use the network)' : r.status ?? r.signal}`);
  }
  const last = r.stdout.trim().split('\n').pop();
  try {
    return JSON.parse(last);
  } catch {
    return fail(`${label} printed no result: ${last}`);
  }
}

// The guard must refuse for real, or "no network" proves nothing.
function checkGuard() {
  const probe = "for (const f of [() => require('node:net').connect(9, '127.0.0.1'), " +
    "() => require('node:dns').lookup('example.com', () => {}), " +
    "() => require('node:http').get('http://example.com/')]) try { f(); } catch {}";
  const r = spawnSync(process.execPath, ['--require', NONET, '-e', probe], { encoding: 'utf8' });
  if (r.status !== 3 || !/3 network attempt\(s\) refused/.test(r.stderr)) {
    fail(`the network guard did not refuse a probe (exit ${r.status}): ${r.stderr.trim()}`);
  }
}

function fmt(x, digits) {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function main() {
  const [buildArg, modulesArg, nArg, runsArg, ...flags] = process.argv.slice(2);
  const n = Number(nArg);
  const runs = Number(runsArg);
  if (!buildArg || !modulesArg || !(n >= 1) || !(runs >= 1)) {
    console.error('usage: node bench.js BUILD MODULES CONTEXTS RUNS [--no-node-binding]');
    process.exit(2);
  }
  const build = path.resolve(buildArg);
  const modules = path.resolve(modulesArg);
  const work = path.join(build, 'bench-peers', 'work');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });

  contexts.write(path.join(work, 'contexts.tsv'), n);
  for (const e of Object.values(engines)) e.write(work);
  const rsc = path.join(build, 'rsc');
  writeRulestead(path.join(work, 'flags'));
  execFileSync(rsc, ['keygen', '--out', path.join(work, 'k')], { stdio: 'ignore' });
  execFileSync(rsc, ['compile', '--root', path.join(work, 'flags'), '--worktree',
    '--key', path.join(work, 'k.key'), '--out', path.join(work, 'out')], { stdio: 'ignore' });
  checkGuard();

  const native = path.join(build, 'bench_peers_native');
  const ctxFile = path.join(work, 'contexts.tsv');
  const results = [];
  const add = (name, version, r) => results.push({ ...r, name, version });
  add('C floor (inline compares, librsl\'s XXH3 bucketing)', 'tests/bench/peers/native.c',
    row('floor', native, ['floor', ctxFile, String(runs)]));
  const snapArgs = [path.join(work, 'out', 'prod.rsnap'), path.join(work, 'k.pub'), ctxFile, String(runs)];
  add('Rulestead rsl_bool (librsl, C)', 'this tree', row('librsl', native, ['rsl', ...snapArgs]));
  add('Rulestead rsl_prepared_bool (librsl, C; context prepared and bound once, untimed)', 'this tree',
    row('librsl prepared', native, ['prepared', ...snapArgs]));
  add('Rulestead rsl_flag_bool (librsl, C; context prepared and bound, flag found once, untimed)', 'this tree',
    row('librsl flag', native, ['flag', ...snapArgs]));
  add('Rulestead rsl_context_prepare + rsl_context_bind + rsl_prepared_bool (librsl, C; all timed)', 'this tree',
    row('librsl prepare+evaluate', native, ['prepare', ...snapArgs]));
  const peers = ['flagd-core', 'launchdarkly', 'unleash', 'flipt'];
  if (!flags.includes('--no-node-binding')) peers.unshift('rulestead-node');
  const labels = {
    'rulestead-node': 'Rulestead getBoolean (Node.js binding)',
    'flagd-core': 'flagd-core (@openfeature/flagd-core)',
    'launchdarkly': 'LaunchDarkly (@launchdarkly/node-server-sdk)',
    'unleash': 'Unleash (unleash-client)',
    'flipt': 'Flipt (@flipt-io/flipt-client-js, WASM)',
  };
  for (const name of peers) {
    const r = row(name, process.execPath,
      ['--require', NONET, path.join(__dirname, 'run-engine.js'), name, work, modules, String(runs)]);
    add(labels[name], r.version === 'bindings/node' ? 'this tree' : r.version, r);
  }

  const floor = results[0];
  const rsl = results[1];
  for (const r of results) r.share = r.on / r.n;
  const shares = results.map((r) => r.share);
  const spread = Math.max(...shares) - Math.min(...shares);
  const expected = 0.01 + 0.99 * (0.75 + 0.25 * 0.2); // contexts.js

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\nmake bench-peers: ${fmt(n, 0)} contexts, median of ${runs} passes, process CPU time; ` +
    `${cpu}, ${os.cpus().length} CPUs, node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z\n`);
  console.log('| engine | version | ns per evaluation | vs Rulestead | vs floor | share on |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.version} | ${fmt(r.ns, r.ns < 100 ? 1 : 0)} | ${fmt(r.ns / rsl.ns, r.ns / rsl.ns < 10 ? 2 : 0)}× | ` +
      `${fmt(r.ns / floor.ns, r.ns / floor.ns < 10 ? 2 : 0)}× | ${r.share.toFixed(4)} |`);
  }
  // The targets: each C row of librsl against the floor (1.5x) and
  // the fastest peer (20x faster).
  const peerRows = results.filter((r) => r.version !== 'this tree' && r !== floor);
  if (peerRows.length) {
    const fastest = peerRows.reduce((a, b) => (b.ns < a.ns ? b : a));
    for (const r of results.slice(1, 5)) {
      console.log(`${r.name}: ${fmt(r.ns / floor.ns, 2)}× the floor, ` +
        `${fmt(fastest.ns / r.ns, 0)}× faster than the fastest peer (${fastest.name})`);
    }
  }
  console.log(`\nshare on: spread ${spread.toFixed(4)} (must be <= ${TOLERANCE}); ` +
    `expected from the contexts' mix ${expected.toFixed(4)}`);
  console.log(`share on among the ${fmt(n - floor.matched, 0)} contexts no rule matches (the 20% split): ` +
    results.map((r) => ((r.on - r.matched_on) / (r.n - r.matched)).toFixed(4)).join(', '));
  for (const r of results) {
    if (r.matched_on !== r.matched) {
      fail(`${r.name} serves off to ${r.matched - r.matched_on} of the ${r.matched} contexts its first two rules match`);
    }
  }
  const rulestead = results.filter((r) => r.version === 'this tree');
  for (const r of rulestead) {
    if (r.on !== floor.on) fail(`${r.name} says on ${r.on} times, the floor ${floor.on}: same bucketing, so they must agree exactly`);
  }
  if (spread > TOLERANCE) {
    fail(`the shares of on differ by ${spread.toFixed(4)} > ${TOLERANCE}: the engines do not evaluate the same flag`);
  }
}

main();
