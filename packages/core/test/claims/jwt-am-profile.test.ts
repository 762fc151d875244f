import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  revocationList,
  sharedSecret,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import {
  bearerRequest,
  expectAccepted,
  expectFailure,
  expectRejected,
  expectSuccess,
  invalidTokenChallenge,
  NOW_MS,
  NOW_S,
  randomBytes,
  resolveAt,
} from '../helpers.js';
import { encrypt, fixedSecrets } from '../jwe-setup.js';

const AM_ISSUER = 'https://openam.example.com:8443/openam/oauth2';

/** The claim set of an Access Management client-based access token, as its guide prints one. */
function amClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: '(usr!demo)',
    cts: 'OAUTH2_STATELESS_GRANT',
    auditTrackingId: 'f20f4099-5248-4399-a7f0-2d54d4020099-108676',
    iss: AM_ISSUER,
    tokenName: 'access_token',
    token_type: 'Bearer',
    authGrantId: '1LUgI8zcDWqcfEnnLdZDnNqA2wc',
    aud: 'myClient',
    nbf: NOW_S,
    grant_type: 'password',
    scope: ['write', 'myscope'],
    auth_time: NOW_S,
    realm: '/',
    exp: NOW_S + 3600,
    iat: NOW_S,
    expires_in: 3600,
    jti: 'FTQT6eZkDhm6PHEaSthORoTLB80',
    ...extra,
  };
}

const REFRESH = { tokenName: 'refresh_token' };

/** Signs like AM: header `{typ, zip: "NONE", alg}` and no `kid`. */
function amSigned(
  claims: Record<string, unknown>,
  alg: string,
  key: CryptoKey | Uint8Array,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ typ: 'JWT', zip: 'NONE', alg })
    .sign(key);
}

let hmac: Uint8Array;
let rsa: TestSigningKey;
let aes: Uint8Array;
let signedHs: AccessTokenResolver;
let signedRs: AccessTokenResolver;
let encrypted: AccessTokenResolver;

beforeAll(async () => {
  hmac = randomBytes(64);
  rsa = await generateSigningKey('RS256', 'rsajwtsigningkey');
  // AM's default encryption secret is an AES-256 key: 32 bytes, the CEK size of A128CBC-HS256.
  aes = randomBytes(32);
  const common = { issuer: AM_ISSUER, audience: 'myClient', profile: 'access-management' } as const;
  signedHs = jwtResolver({ ...common, keys: sharedSecret(hmac) });
  signedRs = jwtResolver({ ...common, keys: staticJwks(jwksOf(rsa)) });
  encrypted = jwtResolver({ ...common, decryption: staticDecryptionKeys([aes]) });
});

describe('Access Management client-based tokens', () => {
  it.each(['HS256', 'HS384', 'HS512'])(
    'accepts %s with the shared secret, zip NONE and no kid',
    async (alg) => {
      const info = expectSuccess(await resolveAt(signedHs, await amSigned(amClaims(), alg, hmac)));
      expect(info).toMatchObject({ subject: '(usr!demo)', issuer: AM_ISSUER, audience: ['myClient'] });
      expect([...info.scopes]).toEqual(['write', 'myscope']);
    },
  );

  it('accepts RS256 without kid against a key set whose key has one', async () => {
    expectSuccess(await resolveAt(signedRs, await amSigned(amClaims(), 'RS256', rsa.privateKey)));
  });

  it.each([
    ['dir + A128CBC-HS256', { alg: 'dir', enc: 'A128CBC-HS256' }],
    ['dir + A128CBC-HS256 with zip DEF', { alg: 'dir', enc: 'A128CBC-HS256', zip: 'DEF' }],
  ])('accepts an encrypted token: %s', async (_name, header) => {
    expectSuccess(await resolveAt(encrypted, await encrypt(amClaims(), header, aes)));
  });

  it('refuses refresh tokens, signed or encrypted, as token_type_invalid', async () => {
    const tokens: [AccessTokenResolver, string][] = [
      [signedHs, await amSigned(amClaims(REFRESH), 'HS256', hmac)],
      [signedRs, await amSigned(amClaims(REFRESH), 'RS256', rsa.privateKey)],
      [encrypted, await encrypt(amClaims(REFRESH), { alg: 'dir', enc: 'A128CBC-HS256' }, aes)],
    ];
    for (const [resolver, token] of tokens) {
      const failure = expectFailure(await resolveAt(resolver, token), 'token_type_invalid');
      expect(failure.description).toBe('The JWT is not an access token ("tokenName")');
    }
  });

  it('refuses a token without tokenName with the profile only, and a refresh token without it too', async () => {
    const token = await amSigned(amClaims({ tokenName: undefined }), 'HS256', hmac);
    expectFailure(await resolveAt(signedHs, token), 'claim_missing');
    const plain = jwtResolver({ acceptAnyAudience: true, issuer: AM_ISSUER, keys: sharedSecret(hmac) });
    expectSuccess(await resolveAt(plain, token));
    const failure = expectFailure(
      await resolveAt(plain, await amSigned(amClaims(REFRESH), 'HS256', hmac)),
      'token_type_invalid',
    );
    expect(failure.description).toBe('The JWT is not an access token ("tokenName")');
  });

  it('refuses a signed token claiming compression: its payload would be misread', async () => {
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(amClaims())))
      .setProtectedHeader({ typ: 'JWT', zip: 'DEF', alg: 'HS256' })
      .sign(hmac);
    const failure = expectFailure(await resolveAt(signedHs, token), 'token_unsupported');
    expect(failure.description).toBe('Compressed signed tokens are not supported');
  });
});

describe('through the pipeline', () => {
  const server = (resolver: AccessTokenResolver) =>
    createResourceServer({ resolver, clock: () => NOW_MS, realm: 'am', policy: { scopes: ['myscope'] } });

  it('hands the tracking IDs to the context for audit logs', async () => {
    const context = expectAccepted(
      await server(encrypted).authenticate(
        bearerRequest(await encrypt(amClaims(), { alg: 'dir', enc: 'A128CBC-HS256' }, aes)),
      ),
    );
    expect(context).toMatchObject({
      trackingId: 'f20f4099-5248-4399-a7f0-2d54d4020099-108676',
      tokenId: 'FTQT6eZkDhm6PHEaSthORoTLB80',
      subject: '(usr!demo)',
    });
    expect(context.claims).toMatchObject({ realm: '/', cts: 'OAUTH2_STATELESS_GRANT' });
    expect(JSON.parse(JSON.stringify(context)).trackingId).toBe(
      'f20f4099-5248-4399-a7f0-2d54d4020099-108676',
    );
  });

  it('names the client of a client-based token (its aud), so that a revocation by client reaches it', async () => {
    // AM writes no client_id or azp: the client's ID is in aud, for a user's token as for the client's own.
    for (const claims of [amClaims(), amClaims({ sub: 'myClient', grant_type: 'client_credentials' })]) {
      const revocations = revocationList();
      const resolver = jwtResolver({
        issuer: AM_ISSUER,
        audience: 'myClient',
        profile: 'access-management',
        keys: sharedSecret(hmac),
        revocations,
      });
      const token = await amSigned({ ...claims, iat: NOW_S - 10 }, 'HS256', hmac);
      expect(expectAccepted(await server(resolver).authenticate(bearerRequest(token))).clientId).toBe(
        'myClient',
      );
      await revocations.revoke({ by: 'client', value: 'myClient' });
      expectRejected(await server(resolver).authenticate(bearerRequest(token)), 'token_revoked', 401);
    }
  });

  it("keeps client_id or azp when a token has one, and reads aud as the client only under AM's marker", async () => {
    for (const [extra, clientId] of [
      [{ client_id: 'named' }, 'named'],
      [{ azp: 'authorized-party' }, 'authorized-party'],
      [{ cts: undefined }, undefined],
      [{ cts: 'SOMETHING_ELSE' }, undefined],
      [{ aud: ['myClient', 'other'] }, undefined],
    ] as const) {
      const resolver = jwtResolver({ issuer: AM_ISSUER, acceptAnyAudience: true, keys: sharedSecret(hmac) });
      const token = await amSigned(amClaims(extra), 'HS256', hmac);
      expect(expectAccepted(await server(resolver).authenticate(bearerRequest(token))).clientId).toBe(
        clientId,
      );
    }
  });

  it('answers a refresh token with 401 invalid_token and a challenge saying why', async () => {
    const token = await amSigned(amClaims(REFRESH), 'HS256', hmac);
    const rejection = expectRejected(
      await server(signedHs).authenticate(bearerRequest(token)),
      'token_type_invalid',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe(
      invalidTokenChallenge('The JWT is not an access token (tokenName)').replace(
        'Bearer ',
        'Bearer realm="am", ',
      ),
    );
  });

  it('reads the Identity Gateway encrypted route: decryptionSecretId through a secrets provider', async () => {
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: AM_ISSUER,
      profile: 'access-management',
      secrets: fixedSecrets({}, { 'stateless.access.token.decryption.key': staticDecryptionKeys([aes]) }),
      decryptionSecretId: 'stateless.access.token.decryption.key',
    });
    const token = await encrypt(amClaims(), { alg: 'dir', enc: 'A128CBC-HS256' }, aes);
    expectAccepted(await server(resolver).authenticate(bearerRequest(token)));
  });

  it('reads the Identity Gateway signed route: verificationSecretId through a secrets provider', async () => {
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: AM_ISSUER,
      profile: 'access-management',
      secrets: fixedSecrets({ 'stateless.access.token.verification.key': staticJwks(jwksOf(rsa)) }),
      verificationSecretId: 'stateless.access.token.verification.key',
    });
    expectAccepted(
      await server(resolver).authenticate(bearerRequest(await amSigned(amClaims(), 'RS256', rsa.privateKey))),
    );
  });
});
