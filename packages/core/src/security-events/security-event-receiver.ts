import { ownClaim } from '../claims/own-claim.js';
import { clockOption, readClock } from '../clock.js';
import { requireOption } from '../config/config-error.js';
import {
  anyValue,
  checkOptions,
  func,
  nonEmptyString,
  type OptionSchema,
  objectWith,
  recordOf,
  skewMilliseconds,
  stringList,
  stringOrStrings,
} from '../config/option-schema.js';
import type { Revocation } from '../revocation/revocation.js';
import type { RevocationSink } from './revocation-feed.js';
import {
  SET_MAX_AGE_RULE,
  SET_MAX_LENGTH_RULE,
  type SecurityEventToken,
  type SecurityEventVerifierOptions,
  type SetRefusal,
  securityEventVerifier,
} from './security-event-token.js';
import {
  CAEP_SESSION_REVOKED,
  CAEP_TOKEN_CLAIMS_CHANGE,
  RISC_TOKENS_REVOKED,
} from './security-event-types.js';
import { revocationsForSubject, type SubjectFocus } from './subject-identifiers.js';
import { UnfinishedSets } from './unfinished-sets.js';

/** What a handler of one event type is given. */
export interface SecurityEventContext {
  /** The verified SET the event came in. */
  readonly set: SecurityEventToken;
  /** `sub_id` of the SET, or the event's own `subject` (earlier drafts of the Shared Signals events). */
  readonly subject: unknown;
  /** The receiver's `revocations` option, to act on. */
  readonly revocations: RevocationSink;
}

/** Acts on one event of a verified SET; a rejection answers the transmitter with a server error. */
export type SecurityEventHandler = (
  event: Readonly<Record<string, unknown>>,
  context: SecurityEventContext,
) => Promise<void> | void;

/** Options of {@link securityEventReceiver}. */
export interface SecurityEventReceiverOptions extends SecurityEventVerifierOptions {
  /** What the events act on: usually the {@link RevocationList} the caches and JWT resolvers use. */
  readonly revocations: RevocationSink;
  /** Handlers for further event types (proprietary ones), by event type URI; they may not replace the built-in ones. */
  readonly handlers?: Readonly<Record<string, SecurityEventHandler>> | undefined;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

const SECURITY_EVENT_RECEIVER_OPTIONS: OptionSchema<SecurityEventReceiverOptions> = {
  issuer: nonEmptyString,
  audience: stringOrStrings,
  // The verifier checks the key source and the algorithms against it; revocations are checked below.
  keys: anyValue,
  algorithms: stringList,
  maxAge: SET_MAX_AGE_RULE,
  skew: skewMilliseconds,
  replayStore: objectWith('a replay store such as memoryReplayStore()', 'remember'),
  maxLength: SET_MAX_LENGTH_RULE,
  revocations: anyValue,
  handlers: recordOf(func),
  clock: func,
};

/** What became of one SET. */
export type SetReceipt =
  | {
      readonly ok: true;
      /** The SET's `jti`, to acknowledge. */
      readonly jti: string;
      /** Event types acted on. */
      readonly applied: readonly string[];
      /** Event types this receiver does not know: acknowledged, counted, nothing done. */
      readonly ignored: readonly string[];
    }
  | {
      readonly ok: false;
      /** Why it was refused, to report to the transmitter. */
      readonly refusal: SetRefusal;
    };

/** Counters of a {@link SecurityEventReceiver}. */
export interface SecurityEventReceiverStats {
  /** SETs verified and acted on. */
  readonly accepted: number;
  /** Refused SETs by RFC 8935 error code (`duplicate` counted apart). */
  readonly refused: Readonly<Record<string, number>>;
  /** SETs refused as already received (the same `jti` again). */
  readonly duplicates: number;
  /** Events acted on, by a built-in handler or one of `handlers`. */
  readonly appliedEvents: number;
  /** Events of types no handler knows. */
  readonly ignoredEvents: number;
  /** Events whose subject names nothing an access token is indexed by (an email address…). */
  readonly unmappedSubjects: number;
}

/** Receives Security Event Tokens from one transmitter, whatever the delivery (push or poll). */
export interface SecurityEventReceiver {
  /** Verifies one SET and acts on its events. Throws `SetCheckUnavailableError` when it could not check it. */
  receive(jwt: string): Promise<SetReceipt>;
  /** The counters so far. */
  stats(): SecurityEventReceiverStats;
}

interface BuiltInEvent {
  readonly focus: SubjectFocus;
  readonly action: 'revoke' | 'evict';
}

const BUILT_IN: ReadonlyMap<string, BuiltInEvent> = new Map([
  [CAEP_SESSION_REVOKED, { focus: 'session', action: 'revoke' }],
  [RISC_TOKENS_REVOKED, { focus: 'user', action: 'revoke' }],
  // The token stays valid; what a cache remembers of its claims does not.
  [CAEP_TOKEN_CLAIMS_CHANGE, { focus: 'user', action: 'evict' }],
]);

/**
 * A receiver of Security Event Tokens (RFC 8417) from one transmitter, runtime-neutral: push delivery
 * ({@link receivePushedSet}, RFC 8935) and poll delivery (`securityEventPoller`, RFC 8936) both hand it
 * the SETs. It understands the OpenID Shared Signals events that end access:
 *
 * - CAEP `session-revoked`: revokes by session (`sid`) when the subject names one, else by subject;
 * - RISC `tokens-revoked`: revokes by subject (or by `jti` for a `jwt_id` subject);
 * - CAEP `token-claims-change`: evicts (nothing is refused), so that the claims are read anew.
 *
 * Unknown event types are acknowledged and counted (`ignoredEvents`); `handlers` adds others.
 *
 * @example
 * ```ts
 * import { memoryReplayStore, remoteJwks, revocationList, securityEventReceiver } from '@rs/core';
 *
 * const revocations = revocationList();
 * const receiver = securityEventReceiver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
 *   replayStore: memoryReplayStore(),
 *   revocations,
 * });
 * ```
 */
export function securityEventReceiver(options: SecurityEventReceiverOptions): SecurityEventReceiver {
  checkOptions(options, SECURITY_EVENT_RECEIVER_OPTIONS, 'securityEventReceiver');
  const sink = options.revocations;
  requireOption(
    typeof sink?.revoke === 'function' && typeof sink.evict === 'function',
    'securityEventReceiver.revocations',
    'must be a revocation list (revoke and evict)',
  );
  const handlers = options.handlers ?? {};
  // Each handler is a function (the schema above); one for a built-in event would never run.
  for (const type of Object.keys(handlers)) {
    requireOption(!BUILT_IN.has(type), `securityEventReceiver.handlers.${type}`, 'is handled already');
  }
  const verifier = securityEventVerifier(options);
  const clock = clockOption(options.clock, 'securityEventReceiver.clock');
  const clockConfigured = options.clock !== undefined;
  const refused: Record<string, number> = {};
  const unfinished = new UnfinishedSets();
  const counts = { accepted: 0, duplicates: 0, appliedEvents: 0, ignoredEvents: 0, unmappedSubjects: 0 };

  /** The revocations of a built-in event, or a refusal when its subject is not understood. */
  function revocationsOf(set: SecurityEventToken, event: Record<string, unknown>, focus: SubjectFocus) {
    return revocationsForSubject(set.subjectId ?? ownClaim(event, 'subject'), focus);
  }

  return {
    async receive(jwt) {
      // Checked: with NaN every comparison with the SET's dates is false, and a stale SET would pass.
      const now = readClock(clock, 'securityEventReceiver.clock', clockConfigured);
      const verified = await verifier.verify(jwt, now, (replayKey) => unfinished.take(replayKey));
      if (!verified.ok) {
        if (verified.refusal.duplicate) counts.duplicates++;
        else refused[verified.refusal.err] = (refused[verified.refusal.err] ?? 0) + 1;
        return verified;
      }
      const set = verified.set;
      // Every subject is understood before anything is done, so that a SET is acted on whole or not at all.
      const planned: { type: string; action: 'revoke' | 'evict'; revocations: Revocation[] }[] = [];
      const custom: string[] = [];
      const ignored: string[] = [];
      for (const [type, event] of Object.entries(set.events)) {
        const builtIn = BUILT_IN.get(type);
        if (builtIn !== undefined) {
          const revocations = revocationsOf(set, event, builtIn.focus);
          if (revocations === undefined) {
            refused.invalid_request = (refused.invalid_request ?? 0) + 1;
            return {
              ok: false,
              refusal: {
                err: 'invalid_request',
                description: 'The SET subject identifier is not understood',
              },
            };
          }
          planned.push({ type, action: builtIn.action, revocations });
        } else if (Object.hasOwn(handlers, type)) custom.push(type);
        else ignored.push(type);
      }
      try {
        for (const { action, revocations } of planned) {
          for (const revocation of revocations) {
            // The SET's iat, on the transmitter's clock, dates the revocation: tokens it issued before it
            // are refused even when its clock runs ahead of this one (by the skew tolerated at most).
            await sink[action](
              action === 'revoke' ? { ...revocation, issuedBefore: set.issuedAt * 1000 } : revocation,
            );
          }
        }
        for (const type of custom) {
          const event = set.events[type]!;
          await handlers[type]!(event, {
            set,
            subject: set.subjectId ?? ownClaim(event, 'subject'),
            revocations: sink,
          });
        }
      } catch (error) {
        // The jti is used up: without this, the copy the transmitter delivers again would be refused (push)
        // or acknowledged (poll) as a duplicate, and the revocation never applied.
        unfinished.add(verified.replayKey);
        throw error;
      }
      for (const { revocations } of planned) if (revocations.length === 0) counts.unmappedSubjects++;
      counts.accepted++;
      counts.appliedEvents += planned.length + custom.length;
      counts.ignoredEvents += ignored.length;
      return { ok: true, jti: set.jti, applied: [...planned.map((p) => p.type), ...custom], ignored };
    },
    stats: () => ({ ...counts, refused: { ...refused } }),
  };
}
