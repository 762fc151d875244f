import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { remoteJwks, staticDecryptionKeys, staticJwks } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectConfigError, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

// RFC 9701 against a real authorization server: oidc-provider answers
// `Accept: application/token-introspection+jwt` with a JWT signed by its own keys (and, for a client that
// registered an encryption key, nested in a JWE).
describe('RFC 9701 JWT introspection answers', () => {
  const server = useAuthorizationServer();

  it('accepts an active token from a signed answer verified with the server keys', async () => {
    const as = server();
    const token = await as.issueToken({ scope: 'read' });
    const { resolver, errors } = introspectAt(as, {
      jwtResponse: { keys: remoteJwks({ url: as.jwksUri }), audience: as.basicClient.clientId },
    });
    const result = await resourceServerWith(resolver).authenticate(bearerRequest(token));
    expect(errors.map((error) => error.message)).toEqual([]);
    const context = expectAccepted(result);
    expect(context.source).toBe('introspection');
    expect([...context.scopes]).toEqual(['read']);
    expect(context.clientId).toBe(as.appClient.clientId);
    expect(errors).toEqual([]);
  });

  it('refuses a revoked token answered inactive in a signed answer', async () => {
    const as = server();
    const token = await as.issueToken();
    await as.revoke(token);
    const { resolver } = introspectAt(as, {
      jwtResponse: { keys: remoteJwks({ url: as.jwksUri }), audience: as.basicClient.clientId },
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'token_inactive',
      401,
    );
  });

  it('fails closed when the answer is signed by keys it does not trust', async () => {
    const as = server();
    const token = await as.issueToken();
    const stranger = {
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          kid: 'x',
          x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
          y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
        },
      ],
    };
    const { resolver, errors } = introspectAt(as, {
      jwtResponse: { keys: staticJwks(stranger), audience: as.basicClient.clientId },
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_unavailable',
      503,
    );
    expect(errors[0]?.message).toMatch(/not trusted/);
  });

  it('fails closed when the answer is meant for another resource server', async () => {
    const as = server();
    const token = await as.issueToken();
    const { resolver, errors } = introspectAt(as, {
      jwtResponse: { keys: remoteJwks({ url: as.jwksUri }), audience: 'some-other-api' },
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_unavailable',
      503,
    );
    expect(errors[0]?.message).toMatch(/not meant for this resource server/);
  });

  it('fails closed on a plain JSON answer when a signed one was required', async () => {
    const as = server();
    const token = await as.issueToken();
    as.failIntrospection(200, JSON.stringify({ active: true, scope: 'read' }), 'application/json');
    const { resolver, errors } = introspectAt(as, {
      jwtResponse: { keys: remoteJwks({ url: as.jwksUri }), audience: as.basicClient.clientId },
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_unavailable',
      503,
    );
    expect(errors[0]?.message).toMatch(/application\/token-introspection\+jwt/);
  });

  it('decrypts an encrypted answer (nested JWT) and verifies the signature inside', async () => {
    const as = server();
    const token = await as.issueToken({ scope: 'write' });
    const client = as.encryptedAnswersClient;
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
      jwtResponse: {
        keys: remoteJwks({ url: as.jwksUri }),
        audience: client.clientId,
        decryptionKeys: [client.decryptionKey],
      },
    });
    const context = expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));
    expect([...context.scopes]).toEqual(['write']);
    expect(errors).toEqual([]);
  });

  it('decrypts with a private JWK that names no alg, kid or use', async () => {
    const as = server();
    const token = await as.issueToken({ scope: 'write' });
    const client = as.encryptedAnswersClient;
    const { alg: _alg, kid: _kid, use: _use, ...bare } = client.decryptionKey;
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
      jwtResponse: {
        keys: remoteJwks({ url: as.jwksUri }),
        audience: client.clientId,
        decryptionKeys: [bare],
      },
    });
    const context = expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));
    expect([...context.scopes]).toEqual(['write']);
    expect(errors).toEqual([]);
  });

  it('refuses at start-up a decryption key that could never decrypt, never repeating it', async () => {
    const as = server();
    const client = as.encryptedAnswersClient;
    const { d: _private, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = client.decryptionKey;
    const { publicKey } = await crypto.subtle.generateKey(
      { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['encrypt', 'decrypt'],
    );
    const signingKey = (
      await crypto.subtle.generateKey(
        {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        true,
        ['sign', 'verify'],
      )
    ).privateKey;
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    const refused = [
      [publicJwk, /public key/],
      [publicKey, /public key/],
      [{ ...client.decryptionKey, use: 'sig' }, /"use": "sig"/],
      [{ ...client.decryptionKey, key_ops: ['sign'] }, /key_ops/],
      [weak, /2048/],
      [{ kty: 'RSA', n: publicJwk.n, e: publicJwk.e, d: client.decryptionKey.d }, /lacks "p"/],
      [signingKey, /RSASSA-PKCS1-v1_5 key cannot decrypt/],
      [{ kty: 'oct', k: 'c2hvcnQ' }, /5-byte oct key fits no supported JWE algorithm/],
      [{ k: 'abc' }, /must be a CryptoKey or a JWK/],
      ['not a key', /must be a CryptoKey or a JWK/],
    ] as const;
    for (const [key, problem] of refused) {
      const error = expectConfigError(
        () =>
          introspectAt(as, {
            clientAuthentication: {
              method: 'client_secret_basic',
              clientId: client.clientId,
              clientSecret: client.clientSecret,
            },
            jwtResponse: {
              keys: remoteJwks({ url: as.jwksUri }),
              audience: client.clientId,
              decryptionKeys: [key as never],
            },
          }),
        'introspectionResolver.jwtResponse.decryptionKeys[0]',
      );
      expect(error.problem).toMatch(problem);
      expect(error.message).not.toContain(String(publicJwk.n));
      expect(error.message).not.toContain(String(client.decryptionKey.d));
    }
  });

  it('refuses at start-up decryption keys given as the keys that verify answers', () => {
    const as = server();
    expectConfigError(
      () =>
        introspectAt(as, {
          jwtResponse: {
            keys: staticDecryptionKeys([new Uint8Array(32)]) as never,
            audience: as.basicClient.clientId,
          },
        }),
      'introspectionResolver.jwtResponse.keys',
    );
  });

  it('fails closed when an encrypted answer cannot be decrypted', async () => {
    const as = server();
    const token = await as.issueToken();
    const client = as.encryptedAnswersClient;
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
      jwtResponse: { keys: remoteJwks({ url: as.jwksUri }), audience: client.clientId },
    });
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_unavailable',
      503,
    );
    expect(errors[0]?.message).toMatch(/could not be decrypted/);
  });
});

describe('RFC 9701 answer freshness', () => {
  const server = useAuthorizationServer();

  it('judges the answer iat by the time it arrived, not by the request clock read before the call', async () => {
    const as = server();
    const token = await as.issueToken();
    const issuedSecond = Math.floor(Date.now() / 1000);
    const { resolver, errors } = introspectAt(as, {
      jwtResponse: { keys: remoteJwks({ url: as.jwksUri }), audience: as.basicClient.clientId },
    });
    // The request clock reads the last millisecond of the second the token was issued in (so the token's
    // own iat is not in its future), while the server answers in the next second: its whole-second `iat`
    // is after the request clock, yet it is no answer from the future.
    const nextSecond = (issuedSecond + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextSecond - Date.now() + 5)));
    const result = await resourceServerWith(resolver, () => nextSecond - 1).authenticate(
      bearerRequest(token),
    );
    expect(errors.map((error) => error.message)).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
