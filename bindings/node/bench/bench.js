'use strict';
// make bench, the Node.js row: nanoseconds per call through the binding for
// the three-rule flag of tests/bench/bench.c (plan eq; country in a list of
// ten; a 20% split of everyone), with a context that reaches the split,
// the targeting key cycling over 1,024 users as there.
// Each figure is the median of 7 runs of 1,000,000 calls, in the process's
// CPU time (process.cpuUsage), so that time preempted on a busy machine is
// not counted.
//
//   node bench/bench.js [RSC]        (RSC: build/rsc by default)
//
// RULESTEAD_BENCH_SNAPSHOT and RULESTEAD_BENCH_KEY (a snapshot holding
// three-rules, and its public key) measure that snapshot instead of one
// compiled here from the same flag.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Client, Context } = require('..');

const RUNS = 7;
const CALLS = 1000000;
const NKEYS = 1024;
const TARGET_NS = 150;

const THREE_RULES = `enabled: true
rules:
  - name: enterprise
    when:
      attribute: plan
      eq: enterprise
    serve: on
  - name: dach and friends
    when:
      attribute: country
      in: [DE, AT, CH, FR, IT, ES, NL, BE, LU, DK]
    serve: on
  - name: rollout
    serve:
      split:
        on: 20
        off: 80
default: off
`;

function snapshot(rsc, dir) {
  const root = path.join(dir, 'ruleset');
  fs.mkdirSync(path.join(root, 'environments', 'prod'), { recursive: true });
  fs.writeFileSync(path.join(root, 'rulestead.yaml'), 'environments:\n  - prod\n');
  fs.writeFileSync(path.join(root, 'three-rules.yaml'), 'key: three-rules\ndescription: bench\nowner: bench\n');
  fs.writeFileSync(path.join(root, 'environments', 'prod', 'three-rules.yaml'), THREE_RULES);
  execFileSync(rsc, ['keygen', '--out', path.join(dir, 'k')], { stdio: 'ignore' });
  execFileSync(rsc, ['compile', '--root', root, '--worktree', '--key', path.join(dir, 'k.key'),
    '--out', path.join(dir, 'out')], { stdio: 'ignore' });
  return path.join(dir, 'out', 'prod.rsnap');
}

function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

let sink = 0;
function measure(fn) {
  fn(CALLS / 10); // warm up the JIT
  const t = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = cpuNs();
    sink += fn(CALLS);
    t.push((cpuNs() - t0) / CALLS);
  }
  return median(t);
}

function main() {
  const rsc = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', '..', 'build', 'rsc'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rulestead-node-bench-'));
  try {
    const given = process.env.RULESTEAD_BENCH_SNAPSHOT;
    const client = new Client(given ?? snapshot(rsc, dir),
      { publicKeyFiles: [given ? process.env.RULESTEAD_BENCH_KEY : path.join(dir, 'k.pub')] });
    const plain = Array.from({ length: NKEYS }, (_, i) =>
      ({ targeting_key: `user-${i}`, plan: 'free', country: 'US', seats: 3 }));
    const prepared = plain.map((c) => new Context(c));
    if (client.evaluate('three-rules', prepared[0]).rule !== 'rollout') {
      throw new Error('bench: the context does not reach the split');
    }
    const rows = [
      ['getBoolean, prepared Context', (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += client.getBoolean('three-rules', false, prepared[i & (NKEYS - 1)]);
        return acc;
      }],
      ['getBoolean, plain object', (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += client.getBoolean('three-rules', false, plain[i & (NKEYS - 1)]);
        return acc;
      }],
      ['evaluate (detailed), prepared', (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += client.evaluate('three-rules', prepared[i & (NKEYS - 1)]).line;
        return acc;
      }],
    ];
    console.log(`node ${process.version}: three-rule flag, median of ${RUNS} x ${CALLS} calls, CPU time`);
    let first = null;
    for (const [name, fn] of rows) {
      const ns = measure(fn);
      first ??= ns;
      console.log(`  ${name.padEnd(32)} ${ns.toFixed(1).padStart(8)} ns/call`);
    }
    console.log(`  typed call with a prepared Context: ${first.toFixed(1)} ns, target <= ${TARGET_NS} ns: ` +
      `${first <= TARGET_NS ? 'met' : 'NOT met'}`);
    client.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
