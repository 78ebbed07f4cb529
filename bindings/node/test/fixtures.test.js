'use strict';
// Every case of bindings/fixtures/cases.jsonl: the binding answers exactly
// what librsl answered through `rsc explain`, through evaluate, the typed
// getters, and a prepared Context.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Client, Context } = require('..');
const { PUB, cases, scratch, publish } = require('./helpers');

const GETTERS = {
  boolean: 'getBoolean', string: 'getString', integer: 'getNumber', float: 'getNumber', object: 'getObject',
};

test('every fixture case', (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'prod.rsnap');
  publish('prod', file);
  const client = new Client(file, { publicKeyFiles: [PUB], environment: 'prod', watch: false });
  t.after(() => client.close());
  const all = cases();
  assert.ok(all.length >= 60, `only ${all.length} cases`);
  for (const c of all) {
    const what = `${c.flag} (${c.note})`;
    for (const ctx of [c.context, new Context(c.context)]) {
      const d = client.evaluate(c.flag, ctx, { type: c.type, fallback: c.fallback });
      assert.deepEqual(d.value, c.expected.value, `${what}: value`);
      assert.equal(d.variant, c.expected.variant, `${what}: variant`);
      assert.equal(d.reason, c.expected.reason, `${what}: reason`);
      assert.equal(d.errorCode ?? 'NONE', c.expected.error, `${what}: error`);
      assert.equal(d.rule, c.expected.rule, `${what}: rule`);
      // getNumber serves integer and float flags alike: asked for the
      // other numeric type, it answers what evaluate does for 'number'.
      const numeric = GETTERS[c.type] === 'getNumber' && c.expected.error === 'TYPE_MISMATCH';
      const want = numeric ? client.evaluate(c.flag, ctx, { type: 'number', fallback: c.fallback }).value
        : c.expected.value;
      const typed = client[GETTERS[c.type]](c.flag, c.fallback, ctx);
      assert.deepEqual(typed, want, `${what}: ${GETTERS[c.type]}`);
    }
  }
});
