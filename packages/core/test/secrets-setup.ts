import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, decodeProtectedHeader } from 'jose';
import { afterAll, expect } from 'vitest';
import type {
  DecryptionKeySource,
  SecretStore,
  SecretsProvider,
  VerificationKeySource,
} from '../src/index.js';
import { secretsProvider } from '../src/index.js';
import { ISSUER, NOW_MS, NOW_S } from './helpers.js';

/** The keystores and PEM files made by fixtures/keystores/make-keystores.sh. */
export const KEYSTORES = fileURLToPath(new URL('./fixtures/keystores/', import.meta.url));

/** The path of a fixture file. */
export function fixture(name: string): string {
  return join(KEYSTORES, name);
}

/** A fixture private key, loaded by Node (independently of the stores under test). */
export function fixturePrivateKey(name: string): KeyObject {
  return createPrivateKey(readFileSync(fixture(name)));
}

/** The public key of a fixture certificate or private key. */
export function fixturePublicKey(name: string): KeyObject {
  const pem = readFileSync(fixture(name), 'utf8');
  return pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

/** Bytes written in hex by make-keystores.sh (keytool secret keys, dumped by the JDK). */
export function fixtureHex(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(fixture(name), 'utf8').trim(), 'hex'));
}

/** A signed access token with `header` (`alg` required) made by jose. */
export function sign(
  key: KeyObject | CryptoKey | Uint8Array,
  header: { alg: string; kid?: string },
  claims: Record<string, unknown> = {},
): Promise<string> {
  const payload = { iss: ISSUER, sub: 'demo', iat: NOW_S, exp: NOW_S + 300, ...claims };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
}

/** A compact JWE of a small JSON document, made by jose. */
export function encrypt(
  key: KeyObject | CryptoKey | Uint8Array,
  header: { alg: string; enc: string; kid?: string },
  text = '{"sub":"demo"}',
): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(text)).setProtectedHeader(header).encrypt(key);
}

/** Verifies `jws` with the keys `source` offers for its header: the payload, or `undefined`. */
export async function verifyWith(source: VerificationKeySource, jws: string): Promise<string | undefined> {
  const { alg, kid } = decodeProtectedHeader(jws);
  const keys = await source.keysFor({ alg: alg!, kid }, NOW_MS);
  if (!keys.ok) return undefined;
  for (const key of keys.value) {
    try {
      return new TextDecoder().decode((await compactVerify(jws, key)).payload);
    } catch {
      // Not this key: try the next.
    }
  }
  return undefined;
}

/** Decrypts `jwe` with the keys `source` offers for its header: the plaintext, or `undefined`. */
export async function decryptWith(source: DecryptionKeySource, jwe: string): Promise<string | undefined> {
  const { alg, enc, kid } = decodeProtectedHeader(jwe);
  const keys = await source.keysFor({ alg: alg!, enc: enc!, kid }, NOW_MS);
  if (!keys.ok) return undefined;
  for (const key of keys.value) {
    try {
      return new TextDecoder().decode((await compactDecrypt(jwe, key)).plaintext);
    } catch {
      // Not this key: try the next.
    }
  }
  return undefined;
}

/** How many keys `source` offers for a header. */
export async function keyCount(
  source: VerificationKeySource | DecryptionKeySource,
  selector: { alg: string; enc?: string; kid?: string },
): Promise<number> {
  const keys = await (source as DecryptionKeySource).keysFor(
    { alg: selector.alg, enc: selector.enc ?? 'A128CBC-HS256', kid: selector.kid },
    NOW_MS,
  );
  expect(keys.ok).toBe(true);
  return keys.ok ? keys.value.length : 0;
}

/** A provider over the given stores. */
export function providerOf(...stores: SecretStore[]): SecretsProvider {
  return secretsProvider({ stores });
}

const temporary: string[] = [];
afterAll(() => {
  for (const directory of temporary.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A temporary directory, removed after the test file; `files` are written into it. */
export function tempDirectory(files: Record<string, string | Uint8Array> = {}): string {
  const directory = mkdtempSync(join(tmpdir(), 'rs-secrets-'));
  temporary.push(directory);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content);
  return directory;
}
