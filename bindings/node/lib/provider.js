'use strict';
// An OpenFeature server provider for @openfeature/server-sdk over a
// Rulestead Client.  Every resolution is librsl's decision, copied out
// (value, variant, reason, error code, and as flag metadata the snapshot's
// environment, version and commit and the deciding rule); a fallback never
// throws.  The client's events become provider events:
//   a snapshot accepted  -> READY (when not serving before, or after STALE
//                           or ERROR), then CONFIGURATION_CHANGED for a reload
//   a snapshot stale     -> STALE
//   a file refused       -> ERROR (the previous snapshot is still served)

const { OpenFeatureEventEmitter, ProviderEvents } = require('@openfeature/server-sdk');
const { Client } = require('./index.js');

class RulesteadProvider {
  /**
   * new RulesteadProvider({ path, publicKeys, publicKeyFiles, environment,
   * ...Client options }) or new RulesteadProvider({ client }) to share a
   * Client (the provider then does not close it).
   */
  constructor(options = {}) {
    this.metadata = { name: 'rulestead' };
    this.runsOn = 'server';
    this.hooks = [];
    this.events = new OpenFeatureEventEmitter();
    this._options = options;
    this._client = options.client ?? null;
    this._owns = !options.client;
    this._state = 'NOT_READY';
    this._announced = 0; // the snapshot version READY or CHANGED announced
  }

  /** The Client the provider reads (null before initialize). */
  get client() {
    return this._client;
  }

  async initialize() {
    if (!this._client) {
      const { path, ...rest } = this._options;
      this._client = new Client(path, rest);
    }
    this._client.on('accepted', (ev) => this._accepted(ev));
    this._client.on('stale', (ev) => this._stale(ev));
    this._client.on('refused', (ev) => this._refused(ev));
    const s = this._client.status;
    if (!s.ready) {
      this._state = 'ERROR';
      throw new Error(`rulestead: no snapshot is being served: ${s.lastError || 'none found'}`);
    }
    this._announced = s.version;
    this._state = s.stale ? 'STALE' : 'READY';
    if (s.stale) {
      setImmediate(() => this.events.emit(ProviderEvents.Stale, { message: 'the snapshot is past its expiry' }));
    }
  }

  async onClose() {
    if (this._owns && this._client) this._client.close();
  }

  _metadataOf(ev) {
    return { environment: this._client.status.environment, version: ev.version, commit: ev.commit ?? '' };
  }

  _accepted(ev) {
    // The start's own event (delivered after initialize), or a renewal
    // that did not clear the expiry: nothing to announce.
    if (ev.version === this._announced &&
        (this._state === 'READY' || (this._state === 'STALE' && this._client.status.stale))) return;
    const was = this._state;
    this._state = 'READY';
    if (was !== 'READY') {
      this.events.emit(ProviderEvents.Ready, { message: ev.message, metadata: this._metadataOf(ev) });
    }
    if (this._announced !== 0 && ev.version !== this._announced) {
      this.events.emit(ProviderEvents.ConfigurationChanged, {
        message: ev.message,
        metadata: this._metadataOf(ev),
      });
    }
    this._announced = ev.version;
  }

  _stale(ev) {
    this._state = 'STALE';
    this.events.emit(ProviderEvents.Stale, { message: ev.message });
  }

  _refused(ev) {
    this._state = 'ERROR';
    this.events.emit(ProviderEvents.Error, { message: ev.message, metadata: { code: ev.codeName ?? '' } });
  }

  _resolve(flagKey, defaultValue, context, type) {
    let d;
    try {
      if (!this._client) {
        return { value: defaultValue, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY',
          errorMessage: 'the provider is not initialized' };
      }
      // OpenFeature's context is a Rulestead context as is (targetingKey included).
      d = this._client.evaluate(flagKey, context, { type, fallback: defaultValue });
    } catch (err) {
      return { value: defaultValue, reason: 'ERROR', errorCode: 'GENERAL', errorMessage: String(err?.message ?? err) };
    }
    const flagMetadata = {};
    if (d.environment !== null) flagMetadata.environment = d.environment;
    if (d.version) flagMetadata.version = d.version;
    if (d.commit !== null) flagMetadata.commit = d.commit;
    if (d.rule !== null) flagMetadata.rule = d.rule;
    if (d.file !== null) flagMetadata.source = `${d.file}:${d.line}`;
    const r = { value: d.value, reason: d.reason, flagMetadata };
    if (d.variant !== null) r.variant = d.variant;
    // A default split without a targeting key still serves the off
    // variant (librsl's decision), which OpenFeature would replace with
    // the default value if reported as an error: say it in the message.
    if (d.errorCode === 'TARGETING_KEY_MISSING' && d.variant !== null) {
      r.errorMessage = 'TARGETING_KEY_MISSING: no bucketing value; the off variant is served';
    } else if (d.errorCode) {
      r.errorCode = d.errorCode;
      r.errorMessage = errorMessage(d.errorCode, flagKey, type);
      r.value = defaultValue;
    }
    return r;
  }

  async resolveBooleanEvaluation(flagKey, defaultValue, context) {
    return this._resolve(flagKey, defaultValue, context, 'boolean');
  }

  async resolveStringEvaluation(flagKey, defaultValue, context) {
    return this._resolve(flagKey, defaultValue, context, 'string');
  }

  async resolveNumberEvaluation(flagKey, defaultValue, context) {
    return this._resolve(flagKey, defaultValue, context, 'number');
  }

  async resolveObjectEvaluation(flagKey, defaultValue, context) {
    return this._resolve(flagKey, defaultValue, context, 'object');
  }
}

function errorMessage(code, flagKey, type) {
  switch (code) {
    case 'FLAG_NOT_FOUND': return `no flag '${flagKey}' in the snapshot served`;
    case 'TYPE_MISMATCH': return `flag '${flagKey}' is not of type ${type}`;
    case 'PROVIDER_NOT_READY': return 'no snapshot is being served';
    case 'INVALID_CONTEXT': return 'the context is not valid for this snapshot (environment, or a value librsl refuses)';
    default: return code;
  }
}

module.exports = { RulesteadProvider };
