import {
  decodedLayout,
  decodedSegmentsOf,
  type NodeScratchBuffer,
  releaseDecodedSegments,
  wipe,
} from '../encoding/node-compact-jws-spelling.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { cryptoKeyFitsAlgorithm, type WebCryptoKeyAlgorithm } from '../keys/algorithms.js';
import { MIN_RSA_BITS } from '../keys/rsa-key-checks.js';
import { nodeBuiltin } from '../node-builtin.js';
import {
  type CompactJws,
  type JwsSignatureCheck,
  SIGNATURE_UNCHECKABLE,
  type SignatureCheck,
} from './compact-jws.js';

// The parts of `node:crypto` and `node:buffer` used here, typed structurally: the main entry stays free
// of Node imports, so bundlers for Workers or browsers find nothing to resolve.
type NodeKeyObject = object;
type NodeBuffer = Uint8Array;
interface NodeModules {
  readonly crypto: {
    KeyObject: { from(key: CryptoKey): NodeKeyObject };
    verify(
      algorithm: string | null,
      data: NodeBuffer,
      key:
        | NodeKeyObject
        | {
            key: NodeKeyObject;
            padding?: number | undefined;
            saltLength?: number | undefined;
            dsaEncoding?: string | undefined;
          },
      signature: NodeBuffer,
    ): boolean;
    createHmac(
      algorithm: string,
      key: NodeKeyObject,
    ): {
      update(data: NodeBuffer): { digest(): NodeBuffer };
    };
    timingSafeEqual(a: NodeBuffer, b: NodeBuffer): boolean;
    constants: { RSA_PKCS1_PSS_PADDING: number };
  };
  readonly Buffer: { alloc(size: number): NodeScratchBuffer };
}

/** Checks a signature over the signing input with one imported key. */
type KeyVerifier = (data: NodeBuffer, signature: NodeBuffer) => boolean;

interface PreparedKey {
  readonly alg: string;
  readonly verify: KeyVerifier;
}

// Only on Node itself (see nodeBuiltin).
const node: NodeModules | undefined = (() => {
  const crypto = nodeBuiltin('node:crypto') as NodeModules['crypto'] | undefined;
  const buffer = nodeBuiltin('node:buffer') as { Buffer: NodeModules['Buffer'] } | undefined;
  if (typeof crypto?.KeyObject?.from !== 'function' || typeof buffer?.Buffer?.alloc !== 'function')
    return undefined;
  return { crypto, Buffer: buffer.Buffer };
})();

// One prepared verifier per imported key, made on first use and dropped with the key (a key set that
// rotates out takes its entries with it). Keys are imported once per JWK and algorithm by the key
// sources, so this holds at most one entry per key the sources hold.
const prepared = new WeakMap<CryptoKey, PreparedKey>();

/**
 * The Node path: the signature is checked with `node:crypto` on the `KeyObject` behind the key sources'
 * WebCrypto key, synchronously. It accepts exactly the keys jose accepts for the algorithm (same
 * WebCrypto algorithm, hash, curve, `verify` usage, RSA modulus of at least 2048 bits) and computes the
 * same verdict; `test/jose/signature-paths.test.ts` proves it against jose. `undefined` off Node.
 */
export const nodeSignatureCheck: JwsSignatureCheck | undefined =
  node === undefined ? undefined : (jws, key) => checkWithNode(node, jws, key);

function checkWithNode(modules: NodeModules, jws: CompactJws, key: CryptoKey): SignatureCheck {
  const entry = preparedFor(modules, key, jws.header.alg);
  if (entry === undefined) return { valid: false, failure: SIGNATURE_UNCHECKABLE };
  const { token, headerEnd, payloadEnd } = jws;
  // The signing input is ASCII (one byte per character); the signature and the payload are canonical
  // base64url (checked by parseCompactJws), so Buffer's lenient decoder reads exactly what jose's strict
  // one would, 3 bytes for every 4 characters. One after the other in a scratch buffer: the one where the
  // spelling proof of this very token left them decoded, or this path's own, decoded here.
  const { signatureStart, payloadStart, end } = decodedLayout(token, headerEnd, payloadEnd);
  const proven = decodedSegmentsOf(token);
  const buffer = proven ?? scratchFor(modules, end);
  try {
    buffer.write(token, 0, payloadEnd, 'latin1');
    const signatureEnd =
      proven !== undefined
        ? payloadStart
        : signatureStart +
          buffer.write(
            token.slice(payloadEnd + 1),
            signatureStart,
            payloadStart - signatureStart,
            'base64url',
          );
    let valid: boolean;
    try {
      valid = entry.verify(view(buffer, 0, payloadEnd), view(buffer, signatureStart, signatureEnd));
    } catch {
      // WebCrypto's verify throwing is a failed verification for jose too.
      valid = false;
    }
    if (!valid) return { valid: false };
    const payloadEnds =
      proven !== undefined
        ? end
        : payloadStart +
          buffer.write(token.slice(headerEnd + 1, payloadEnd), payloadStart, end - payloadStart, 'base64url');
    return { valid: true, payload: payloadText(view(buffer, payloadStart, payloadEnds)) };
  } finally {
    if (proven !== undefined) releaseDecodedSegments();
    else wipe(buffer, 0, end);
  }
}

// A plain `Uint8Array` over part of the buffer, for node:crypto and the UTF-8 decoder, which read any
// view: `Buffer#subarray` builds a `Buffer`, a subclass, and V8 constructs subclasses of typed arrays
// through a slower path (three views a token, about 0.1 µs each).
function view(buffer: NodeScratchBuffer, start: number, end: number): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset + start, end - start);
}

// Decoding into a buffer of its own for every token cost more than the decoding itself (an allocation
// from Buffer's pool, a new pool every few tokens). The check is synchronous, so one buffer serves every
// token in turn; it is wiped after each, so no token's bytes stay in it. Up to this size it is kept.
const MAX_KEPT_SCRATCH_BYTES = 64 * 1024;
let scratch: NodeScratchBuffer | undefined;

function scratchFor(modules: NodeModules, size: number): NodeScratchBuffer {
  if (scratch !== undefined && scratch.length >= size) return scratch;
  const buffer = modules.Buffer.alloc(Math.max(size, 4096));
  if (size <= MAX_KEPT_SCRATCH_BYTES) scratch = buffer;
  return buffer;
}

/**
 * The payload as text when it is UTF-8 (as claims are), decoded before the buffer is reused; otherwise
 * a copy of its bytes, which the caller refuses as it refuses them on the portable path.
 */
function payloadText(bytes: Uint8Array): string | Uint8Array {
  try {
    return decodeUtf8(bytes);
  } catch {
    return new Uint8Array(bytes);
  }
}

function preparedFor(modules: NodeModules, key: CryptoKey, alg: string): PreparedKey | undefined {
  let entry = prepared.get(key);
  if (entry === undefined || entry.alg !== alg) {
    const verify = prepareKey(modules, key, alg);
    if (verify === undefined) return undefined;
    entry = { alg, verify };
    prepared.set(key, entry);
  }
  return entry;
}

/**
 * The Node path's verdict on raw bytes (not a JWS): `undefined` when the key does not serve `alg`.
 * For the tests that run primitive test vectors (Wycheproof) through both paths; not public API.
 *
 * @internal
 */
export function verifyBytesWithNode(
  key: CryptoKey,
  alg: string,
  data: Uint8Array,
  signature: Uint8Array,
): boolean | undefined {
  if (node === undefined) return undefined;
  const entry = preparedFor(node, key, alg);
  if (entry === undefined) return undefined;
  try {
    return entry.verify(data, signature);
  } catch {
    return false;
  }
}

// RFC 7518 §3.4: the length of R ‖ S.
const ECDSA_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

interface KeyAlgorithmShape extends WebCryptoKeyAlgorithm {
  readonly modulusLength?: number | undefined;
}

/** The verifier for `alg` with this key, or `undefined` when jose would refuse the key for `alg`. */
function prepareKey(modules: NodeModules, key: CryptoKey, alg: string): KeyVerifier | undefined {
  const { crypto } = modules;
  const algorithm = key.algorithm as KeyAlgorithmShape;
  // The WebCrypto algorithm, hash and curve jose requires of the key for `alg`: the one rule of both paths.
  if (!key.usages.includes('verify') || !cryptoKeyFitsAlgorithm(algorithm, alg)) return undefined;
  const bits = alg.slice(2);
  const hash = `sha${bits}`;
  const keyObject = crypto.KeyObject.from(key);
  switch (alg) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
      if (!strongRsa(algorithm)) return undefined;
      return (data, signature) => crypto.verify(hash, data, keyObject, signature);
    case 'PS256':
    case 'PS384':
    case 'PS512': {
      if (!strongRsa(algorithm)) return undefined;
      // RFC 7518 §3.5: the salt is as long as the hash output, as WebCrypto is told by jose.
      const options = {
        key: keyObject,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(bits) / 8,
      };
      return (data, signature) => crypto.verify(hash, data, options, signature);
    }
    case 'ES256':
    case 'ES384':
    case 'ES512': {
      const signatureBytes = ECDSA_SIGNATURE_BYTES[alg]!;
      // RFC 7518 §3.4: R and S as fixed-length big-endian octets, concatenated; nothing else (no DER).
      const options = { key: keyObject, dsaEncoding: 'ieee-p1363' };
      return (data, signature) =>
        signature.byteLength === signatureBytes && crypto.verify(hash, data, options, signature);
    }
    case 'EdDSA':
    case 'Ed25519':
      return (data, signature) => crypto.verify(null, data, keyObject, signature);
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return (data, signature) => {
        const mac = crypto.createHmac(hash, keyObject).update(data).digest();
        return mac.byteLength === signature.byteLength && crypto.timingSafeEqual(mac, signature);
      };
    default:
      return undefined;
  }
}

// jose refuses RSA keys under 2048 bits at verification; the key sources already leave them out.
function strongRsa(algorithm: KeyAlgorithmShape): boolean {
  return typeof algorithm.modulusLength === 'number' && algorithm.modulusLength >= MIN_RSA_BITS;
}
