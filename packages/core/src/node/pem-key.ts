import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { RsConfigError } from '../config/config-error.js';
import { RsError } from '../errors/rs-error.js';
import { rsaKeyProblem } from '../keys/rsa-key-checks.js';
import type { SecretKey } from '../secrets/secret-store.js';
import { keyObjectJwk } from './key-object-jwk.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;
const PRIVATE_LABELS: ReadonlySet<string> = new Set([
  'PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
]);
const PUBLIC_LABELS: ReadonlySet<string> = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);

interface PemBlock {
  readonly label: string;
  readonly text: string;
}

/** Why a PEM file gave no key; the caller names the file and the option. */
class PemProblem extends RsError {
  override name = 'PemProblem';

  constructor(message: string) {
    super('ERR_RS_PEM', message);
  }
}

/**
 * The one key of a PEM file: its private key (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1) when it has one,
 * else its public key (SPKI or PKCS#1), else the public key of its first certificate (the leaf of a
 * chain). Throws {@link RsConfigError} naming `option` and the file, as `fileInMessage` (the path, or
 * what `filePathInMessage` says in place of one that is not shown).
 */
export function pemKey(
  pem: string,
  fileInMessage: string,
  option: string,
  password: string | undefined,
): SecretKey {
  try {
    const { key, kind } = loadKey(
      [...pem.matchAll(BLOCK)].map(([text, label]) => ({ label: label!, text })),
      password,
    );
    const jwk = keyObjectJwk(key);
    if (jwk === undefined)
      throw new PemProblem(`holds a ${key.asymmetricKeyType ?? 'unknown'} key, which JOSE cannot use`);
    const problem = jwk.kty === 'RSA' ? rsaKeyProblem(jwk) : undefined;
    if (problem !== undefined) throw new PemProblem(`holds an RSA key that is refused: ${problem}`);
    return { jwk, origin: `${fileInMessage} (${kind})` };
  } catch (error) {
    if (error instanceof PemProblem) throw new RsConfigError(option, `${fileInMessage} ${error.message}`);
    throw error;
  }
}

function loadKey(
  blocks: readonly PemBlock[],
  password: string | undefined,
): { key: KeyObject; kind: string } {
  const privateBlocks = blocks.filter((block) => PRIVATE_LABELS.has(block.label));
  if (privateBlocks.length > 1) throw new PemProblem('holds several private keys; give one key per file');
  const privateBlock = privateBlocks[0];
  if (privateBlock !== undefined) {
    const encrypted =
      privateBlock.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(privateBlock.text);
    if (encrypted && password === undefined)
      throw new PemProblem('holds an encrypted private key: give its password');
    const key = attempt(
      () => createPrivateKey({ key: privateBlock.text, format: 'pem', passphrase: password }),
      encrypted ? 'cannot be decrypted: the password is wrong' : 'holds a private key that cannot be read',
    );
    return { key, kind: privateBlock.label.toLowerCase() };
  }
  const publicBlock = blocks.find((block) => PUBLIC_LABELS.has(block.label));
  if (publicBlock !== undefined) {
    const key = attempt(
      () => createPublicKey({ key: publicBlock.text, format: 'pem' }),
      'holds a public key that cannot be read',
    );
    return { key, kind: 'public key' };
  }
  const certificate = blocks.find((block) => block.label === 'CERTIFICATE');
  if (certificate !== undefined) {
    const key = attempt(
      () => new X509Certificate(certificate.text).publicKey,
      'holds a certificate that cannot be read',
    );
    return { key, kind: 'certificate' };
  }
  throw new PemProblem('holds no PEM private key, public key or certificate');
}

function attempt<T>(load: () => T, problem: string): T {
  try {
    return load();
  } catch {
    throw new PemProblem(problem);
  }
}
