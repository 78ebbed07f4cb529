'use strict';
// Quick start: serve a snapshot, evaluate flags, follow reloads.
//
//   node examples/quickstart.js SNAPSHOT PUBLIC_KEY_FILE
//
// e.g. with the conformance fixtures:
//   node examples/quickstart.js ../fixtures/snapshots/prod.rsnap ../fixtures/test-signing.pub
const { Client, Context } = require('rulestead');

const [snapshot, publicKeyFile] = process.argv.slice(2);
if (!snapshot || !publicKeyFile) {
  console.error('usage: node examples/quickstart.js SNAPSHOT PUBLIC_KEY_FILE');
  process.exit(2);
}

const flags = new Client(snapshot, { publicKeyFiles: [publicKeyFile], environment: 'prod' });
flags.on('accepted', (ev) => console.log(`accepted: ${ev.message}`));
flags.on('refused', (ev) => console.log(`refused (${ev.codeName}): ${ev.message}`));
flags.on('stale', (ev) => console.log(`stale: ${ev.message}`));

const status = flags.status;
console.log(status.ready ? `serving version ${status.version} (${status.flagCount} flags)`
  : `not ready: ${status.lastError}`);

// Typed getters: the value, or the fallback on any error; never throw.
const user = { targetingKey: 'user-42', email: 'ann@example.com', country: 'DE' };
console.log('new-checkout:', flags.getBoolean('new-checkout', false, user));
console.log('button-color:', flags.getString('button-color', 'blue', { ...user, tenant_key: 'acme' }));
console.log('max-items:', flags.getNumber('max-items', 10, { seats: 250 }));
console.log('search-tuning:', flags.getObject('search-tuning', {}, { groups: ['search'] }));

// Why: the decision with its rule, file and line, and librsl's trace.
console.log(flags.evaluate('new-checkout', user));
console.log(flags.explain('new-checkout', user));

// A context used for many evaluations: convert it once.
const prepared = new Context(user);
let on = 0;
for (let i = 0; i < 1000; i++) on += flags.getBoolean('new-checkout', false, prepared);
console.log(`on ${on} times of 1000`);

flags.close();
