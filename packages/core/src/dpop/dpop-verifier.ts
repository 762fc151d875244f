import { settledWithin } from '../cache/store-operation-bound.js';
import type { Clock } from '../clock.js';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  checkOptions,
  integerBetween,
  MAX_SKEW_SECONDS,
  numberBetween,
  type OptionRule,
  type OptionSchema,
  objectWith,
  refuseGivenUndefined,
  stringList,
} from '../config/option-schema.js';
import { sha256Digest } from '../crypto/sha256-digest.js';
import { type Failure, failure, type Outcome, refusal } from '../errors/failure.js';
import { dpopProofHeader } from '../extract/dpop-header.js';
import { ASYMMETRIC_JWS_ALGORITHMS } from '../keys/algorithms.js';
import { describeError, type ReplayStoreHealth } from '../observability/dependency-health.js';
import { throttledConsoleError } from '../observability/throttled-console-error.js';
import type { RsRequest } from '../request.js';
import { checkedNonceProvider } from './checked-nonce-provider.js';
import type { DpopNonceProvider } from './dpop-nonces.js';
import { dpopProofChecker, type VerifiedDpopProof } from './dpop-proof.js';
import { memoryReplayStore, type ReplayStore } from './replay-store.js';

/** Options of DPoP (RFC 9449) at the resource server: `createResourceServer({ dpop: { … } })`. */
export interface DpopOptions {
  /**
   * Proof algorithms accepted, and advertised in the `DPoP algs="…"` challenge in this order. Only
   * asymmetric ones: `none` and HMAC are refused at start-up. One named twice counts once, as in
   * `jwtResolver`'s `algorithms`. Default ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512,
   * EdDSA, Ed25519.
   */
  readonly algorithms?: readonly string[] | undefined;
  /**
   * Seconds a proof's `iat` may lie before or after the server's time, from 1 to 300. Default 60: wider
   * than Spring's 30 s for clients with drifting clocks, far narrower than the 300 s some libraries allow.
   */
  readonly iatWindow?: number | undefined;
  /**
   * Where used proofs are remembered. Default, when the option is left out: a {@link memoryReplayStore}
   * of 100 000 entries, which only one instance sees. Given as `undefined` (a store that failed to load),
   * it is refused rather than replaced by that memory store, which would let a proof used at one
   * instance be replayed at every other.
   */
  readonly replayStore?: ReplayStore;
  /**
   * Longest accepted `DPoP` header, in characters: an integer from 384 (no proof is shorter) to 16 384.
   * Default 8 192 (an RSA-4096 proof is under 2 000).
   */
  readonly maxProofLength?: number | undefined;
  /** Require server nonces (RFC 9449 §9), e.g. {@link rotatingDpopNonces}. Default none. */
  readonly nonces?: DpopNonceProvider | undefined;
}

/**
 * The `iatWindow` rule: seconds from 1 (`iat` is whole seconds, so a narrower window refuses proofs made
 * in the same second) to {@link MAX_SKEW_SECONDS}, the most clock skew @rs allows anywhere.
 */
const IAT_WINDOW: OptionRule = numberBetween(1, MAX_SKEW_SECONDS, 'seconds');

/**
 * The fewest characters a proof can have: an Ed25519 key, a one-character `jti`, `htu` "http://a", a
 * 10-digit `iat` and the 43-character `ath` make 392. A shorter `maxProofLength` would refuse every proof.
 */
const MIN_PROOF_LENGTH = 384;
/** Node's default limit on all of a request's headers together (16 KiB): no longer proof arrives there. */
const MAX_PROOF_LENGTH = 16_384;

/** The rules of {@link DpopOptions}: the `dpop` option of the resource server. */
export const DPOP_OPTIONS: OptionSchema<DpopOptions> = {
  algorithms: stringList,
  iatWindow: IAT_WINDOW,
  replayStore: objectWith('a replay store such as memoryReplayStore()', 'remember'),
  maxProofLength: integerBetween(MIN_PROOF_LENGTH, MAX_PROOF_LENGTH),
  nonces: objectWith('a nonce provider such as rotatingDpopNonces()', 'current', 'isValid'),
};

/** The default proof algorithms, most common first. */
export const DPOP_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
];

/** DPoP at the resource server, configured: the pipeline's view of it. */
export interface DpopVerifier {
  /** For the `algs` challenge parameter. */
  readonly algorithms: readonly string[];
  /** Whether proofs must carry a server nonce (`dpop.nonces`), which clients learn from `DPoP-Nonce`. */
  readonly nonces: boolean;
  /** Reads the one `DPoP` header and checks its proof against the request and the presented token. */
  verify(request: RsRequest, token: string, now: number): Promise<Outcome<VerifiedDpopProof>>;
  /** Records a proof as used, once everything else accepted it: a failure when it was used before. */
  remember(proof: VerifiedDpopProof, now: number): Promise<Failure | undefined>;
  /** The nonce to send in `DPoP-Nonce`: the current one, unless the proof already carries it. */
  nonceFor(proof: VerifiedDpopProof | undefined, now: number): Promise<string | undefined>;
  /** The replay store's state, for the resource server's `status()`. */
  health(now: number): readonly ReplayStoreHealth[];
}

const ACCEPTABLE = new Set<string>(ASYMMETRIC_JWS_ALGORITHMS);

/**
 * The nonce provider failed (a shared store down) or answered no nonce: the proof cannot be checked, by
 * no fault of the client. Fails closed with 503, as a failing replay store does.
 */
const NONCE_UNAVAILABLE: Outcome<never> = Object.freeze({
  ok: false,
  failure: Object.freeze(failure('replay_check_unavailable', 'The DPoP nonce could not be checked')),
});

/**
 * Reads the resource server's `dpop` option: absent or `false` leave DPoP off, `true` turns it on with
 * the defaults, an object configures it (every option checked at start-up).
 */
export function dpopOption(value: DpopOptions | boolean | undefined, clock: Clock): DpopVerifier | undefined {
  return value === undefined || value === false ? undefined : dpopVerifier(value, clock);
}

/** Builds the {@link DpopVerifier}, checking every option at start-up. */
export function dpopVerifier(options: DpopOptions | true, clock: Clock): DpopVerifier {
  const settings: DpopOptions = options === true ? {} : options;
  requireOption(typeof settings === 'object' && settings !== null, 'dpop', 'must be true or an object');
  // The resource server's schema checked them already; checked here too, by the same rules, so that no
  // caller reaches the proof checker with other values (or sees other messages).
  checkOptions(settings, DPOP_OPTIONS, 'dpop');
  const given = settings.algorithms ?? DPOP_ALGORITHMS;
  requireOption(Array.isArray(given) && given.length > 0, 'dpop.algorithms', 'must be a non-empty array');
  for (const alg of given) {
    if (!ACCEPTABLE.has(alg)) {
      throw new RsConfigError('dpop.algorithms', `"${String(alg)}" is not an asymmetric JWS algorithm`);
    }
  }
  // One named twice counts once, as in jwtResolver's `algorithms`: the challenge and the metadata list
  // each once, in the order first given.
  const algorithms: readonly string[] = [...new Set(given)];
  const iatWindow = settings.iatWindow ?? 60;
  const maxProofLength = settings.maxProofLength ?? 8_192;
  // Only a store left out is replaced by a memory store: `{ replayStore: shared }` with `shared` not
  // loaded would otherwise give every instance a memory of its own, and a proof used at one would be
  // accepted once more at each of the others.
  refuseGivenUndefined(
    settings,
    'replayStore',
    'dpop.replayStore',
    'is undefined (did the shared store fail to load?); leave the option out for a memory store that ' +
      'only this instance sees',
  );
  const replayStore = settings.replayStore ?? memoryReplayStore({ clock });
  requireOption(
    typeof replayStore?.remember === 'function',
    'dpop.replayStore',
    'must be a replay store such as memoryReplayStore()',
  );
  const nonces = settings.nonces;
  requireOption(
    nonces === undefined || (typeof nonces.current === 'function' && typeof nonces.isValid === 'function'),
    'dpop.nonces',
    'must be a nonce provider such as rotatingDpopNonces()',
  );
  const nonceProvider = nonces === undefined ? undefined : checkedNonceProvider(nonces);
  let failures = 0;
  let lastFailure: { at: number; error: string } | undefined;
  const reportStoreBug = throttledConsoleError();
  /** The replay store could not say whether the proof was used: counted, and the request fails closed. */
  const storeFailed = (now: number, error: string): Failure => {
    failures++;
    lastFailure = { at: now, error };
    return failure('replay_check_unavailable', 'The DPoP proof could not be checked for replay');
  };
  const checkProof = dpopProofChecker({ algorithms: new Set(algorithms), iatWindow, maxProofLength });

  return {
    algorithms,
    nonces: nonces !== undefined,
    async verify(request, token, now) {
      const header = dpopProofHeader(request.headers);
      if (!header.ok) return header;
      const checked = await checkProof(header.value, {
        method: request.method,
        url: request.url,
        token,
        now,
      });
      if (!checked.ok || nonceProvider === undefined) return checked;
      const { nonce } = checked.value;
      if (nonce !== undefined) {
        const accepted = await nonceProvider.accepts(nonce, now);
        if (accepted === undefined) return NONCE_UNAVAILABLE;
        if (accepted) return checked;
      }
      // use_dpop_nonce is only an answer with a nonce in DPoP-Nonce: without one, the client's retry
      // would be refused the same way, again and again.
      if ((await nonceProvider.current(now)) === undefined) return NONCE_UNAVAILABLE;
      return nonce === undefined
        ? refusal('dpop_nonce_required', 'The DPoP proof must carry the nonce from DPoP-Nonce')
        : refusal('dpop_nonce_required', 'The DPoP proof nonce is no longer accepted');
    },
    async remember(proof, now) {
      // Scoped by key: a client cannot use up another client's jti. Hashed: the store holds no proof data.
      const key = `rs:dpop:${await sha256Digest(`${proof.jkt}.${proof.jti}`)}`;
      // Kept for as long as the proof would be accepted, plus a second for clocks of a shared store.
      const ttl = Math.max(1, Math.ceil((proof.iat + iatWindow) * 1000 - now)) + 1_000;
      let first: unknown;
      try {
        // Bounded as a token cache's store is: a store that never answers must not hold the request.
        first = await settledWithin('remember', replayStore.remember(key, ttl));
      } catch (error) {
        return storeFailed(now, describeError(error));
      }
      // Only `true` is a first use: a store answering what its backend did (a Map's `set()`, Redis's
      // "OK", a count) would otherwise let every replay through.
      if (first !== true && first !== false) {
        reportStoreBug(
          '@rs: dpop.replayStore.remember answered neither true nor false (it must resolve true for a first use, false for a replay); requests with DPoP proofs are answered 503',
        );
        return storeFailed(now, 'answered neither true nor false');
      }
      lastFailure = undefined;
      return first ? undefined : failure('dpop_replayed', 'The DPoP proof was already used');
    },
    async nonceFor(proof, now) {
      if (nonceProvider === undefined) return undefined;
      // On an accepted request, a provider that fails now only means no fresh nonce is handed out.
      const current = await nonceProvider.current(now);
      return proof?.nonce === current ? undefined : current;
    },
    health() {
      const store = replayStore.health?.();
      // Failing until a call works again; a store that knows it is disconnected says so sooner.
      const health: ReplayStoreHealth = {
        kind: 'replay-store',
        ready: lastFailure === undefined && (store?.ready ?? true),
        failures,
        ...(lastFailure && { lastFailureAt: lastFailure.at, lastError: lastFailure.error }),
        ...(store && { store }),
      };
      return [health];
    },
  };
}
