import { generateKeyPairSync } from 'node:crypto';
import { generateSigningKey, jwksOf, type TestAuthorizationServer, type TestSigningKey } from '@rs/testkit';
import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type IntrospectionResolverOptions,
  remoteJwks,
  staticDecryptionKeys,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
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
    // A server that does not sign its answers for this client will not start to: a misconfiguration.
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'introspection_misconfigured',
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

// Signed answers whose envelope the test writes itself, served by the real server's HTTP layer in place of
// its own answer, and signed with a key the resolver is given. The payload is raw JSON text, so that it
// can hold what JSON.stringify cannot write (1e999) or will not write (a member twice).
describe('RFC 9701 answer lifetime and payload (exp, nbf, members named twice)', () => {
  const server = useAuthorizationServer();
  const AUDIENCE = 'rs-client';
  let key: TestSigningKey;
  beforeAll(async () => {
    key = await generateSigningKey('ES256');
  });

  async function signedAnswer(payload: string): Promise<string> {
    return new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'token-introspection+jwt' })
      .sign(key.privateKey);
  }

  /** The envelope's JSON text: iss, aud and iat as the server would write them, then `members`. */
  function envelope(as: TestAuthorizationServer, members: string): string {
    const iat = Math.floor(Date.now() / 1000) - 1;
    return `{"iss":${JSON.stringify(as.issuer)},"aud":"${AUDIENCE}","iat":${iat}${members},"token_introspection":{"active":true,"scope":"read"}}`;
  }

  async function serve(as: TestAuthorizationServer, payload: string) {
    as.failIntrospection(200, await signedAnswer(payload), 'application/token-introspection+jwt');
  }

  function resolverAt(as: TestAuthorizationServer, overrides: Partial<IntrospectionResolverOptions> = {}) {
    return introspectAt(as, {
      jwtResponse: { keys: staticJwks(jwksOf(key)), audience: AUDIENCE },
      ...overrides,
    });
  }

  const now = () => Math.floor(Date.now() / 1000);

  it('accepts an answer inside its exp and nbf, and one that has neither', async () => {
    const as = server();
    for (const members of ['', `,"exp":${now() + 60},"nbf":${now() - 60}`]) {
      await serve(as, envelope(as, members));
      const { resolver, errors } = resolverAt(as);
      expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')));
      expect(errors).toEqual([]);
    }
  });

  it("accepts a signed answer whose iss is another of the issuer's given spellings, and no other", async () => {
    const as = server();
    const other = `${as.issuer}/realms/root`;
    const iat = now() - 1;
    const payload = (iss: string) =>
      `{"iss":${JSON.stringify(iss)},"aud":"${AUDIENCE}","iat":${iat},"token_introspection":{"active":true,"scope":"read"}}`;
    await serve(as, payload(other));
    const alone = resolverAt(as);
    expectRejected(
      await resourceServerWith(alone.resolver).authenticate(bearerRequest('opaque-token')),
      'introspection_unavailable',
      503,
    );
    expect(alone.errors[0]?.message).toMatch(/wrong issuer/);
    const both = resolverAt(as, { issuer: [as.issuer, other] });
    expectAccepted(await resourceServerWith(both.resolver).authenticate(bearerRequest('opaque-token')));
    expect(both.errors).toEqual([]);
    await serve(as, payload('https://elsewhere.example.com'));
    expectRejected(
      await resourceServerWith(both.resolver).authenticate(bearerRequest('opaque-token')),
      'introspection_unavailable',
      503,
    );
  });

  it.each([
    ['an exp in the past', () => `,"exp":${now() - 60}`, /expired \("exp"\)/],
    ['an exp of this very second', () => `,"exp":${now()}`, /expired \("exp"\)/],
    ['an nbf in the future', () => `,"nbf":${now() + 60}`, /not valid yet \("nbf"\)/],
    ['an exp that is a string', () => ',"exp":"x"', /"exp"/],
    ['an exp that is null', () => ',"exp":null', /"exp"/],
    ['an exp of 1e999 (Infinity once parsed)', () => ',"exp":1e999', /"exp"/],
    ['an nbf that is a string', () => ',"nbf":"0"', /"nbf"/],
    ['an nbf of -1e999 (-Infinity once parsed)', () => ',"nbf":-1e999', /"nbf"/],
  ])('fails closed, uncached, on a correctly signed answer with %s', async (_name, members, problem) => {
    const as = server();
    await serve(as, envelope(as, members()));
    const { resolver, errors } = resolverAt(as);
    const rs = resourceServerWith(tokenCache(resolver));
    const before = as.introspectionRequests;
    for (let i = 0; i < 2; i++) {
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest('opaque-token')),
        'introspection_unavailable',
        503,
      );
      expect(rejection.wwwAuthenticate).toBeUndefined();
    }
    // Not the client's fault, so not kept as a refusal of its token: each request asks again.
    expect(as.introspectionRequests - before).toBe(2);
    expect(errors[0]?.code).toBe('ERR_RS_INTROSPECTION_UNAVAILABLE');
    expect(errors[0]?.message).toMatch(problem);
  });

  it('bounds a signed answer by maxResponseBytes, as a plain one, not by a limit of its own', async () => {
    const as = server();
    // Keycloak and Access Management answers with many roles or groups pass 64 KiB: such a set-up raises
    // maxResponseBytes, and signed answers must follow it.
    await serve(as, envelope(as, `,"groups":"${'g'.repeat(80 * 1024)}"`));
    const raised = resolverAt(as, { maxResponseBytes: 256 * 1024 });
    expectAccepted(await resourceServerWith(raised.resolver).authenticate(bearerRequest('opaque-token')));
    expect(raised.errors).toEqual([]);
    const bounded = resolverAt(as);
    expectRejected(
      await resourceServerWith(bounded.resolver).authenticate(bearerRequest('opaque-token')),
      'introspection_unavailable',
      503,
    );
    expect(bounded.errors[0]?.message).toMatch(/exceeds 65536 bytes/);
  });

  it('fails closed on an iat of -1e999, which is a number but no time', async () => {
    const as = server();
    const payload = envelope(as, '').replace(/"iat":\d+/, '"iat":-1e999');
    await serve(as, payload);
    const { resolver, errors } = resolverAt(as);
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')),
      'introspection_unavailable',
      503,
    );
    expect(errors[0]?.message).toMatch(/no valid "iat"/);
  });

  it("keeps a cached answer no longer than the signed answer's own exp, though the token lives longer", async () => {
    const as = server();
    const issuedAt = now();
    // The token is good for an hour; the server vouches for this answer for 10 s only.
    const payload = envelope(as, `,"exp":${issuedAt + 10}`).replace(
      '"token_introspection":{"active":true,',
      `"token_introspection":{"active":true,"exp":${issuedAt + 3600},`,
    );
    await serve(as, payload);
    const { resolver, errors } = resolverAt(as);
    let clockMs = issuedAt * 1000;
    const rs = resourceServerWith(tokenCache(resolver, { ttl: 60_000 }), () => clockMs);
    expectAccepted(await rs.authenticate(bearerRequest('opaque-token')));
    const asked = as.introspectionRequests;
    clockMs = (issuedAt + 9) * 1000;
    expectAccepted(await rs.authenticate(bearerRequest('opaque-token')));
    expect(as.introspectionRequests).toBe(asked);
    // Past the answer's exp, within the cache's ttl and the token's exp: asked again.
    clockMs = (issuedAt + 10) * 1000;
    expectAccepted(await rs.authenticate(bearerRequest('opaque-token')));
    expect(as.introspectionRequests).toBe(asked + 1);
    expect(errors).toEqual([]);
  });

  it('judges exp and nbf with the skew allowance the resolver uses for iat', async () => {
    const as = server();
    for (const members of [`,"exp":${now() - 30}`, `,"nbf":${now() + 30}`]) {
      await serve(as, envelope(as, members));
      expectRejected(
        await resourceServerWith(resolverAt(as).resolver).authenticate(bearerRequest('opaque-token')),
        'introspection_unavailable',
      );
      const { resolver, errors } = resolverAt(as, { skewAllowance: 60 });
      expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')));
      expect(errors).toEqual([]);
    }
  });

  it.each([
    [
      '"active" twice in token_introspection',
      (as: TestAuthorizationServer) =>
        envelope(as, '').replace('{"active":true,', '{"active":false,"active":true,'),
    ],
    [
      '"aud" twice in the envelope',
      (as: TestAuthorizationServer) => envelope(as, '').replace('{"iss"', '{"aud":"another-api","iss"'),
    ],
    [
      '"token_introspection" twice',
      (as: TestAuthorizationServer) => envelope(as, ',"token_introspection":{"active":false}'),
    ],
  ])('fails closed on a signed answer naming %s', async (_name, payload) => {
    const as = server();
    await serve(as, payload(as));
    const { resolver, errors } = resolverAt(as);
    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest('opaque-token')),
      'introspection_unavailable',
      503,
    );
    expect(errors[0]?.message).toMatch(/names one member twice/);
  });
});
