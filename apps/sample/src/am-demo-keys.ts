import { fileURLToPath } from 'node:url';

/**
 * The committed DEMONSTRATION keys of `keys/` (made by keys/make-keys.sh): public, so good for nothing but
 * this sample. Relative to this module, which runs from `src/` (tests) or bundled into `dist/`: both sit
 * beside `keys/`.
 */
const KEYS = fileURLToPath(new URL('../keys/', import.meta.url));

export const DEMO_KEYS = {
  /** The stand-in authorization server's RSA private key: only the mint command reads it. */
  signingKeyPem: `${KEYS}as-signing.key.pem`,
  /** The API's PKCS#12 keystore: the signing certificate as a trusted entry, alias `verification-key`. */
  keystore: `${KEYS}rs-keystore.p12`,
  /** One base64 file per secret ID, read by `directorySecretStore` (ForgeRock Identity Gateway's FileSystemSecretStore). */
  secretsDirectory: `${KEYS}secrets`,
} as const;

/** The secret IDs of ForgeRock Identity Gateway's resource-server routes. */
export const SECRET_IDS = {
  /** The keystore password, as the guide's KEYSTORE_SECRET_ID. */
  keystorePassword: 'keystore.secret.id',
  verification: 'stateless.access.token.verification.key',
  decryption: 'stateless.access.token.decryption.key',
} as const;

export const KEYSTORE_ALIAS = 'verification-key';

/**
 * The `iss` of the minted tokens: Access Management's OAuth 2.0 issuer shape, on a name that resolves
 * nowhere, since no server stands behind it (the mint command is the issuer).
 */
export const AM_ISSUER = 'https://am.sample.test/openam/oauth2';

/** AM puts the OAuth 2.0 client's ID in `aud`. */
export const AM_CLIENT_ID = 'sample-am-client';
