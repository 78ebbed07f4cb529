'use strict';
// run-engine.js - one Node.js row of make bench-peers, in its own process
// (started by bench.js under `node --require nonet.js`):
//
//   node run-engine.js ENGINE WORKDIR MODULES RUNS
//
// Opens ENGINE's ruleset from WORKDIR (engines.js) with the packages of
// MODULES (the npm ci directory), turns every context of WORKDIR/contexts.tsv
// into the engine's shape, warms the JIT up on a tenth of them, then times
// RUNS passes over all of them in the process's CPU time (process.cpuUsage:
// the garbage collector's work counts, time preempted does not).  Prints
// one JSON line: {"ns": median ns per evaluation, "runs": [...], "on":
// count of on in a pass, "n": contexts, "matched": contexts the flag's
// first two rules match, "matched_on": how many of those were on (from one
// more, untimed pass), "version": the package's}.
const path = require('node:path');
const { createRequire } = require('node:module');
const { engines, version, rulesMatch } = require('./engines');
const { read } = require('./contexts');

function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

async function pass(engine, handle, ctxs, n) {
  let on = 0;
  if (engine.async) {
    for (let i = 0; i < n; i++) if (await engine.evaluate(handle, ctxs[i])) on++;
  } else {
    for (let i = 0; i < n; i++) if (engine.evaluate(handle, ctxs[i])) on++;
  }
  return on;
}

async function main() {
  const [name, work, modules, runsArg] = process.argv.slice(2);
  const engine = engines[name];
  const runs = Number(runsArg);
  if (!engine || !work || !modules || !(runs >= 1)) {
    console.error(`usage: node run-engine.js {${Object.keys(engines).join('|')}} WORKDIR MODULES RUNS`);
    process.exit(2);
  }
  const req = createRequire(path.join(path.resolve(modules), 'package.json'));
  const local = {
    binding: path.resolve(__dirname, '..', '..', '..', 'bindings', 'node'),
    snapshot: path.join(work, 'out', 'prod.rsnap'),
    publicKey: path.join(work, 'k.pub'),
  };
  const handle = await engine.open(work, req, local);
  const raw = read(path.join(work, 'contexts.tsv'));
  const ctxs = raw.map((c) => engine.prepare(c, local));
  await pass(engine, handle, ctxs, Math.ceil(ctxs.length / 10));
  const t = [];
  let on = -1;
  for (let r = 0; r < runs; r++) {
    const t0 = cpuNs();
    const count = await pass(engine, handle, ctxs, ctxs.length);
    t.push((cpuNs() - t0) / ctxs.length);
    if (on >= 0 && count !== on) throw new Error(`${name}: two passes over the same contexts disagree (${on}, ${count})`);
    on = count;
  }
  // Untimed: the decisions for the contexts the first two rules match,
  // which must all be on (bench.js checks).
  let matched = 0;
  let matchedOn = 0;
  for (let i = 0; i < raw.length; i++) {
    if (rulesMatch(raw[i])) {
      matched++;
      if (await engine.evaluate(handle, ctxs[i])) matchedOn++;
    }
  }
  const sorted = [...t].sort((a, b) => a - b);
  console.log(JSON.stringify({
    ns: Number(sorted[runs >> 1].toFixed(2)),
    runs: t.map((x) => Number(x.toFixed(2))),
    on,
    n: ctxs.length,
    matched,
    matched_on: matchedOn,
    version: engine.local ? 'bindings/node' : version(path.resolve(modules), engine.pkg),
  }));
  handle.close?.();
  handle.destroy?.();
  // Some clients keep timers or handles alive after close: the row is done.
  process.exit();
}

main().catch((e) => {
  console.error(`run-engine: ${e.stack ?? e}`);
  process.exit(1);
});
