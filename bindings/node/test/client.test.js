'use strict';
// The live client from JavaScript: fallbacks and error codes, hostile
// contexts, reloads by rename() whose events reach the JavaScript thread,
// a rollback refused, expiry, a client closed (or collected) while its
// watching thread runs, and memory over 1,000,000 evaluations.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');
const { isMainThread } = require('node:worker_threads');
const { Client, Context } = require('..');
const { PUB, scratch, publish, nextEvent } = require('./helpers');

function open(t, name = 'prod', options = {}) {
  const dir = scratch(t);
  const file = path.join(dir, 'prod.rsnap');
  if (name) publish(name, file);
  const client = new Client(file, { publicKeyFiles: [PUB], environment: 'prod', pollIntervalMs: 50, ...options });
  t.after(() => client.close());
  return { client, file, dir };
}

test('fallbacks and error codes', (t) => {
  const { client } = open(t);
  assert.equal(client.getBoolean('no-such-flag', true), true);
  assert.equal(client.getString('new-checkout', 'fb'), 'fb'); // a boolean flag
  assert.equal(client.getNumber('static-banner', 7), 7);
  assert.deepEqual(client.getObject('max-items', { a: 1 }), { a: 1 });
  assert.equal(client.getBoolean(42, false), false); // not a string key
  assert.equal(client.getBoolean('no-such-flag', 'not a boolean'), 'not a boolean');
  assert.equal(client.getBoolean('new-checkout', 'not a boolean'), false); // served: off
  const miss = client.evaluate('no-such-flag', {}, { type: 'boolean', fallback: true });
  assert.equal(miss.errorCode, 'FLAG_NOT_FOUND');
  assert.equal(miss.reason, 'ERROR');
  assert.equal(miss.value, true);
  assert.equal(miss.environment, 'prod');
  const mismatch = client.evaluate('max-items', {}, { type: 'string', fallback: 'x' });
  assert.equal(mismatch.errorCode, 'TYPE_MISMATCH');
  assert.equal(mismatch.value, 'x');
  const number = client.evaluate('static-banner', {}, { type: 'number', fallback: 1 });
  assert.equal(number.errorCode, 'TYPE_MISMATCH');
  const any = client.evaluate('max-items', { seats: 100 });
  assert.equal(any.type, 'integer');
  assert.equal(any.variant, 'huge');
  assert.equal(any.rule, 'big spenders');
  assert.equal(any.file, 'environments/prod/max-items.yaml');
  assert.equal(any.line, 3);
  assert.throws(() => client.evaluate('x', {}, { type: 'date' }), /expected boolean, string/);
  // A key that is a flag's with more after a NUL must not match it.
  assert.equal(client.getString('static-banner\u0000x', 'fb'), 'fb');
  assert.equal(client.getString('static-banner'.padEnd(300, 'x'), 'fb'), 'fb');
});

test('contexts librsl refuses serve the fallback with INVALID_CONTEXT', (t) => {
  const { client } = open(t);
  const bad = [
    { email: 'x'.repeat(4097) },
    { groups: ['a', 2] },
    { nested: { a: 1 } },
    { f() {} },
    { targeting_key: 42 },
    { s: 'a\u0000b' },
    { environment: 'staging' },
    Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`a${i}`, i])),
    { groups: Array.from({ length: 17 }, (_, i) => `g${i}`) },
    'not an object',
  ];
  for (const ctx of bad) {
    for (const c of [ctx, new Context(ctx)]) {
      const d = client.evaluate('static-banner', c, { type: 'string', fallback: 'fb' });
      assert.equal(d.errorCode, 'INVALID_CONTEXT', JSON.stringify(ctx).slice(0, 80));
      assert.equal(d.value, 'fb');
      assert.equal(client.getString('static-banner', 'fb', c), 'fb');
    }
  }
  // At the limits it is fine; null and undefined are absent.
  const ok = { email: 'x'.repeat(4096), n: null, u: undefined, when: new Date(1600000000000), big: 5n };
  assert.equal(client.evaluate('static-banner', ok).errorCode, null);
  assert.equal(client.evaluate('discount', { signup_time: new Date('2020-06-01T00:00:00Z') }).variant, 'early');
  assert.equal(client.evaluate('new-checkout', { targetingKey: 'user-8' }).rule, 'beta testers');
});

test('nothing served: PROVIDER_NOT_READY, then a file appears', async (t) => {
  const { client, file } = open(t, null);
  assert.equal(client.status.ready, false);
  const d = client.evaluate('static-banner', {}, { fallback: 'fb' });
  assert.equal(d.errorCode, 'PROVIDER_NOT_READY');
  assert.equal(d.value, 'fb');
  assert.deepEqual(client.flags(), []);
  const accepted = nextEvent(client, 'accepted');
  publish('prod', file);
  await accepted;
  assert.equal(client.getString('static-banner', 'fb'), 'Hello, world');
});

test('a reload by rename() reaches the JavaScript thread', async (t) => {
  const { client, file } = open(t);
  const before = client.status.version;
  assert.equal(client.getString('static-banner', 'fb'), 'Hello, world');
  const kept = client.evaluate('static-banner'); // a copy: a reload never changes it
  let onMainThread = null;
  client.on('accepted', () => { onMainThread = isMainThread; });
  const accepted = nextEvent(client, 'accepted', (ev) => ev.version > before);
  publish('newer', file);
  const ev = await accepted;
  assert.equal(onMainThread, true);
  assert.ok(ev.version > before);
  assert.equal(ev.name, 'rulestead.snapshot.accepted');
  assert.equal(ev.path, file);
  assert.match(ev.commit, /^[0-9a-f]{40}$/);
  assert.equal(client.getString('static-banner', 'fb'), 'Hello, newer');
  assert.equal(client.status.version, ev.version);
  assert.equal(kept.value, 'Hello, world');
  assert.equal(kept.version, before);
});

test('a rollback is refused, and the newer snapshot stays', async (t) => {
  const { client, file } = open(t, 'newer');
  const refused = nextEvent(client, 'refused');
  publish('older', file);
  const ev = await refused;
  assert.equal(ev.codeName, 'RSL_EROLLBACK');
  assert.match(ev.message, /older|rollback|lower/i);
  assert.equal(client.getString('static-banner', 'fb'), 'Hello, newer');
  assert.equal(client.status.lastOutcome, 'refused');
  assert.equal(client.status.lastCode, 'RSL_EROLLBACK');
  assert.throws(() => client.refresh(), (err) => err.code === 'RSL_EROLLBACK');
});

test('an expired snapshot is served stale, or fails closed', async (t) => {
  const { client } = open(t, 'expired');
  assert.equal(client.status.stale, true);
  assert.equal(client.getString('static-banner', 'fb'), 'Hello, expired');
  const closed = open(t, 'expired', { failClosed: true }).client;
  const d = closed.evaluate('static-banner', {}, { fallback: 'fb' });
  assert.equal(d.errorCode, 'PROVIDER_NOT_READY');
  assert.equal(d.value, 'fb');
});

test('a stale event when an expired snapshot is served', async (t) => {
  const { client, file } = open(t, null);
  const stale = nextEvent(client, 'stale');
  publish('expired', file);
  const ev = await stale;
  assert.equal(ev.name, 'rulestead.snapshot.stale');
  assert.equal(client.status.stale, true);
});

test('flags(), explain() and status', (t) => {
  const { client } = open(t);
  const flags = client.flags();
  assert.deepEqual(flags.map((f) => f.key), ['button-color', 'discount', 'killed', 'max-items',
    'new-checkout', 'payments-api', 'rollout', 'search-tuning', 'static-banner', 'unconfigured']);
  const killed = flags.find((f) => f.key === 'killed');
  assert.deepEqual(killed, { key: 'killed', type: 'string', variants: 2, offVariant: 'dark',
    defaultVariant: 'dark', configured: true, enabled: false, rules: 0, file: 'killed.yaml', line: 1 });
  assert.match(client.explain('rollout', { targeting_key: 'x' }), /^flag rollout \(boolean\)/);
  const j = client.explain('new-checkout', { targeting_key: 'u1', email: 'a@example.com' }, { format: 'json' });
  assert.equal(j.result.rule, 'staff');
  const s = client.status;
  assert.equal(s.ready, true);
  assert.equal(s.environment, 'prod');
  assert.equal(s.flagCount, 10);
  assert.equal(s.keyId, '7852c0afa71b345e');
  assert.ok(s.evaluations >= 0);
});

test('bad options throw with the RSL_E* code', () => {
  assert.throws(() => new Client('/nonexistent'), (e) => e.code === 'RSL_EINVAL');
  assert.throws(() => new Client('/nonexistent', { publicKeys: ['not a key'] }),
    (e) => e.code === 'RSL_EKEY' && /PUBLIC KEY|PEM/.test(e.message));
  assert.throws(() => new Client('/nonexistent', { publicKeyFiles: ['/nonexistent.pub'] }),
    (e) => e.code === 'RSL_EIO');
  assert.throws(() => new Client(42), TypeError);
});

test('closed while its watching thread reloads', async (t) => {
  const { client, file } = open(t, 'older', { pollIntervalMs: 1 });
  let events = 0;
  client.on('event', () => events++);
  const names = ['prod', 'newer'];
  for (let i = 0; i < 20; i++) {
    publish(names[i % 2], file);
    client.getString('static-banner', 'fb');
  }
  client.close(); // joins the thread, mid-reload or not
  client.close(); // idempotent
  assert.equal(client.getString('static-banner', 'fb'), 'fb');
  assert.equal(client.evaluate('static-banner').errorCode, 'PROVIDER_NOT_READY');
  assert.equal(client.status.closed, true);
  const seen = events;
  await new Promise((r) => setTimeout(r, 100)); // events queued before close are delivered
  assert.ok(events >= seen);
  publish('prod', file);
  await new Promise((r) => setTimeout(r, 100));
  const after = events;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(events, after, 'no event after close');
});

test('a client nobody references is collected while its thread runs', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const dir = scratch(t);
  const file = path.join(dir, 'prod.rsnap');
  publish('prod', file);
  let collected = false;
  const registry = new FinalizationRegistry(() => { collected = true; });
  (() => {
    const c = new Client(file, { publicKeyFiles: [PUB], pollIntervalMs: 1 });
    c.on('accepted', () => {});
    registry.register(c, 'client');
  })();
  for (let i = 0; i < 50 && !collected; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(collected, 'the client was not collected');
  publish('newer', file); // no thread is left to see it, nothing crashes
  await new Promise((r) => setTimeout(r, 50));
});

test('no memory growth over 1,000,000 evaluations', (t) => {
  const { client } = open(t);
  const ctx = { targeting_key: 'u1', country: 'DE', groups: ['a', 'b'] };
  const prepared = new Context(ctx);
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      client.getBoolean('new-checkout', false, prepared);
      if (i % 4 === 0) client.getString('button-color', 'fb', ctx);
      if (i % 16 === 0) client.evaluate('search-tuning', ctx);
    }
  };
  run(100000); // warm up: JIT, the thread's registration
  global.gc?.();
  const before = process.memoryUsage().rss;
  run(1000000);
  global.gc?.();
  const grown = process.memoryUsage().rss - before;
  assert.ok(grown < 64 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1048576)} MiB`);
  assert.ok(client.status.evaluations >= 1100000);
});
