import { settledWithin } from '../cache/store-operation-bound.js';
import { throttledConsoleError } from '../observability/throttled-console-error.js';
import type { DpopNonceProvider } from './dpop-nonces.js';

/**
 * A {@link DpopNonceProvider} as the verifier uses it: whatever the application's provider answers,
 * nothing it throws escapes and nothing but a nonce of RFC 9449 grammar reaches a `DPoP-Nonce` header.
 */
export interface CheckedNonceProvider {
  /** The nonce to hand out now; `undefined` when the provider failed or answered no valid nonce. */
  current(now: number): Promise<string | undefined>;
  /**
   * Whether a proof's nonce is accepted: only an answer of `true` accepts it (a truthy `'false'` or `1`
   * never does); `undefined` when the provider failed, so the nonce could not be checked at all.
   */
  accepts(nonce: string, now: number): Promise<boolean | undefined>;
}

// RFC 9449 §8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. A value outside it (a quote, a
// line break, an empty string) is no nonce a client can send back, and a line break in a header value
// makes the HTTP server throw while the refusal is written.
const NONCE_GRAMMAR = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether `value` is a nonce in RFC 9449 §8.1 grammar. */
export function isNonceValue(value: unknown): value is string {
  return typeof value === 'string' && NONCE_GRAMMAR.test(value);
}

/**
 * Wraps the `dpop.nonces` option. A provider that throws, rejects or does not answer within
 * `STORE_OPERATION_TIMEOUT_MS` (a shared store that is down) makes the answer `undefined`, which the verifier turns into a 503, as it does for a failing replay store. A
 * provider whose `current` answers something other than a nonce is a bug in the application: it is
 * written to `console.error` (at most once a minute, without the value, which may be a secret's bytes),
 * and the answer is `undefined` too.
 */
export function checkedNonceProvider(provider: DpopNonceProvider): CheckedNonceProvider {
  const report = throttledConsoleError();
  // The verifier asks for the current nonce, then the pipeline asks again for the header, at the same
  // `now`: the second answer is the first, so a provider failing in between cannot leave a
  // use_dpop_nonce refusal without its DPoP-Nonce.
  let last: { readonly now: number; readonly nonce: string } | undefined;
  return {
    async current(now) {
      if (last?.now === now) return last.nonce;
      let nonce: unknown;
      try {
        nonce = await settledWithin('current', provider.current(now));
      } catch {
        return undefined;
      }
      if (isNonceValue(nonce)) {
        last = { now, nonce };
        return nonce;
      }
      report(
        '@rs: dpop.nonces.current answered no nonce (a non-empty string of printable ASCII without space, " or \\, RFC 9449 §8.1); requests with DPoP proofs are answered 503',
      );
      return undefined;
    },
    async accepts(nonce, now) {
      // A proof's nonce outside the grammar was never handed out: no need to ask the provider.
      if (!isNonceValue(nonce)) return false;
      try {
        return (await settledWithin('isValid', provider.isValid(nonce, now))) === true;
      } catch {
        return undefined;
      }
    },
  };
}
