import type { TokenInfo } from '../token-info.js';

/** The stages of one `authenticate` after extraction, in the order they end. */
export type PipelineStage = 'dpop-proof' | 'confirm' | 'dpop-replay' | 'authorize';

/** How an introspection call ended, for its latency histogram. */
export type IntrospectionOutcome = 'active' | 'inactive' | 'failed';

/**
 * What one `authenticate` tells as it goes: the resource server marks each stage it passes, resolvers
 * mark cache lookups and introspection calls (through `ResolveContext.trace`). Present only when the
 * resource server has `telemetry` or `onAudit`; without them nothing is recorded and nothing is built.
 * Implementations must not throw and must never record the token.
 */
export interface RequestTrace {
  /** The token was found, presented with this scheme (the extract stage passed). */
  extracted(scheme: 'Bearer' | 'DPoP'): void;
  /** A later stage accepted the request. */
  stage(name: PipelineStage): void;
  /** A token cache answered from its store (`hit`) or had to ask the resolver it wraps. */
  cacheLookup(hit: boolean): void;
  /** An introspection exchange ended, after `durationMs`. */
  introspected(durationMs: number, outcome: IntrospectionOutcome): void;
  /** The token resolved to this token info (before confirmation and policy). */
  resolved(info: TokenInfo): void;
}
