import { base64url } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  checkOptions,
  numberBetween,
  type OptionRule,
  type OptionSchema,
  refuseGivenUndefined,
  stringOrBytes,
} from '../config/option-schema.js';
import { timingSafeEqual } from '../crypto/constant-time.js';
import { foreignKeyMaterialProblem } from '../keys/foreign-key-material.js';

/**
 * Server-provided DPoP nonces (RFC 9449 §9): the resource server hands out a nonce in `DPoP-Nonce`, and
 * proofs must carry a recent one, which bounds how far ahead a stolen client could have made proofs.
 */
export interface DpopNonceProvider {
  /**
   * The nonce clients should put in their proofs now. Called per refused or stale request. It must be
   * a nonce of RFC 9449 §8.1 (`1*NQCHAR`: printable ASCII without space, `"` or `\`): anything else
   * is never sent; the request is answered 503 `replay_check_unavailable` and the bug is written to
   * `console.error`, at most once a minute. Throwing, rejecting or not answering within 5 seconds
   * answers 503 too.
   */
  current(now: number): string | Promise<string>;
  /**
   * Whether a nonce from a proof is still accepted at `now`. Only `true` accepts it: a truthy answer
   * such as `'false'` or `1` does not. Throwing, rejecting (a shared store that is down) or not answering
   * within 5 seconds answers the request 503 `replay_check_unavailable`, as a failing replay store does.
   */
  isValid(nonce: string, now: number): boolean | Promise<boolean>;
}

/** Options of {@link rotatingDpopNonces}. */
export interface RotatingDpopNoncesOptions {
  /**
   * The HMAC key, at least 32 bytes (or characters). Give every instance of one API the same secret so
   * that a nonce from one is accepted by the others. Default, when the option is left out: random, for a
   * single instance. Given as `undefined` (an unset environment variable), it is refused rather than
   * replaced by that random secret, which would make the instances refuse each other's nonces. Key
   * material of another kind (a PEM or JWK public key, as `sharedSecret` refuses it) is refused too:
   * whoever has that key could mint nonces.
   */
  readonly secret?: Uint8Array | string;
  /**
   * Seconds each nonce is handed out, from 1 to 3 600; the previous one stays accepted as long. Default
   * 300. A nonce proves a proof fresh: one accepted for days (300 000, milliseconds meant) proves nothing.
   */
  readonly lifetime?: number | undefined;
}

// An hour: the longest a nonce may be handed out, so that an answer in milliseconds is refused.
const MAX_NONCE_LIFETIME_SECONDS = 3600;

/** Seconds from 1 to {@link MAX_NONCE_LIFETIME_SECONDS}: one rule, so one message whatever the mistake. */
const NONCE_LIFETIME: OptionRule = numberBetween(1, MAX_NONCE_LIFETIME_SECONDS, 'seconds');

const ROTATING_DPOP_NONCES_OPTIONS: OptionSchema<RotatingDpopNoncesOptions> = {
  secret: stringOrBytes,
  lifetime: NONCE_LIFETIME,
};
const encoder = new TextEncoder();
// What a refusal of key material as the secret advises instead: no key store takes a nonce secret.
const NONCE_SECRET_ADVICE = 'give a random secret of at least 32 bytes, the same to every instance';
// RFC 9449 §8.1: nonce = 1*NQCHAR; ours is "<slot>.<mac>", digits and base64url.
const NONCE = /^(\d{1,15})\.([A-Za-z0-9_-]{22})$/;

/**
 * Stateless nonces: the current time slot with its truncated HMAC-SHA256. Nothing is stored; a nonce is
 * accepted during its own slot and the next, so for one to two lifetimes.
 *
 * @example
 * ```ts
 * const nonces = rotatingDpopNonces({ secret: 'a shared secret of at least thirty-two bytes', lifetime: 120 });
 * const dpop = { nonces };
 * ```
 */
export function rotatingDpopNonces(options: RotatingDpopNoncesOptions = {}): DpopNonceProvider {
  checkOptions(options, ROTATING_DPOP_NONCES_OPTIONS, 'rotatingDpopNonces');
  // Only a secret left out is replaced by a random one: `{ secret: process.env.X }` with X unset would
  // otherwise give every instance its own secret, and each would refuse the nonces of the others.
  refuseGivenUndefined(
    options,
    'secret',
    'rotatingDpopNonces.secret',
    'is undefined (is the environment variable that holds it set?); leave the option out for a random ' +
      'secret of a single instance',
  );
  const lifetime = options.lifetime ?? 300;
  const secret = typeof options.secret === 'string' ? encoder.encode(options.secret) : options.secret;
  if (secret !== undefined) {
    requireOption(
      secret instanceof Uint8Array && secret.length >= 32,
      'rotatingDpopNonces.secret',
      'must be at least 32 bytes',
    );
    // A public key given as the secret (the one the API already holds for tokens, pasted once more) would
    // let whoever has it mint nonces for any time slot ahead. The random default needs no check.
    const foreign = foreignKeyMaterialProblem(secret, NONCE_SECRET_ADVICE);
    if (foreign !== undefined) throw new RsConfigError('rotatingDpopNonces.secret', `is ${foreign}`);
  }
  const slotMs = lifetime * 1000;
  let hmacKey: Promise<CryptoKey> | undefined;
  let cached: { slot: number; nonce: string } | undefined;

  async function mac(slot: number): Promise<Uint8Array> {
    // Made at the first nonce, not when the provider is built: a Cloudflare Worker may not draw random
    // values in its global scope, where the provider is built once. Assigned before any await, so that
    // every later call, however many wait on it, signs with the one key.
    if (hmacKey === undefined) {
      const made = secret === undefined ? randomHmacKey() : importedHmacKey(secret);
      hmacKey = made;
      // A key that could not be made is made again at the next nonce, not kept as a failure for good.
      made.catch(() => {
        if (hmacKey === made) hmacKey = undefined;
      });
    }
    const signature = await crypto.subtle.sign('HMAC', await hmacKey, encoder.encode(`dpop-nonce:${slot}`));
    return new Uint8Array(signature, 0, 16);
  }

  async function nonceFor(slot: number): Promise<string> {
    if (cached?.slot === slot) return cached.nonce;
    const nonce = `${slot}.${base64url.encode(await mac(slot))}`;
    cached = { slot, nonce };
    return nonce;
  }

  return {
    current: (now) => nonceFor(Math.floor(now / slotMs)),
    async isValid(nonce, now) {
      const match = NONCE.exec(nonce);
      if (match === null) return false;
      const slot = Number(match[1]);
      const currentSlot = Math.floor(now / slotMs);
      if (slot !== currentSlot && slot !== currentSlot - 1) return false;
      return timingSafeEqual(base64url.decode(match[2]!), await mac(slot));
    },
  };
}

const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' } as const;

function importedHmacKey(secret: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secret as Uint8Array<ArrayBuffer>, HMAC_SHA256, false, ['sign']);
}

/** A random 256-bit key of a single instance's nonces, which never leaves WebCrypto. */
function randomHmacKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ ...HMAC_SHA256, length: 256 }, false, ['sign']);
}
