import { decodeBase64 } from '../encoding/base64.js';
import { parseBoundedJson } from '../encoding/bounded-json.js';
import { hexBytes } from '../encoding/hex.js';
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
const JWK_WITHIN_JSON: ForeignKind = { name: 'JSON text holding a JWK', instead: JWK.instead };
const JWK_NOT_JSON: ForeignKind = {
  name: 'the text of a JWK (a JavaScript object or YAML)',
  instead: 'give the JWK object to staticJwks({ keys: [jwk] })',
};

// RFC 7468 PEM (OpenSSL, OpenSSH private keys, PGP armour) and RFC 4716 SSH public keys, at the start of
// the text or of one of its lines (indented, as in YAML): text that only mentions a marker is a secret.
const PEM_LINE = /(?:^|[\r\n])[ \t]*(?:-----BEGIN |---- BEGIN SSH2 )/;
/**
 * An OpenSSH public key line (`ssh-ed25519 AAAAC3Nz… user@host`), certificates and FIDO keys included,
 * at the start of the text or of a line. The key type must be followed by its blob, whose base64 opens
 * with `AAAA` (the blob's 4-byte length, under 2²⁴): "ssh-rsa rotation secret" is a passphrase.
 */
const OPENSSH_LINE =
  /(?:^|[\r\n])[ \t]*(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-[a-z0-9-]+|sk-(?:ssh-ed25519|ecdsa-sha2-[a-z0-9-]+)@openssh\.com)(?:-cert-v01@openssh\.com)?[ \t]+AAAA/;
// The binary form of the same keys (RFC 4253 §6.6): a 4-byte length, then the key type's name.
const OPENSSH_BLOB_TYPE = /^(?:ssh-|ecdsa-sha2-|sk-)/;

/**
 * The members a JWK of each key type cannot do without; with them, `kty` tells a key from a JSON
 * configuration that merely has a member of that name.
 */
const JWK_KEY_MEMBERS: Readonly<Record<string, string>> = { RSA: 'n', EC: 'x', OKP: 'x', oct: 'k' };
/**
 * A JWK written as a JavaScript object or YAML (unquoted or single-quoted names and values), which no
 * JSON parser reads: an asymmetric `kty` and an `n` or `x` member of base64url. Looked for in the text,
 * never evaluated. Linear: no two runs of one pattern can match the same characters.
 */
const JWK_TEXT_KTY = /\bkty['"]?[ \t]*:[ \t]*['"`]?(?:RSA|EC|OKP)\b/;
const JWK_TEXT_KEY_MEMBER = /(?:^|[\s{,'"])[nx]['"]?[ \t]*:[ \t]*['"`]?[A-Za-z0-9_-]{16}/m;

/**
 * How much of a secret is inspected: its first 64 KiB, far more than any key in any of the forms
 * recognized (a 16 384-bit RSA private key as a JWK is under 13 KiB), so that a secret of any size is
 * checked in bounded time.
 */
const MAX_INSPECTED_BYTES = 64 * 1024;
/**
 * How many decodings deep key material is looked for: base64, hex or a JSON string within one another,
 * as in `base64(base64(der))`, a JWK's JSON text given as a JSON string, or a document holding a public
 * key in base64 (`{"public_key":"MIIB…"}`), itself in base64. Each level is no longer than the text it
 * came from, and only text is decoded.
 */
const MAX_DECODINGS = 4;
// How deep the objects and arrays of a JSON secret are searched for JWKs: far beyond a JWK set in a
// configuration document, and refused by a linear scan before `JSON.parse` builds anything deeper.
const MAX_JSON_NESTING = 16;
// How many JSON values (objects, arrays, strings) of one secret, at every level, are looked at.
const MAX_JSON_VALUES = 2_000;
// JSON strings shorter than this are not searched: no key material, in any form recognized here, is.
const MIN_MATERIAL_CHARACTERS = 32;

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

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder();
const WHITESPACE = /\s/g;
// Printable ASCII and line breaks: what base64 and hex text is made of.
const NOT_PLAIN_TEXT = /[^\t\n\r -~]/;
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})+$/;
const HEX_PREFIX = /^0x/i;

/** Key material found, with the decodings it was found under, outermost first (`['base64', 'hex']`). */
interface Found {
  readonly kind: ForeignKind;
  readonly within: readonly string[];
}

/** What is left of the work one check may do, shared by every level of it. */
interface Budget {
  jsonValues: number;
}

/**
 * Why `bytes`, given as a shared secret (an HMAC key), are key material of another kind, or `undefined`
 * when they may be a secret. A public key used as an HMAC secret is the RS256→HS256 key confusion: every
 * holder of the public key signs tokens that verify (or nonces, or whatever else the key signs). What
 * is recognized:
 *
 * - PEM or RFC 4716 armour (`-----BEGIN `), or an OpenSSH public key line (`ssh-rsa AAAA…`), at the start
 *   of the text or of a line; an OpenSSH key blob;
 * - a JWK (`kty` RSA, EC, OKP or oct with its key member: `n`, `x` or `k`) or a JWK set (`keys`, an array
 *   holding one), as JSON text, anywhere in a JSON document, or written as a JavaScript object or YAML;
 * - DER: a SEQUENCE holding, within its first bytes, the OID of a key algorithm, curve or key container
 *   (SubjectPublicKeyInfo, PKCS #8, X.509 certificates, RFC 5915 EC keys, PKCS #12 files), or a PKCS #1
 *   RSA key (a SEQUENCE of exactly the input's length: a modulus of 1024 bits or more, after a version
 *   for a private key, then another INTEGER);
 * - any of these in base64, base64url or hex (a `0x` prefix, `:` separators and whitespace allowed), or
 *   in a JSON string, up to four decodings deep; the text is first taken out of surrounding quotes, and
 *   its literal `\n`, `\r` and `\t` escapes are read (the shapes of an environment file).
 *
 * Only the first 64 KiB are inspected, and at most 2 000 JSON values, so that a secret of any size is
 * checked in bounded time. A bare RSA modulus or EC point is not recognized: it cannot be told from
 * random bytes.
 *
 * Random secrets, and base64, hex, passphrase and JSON text, never match in practice: each signature
 * needs a run of bytes a random secret holds with a chance under 2⁻³², or text no generator writes. The
 * reason reads after "is" (`the secret is …`), says where such material belongs (or `instead`, for a
 * secret that verifies nothing, such as a DPoP nonce secret), and never repeats the bytes.
 *
 * @example
 * ```ts
 * foreignKeyMaterialProblem(new TextEncoder().encode(publicKeyPem));
 * // 'a PEM key or certificate, not a shared secret: …'
 * foreignKeyMaterialProblem(crypto.getRandomValues(new Uint8Array(32))); // undefined
 * ```
 */
export function foreignKeyMaterialProblem(bytes: Uint8Array, instead?: string): string | undefined {
  const found = materialIn(bytes.subarray(0, MAX_INSPECTED_BYTES), 0, { jsonValues: MAX_JSON_VALUES });
  if (found === undefined) return undefined;
  // Innermost first: "a DER-encoded key (in base64 in a JSON string)".
  const within = found.within.length === 0 ? '' : ` (in ${[...found.within].reverse().join(' in ')})`;
  return reason(`${found.kind.name}${within}`, instead ?? found.kind.instead);
}

function reason(name: string, instead: string): string {
  return `${name}, not a shared secret: as an HMAC key, anyone who has that key (a public key is published) could forge what it signs; ${instead}`;
}

/** Key material in `bytes`, found `depth` decodings deep. */
function materialIn(bytes: Uint8Array, depth: number, budget: Budget): Found | undefined {
  if (isDerKey(bytes)) return { kind: DER, within: [] };
  if (isOpenSshBlob(bytes)) return { kind: OPENSSH, within: [] };
  return materialInText(TEXT_DECODER.decode(bytes), depth, budget);
}

function materialInText(text: string, depth: number, budget: Budget): Found | undefined {
  const forms = textForms(text);
  for (const form of forms) {
    if (PEM_LINE.test(form)) return { kind: PEM, within: [] };
    if (OPENSSH_LINE.test(form)) return { kind: OPENSSH, within: [] };
  }
  for (const form of forms) {
    const json = parsedJson(form);
    if (json !== undefined) {
      const found = materialInJson(json.value, depth, budget);
      if (found !== undefined) return found;
      break;
    }
  }
  const normalized = forms.at(-1)!;
  if (JWK_TEXT_KTY.test(normalized) && JWK_TEXT_KEY_MEMBER.test(normalized)) {
    return { kind: JWK_NOT_JSON, within: [] };
  }
  if (depth >= MAX_DECODINGS) return undefined;
  for (const [encoding, decoded] of decodings(normalized)) {
    const inner = materialIn(decoded, depth + 1, budget);
    if (inner !== undefined) return { kind: inner.kind, within: [encoding, ...inner.within] };
  }
  return undefined;
}

const ESCAPED: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/**
 * The text as given (trimmed of whitespace and a byte order mark), out of surrounding quotes (an
 * environment file read by a tool that keeps them), and with its literal `\n`, `\r` and `\t` escapes read
 * (a PEM or its body put on one line of an environment variable); each form once, the most normal last.
 */
function textForms(text: string): string[] {
  const trimmed = text.trim();
  const quote = trimmed[0];
  const unquoted =
    trimmed.length >= 2 && (quote === '"' || quote === "'") && trimmed.endsWith(quote)
      ? trimmed.slice(1, -1).trim()
      : trimmed;
  const unescaped = unquoted.replace(/\\([nrt])/g, (_, letter: string) => ESCAPED[letter]!).trim();
  return [...new Set([trimmed, unquoted, unescaped])];
}

/** The value of text that is a JSON object, array or string; `undefined` for any other text. */
function parsedJson(text: string): { value: unknown } | undefined {
  const first = text[0];
  if (first !== '{' && first !== '[' && first !== '"') return undefined;
  const parsed = parseBoundedJson(text, MAX_JSON_NESTING);
  return parsed.ok ? { value: parsed.value } : undefined;
}

/**
 * A JWK or JWK set that a JSON value is, or holds at any depth; or key material in one of its strings,
 * looked for as in text one decoding deeper (`within` a JSON string).
 */
function materialInJson(value: unknown, depth: number, budget: Budget): Found | undefined {
  if (isJwk(value)) return { kind: JWK, within: [] };
  const set = Array.isArray(value) ? value : isObject(value) ? value.keys : undefined;
  if (Array.isArray(set) && set.some(isJwk)) return { kind: JWK_SET, within: [] };
  return searchJson(value, 0, depth, budget);
}

function searchJson(value: unknown, nesting: number, depth: number, budget: Budget): Found | undefined {
  if (budget.jsonValues <= 0) return undefined;
  budget.jsonValues--;
  if (typeof value === 'string') {
    if (value.length < MIN_MATERIAL_CHARACTERS || depth >= MAX_DECODINGS) return undefined;
    const inner = materialIn(TEXT_ENCODER.encode(value), depth + 1, budget);
    return inner === undefined ? undefined : { kind: inner.kind, within: ['a JSON string', ...inner.within] };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (nesting > 0 && isJwk(value)) return { kind: JWK_WITHIN_JSON, within: [] };
  for (const member of Array.isArray(value) ? value : Object.values(value)) {
    const found = searchJson(member, nesting + 1, depth, budget);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A JWK: `kty` one of RSA, EC, OKP or oct, with the member that holds that type's key. */
function isJwk(value: unknown): boolean {
  if (!isObject(value) || typeof value.kty !== 'string' || !Object.hasOwn(JWK_KEY_MEMBERS, value.kty)) {
    return false;
  }
  return typeof value[JWK_KEY_MEMBERS[value.kty]!] === 'string';
}

/**
 * The bytes that text in base64, base64url (line breaks and spaces ignored, padded or not) or hex (`:`
 * separators and a `0x` prefix allowed, as `openssl` and programmers print it) stands for, each named.
 * Text of neither kind has none.
 */
function decodings(text: string): [string, Uint8Array][] {
  // Only plain ASCII text is decoded: random bytes are all but never of these alphabets, and need no try.
  if (NOT_PLAIN_TEXT.test(text)) return [];
  const compact = text.replace(WHITESPACE, '');
  const found: [string, Uint8Array][] = [];
  const hex = compact.replace(HEX_PREFIX, '').replaceAll(':', '');
  if (HEX_TEXT.test(hex)) found.push(['hex', hexBytes(hex)]);
  const base64 = decodeEitherBase64(compact);
  if (base64 !== undefined) found.push(['base64', base64]);
  return found;
}

// Either alphabet, read as the standard one by the secret stores' own decoder.
function decodeEitherBase64(text: string): Uint8Array | undefined {
  return decodeBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
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
