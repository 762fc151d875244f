import { base64url } from 'jose';
import { isObject } from '../encoding/json-object.js';

/**
 * Key material of a kind other than a shared secret, as {@link foreignKeyMaterialProblem} recognizes it:
 * how it is named in messages, and where it belongs instead.
 */
interface ForeignKind {
  readonly name: string;
  readonly instead: string;
}

const PEM_ADVICE = 'a PEM key or certificate belongs in pemSecretStore(…) of @rs/core/node';
const PEM: ForeignKind = { name: 'a PEM key or certificate', instead: PEM_ADVICE };
const OPENSSH: ForeignKind = {
  name: 'an OpenSSH key',
  instead: `convert it to PEM (ssh-keygen -e -m PKCS8): ${PEM_ADVICE}`,
};
const DER: ForeignKind = {
  name: 'a DER-encoded key or certificate',
  instead: `convert it to PEM: ${PEM_ADVICE}`,
};
const JWK: ForeignKind = {
  name: 'the JSON text of a JWK',
  instead: 'give the parsed JWK to staticJwks({ keys: [jwk] })',
};
const JWK_SET: ForeignKind = {
  name: 'the JSON text of a JWK set',
  instead: "give the parsed set to staticJwks(…), or the issuer's jwks_uri to remoteJwks(…)",
};

// RFC 7468 PEM (OpenSSL, OpenSSH private keys, PGP armour) and RFC 4716 SSH public keys.
const PEM_MARKERS = ['-----BEGIN ', '---- BEGIN SSH2 '];
// The key types that open an OpenSSH public key line (`ssh-ed25519 AAAAC3Nz… user@host`), FIDO ones included.
const OPENSSH_MARKERS = [
  'ssh-rsa ',
  'ssh-dss ',
  'ssh-ed25519 ',
  'ssh-ed448 ',
  'ecdsa-sha2-',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-',
];
// The binary form of the same keys (RFC 4253 §6.6): a 4-byte length, then the key type's name.
const OPENSSH_BLOB_TYPE = /^(?:ssh-|ecdsa-sha2-|sk-)/;

const DER_SEQUENCE = 0x30;
const DER_INTEGER = 0x02;
const DER_OID = 0x06;
// How far into a DER structure its first algorithm or curve OID is looked for. Far enough for an X.509
// certificate (its signature algorithm follows a serial number of up to 20 bytes) and for an EC private
// key of RFC 5915 on P-521 (its curve follows the 66-byte private key).
const OID_WINDOW = 128;
/**
 * The starts of the OIDs (their DER content bytes) that name a key algorithm, a curve or a key container
 * early in a DER key or certificate. A run of random bytes holds `06 <length>` and one of these at a
 * given place with a chance under 2⁻³², and they are looked for only after a leading SEQUENCE.
 */
const KEY_OID_PREFIXES: readonly (readonly number[])[] = [
  // 1.2.840.113549.1 (PKCS): rsaEncryption, RSASSA-PSS and sha*WithRSAEncryption (#1), PBES2 (#5), the
  // data and encrypted-data of PKCS #12 files (#7).
  [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01],
  // 1.2.840.10045 (ANSI X9.62): id-ecPublicKey, the prime curves, ecdsa-with-SHA*.
  [0x2a, 0x86, 0x48, 0xce, 0x3d],
  // 1.2.840.10040.4 (DSA).
  [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04],
  // 1.3.132.0 (SECG curves: secp384r1, secp521r1, secp256k1).
  [0x2b, 0x81, 0x04, 0x00],
  // 1.3.101.110 to 113 (RFC 8410): X25519, X448, Ed25519, Ed448; their last byte is checked below.
  [0x2b, 0x65],
];
const RFC8410_LAST_BYTES: ReadonlySet<number> = new Set([0x6e, 0x6f, 0x70, 0x71]);
/** The shortest RSA modulus a PKCS #1 key is recognized by: 1024 bits, 128 bytes (in long-form length). */
const MIN_PKCS1_MODULUS_BYTES = 128;

const TEXT_DECODER = new TextDecoder();
const WHITESPACE = /\s/g;
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * Why `bytes`, given as a shared secret (an HMAC key), are key material of another kind, or `undefined`
 * when they may be a secret. A public key used as an HMAC secret is the RS256→HS256 key confusion: every
 * holder of the public key signs tokens that verify. What is recognized, in the bytes themselves or in
 * their base64, base64url or hex decoding:
 *
 * - text holding a PEM or RFC 4716 marker (`-----BEGIN `) or an OpenSSH key type (`ssh-rsa `, `ecdsa-sha2-`, …),
 *   or an OpenSSH key blob;
 * - the JSON text of a JWK (an object with `kty`) or of a JWK set (an object with `keys`, or an array
 *   of JWKs);
 * - DER: a SEQUENCE holding, within its first bytes, the OID of a key algorithm, curve or key container
 *   (SubjectPublicKeyInfo, PKCS #8, X.509 certificates, RFC 5915 EC keys, PKCS #12 files), or a PKCS #1
 *   RSA key (a SEQUENCE of exactly the input's length: a modulus of 1024 bits or more, after a version
 *   for a private key, then another INTEGER).
 *
 * Random secrets, and base64, hex and passphrase text, never match in practice: each signature needs a
 * run of bytes a random secret holds with a chance under 2⁻³², or text no generator writes. The reason
 * reads after "is" (`the secret is …`), says where such material belongs, and never repeats the bytes.
 *
 * @example
 * ```ts
 * foreignKeyMaterialProblem(new TextEncoder().encode(publicKeyPem));
 * // 'a PEM key or certificate, not a shared secret: …'
 * foreignKeyMaterialProblem(crypto.getRandomValues(new Uint8Array(32))); // undefined
 * ```
 */
export function foreignKeyMaterialProblem(bytes: Uint8Array): string | undefined {
  const found = kindOf(bytes);
  if (found !== undefined) return reason(found.name, found.instead);
  for (const [encoding, decoded] of decodings(bytes)) {
    const inner = kindOf(decoded);
    if (inner !== undefined) return reason(`${inner.name} (in ${encoding})`, inner.instead);
  }
  return undefined;
}

function reason(name: string, instead: string): string {
  return `${name}, not a shared secret: as an HMAC key, anyone who has that key (a public key is published) could sign tokens; ${instead}`;
}

function kindOf(bytes: Uint8Array): ForeignKind | undefined {
  if (isDerKey(bytes)) return DER;
  if (isOpenSshBlob(bytes)) return OPENSSH;
  const text = TEXT_DECODER.decode(bytes);
  if (PEM_MARKERS.some((marker) => text.includes(marker))) return PEM;
  if (OPENSSH_MARKERS.some((marker) => text.includes(marker))) return OPENSSH;
  return jwkKind(text);
}

/** A JWK or JWK set given as JSON text: an object with `kty`, or with `keys`, or an array of JWKs. */
function jwkKind(text: string): ForeignKind | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) return value.some(isJwk) ? JWK_SET : undefined;
  if (!isObject(value)) return undefined;
  if (isJwk(value)) return JWK;
  return Object.hasOwn(value, 'keys') ? JWK_SET : undefined;
}

function isJwk(value: unknown): boolean {
  return isObject(value) && Object.hasOwn(value, 'kty');
}

/**
 * The bytes that text in base64, base64url (line breaks and spaces ignored, padded or not) or hex (`:`
 * separators allowed, as `openssl` prints) stands for, each named. Text of neither kind has none.
 */
function decodings(bytes: Uint8Array): [string, Uint8Array][] {
  // Only text is decoded: random bytes are all but never of these alphabets, and need not be tried.
  if (bytes.some((byte) => byte > 0x7e)) return [];
  const text = TEXT_DECODER.decode(bytes).replace(WHITESPACE, '');
  const found: [string, Uint8Array][] = [];
  const hex = text.replaceAll(':', '');
  if (HEX_TEXT.test(hex)) found.push(['hex', decodeHex(hex)]);
  const base64 = decodeBase64(text);
  if (base64 !== undefined) found.push(['base64', base64]);
  return found;
}

function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64_TEXT.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  try {
    return base64url.decode(unpadded.replace(/\+/g, '-').replace(/\//g, '_'));
  } catch {
    return undefined;
  }
}

function decodeHex(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function isOpenSshBlob(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0) return false;
  const typeLength = bytes[3]!;
  if (typeLength < 7 || typeLength > 64 || bytes.length < 4 + typeLength) return false;
  return OPENSSH_BLOB_TYPE.test(TEXT_DECODER.decode(bytes.subarray(4, 4 + typeLength)));
}

function isDerKey(bytes: Uint8Array): boolean {
  if (bytes[0] !== DER_SEQUENCE) return false;
  return holdsKeyOid(bytes) || isPkcs1RsaKey(bytes);
}

function holdsKeyOid(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, OID_WINDOW);
  for (let at = 1; at + 2 < end; at++) {
    if (bytes[at] !== DER_OID) continue;
    const length = bytes[at + 1]!;
    const content = bytes.subarray(at + 2, at + 2 + length);
    if (content.length !== length) continue;
    for (const prefix of KEY_OID_PREFIXES) {
      if (length <= prefix.length || !prefix.every((byte, i) => content[i] === byte)) continue;
      if (prefix.length === 2 && (length !== 3 || !RFC8410_LAST_BYTES.has(content[2]!))) continue;
      return true;
    }
  }
  return false;
}

/**
 * A PKCS #1 RSAPublicKey (SEQUENCE { modulus, publicExponent }) or RSAPrivateKey (SEQUENCE { version,
 * modulus, publicExponent, … }): they name no algorithm, so the whole input must be the one SEQUENCE,
 * holding a modulus of at least {@link MIN_PKCS1_MODULUS_BYTES} bytes followed by another INTEGER.
 */
function isPkcs1RsaKey(bytes: Uint8Array): boolean {
  const sequence = derHeader(bytes, 0);
  if (sequence === undefined || sequence.contentStart + sequence.length !== bytes.length) return false;
  let at = sequence.contentStart;
  // RSAPrivateKey's version: 0 (two primes) or 1 (multi-prime).
  if (bytes[at] === DER_INTEGER && bytes[at + 1] === 1 && (bytes[at + 2] === 0 || bytes[at + 2] === 1))
    at += 3;
  if (bytes[at] !== DER_INTEGER) return false;
  const modulus = derHeader(bytes, at);
  if (modulus === undefined || modulus.length < MIN_PKCS1_MODULUS_BYTES) return false;
  return bytes[modulus.contentStart + modulus.length] === DER_INTEGER;
}

/** The length and content offset of the DER element at `at`, in definite length; `undefined` otherwise. */
function derHeader(bytes: Uint8Array, at: number): { length: number; contentStart: number } | undefined {
  const first = bytes[at + 1];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, contentStart: at + 2 };
  const lengthBytes = first & 0x7f;
  // Up to 4 length bytes: more than any key, and no indefinite length (0x80), which DER forbids.
  if (lengthBytes === 0 || lengthBytes > 4 || at + 2 + lengthBytes > bytes.length) return undefined;
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + bytes[at + 2 + i]!;
  return { length, contentStart: at + 2 + lengthBytes };
}
