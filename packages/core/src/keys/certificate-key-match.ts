import { base64url } from 'jose';
import { decodeStrictBase64 } from '../encoding/base64.js';
import { type DerElement, readDerElement } from '../encoding/der-element.js';
import { isCertificateDer, MAX_CERTIFICATE_BYTES } from '../mtls/certificate-encoding.js';

// The base64 text of a certificate of MAX_CERTIFICATE_BYTES: anything longer is refused before decoding.
const MAX_CERTIFICATE_BASE64 = Math.ceil(MAX_CERTIFICATE_BYTES / 3) * 4;

// The content bytes of the algorithm identifiers of a SubjectPublicKeyInfo (RFC 3279, RFC 4055, RFC 5480,
// RFC 8410), in hex.
const RSA_ALGORITHMS: ReadonlySet<string> = new Set([
  '2a864886f70d010101', // rsaEncryption
  '2a864886f70d01010a', // id-RSASSA-PSS: the same n and e
]);
const EC_PUBLIC_KEY = '2a8648ce3d0201';
const NAMED_CURVES: Readonly<Record<string, string>> = {
  'P-256': '2a8648ce3d030107',
  'P-384': '2b81040022',
  'P-521': '2b81040023',
};
const OKP_ALGORITHMS: Readonly<Record<string, string>> = {
  Ed25519: '2b6570',
  X25519: '2b656e',
};

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OBJECT_IDENTIFIER = 0x06;
const VERSION = 0xa0;

/**
 * Why a JWK's `x5c` contradicts the key itself, or `undefined` when it does not. RFC 7517 §4.7: the key
 * in the first certificate MUST match the key the other members represent. @rs never verifies with
 * `x5c` (it checks no chain: trusting a certificate a set carries would trust whoever wrote the set),
 * only with the key's own members; a certificate of another key says the publication is torn (a
 * rotation half done, members and certificate copied from two places), and which of the two keys the
 * issuer signs with cannot be told, so the key is refused rather than one of them picked in silence.
 * Only a certificate that can be read proves that: an `x5c` that is no array of certificates in base64
 * (or base64url), never read, is left as jose leaves it. `x5t` and `x5t#S256` are not compared: they are
 * thumbprints of that certificate, and @rs uses neither.
 *
 * @example
 * ```ts
 * certificateKeyProblem({ ...rsaJwk, x5c: [certificateOfAnotherKey] });
 * // 'the first certificate of its "x5c" holds another key than its members (RFC 7517 §4.7)'
 * ```
 */
export function certificateKeyProblem(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const chain = jwk.x5c;
  if (!Array.isArray(chain) || typeof chain[0] !== 'string') return undefined;
  const der = certificateBytes(chain[0]);
  const key = der !== undefined && isCertificateDer(der) ? subjectPublicKey(der) : undefined;
  if (der === undefined || key === undefined || keyMatches(jwk, der, key)) return undefined;
  return 'the first certificate of its "x5c" holds another key than its members (RFC 7517 §4.7)';
}

// RFC 7517 §4.7 says base64, not base64url; a server that writes base64url still names one certificate.
function certificateBytes(text: string): Uint8Array | undefined {
  if (text.length > MAX_CERTIFICATE_BASE64) return undefined;
  return decodeStrictBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
}

/** The parts of a certificate's SubjectPublicKeyInfo that name and hold its key. */
interface SubjectPublicKey {
  /** The algorithm's OID, in hex. */
  readonly algorithm: string;
  /** The OID of its parameters (an EC key's curve), in hex, if they are one. */
  readonly parameter: string | undefined;
  /** Where the key's bytes (the BIT STRING's, past its unused-bits byte) start and end. */
  readonly start: number;
  readonly end: number;
}

/** The subject public key of a DER certificate ({@link isCertificateDer} checked its outer shape). */
function subjectPublicKey(der: Uint8Array): SubjectPublicKey | undefined {
  const certificate = readDerElement(der, 0, der.length)!;
  const tbs = readDerElement(der, certificate.start, certificate.end)!;
  let element = readDerElement(der, tbs.start, tbs.end);
  // [0] version, then serialNumber, signature, issuer, validity, subject: SubjectPublicKeyInfo is next.
  if (element?.tag === VERSION) element = readDerElement(der, element.end, tbs.end);
  for (let skipped = 0; skipped < 5 && element !== undefined; skipped++)
    element = readDerElement(der, element.end, tbs.end);
  if (element?.tag !== SEQUENCE) return undefined;
  const algorithm = readDerElement(der, element.start, element.end);
  if (algorithm?.tag !== SEQUENCE) return undefined;
  const oid = readDerElement(der, algorithm.start, algorithm.end);
  if (oid?.tag !== OBJECT_IDENTIFIER) return undefined;
  const parameters = oid.end < algorithm.end ? readDerElement(der, oid.end, algorithm.end) : undefined;
  const bits = readDerElement(der, algorithm.end, element.end);
  if (bits?.tag !== BIT_STRING || bits.start >= bits.end || der[bits.start] !== 0) return undefined;
  return {
    algorithm: hex(der, oid),
    parameter: parameters?.tag === OBJECT_IDENTIFIER ? hex(der, parameters) : undefined,
    start: bits.start + 1,
    end: bits.end,
  };
}

function keyMatches(jwk: Readonly<Record<string, unknown>>, der: Uint8Array, key: SubjectPublicKey): boolean {
  const bytes = der.subarray(key.start, key.end);
  switch (jwk.kty) {
    case 'RSA': {
      if (!RSA_ALGORITHMS.has(key.algorithm)) return false;
      // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1)
      const sequence = readDerElement(bytes, 0, bytes.length);
      if (sequence?.tag !== SEQUENCE || sequence.end !== bytes.length) return false;
      const modulus = readDerElement(bytes, sequence.start, sequence.end);
      const exponent = modulus && readDerElement(bytes, modulus.end, sequence.end);
      return (
        modulus?.tag === INTEGER &&
        exponent?.tag === INTEGER &&
        exponent.end === sequence.end &&
        sameUnsigned(bytes.subarray(modulus.start, modulus.end), decoded(jwk.n)) &&
        sameUnsigned(bytes.subarray(exponent.start, exponent.end), decoded(jwk.e))
      );
    }
    case 'EC': {
      const curve = typeof jwk.crv === 'string' && Object.hasOwn(NAMED_CURVES, jwk.crv) ? jwk.crv : undefined;
      if (curve === undefined || key.algorithm !== EC_PUBLIC_KEY || key.parameter !== NAMED_CURVES[curve])
        return false;
      // The uncompressed point (SEC 1 §2.3.3): 04 ‖ x ‖ y, as every certificate of a JWK's key writes it.
      const x = decoded(jwk.x);
      const y = decoded(jwk.y);
      return (
        x !== undefined &&
        y !== undefined &&
        bytes[0] === 0x04 &&
        sameBytes(bytes.subarray(1), Uint8Array.from([...x, ...y]))
      );
    }
    case 'OKP': {
      const curve =
        typeof jwk.crv === 'string' && Object.hasOwn(OKP_ALGORITHMS, jwk.crv) ? jwk.crv : undefined;
      const x = decoded(jwk.x);
      return (
        curve !== undefined &&
        key.algorithm === OKP_ALGORITHMS[curve] &&
        x !== undefined &&
        sameBytes(bytes, x)
      );
    }
    default:
      // A certificate holds no shared secret, nor a key of a type @rs does not read.
      return false;
  }
}

function decoded(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return base64url.decode(value);
  } catch {
    return undefined;
  }
}

/** Whether two big-endian unsigned integers are equal, leading zero bytes aside (DER adds one to keep a sign). */
function sameUnsigned(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && sameBytes(withoutLeadingZeros(a), withoutLeadingZeros(b));
}

function withoutLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function hex(der: Uint8Array, element: DerElement): string {
  let text = '';
  for (let i = element.start; i < element.end; i++) text += der[i]!.toString(16).padStart(2, '0');
  return text;
}
