import type { TokenInfo } from '../token-info.js';

/**
 * How deep claims are frozen: beyond the nesting any JSON @rs parses may have (`MAX_ANSWER_DEPTH`, 32),
 * and a bound for claims a resolver of the application's own built.
 */
const MAX_FROZEN_DEPTH = 64;

/**
 * Freezes the claims, audience and confirmation of an answer that more than one request will be handed: a
 * token cache's stored or shared answer, a remembered token's claims. Each request's context carries these
 * very objects; application code that changed them (`oauth2.claims.roles.push('admin')`, or any JavaScript
 * caller) would otherwise change them for the token's later requests too, whose claim checks and confirm
 * stage read them. Frozen, such a change throws in strict mode (ES modules) and does nothing otherwise.
 * Scopes are a `Set`, which cannot be frozen: each context gets a copy of its own instead (see
 * `createContext`).
 *
 * @example
 * ```ts
 * if (outcome.ok) freezeSharedAnswer(outcome.value);
 * ```
 */
export function freezeSharedAnswer(info: TokenInfo): void {
  freezeDeep(info.claims, 0);
  Object.freeze(info.audience);
  // Most often `claims.cnf` itself, frozen above; for the `x5t#SHA256` spelling a copy of it (see
  // tokenInfoFromClaims), which the confirm stage of the token's later requests reads just the same.
  freezeDeep(info.confirmation, 0);
}

/** Freezes `value` and every object and array it holds (parsed JSON: no cycles, but a bound anyway). */
function freezeDeep(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || depth > MAX_FROZEN_DEPTH)
    return;
  Object.freeze(value);
  for (const member of Object.values(value)) freezeDeep(member, depth + 1);
}
