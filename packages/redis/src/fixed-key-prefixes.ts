/**
 * A prefix under which a component of @rs keeps keys in Redis that no option moves, with what those keys
 * hold, for the messages of the stores that must keep clear of them.
 */
export interface FixedKeyPrefix {
  /** The beginning of every key the component writes there. */
  readonly prefix: string;
  /** What the keys are, as a message names them: `the markers redisReplayStore keeps of …`. */
  readonly keys: string;
  /** What deleting them lets through, as a message says it: `a used DPoP proof would be accepted again`. */
  readonly ifDeleted: string;
}

/**
 * Every prefix under which a component of @rs keeps keys in Redis whatever the options say, all of them
 * written by @rs/core and handed to `redisReplayStore`. Listed once, here: `redisTokenCacheStore` refuses
 * a `keyPrefix` that meets any of them (see {@link fixedPrefixMeeting}), since its `clear()` deletes
 * every key under its `keyPrefix`. A component that keeps keys of a new kind in Redis is added here; a
 * test finds each `rs:<name>:` key prefix written in @rs/core's sources and fails for one missing.
 */
export const FIXED_KEY_PREFIXES: readonly FixedKeyPrefix[] = [
  {
    prefix: 'rs:dpop:',
    keys: 'the markers redisReplayStore keeps of used DPoP proofs (`dpop.replayStore`)',
    ifDeleted: 'a used DPoP proof would be accepted again',
  },
  {
    prefix: 'rs:set:',
    keys:
      'the markers redisReplayStore keeps of received security event tokens ' +
      "(securityEventReceiver's `replayStore`)",
    ifDeleted: 'a security event token already received would be acted on again',
  },
];

/**
 * The fixed prefix that `keyPrefix` meets, when one begins with the other: a shorter `keyPrefix` (`rs:`)
 * covers every key under the fixed one, and a longer one (`rs:dpop:x`) lies among them. Either way a
 * deletion by `keyPrefix` reaches another component's keys.
 */
export function fixedPrefixMeeting(keyPrefix: string): FixedKeyPrefix | undefined {
  return FIXED_KEY_PREFIXES.find(
    ({ prefix }) => prefix.startsWith(keyPrefix) || keyPrefix.startsWith(prefix),
  );
}
