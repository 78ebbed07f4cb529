'use strict';
// engines.js - the Node.js engines of make bench-peers, each given the
// bench's flag in its own format:
//
//   email == vip@example.com  -> on
//   country in [DE, FR, NL]   -> on
//   otherwise                 -> 20% on, 80% off, by the targeting key
//
// Each entry writes its ruleset into a directory (write), loads it from
// there the way its documentation says to run without a server (open),
// turns a context {key, email, country} into the engine's own shape once,
// before any timing (prepare), and evaluates one prepared context to true
// or false (evaluate; async where the engine's API is).
const fs = require('node:fs');
const path = require('node:path');

const FLAG = 'bench-peers';
const VIP = 'vip@example.com';
const COUNTRIES = ['DE', 'FR', 'NL'];
const PERCENT_ON = 20;

// The installed version (some packages do not export their package.json).
function version(modules, pkg) {
  return JSON.parse(fs.readFileSync(path.join(modules, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

// Whether the flag's first two rules match a context {key, email, country}:
// then every engine must serve on.
function rulesMatch(c) {
  return c.email === VIP || COUNTRIES.includes(c.country);
}

// The Rulestead flag as a flags/ tree, for build/rsc compile.
function writeRulestead(root) {
  fs.mkdirSync(path.join(root, 'environments', 'prod'), { recursive: true });
  fs.writeFileSync(path.join(root, 'rulestead.yaml'), 'environments:\n  - prod\n');
  fs.writeFileSync(path.join(root, `${FLAG}.yaml`),
    `key: ${FLAG}\ndescription: The flag of make bench-peers.\nowner: bench\ntype: boolean\n`);
  fs.writeFileSync(path.join(root, 'environments', 'prod', `${FLAG}.yaml`), `enabled: true
rules:
  - name: vip
    when:
      attribute: email
      eq: "${VIP}"
    serve: on
  - name: benelux and neighbours
    when:
      attribute: country
      in: [${COUNTRIES.join(', ')}]
    serve: on
  - name: rollout
    serve:
      split: { on: ${PERCENT_ON}, off: ${100 - PERCENT_ON} }
default: off
`);
}

const engines = {
  // flagd's in-process evaluator: JSONLogic targeting, "fractional" buckets
  // by murmur3 of the flag key and the targeting key.
  'flagd-core': {
    pkg: '@openfeature/flagd-core',
    write(dir) {
      fs.writeFileSync(path.join(dir, 'flagd.json'), JSON.stringify({
        flags: {
          [FLAG]: {
            state: 'ENABLED',
            variants: { on: true, off: false },
            defaultVariant: 'off',
            targeting: {
              if: [
                { '==': [{ var: 'email' }, VIP] }, 'on',
                { in: [{ var: 'country' }, COUNTRIES] }, 'on',
                { fractional: [['on', PERCENT_ON], ['off', 100 - PERCENT_ON]] },
              ],
            },
          },
        },
      }, null, 2));
    },
    async open(dir, req) {
      const { FlagdCore } = req('@openfeature/flagd-core');
      const core = new FlagdCore();
      core.setConfigurations(fs.readFileSync(path.join(dir, 'flagd.json'), 'utf8'));
      return core;
    },
    prepare: (c) => ({ targetingKey: c.key, email: c.email, country: c.country }),
    evaluate: (core, ctx) => core.resolveBooleanEvaluation(FLAG, false, ctx).value,
  },

  // LaunchDarkly's server SDK on its file data source, events off.
  'launchdarkly': {
    pkg: '@launchdarkly/node-server-sdk',
    async: true,
    write(dir) {
      const clause = (attribute, values) => ({ contextKind: 'user', attribute, op: 'in', values, negate: false });
      fs.writeFileSync(path.join(dir, 'launchdarkly.json'), JSON.stringify({
        flags: {
          [FLAG]: {
            key: FLAG,
            version: 1,
            on: true,
            variations: [true, false],
            offVariation: 1,
            targets: [],
            prerequisites: [],
            rules: [
              { id: 'vip', clauses: [clause('email', [VIP])], variation: 0 },
              { id: 'countries', clauses: [clause('country', COUNTRIES)], variation: 0 },
            ],
            fallthrough: {
              rollout: {
                variations: [
                  { variation: 0, weight: PERCENT_ON * 1000 },
                  { variation: 1, weight: (100 - PERCENT_ON) * 1000 },
                ],
              },
            },
            salt: FLAG,
          },
        },
      }, null, 2));
    },
    async open(dir, req) {
      const ld = req('@launchdarkly/node-server-sdk');
      const { FileDataSourceFactory } = req('@launchdarkly/node-server-sdk/integrations');
      const quiet = { error() {}, warn() {}, info() {}, debug() {} };
      const client = ld.init('sdk-key-unused', {
        updateProcessor: new FileDataSourceFactory({ paths: [path.join(dir, 'launchdarkly.json')] })
          .getFactory(),
        sendEvents: false,
        diagnosticOptOut: true,
        logger: quiet,
      });
      await client.waitForInitialization({ timeout: 10 });
      return client;
    },
    prepare: (c) => ({ kind: 'user', key: c.key, email: c.email, country: c.country }),
    evaluate: (client, ctx) => client.variation(FLAG, ctx, false),
  },

  // Unleash's Node.js SDK, bootstrapped from a file, never polling.
  'unleash': {
    pkg: 'unleash-client',
    write(dir) {
      const constraint = (contextName, values) => ({ contextName, operator: 'IN', values, caseInsensitive: false, inverted: false });
      fs.writeFileSync(path.join(dir, 'unleash.json'), JSON.stringify({
        version: 2,
        features: [{
          name: FLAG,
          enabled: true,
          type: 'release',
          project: 'default',
          stale: false,
          impressionData: false,
          strategies: [
            { name: 'default', constraints: [constraint('email', [VIP])], parameters: {} },
            { name: 'default', constraints: [constraint('country', COUNTRIES)], parameters: {} },
            {
              name: 'flexibleRollout',
              constraints: [],
              parameters: { rollout: String(PERCENT_ON), stickiness: 'userId', groupId: FLAG },
            },
          ],
        }],
      }, null, 2));
    },
    async open(dir, req) {
      const { Unleash, InMemStorageProvider } = req('unleash-client');
      const client = new Unleash({
        appName: 'bench-peers',
        url: 'http://127.0.0.1:9/unused', // required; never fetched (refreshInterval 0)
        refreshInterval: 0,
        disableMetrics: true,
        storageProvider: new InMemStorageProvider(),
        bootstrap: { filePath: path.join(dir, 'unleash.json') },
        skipInstanceCountWarning: true,
      });
      // A bootstrap it cannot read is only a warning: fail instead of waiting.
      await new Promise((resolve, reject) => {
        client.once('synchronized', resolve);
        client.once('error', reject);
        client.once('warn', (msg) => reject(new Error(`unleash: ${msg}`)));
        setTimeout(() => reject(new Error('unleash: not synchronized from the bootstrap in 10 s')), 10000).unref();
      });
      return client;
    },
    prepare: (c) => ({ userId: c.key, properties: { email: c.email, country: c.country } }),
    evaluate: (client, ctx) => client.isEnabled(FLAG, ctx),
  },

  // Flipt's client: its Rust engine compiled to WASM, fed a snapshot by a
  // fetcher that reads a file; no refresh.
  'flipt': {
    pkg: '@flipt-io/flipt-client-js',
    write(dir) {
      const segment = (key, property, operator, value) => ({
        key,
        name: key,
        matchType: 'ALL_SEGMENT_MATCH_TYPE',
        constraints: [{ type: 'STRING_CONSTRAINT_COMPARISON_TYPE', property, operator, value }],
      });
      fs.writeFileSync(path.join(dir, 'flipt.json'), JSON.stringify({
        namespace: { key: 'default' },
        flags: [{
          key: FLAG,
          name: FLAG,
          type: 'BOOLEAN_FLAG_TYPE',
          enabled: false, // a boolean flag's value when no rollout matches
          rules: [],
          rollouts: [
            { type: 'SEGMENT_ROLLOUT_TYPE', rank: 1, segment: { value: true, segmentOperator: 'OR_SEGMENT_OPERATOR', segments: [segment('vip', 'email', 'eq', VIP)] } },
            { type: 'SEGMENT_ROLLOUT_TYPE', rank: 2, segment: { value: true, segmentOperator: 'OR_SEGMENT_OPERATOR', segments: [segment('countries', 'country', 'isoneof', JSON.stringify(COUNTRIES))] } },
            { type: 'THRESHOLD_ROLLOUT_TYPE', rank: 3, threshold: { percentage: PERCENT_ON, value: true } },
          ],
        }],
      }, null, 2));
    },
    async open(dir, req) {
      const { FliptClient } = req('@flipt-io/flipt-client-js');
      const body = fs.readFileSync(path.join(dir, 'flipt.json'), 'utf8');
      return FliptClient.init({
        namespace: 'default',
        updateInterval: 0,
        fetcher: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
      });
    },
    prepare: (c) => ({ flagKey: FLAG, entityId: c.key, context: { email: c.email, country: c.country } }),
    evaluate: (client, req) => client.evaluateBoolean(req).enabled,
  },

  // Rulestead itself through its Node.js binding (bindings/node): the same
  // snapshot as the C row, contexts prepared once (Context).
  'rulestead-node': {
    local: true,
    write() {},
    async open(dir, req, local) {
      const { Client } = require(local.binding);
      return new Client(local.snapshot, { publicKeyFiles: [local.publicKey] });
    },
    prepare(c, local) {
      const { Context } = require(local.binding);
      return new Context({ targeting_key: c.key, email: c.email, country: c.country });
    },
    evaluate: (client, ctx) => client.getBoolean(FLAG, false, ctx),
  },
};

module.exports = { engines, writeRulestead, version, rulesMatch, FLAG };
