'use strict';
// OFREP through `rsc agent --serve`, with OpenFeature's own provider: the
// repository's flags/ committed in a scratch repository, compiled for prod
// into a file:// source; the agent pulls it into place and serves it; each
// evaluation must give the value, variant and reason (or error code) that
// `rsc explain` gives for the same context.  Then a new commit is published
// and the provider sees it; /metrics and --metrics FILE carry the agent's
// counters.  Run by tests/ofrep/run.sh (RSC, NODE_PATH, OFREP_TMP).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const { OpenFeature } = require('@openfeature/server-sdk');
const { OFREPProvider } = require('@openfeature/ofrep-provider');

const RSC = process.env.RSC;
const TOP = path.resolve(__dirname, '../..');

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function commit(repo, msg, when) {
  const date = `@${when} +0000`;
  sh('git', ['-C', repo, 'add', '-A']);
  sh('git', ['-C', repo, 'commit', '-q', '-m', msg], {
    env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date,
      GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
}

// Compiles the repository's HEAD for prod and publishes it to src/ as
// file:// publishing does: a new file renamed into place.
function publish(t) {
  const out = path.join(t.dir, 'out');
  fs.rmSync(out, { recursive: true, force: true });
  sh(RSC, ['compile', '--root', t.repo, '--env', 'prod', '--key', path.join(t.dir, 'k.key'),
    '--out', out]);
  fs.copyFileSync(path.join(out, 'prod.rsnap'), path.join(t.src, '.prod.rsnap.new'));
  fs.chmodSync(path.join(t.src, '.prod.rsnap.new'), 0o644);
  fs.renameSync(path.join(t.src, '.prod.rsnap.new'), path.join(t.src, 'prod.rsnap'));
}

function explain(t, flag, ofContext) {
  const { targetingKey, ...attrs } = ofContext;
  const ctx = { ...attrs };
  if (targetingKey !== undefined) ctx.targeting_key = targetingKey;
  const r = spawnSync(RSC, ['explain', '--snapshot', t.node, '--pub', t.pub, '--flag', flag,
    '--context', JSON.stringify(ctx), '--format', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function waitFor(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const getter = {
  boolean: 'getBooleanDetails',
  string: 'getStringDetails',
  integer: 'getNumberDetails',
  float: 'getNumberDetails',
  object: 'getObjectDetails',
};
const fallback = { boolean: false, string: 'fallback', integer: -1, float: -1, object: {} };

// Flags of every type and decision, for contexts that reach each.
const cases = [
  ['max-cart-items', { targetingKey: 'u-1', account_age_days: 3 }],
  ['max-cart-items', { targetingKey: 'u-2', plan: 'wholesale' }],
  ['max-cart-items', { targetingKey: 'u-3' }],
  ['holiday-banner', { targetingKey: 'u-4' }],
  ['holiday-banner', { targetingKey: 'u-5', email: 'ann@kestrel-goods.example' }],
  ['new-checkout', { targetingKey: 'u-6', user_agent: 'Mozilla/5.0 (Trident/7.0)' }],
  ['new-checkout', { targetingKey: 'u-7', tenant_key: 'acme-outdoor' }],
  ['payments-api-v2', { targetingKey: 'u-8', tenant_key: 'nordlicht-tea' }],
  ['payments-api-v2', { targetingKey: 'u-9' }], // splits by tenant_key: TARGETING_KEY_MISSING
  ['search-tuning', { targetingKey: 'u-10' }],
  ['order-export-format', { targetingKey: 'u-11' }],
  ['free-shipping-threshold', { targetingKey: 'u-12', country: 'NO' }],
  ['checkout-button-color', { targetingKey: 'u-13' }],
  ['loyalty-points', { targetingKey: 'u-14', email: 'bo@example.com' }],
  ['recommendations-v2', { targetingKey: 'u-15' }],
  ['app-home-layout', { targetingKey: 'u-16', tags: ['a', 'b'], beta: true }],
  ['fraud-scoring-mode', { targetingKey: 'u-17' }],
];

test('the OFREP provider gets what rsc explain gives, through rsc agent --serve', async (t) => {
  const dir = path.join(process.env.OFREP_TMP, 'agent');
  fs.rmSync(dir, { recursive: true, force: true });
  const ctx = {
    dir, repo: path.join(dir, 'repo'), src: path.join(dir, 'src'),
    node: path.join(dir, 'node', 'prod.rsnap'), pub: path.join(dir, 'k.pub'),
    metrics: path.join(dir, 'node', 'rulestead.prom'),
  };
  for (const d of [ctx.repo, ctx.src, path.dirname(ctx.node)]) fs.mkdirSync(d, { recursive: true });
  fs.cpSync(path.join(TOP, 'flags'), ctx.repo, { recursive: true });
  sh('git', ['-C', ctx.repo, 'init', '-q']);
  const when = Math.floor(Date.now() / 1000) - 3600; // fresh: the ttl is 7 days
  commit(ctx.repo, 'flags', when);
  sh(RSC, ['keygen', '--out', path.join(dir, 'k')]);
  publish(ctx);

  const agent = spawn(RSC, ['agent', '--from', `file://${ctx.src}`, '--to', ctx.node,
    '--pub', ctx.pub, '--env', 'prod', '--interval', '200ms', '--serve', '127.0.0.1:0',
    '--metrics', ctx.metrics], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  agent.stderr.on('data', (b) => { log += b; });
  const exited = new Promise((resolve) => agent.on('exit', (code, sig) => resolve({ code, sig })));
  t.after(() => agent.kill('SIGKILL'));

  const base = await waitFor('the serving line', () => {
    const m = /serving OFREP and \/metrics on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
    return m && m[1];
  });
  await waitFor('the first snapshot', () => fs.existsSync(ctx.node));
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: base }));
  const client = OpenFeature.getClient();

  const seen = new Set();
  for (const [flag, context] of cases) {
    const want = explain(ctx, flag, context);
    assert.ok(want.found, flag);
    const got = await client[getter[want.type]](flag, fallback[want.type], context);
    const r = want.result;
    const where = `${flag} ${JSON.stringify(context)}: ${JSON.stringify(got)} vs ${JSON.stringify(r)}`;
    if (r.error !== 'NONE') {
      // An error: OpenFeature serves the caller's default, with the code.
      assert.equal(got.errorCode, r.error, where);
      assert.deepEqual(got.value, fallback[want.type], where);
      seen.add(r.error);
      continue;
    }
    assert.equal(got.errorCode, undefined, where);
    assert.deepEqual(got.value, r.value, where);
    assert.equal(got.variant, r.variant, where);
    assert.equal(got.reason, r.reason, where);
    assert.equal(got.flagMetadata['feature_flag.set.id'], 'prod', where);
    assert.equal(got.flagMetadata['feature_flag.version'], String(BigInt(when) * 1024n), where);
    assert.equal(got.flagMetadata['feature_flag.provider.name'], 'rulestead', where);
    seen.add(r.reason);
    seen.add(want.type);
  }
  // The cases reach every kind of decision and every type.
  for (const k of ['TARGETING_MATCH', 'DEFAULT', 'SPLIT', 'DISABLED', 'PREREQUISITE_FAILED',
    'TARGETING_KEY_MISSING', 'boolean', 'string', 'integer', 'object']) {
    assert.ok(seen.has(k), `no case gives ${k}: ${[...seen]}`);
  }

  // What does not evaluate: the spec's errors, as OpenFeature's codes.
  let d = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u' });
  assert.equal(d.errorCode, 'FLAG_NOT_FOUND');
  assert.equal(d.value, true);
  d = await client.getNumberDetails('max-cart-items', -1, { targetingKey: 'u', address: { city: 'Oslo' } });
  assert.equal(d.errorCode, 'INVALID_CONTEXT');
  assert.match(d.errorMessage, /expected a string, number, true, false, null or a list of strings/);
  d = await client.getStringDetails('max-cart-items', 'x', { targetingKey: 'u' });
  assert.equal(d.errorCode, 'TYPE_MISMATCH');
  assert.match(log, /feature_flag\.key="no-such-flag" error\.type=flag_not_found/);

  // Bulk evaluation, as a static-context provider polls it: well-formed
  // JSON, one entry per flag, 304 while nothing changed.
  const bulkBody = JSON.stringify({ context: { targetingKey: 'u-3' } });
  const post = (headers = {}) => fetch(`${base}/ofrep/v1/evaluate/flags`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: bulkBody });
  let bulk = await post();
  assert.equal(bulk.status, 200);
  const etag = bulk.headers.get('etag');
  const flags = (await bulk.json()).flags;
  assert.equal(flags.length, 12);
  assert.deepEqual(flags.find((f) => f.key === 'max-cart-items').value, 50);
  bulk = await post({ 'If-None-Match': etag });
  assert.equal(bulk.status, 304);

  // A new commit published: the agent takes it, the provider sees it.
  const target = path.join(ctx.repo, 'environments/prod/max-cart-items.yaml');
  fs.writeFileSync(target, fs.readFileSync(target, 'utf8').replace(/^default: standard$/m, 'default: wholesale'));
  commit(ctx.repo, 'more items for everyone', when + 60);
  publish(ctx);
  await waitFor('the new snapshot', async () =>
    (await client.getNumberValue('max-cart-items', -1, { targetingKey: 'u-3' })) === 500);

  bulk = await post({ 'If-None-Match': etag });
  assert.equal(bulk.status, 200); // another snapshot: another tag
  assert.notEqual(bulk.headers.get('etag'), etag);
  assert.deepEqual((await bulk.json()).flags.find((f) => f.key === 'max-cart-items').value, 500);

  // The agent's metrics, on /metrics and in --metrics FILE.
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /\nrulestead_agent_polls_total \d+\n/);
  assert.match(text, /\nrulestead_agent_updates_total 2\n/);
  assert.match(text, new RegExp(`\\nrulestead_snapshot_info\\{env="prod",version="${BigInt(when + 60) * 1024n}",`));
  const file = await waitFor('the metrics file', () => {
    const f = fs.existsSync(ctx.metrics) && fs.readFileSync(ctx.metrics, 'utf8');
    return f && /\nrulestead_agent_updates_total 2\n/.test(f) && f;
  });
  assert.match(file, /\nrulestead_agent_last_poll_outcome\{outcome="(updated|unchanged)"\} 1\n/);
  if (spawnSync('promtool', ['--version']).status === 0) {
    for (const m of [text, file]) {
      const p = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
      assert.equal(p.status, 0, p.stdout + p.stderr);
    }
  } else {
    t.diagnostic('skipped: promtool check metrics: promtool is not installed');
  }

  await OpenFeature.close();
  agent.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, sig: null }, log);
});
