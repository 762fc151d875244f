import { type AccessTokenResolver, jwtResolver, type SecretsProvider, secretsProvider } from '@rs/core';
import { directorySecretStore, pkcs12SecretStore } from '@rs/core/node';
import { AM_CLIENT_ID, AM_ISSUER, DEMO_KEYS, KEYSTORE_ALIAS, SECRET_IDS } from './am-demo-keys.js';

/**
 * The API's secrets, as ForgeRock Identity Gateway's resource-server routes hold them: a directory of base64 files (its
 * FileSystemSecretStore) with the keystore password and the AES key shared with the authorization server,
 * and a PKCS#12 keystore (its KeyStoreSecretStore) mapping the verification secret ID to the trusted
 * certificate. Both read their files now: a missing file or a wrong password stops the start-up.
 */
export function amSecrets(): SecretsProvider {
  const files = directorySecretStore({ directory: DEMO_KEYS.secretsDirectory, format: 'base64' });
  const keystore = pkcs12SecretStore({
    file: DEMO_KEYS.keystore,
    storePassword: { store: files, secretId: SECRET_IDS.keystorePassword },
    mappings: [{ secretId: SECRET_IDS.verification, aliases: [KEYSTORE_ALIAS] }],
  });
  return secretsProvider({ stores: [keystore, files] });
}

/** The resolvers of the two Access Management routes, over one secrets provider. */
export interface AmResolvers {
  /** `/rs-stateless-signed-keystore`: signed tokens, verified with the keystore's certificate. */
  readonly keystore: AccessTokenResolver;
  /** `/rs-stateless-encrypted`: `dir` tokens, decrypted with the shared AES key. */
  readonly encrypted: AccessTokenResolver;
}

export function amRoutesResolvers(secrets: SecretsProvider = amSecrets()): AmResolvers {
  // AM puts the OAuth 2.0 client's ID in `aud`, not the API's: the audience is that client. The profile
  // requires `tokenName: "access_token"`, so AM's refresh tokens are refused.
  const common = {
    issuer: AM_ISSUER,
    audience: AM_CLIENT_ID,
    secrets,
    profile: 'access-management',
  } as const;
  return {
    keystore: jwtResolver({ ...common, verificationSecretId: SECRET_IDS.verification }),
    encrypted: jwtResolver({ ...common, decryptionSecretId: SECRET_IDS.decryption }),
  };
}
