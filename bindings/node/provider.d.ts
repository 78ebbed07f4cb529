// Type declarations of rulestead/provider (lib/provider.js).
import type {
  EvaluationContext, JsonValue, OpenFeatureEventEmitter, Provider, ResolutionDetails,
} from '@openfeature/server-sdk';
import type { Client, ClientOptions } from './index';

export interface RulesteadProviderOptions extends ClientOptions {
  /** The snapshot to serve (unless client is given). */
  path?: string;
  /** A Client to share; the provider then does not close it. */
  client?: Client;
}

export class RulesteadProvider implements Provider {
  constructor(options: RulesteadProviderOptions);
  readonly metadata: { name: 'rulestead' };
  readonly runsOn: 'server';
  readonly events: OpenFeatureEventEmitter;
  hooks: [];
  readonly client: Client | null;
  initialize(context?: EvaluationContext): Promise<void>;
  onClose(): Promise<void>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>>;
}
