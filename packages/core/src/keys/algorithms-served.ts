import { requireOption } from '../config/config-error.js';
import type { VerificationKeySource } from './verification-key-source.js';

/**
 * Refuses, at start-up, an `algorithms` entry that no key could ever verify: `HS512` beside a 32-byte
 * secret, `RS256` beside EC keys only. Such an entry is a mistake that would otherwise surface as every
 * token of that algorithm refused. Checked only when every source's keys are fixed
 * ({@link VerificationKeySource.algorithmsServed}); a remote set may gain keys later.
 *
 * @example
 * ```ts
 * checkAlgorithmsServed(['HS512'], [sharedSecret(thirtyTwoBytes)], 'jwtResolver.algorithms'); // throws
 * ```
 */
export function checkAlgorithmsServed(
  configured: readonly string[] | undefined,
  sources: readonly VerificationKeySource[],
  option: string,
): void {
  if (configured === undefined) return;
  const served: ReadonlySet<string>[] = [];
  for (const source of sources) {
    if (source.algorithmsServed === undefined) return;
    served.push(source.algorithmsServed);
  }
  for (const alg of configured) {
    requireOption(
      served.some((algorithms) => algorithms.has(alg)),
      option,
      `no key fits "${alg}" (a key of the wrong type, or a shared secret shorter than ${alg} needs): ` +
        'every token signed with it would be refused',
    );
  }
}
