import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  mintToken,
  rawToken,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { CompactEncrypt, generateKeyPair } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  hybridResolver,
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  remoteJwks,
  staticJwks,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { peekIssuer, tokenShape } from '../../src/resolvers/token-shape.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
  withKid,
} from '../helpers.js';

const ISSUER_A = 'https://as-a.example.com';
const ISSUER_B = 'https://as-b.example.com';

let keyA: TestSigningKey;
let keyB: TestSigningKey;
let jws: string;
let jwe: string;

beforeAll(async () => {
  keyA = await generateSigningKey('ES256', 'key-a');
  keyB = await generateSigningKey('ES256', 'key-b');
  jws = await mint(keyA);
  const encryption = await generateKeyPair('RSA-OAEP-256');
  jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ iss: ISSUER, sub: 'user-123' })))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'enc-1' })
    .encrypt(encryption.publicKey);
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function serveJwks(...keys: TestSigningKey[]): Promise<JwksServer> {
  const server = await startJwksServer(jwksOf(...keys));
  closers.push(() => server.close());
  return server;
}

function mintFor(key: TestSigningKey, issuer: string, claims: Record<string, unknown> = {}): Promise<string> {
  return mintToken(key, { issuer, audience: AUDIENCE, now: NOW_S }, claims);
}

/** A resolver that counts the calls reaching it, then delegates. */
interface Counted extends AccessTokenResolver {
  calls: number;
}

function counted(inner: AccessTokenResolver): Counted {
  const resolver: Counted = {
    calls: 0,
    resolve(token, context) {
      resolver.calls++;
      return inner.resolve(token, context);
    },
  };
  return resolver;
}

/** Stands in for an authorization server: counts calls and accepts everything as `source`. */
function acceptingStandIn(source: 'jwt' | 'introspection'): Counted {
  return counted({
    resolve: async () => ({ ok: true, value: tokenInfoFromClaims({ sub: source }, source) }),
  });
}

describe('tokenShape and peekIssuer', () => {
  it('classifies a real JWS and reads its issuer', () => {
    expect(tokenShape(jws)).toBe('jws');
    expect(peekIssuer(jws)).toBe(ISSUER);
  });

  it('classifies a real 5-part JWE, whose issuer cannot be read', () => {
    expect(jwe.split('.')).toHaveLength(5);
    expect(tokenShape(jwe)).toBe('jwe');
    expect(peekIssuer(jwe)).toBeUndefined();
  });

  it.each([
    ['random base64url', 'dGhpcyBpcyBhbiBvcGFxdWUgdG9rZW4'],
    ['a UUID', crypto.randomUUID()],
    ['hex with dots', 'a1b2.c3d4'],
  ])('classifies %s as opaque', (_name, token) => {
    expect(tokenShape(token)).toBe('opaque');
    expect(peekIssuer(token)).toBeUndefined();
  });

  it.each([
    ['a header that is not base64url JSON', '!!!.e30.c2ln'],
    ['a header that is JSON but not an object', `${btoa('[1]')}.e30.c2ln`],
    ['a header without alg', rawToken({ typ: 'JWT' }, { iss: ISSUER })],
    ['a header whose alg is not a string', rawToken({ alg: 1 }, { iss: ISSUER })],
    ['a leading dot', `.${rawToken({ alg: 'ES256' }, { iss: ISSUER })}`],
    ['two segments', rawToken({ alg: 'ES256' }, { iss: ISSUER }).split('.').slice(0, 2).join('.')],
    ['four segments', `${rawToken({ alg: 'ES256' }, { iss: ISSUER })}.x`],
    ['six segments', `${jwe}.x`],
    ['the empty string', ''],
    ['only dots', '....'],
  ])('classifies garbage as opaque: %s', (_name, token) => {
    expect(tokenShape(token)).toBe('opaque');
  });

  it('reads no issuer from a JWS whose payload is garbage or has no string iss', () => {
    expect(peekIssuer(rawToken({ alg: 'ES256' }, { sub: 'x' }))).toBeUndefined();
    expect(peekIssuer(rawToken({ alg: 'ES256' }, { iss: 42 }))).toBeUndefined();
    expect(peekIssuer(rawToken({ alg: 'ES256' }, ['iss']))).toBeUndefined();
    expect(peekIssuer(`${rawToken({ alg: 'ES256' }, {}).split('.')[0]}.!!!.c2ln`)).toBeUndefined();
  });

  it('classifies a huge token by its header alone, and reads its issuer only when allowed so long a token', async () => {
    const huge = await mint(keyA, { padding: 'x'.repeat(20_000) });
    expect(huge.length).toBeGreaterThan(16_384);
    expect(tokenShape(huge)).toBe('jws');
    expect(peekIssuer(huge)).toBeUndefined();
    expect(peekIssuer(huge, 32_768)).toBe(ISSUER);
    // A header too long to decode is no JWT's.
    expect(tokenShape(rawToken({ alg: 'ES256', padding: 'x'.repeat(16_384) }, {}))).toBe('opaque');
    // Just under the limit it is still a JWS.
    const large = await mint(keyA, { padding: 'x'.repeat(11_000) });
    expect(large.length).toBeLessThanOrEqual(16_384);
    expect(tokenShape(large)).toBe('jws');
    expect(peekIssuer(large)).toBe(ISSUER);
  });
});

describe('hybridResolver', () => {
  it('sends JWS and JWE to the jwt resolver, everything else to the opaque one', async () => {
    const jwt = acceptingStandIn('jwt');
    const opaque = acceptingStandIn('introspection');
    const resolver = hybridResolver({ jwt, opaque });

    expect(expectSuccess(await resolveAt(resolver, jws)).source).toBe('jwt');
    expect(expectSuccess(await resolveAt(resolver, jwe)).source).toBe('jwt');
    expect([jwt.calls, opaque.calls]).toEqual([2, 0]);

    for (const token of ['opaque-token-123', 'a.b.c', '!!!.e30.c2ln']) {
      expect(expectSuccess(await resolveAt(resolver, token)).source).toBe('introspection');
    }
    expect([jwt.calls, opaque.calls]).toEqual([2, 3]);
  });

  it('verifies JWTs locally and opaque tokens by real introspection', async () => {
    // A loopback RFC 7662 endpoint: it stands in for the authorization server (knows one opaque token).
    let introspections = 0;
    const server: Server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        introspections++;
        const token = new URLSearchParams(body).get('token');
        const answer =
          token === 'opaque-good'
            ? { active: true, sub: 'svc', scope: 'read', exp: NOW_S + 300, client_id: 'c' }
            : { active: false };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as AddressInfo;

    const resolver = hybridResolver({
      jwt: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(keyA)) }),
      opaque: introspectionResolver({
        acceptAnyAudience: true,
        endpoint: `http://127.0.0.1:${port}/introspect`,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
        retries: 0,
      }),
    });
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });

    const fromJwt = expectAccepted(await rs.authenticate(bearerRequest(jws)));
    expect([fromJwt.source, introspections]).toEqual(['jwt', 0]);
    const forged = await mint(withKid(keyB, 'key-a'));
    expectRejected(await rs.authenticate(bearerRequest(forged)), 'signature_invalid');
    expect(introspections).toBe(0);

    const fromIntrospection = expectAccepted(await rs.authenticate(bearerRequest('opaque-good')));
    expect([fromIntrospection.source, fromIntrospection.subject, introspections]).toEqual([
      'introspection',
      'svc',
      1,
    ]);
    expectRejected(await rs.authenticate(bearerRequest('opaque-unknown')), 'token_inactive');
    expect(introspections).toBe(2);
  });

  it.each([
    ['hybridResolver.jwt', { opaque: acceptingStandIn('introspection') }],
    ['hybridResolver.opaque', { jwt: acceptingStandIn('jwt') }],
    ['hybridResolver.jwt', { jwt: {}, opaque: acceptingStandIn('introspection') }],
  ])('refuses a missing or non-resolver %s', (option, options) => {
    expectConfigError(() => hybridResolver(options as never), option);
  });

  it('refuses missing options', () => {
    expectConfigError(() => hybridResolver(undefined as never), 'hybridResolver');
  });

  it('refuses a jwtResolver for opaque tokens, as when the two are swapped', () => {
    const jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(keyA)) });
    const opaque = introspectionResolver({
      acceptAnyAudience: true,
      endpoint: 'https://as.example.com/introspect',
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    });
    const { message } = expectConfigError(
      () => hybridResolver({ jwt: opaque, opaque: jwt }),
      'hybridResolver.opaque',
    );
    expect(message).toContain('introspectionResolver');
    expectConfigError(() => hybridResolver({ jwt, opaque: tokenCache(jwt) }), 'hybridResolver.opaque');
    // Introspecting JWTs as well is a choice some deployments make: a JWT resolver is not required for jwt.
    expect(() => hybridResolver({ jwt: opaque, opaque })).not.toThrow();
    expect(() => hybridResolver({ jwt, opaque })).not.toThrow();
  });
});

describe('issuerRouter', () => {
  it('routes each token to the resolver of its own issuer (two keys, two issuers)', async () => {
    const serverB = await serveJwks(keyB);
    const a = counted(jwtResolver({ issuer: ISSUER_A, audience: AUDIENCE, keys: staticJwks(jwksOf(keyA)) }));
    const b = counted(
      jwtResolver({ issuer: ISSUER_B, audience: AUDIENCE, keys: remoteJwks({ url: serverB.url }) }),
    );
    const router = issuerRouter({ issuers: { [ISSUER_A]: a, [ISSUER_B]: b } });

    const infoA = expectSuccess(await resolveAt(router, await mintFor(keyA, ISSUER_A)));
    expect([infoA.issuer, a.calls, b.calls, serverB.requests]).toEqual([ISSUER_A, 1, 0, 0]);
    const infoB = expectSuccess(await resolveAt(router, await mintFor(keyB, ISSUER_B)));
    expect([infoB.issuer, a.calls, b.calls, serverB.requests]).toEqual([ISSUER_B, 1, 1, 1]);
  });

  it('refuses a token naming an untrusted issuer with issuer_mismatch, before any network call', async () => {
    const server = await serveJwks(keyA);
    const a = counted(
      jwtResolver({ issuer: ISSUER_A, audience: AUDIENCE, keys: remoteJwks({ url: server.url }) }),
    );
    const router = issuerRouter({ issuers: { [ISSUER_A]: a } });
    const rs = createResourceServer({ resolver: router, clock: () => NOW_MS });

    const attacker = await generateSigningKey('ES256', 'key-a');
    for (const token of [
      await mintFor(attacker, 'https://evil.example.com'),
      await mintFor(attacker, `${ISSUER_A}/`), // exact match only
      await mintFor(attacker, ISSUER_A.toUpperCase()),
      await mint(attacker, { iss: undefined }),
      rawToken({ alg: 'ES256', kid: 'key-a' }, { iss: 'https://evil.example.com' }),
    ]) {
      const rejection = expectRejected(await rs.authenticate(bearerRequest(token)), 'issuer_mismatch');
      expect(rejection.description).toBe('The access token issuer is not trusted');
    }
    expect(a.calls).toBe(0);
    expect(server.requests).toBe(0);
  });

  it('does not trust the issuer it routes on: a token claiming A but signed by B is refused', async () => {
    const a = counted(jwtResolver({ issuer: ISSUER_A, audience: AUDIENCE, keys: staticJwks(jwksOf(keyA)) }));
    const b = counted(jwtResolver({ issuer: ISSUER_B, audience: AUDIENCE, keys: staticJwks(jwksOf(keyB)) }));
    const router = issuerRouter({ issuers: { [ISSUER_A]: a, [ISSUER_B]: b } });

    // Signed by B's key under B's kid: A does not know the key.
    expectFailure(await resolveAt(router, await mintFor(keyB, ISSUER_A)), 'unknown_key');
    // Signed by B's key under A's kid: the signature does not verify with A's key.
    expectFailure(
      await resolveAt(router, await mintFor(withKid(keyB, 'key-a'), ISSUER_A)),
      'signature_invalid',
    );
    expect([a.calls, b.calls]).toEqual([2, 0]);
  });

  it('a token for A routed to A is still checked for everything else (audience)', async () => {
    const a = jwtResolver({ issuer: ISSUER_A, audience: AUDIENCE, keys: staticJwks(jwksOf(keyA)) });
    const router = issuerRouter({ issuers: { [ISSUER_A]: a } });
    const token = await mintToken(keyA, {
      issuer: ISSUER_A,
      audience: 'https://other.example.com',
      now: NOW_S,
    });
    expectFailure(await resolveAt(router, token), 'audience_mismatch');
  });

  it('sends opaque and encrypted tokens to the unidentified resolver', async () => {
    const a = acceptingStandIn('jwt');
    const unidentified = acceptingStandIn('introspection');
    const router = issuerRouter({ issuers: { [ISSUER_A]: a }, unidentified });
    expect(expectSuccess(await resolveAt(router, 'opaque-token')).source).toBe('introspection');
    expect(expectSuccess(await resolveAt(router, jwe)).source).toBe('introspection');
    expect([a.calls, unidentified.calls]).toEqual([0, 2]);
  });

  it('refuses opaque and encrypted tokens with token_unsupported when no unidentified resolver is set', async () => {
    const a = acceptingStandIn('jwt');
    const rs = createResourceServer({
      resolver: issuerRouter({ issuers: { [ISSUER_A]: a } }),
      clock: () => NOW_MS,
    });
    for (const token of ['opaque-token', jwe]) {
      const rejection = expectRejected(await rs.authenticate(bearerRequest(token)), 'token_unsupported');
      expect(rejection.description).toBe('The access token does not name its issuer');
    }
    expect(a.calls).toBe(0);
  });

  it('does not route on an issuer named like an Object prototype member', async () => {
    const a = acceptingStandIn('jwt');
    const router = issuerRouter({ issuers: { [ISSUER_A]: a } });
    for (const iss of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expectFailure(await resolveAt(router, rawToken({ alg: 'ES256' }, { iss })), 'issuer_mismatch');
    }
    expect(a.calls).toBe(0);
  });

  it.each([
    ['issuerRouter', undefined],
    ['issuerRouter.issuers', { issuers: null }],
    ['issuerRouter.issuers', { issuers: {} }],
    [`issuerRouter.issuers["${ISSUER_A}"]`, { issuers: { [ISSUER_A]: {} } }],
    [
      `issuerRouter.issuers["${ISSUER_B}"]`,
      { issuers: { [ISSUER_A]: acceptingStandIn('jwt'), [ISSUER_B]: 'x' } },
    ],
    ['issuerRouter.unidentified', { issuers: { [ISSUER_A]: acceptingStandIn('jwt') }, unidentified: {} }],
  ])('refuses a bad configuration: %s', (option, options) => {
    expectConfigError(() => issuerRouter(options as never), option);
  });
});
