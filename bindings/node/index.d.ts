// Type declarations of the rulestead package (lib/index.js, lib/provider.js).
import { EventEmitter } from 'node:events';

/** A context attribute: a string, number, boolean, Date (seconds since the
 * epoch), or a list of strings; null and undefined are absent. */
export type AttributeValue = string | number | bigint | boolean | Date | string[] | null | undefined;

/** Who is asking.  targeting_key (or targetingKey), tenant_key, environment,
 * request_id and session_id fill librsl's context fields; any other key is
 * an attribute.  A value librsl cannot take (a nested object, a list of
 * numbers, a string past 4096 bytes, more than 64 attributes) makes the
 * whole context invalid: the fallback, with errorCode INVALID_CONTEXT. */
export interface EvaluationContext {
  targeting_key?: string;
  targetingKey?: string;
  tenant_key?: string;
  environment?: string;
  request_id?: string;
  session_id?: string;
  [attribute: string]: AttributeValue;
}

/** A context converted once, for many evaluations (the fast path). */
export class Context {
  constructor(attributes: EvaluationContext);
}

export type ContextArg = EvaluationContext | Context | null | undefined;

export type FlagType = 'boolean' | 'string' | 'integer' | 'float' | 'object';

export type Reason =
  | 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'ERROR' | 'PREREQUISITE_FAILED';

export type ErrorCode =
  | 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT'
  | 'PARSE_ERROR' | 'PROVIDER_NOT_READY' | 'GENERAL';

export interface ClientOptions {
  /** Trusted public keys as PEM text (rsc keygen's .pub). */
  publicKeys?: string | string[];
  /** Trusted public key files (PEM). */
  publicKeyFiles?: string | string[];
  /** Refuse snapshots of another environment. */
  environment?: string;
  /** Keep a copy of each accepted snapshot here; loaded first at start. */
  backupPath?: string;
  /** Stat polling and expiry checks, in milliseconds (default 1000). */
  pollIntervalMs?: number;
  /** false: no background thread; call refresh() yourself. */
  watch?: boolean;
  /** No inotify: stat polling only. */
  pollOnly?: boolean;
  /** Past expires_at serve fallbacks (PROVIDER_NOT_READY) instead of the stale snapshot. */
  failClosed?: boolean;
  /** Emergency override: accept an older snapshot, loudly. */
  allowRollback?: boolean;
}

export interface Evaluation<T = unknown> {
  /** The flag's value, or the fallback when reason is 'ERROR'. */
  value: T;
  /** The flag's type, or null when the fallback was served. */
  type: FlagType | null;
  variant: string | null;
  reason: Reason;
  errorCode: ErrorCode | null;
  /** The deciding rule's name, or null. */
  rule: string | null;
  ruleIndex: number;
  /** The source file of the deciding rule, default or definition. */
  file: string | null;
  line: number;
  /** 0..99999 when a split decided, else null. */
  bucket: number | null;
  /** The snapshot evaluated: null / 0 when none was. */
  environment: string | null;
  version: number;
  commit: string | null;
}

export interface FlagDescription {
  key: string;
  type: FlagType;
  variants: number;
  offVariant: string;
  /** The variant served when no rule matches, or null for a split or schedule. */
  defaultVariant: string | null;
  configured: boolean;
  enabled: boolean;
  rules: number;
  file: string;
  line: number;
}

export interface Status {
  ready: boolean;
  stale: boolean;
  failingClosed: boolean;
  rollbackOverride: boolean;
  fromBackup: boolean;
  closed: boolean;
  watch: 'inotify' | 'poll' | 'none';
  version: number;
  environment: string;
  commit: string;
  keyId: string;
  flagCount: number;
  issuedAt: number;
  expiresAt: number;
  loadedAt: number;
  age: number;
  contentHash: string;
  lastOutcome: 'accepted' | 'refused' | 'unchanged' | 'none';
  lastCode: string | null;
  lastError: string;
  lastRefreshAt: number;
  evaluations: number;
  misses: number;
  errors: number;
  reloadsAccepted: number;
  reloadsRefused: number;
  snapshotsRetiring: number;
}

export interface ClientEvent {
  /** librsl's name: 'rulestead.snapshot.accepted', 'rulestead.snapshot.refused', ... */
  name: string;
  code: number;
  /** 'RSL_EROLLBACK', ... for a refusal; null for RSL_OK. */
  codeName: string | null;
  message: string;
  path: string | null;
  version: number;
  commit: string | null;
  flagKey: string | null;
  errorType: string | null;
}

export type ClientEventName = 'event' | 'accepted' | 'refused' | 'stale' | 'rollbackOverride' | 'backupFailed' | 'miss';

export class Client extends EventEmitter {
  /** Throws an Error whose code is 'RSL_EINVAL', 'RSL_EKEY', ... when the
   * options are refused (no keys, a bad key); a missing or refused file is
   * not an error: status.ready is false until a valid one appears. */
  constructor(snapshotPath: string, options?: ClientOptions);
  getBoolean(key: string, fallback: boolean, context?: ContextArg): boolean;
  getString(key: string, fallback: string, context?: ContextArg): string;
  getNumber(key: string, fallback: number, context?: ContextArg): number;
  getObject<T = unknown>(key: string, fallback: T, context?: ContextArg): T;
  evaluate<T = unknown>(key: string, context?: ContextArg,
    options?: { type?: FlagType | 'number'; fallback?: T }): Evaluation<T>;
  explain(key: string, context?: ContextArg, options?: { format?: 'text' }): string;
  explain(key: string, context: ContextArg, options: { format: 'json' }): Record<string, unknown>;
  flags(): FlagDescription[];
  readonly status: Status;
  refresh(): void;
  close(): void;
  on(event: ClientEventName, listener: (ev: ClientEvent) => void): this;
  once(event: ClientEventName, listener: (ev: ClientEvent) => void): this;
}

export const version: string;
