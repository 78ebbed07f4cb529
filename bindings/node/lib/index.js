'use strict';
// rulestead: feature flags from signed Rulestead snapshots, evaluated by
// librsl (the C library) through a Node-API addon.  This file is the API;
// src/addon.c moves values to and from librsl and decides nothing.

const { EventEmitter } = require('node:events');
const path = require('node:path');

const native = require(path.join(__dirname, '..', 'build', 'Release', 'rulestead.node'));

// rsl_type, rsl_reason and rsl_error_code numbers, as the addon passes them.
const TYPES = { boolean: 0, string: 1, integer: 2, float: 3, object: 4 };
const TYPE_NAMES = ['boolean', 'string', 'integer', 'float', 'object'];
const REASONS = ['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'ERROR', 'PREREQUISITE_FAILED'];
const ERRORS = [null, 'FLAG_NOT_FOUND', 'TYPE_MISMATCH', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT',
  'PARSE_ERROR', 'PROVIDER_NOT_READY', 'GENERAL'];
const TEXT_STRING = 1;
const TEXT_OBJECT = 4;

// librsl's event names, and the names a Client emits them under (besides
// 'event', which gets every one).
const EVENT_NAMES = {
  'rulestead.snapshot.accepted': 'accepted',
  'rulestead.snapshot.refused': 'refused',
  'rulestead.snapshot.stale': 'stale',
  'rulestead.snapshot.rollback_override': 'rollbackOverride',
  'rulestead.backup.failed': 'backupFailed',
  'feature_flag.evaluation': 'miss',
};

/** A context converted once, for many evaluations (the fast path). */
class Context {
  constructor(attributes) {
    this._h = native.prepare(attributes);
    Object.freeze(this);
  }
}

// The addon takes a plain context and a prepared one in separate
// arguments (src/addon.c, ctx_of): only this file fills the second.
function plainOf(context) {
  return context instanceof Context ? undefined : context;
}
function preparedOf(context) {
  return context instanceof Context ? context._h : undefined;
}

function parseObject(text, fallback) {
  try {
    return JSON.parse(text);
  } catch {
    return fallback; // librsl carries valid JSON; never throw from a getter
  }
}

/**
 * A live client serving the snapshot at one path while it is replaced
 * (rename() into place), verified against the trusted public keys.
 */
class Client extends EventEmitter {
  constructor(snapshotPath, options = {}) {
    super();
    if (typeof snapshotPath !== 'string') {
      throw new TypeError(`snapshotPath: expected a string, found ${typeof snapshotPath}`);
    }
    const keys = [].concat(options.publicKeys ?? []);
    const keyFiles = [].concat(options.publicKeyFiles ?? []);
    for (const k of [...keys, ...keyFiles]) {
      if (typeof k !== 'string') {
        throw new TypeError(`publicKeys / publicKeyFiles: expected strings, found ${typeof k}`);
      }
    }
    let flags = 0;
    if (options.watch === false) flags |= native.NO_THREAD;
    if (options.pollOnly) flags |= native.POLL_ONLY;
    if (options.failClosed) flags |= native.FAIL_CLOSED;
    if (options.allowRollback) flags |= native.ALLOW_ROLLBACK;
    // Events reach the JavaScript thread through a thread-safe function
    // that holds only a weak reference: a client nobody references can be
    // collected (which frees it) even with listeners attached.
    const self = new WeakRef(this);
    const fns = native.open(snapshotPath, {
      keys,
      keyFiles,
      environment: options.environment,
      backupPath: options.backupPath,
      pollIntervalMs: options.pollIntervalMs ?? 0,
      flags,
      onEvent: (ev) => self.deref()?._event(ev),
    });
    Object.defineProperty(this, '_n', { value: Object.freeze(fns) });
    Object.defineProperty(this, '_detail', { value: new Array(13).fill(null) });
  }

  _event(ev) {
    this.emit('event', ev);
    const name = EVENT_NAMES[ev.name];
    if (name) this.emit(name, ev);
  }

  /** A boolean flag's value for context, or fallback; never throws. */
  getBoolean(key, fallback, context) {
    return context instanceof Context ? this._n.bool(key, undefined, fallback, undefined, context._h)
      : this._n.bool(key, context, fallback);
  }

  /** A string flag's value, or fallback; never throws. */
  getString(key, fallback, context) {
    return context instanceof Context ? this._n.text(key, undefined, fallback, TEXT_STRING, context._h)
      : this._n.text(key, context, fallback, TEXT_STRING);
  }

  /** An integer or float flag's value (a Number), or fallback; never throws. */
  getNumber(key, fallback, context) {
    return context instanceof Context ? this._n.num(key, undefined, fallback, undefined, context._h)
      : this._n.num(key, context, fallback);
  }

  /** An object flag's value (parsed JSON), or fallback; never throws. */
  getObject(key, fallback, context) {
    const v = this._n.text(key, plainOf(context), fallback, TEXT_OBJECT, preparedOf(context));
    return v === fallback ? fallback : parseObject(v, fallback);
  }

  /**
   * The detailed evaluation: {value, type, variant, reason, errorCode, rule,
   * ruleIndex, file, line, bucket, environment, version, commit}.  type is
   * the type asked for ('boolean', 'string', 'integer', 'float', 'number'
   * for either of the two, 'object'), or undefined for the flag's own.
   * value is fallback when reason is 'ERROR'.  Never throws for a flag or
   * a context; strings are copies (a reload never changes a result).
   */
  evaluate(key, context, { type, fallback } = {}) {
    const code = type === undefined || type === 'number' ? -1 : TYPES[type];
    if (code === undefined) {
      throw new TypeError(`type: expected boolean, string, integer, float, number or object, found ${type}`);
    }
    const a = this._detail;
    this._n.detail(key, plainOf(context), fallback, code, preparedOf(context), a);
    const d = {
      value: a[0], type: TYPE_NAMES[a[1]] ?? null, variant: a[2], reason: REASONS[a[3]] ?? 'ERROR',
      errorCode: a[4] === 0 ? null : ERRORS[a[4]] ?? 'GENERAL', rule: a[5], ruleIndex: a[6], file: a[7], line: a[8],
      bucket: a[9] < 0 ? null : a[9], environment: a[10], version: a[11], commit: a[12],
    };
    a[0] = undefined; // hold no value of the caller's past the call
    if (type === 'number' && d.variant !== null && d.type !== 'integer' && d.type !== 'float') {
      return { ...d, value: fallback, type: null, variant: null, reason: 'ERROR',
        errorCode: 'TYPE_MISMATCH', rule: null, ruleIndex: -1, file: null, line: 0, bucket: null };
    }
    if (d.type === 'object') d.value = parseObject(d.value, fallback);
    return d;
  }

  /** Why key decides what it does for context: librsl's trace, as text,
   * or parsed with {format: 'json'}. */
  explain(key, context, { format = 'text' } = {}) {
    if (format !== 'text' && format !== 'json') {
      throw new TypeError(`format: expected text or json, found ${format}`);
    }
    const t = this._n.explain(key, plainOf(context), undefined, format === 'json', preparedOf(context));
    return format === 'json' ? JSON.parse(t) : t;
  }

  /** The flags of the snapshot served, in key order (copies). */
  flags() {
    return this._n.flags().flags;
  }

  /** What the client serves and how it got there (rsl_client_status). */
  get status() {
    return this._n.status();
  }

  /** Examines the file now; throws the refusal (err.code: 'RSL_EROLLBACK', ...). */
  refresh() {
    this._n.refresh();
  }

  /** Stops watching and frees the client; later calls serve fallbacks. */
  close() {
    this._n.close();
  }
}

module.exports = { Client, Context, version: native.version };
