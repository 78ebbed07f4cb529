'use strict';
// OpenFeature with Rulestead: this program uses only @openfeature/server-sdk
// and the provider.  It evaluates a flag, then prints each provider event
// and the flag's new value as snapshots are renamed into place.
//
//   node examples/openfeature.js SNAPSHOT PUBLIC_KEY_FILE [FLAG]
//
// Try it with the conformance fixtures:
//   cp ../fixtures/snapshots/prod.rsnap /tmp/prod.rsnap
//   node examples/openfeature.js /tmp/prod.rsnap ../fixtures/test-signing.pub &
//   cp ../fixtures/snapshots/newer.rsnap /tmp/x && mv /tmp/x /tmp/prod.rsnap
const { OpenFeature, ProviderEvents } = require('@openfeature/server-sdk');
const { RulesteadProvider } = require('rulestead/provider');

async function main() {
  const [snapshot, publicKeyFile, flag = 'static-banner'] = process.argv.slice(2);
  if (!snapshot || !publicKeyFile) {
    console.error('usage: node examples/openfeature.js SNAPSHOT PUBLIC_KEY_FILE [FLAG]');
    process.exit(2);
  }
  await OpenFeature.setProviderAndWait(new RulesteadProvider({
    path: snapshot,
    publicKeyFiles: [publicKeyFile],
    environment: 'prod',
  }));
  const client = OpenFeature.getClient();
  const show = async (what) => {
    const d = await client.getStringDetails(flag, 'fallback', { targetingKey: 'user-42' });
    console.log(`${what}: ${flag} = ${JSON.stringify(d.value)} (variant ${d.variant}, reason ${d.reason}, ` +
      `version ${d.flagMetadata.version})`);
  };
  await show('READY');
  for (const [name, event] of [['CONFIGURATION_CHANGED', ProviderEvents.ConfigurationChanged],
    ['STALE', ProviderEvents.Stale], ['ERROR', ProviderEvents.Error]]) {
    client.addHandler(event, (details) => {
      console.log(`${name}: ${details?.message ?? ''}`);
      show(`after ${name}`);
    });
  }
  // Keep running until stopped (the provider does not hold the loop open).
  const keepAlive = setInterval(() => {}, 1 << 30);
  process.on('SIGTERM', async () => {
    clearInterval(keepAlive);
    await OpenFeature.close();
  });
}

main();
