import { createTestPki, generateSigningKey, jwksOf, type TestPki, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type ResourceServerOptions,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import {
  API_URL,
  AUDIENCE,
  expectAccepted,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
} from '../helpers.js';

// Node's parser, Fetch `Headers` and the Lambda adapters hand a header value over without the spaces and
// tabs around it (RFC 9110 §5.5). Core, used directly by a runtime of its own, must read the value the
// same way: one request, one answer, whoever built it.

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let token: string;
let expired: string;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  token = await mint(key);
  expired = await mint(key, { iat: NOW_S - 1_200, exp: NOW_S - 600 });
});

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, clock: () => NOW_MS, ...options });

const get = (headers: RsRequest['headers']): RsRequest => ({ method: 'GET', url: API_URL, headers });

/** `value` with spaces and tabs before, after, or on both sides. */
function padded(value: string): string[] {
  const pads = [' ', '\t', '  ', ' \t ', '\t\t'];
  return pads.flatMap((pad) => [`${pad}${value}`, `${value}${pad}`, `${pad}${value}${pad}`]);
}

describe('the spaces and tabs around a header value (RFC 9110 OWS)', () => {
  it('are stripped from the Authorization header, as a string or in an array', async () => {
    const rs = server();
    for (const authorization of padded(`Bearer ${token}`)) {
      const context = expectAccepted(await rs.authenticate(get({ authorization })));
      expect(context.token).toBe(token);
      expectAccepted(await rs.authenticate(get({ authorization: [authorization] })));
    }
  });

  it('are stripped before a remembered token is looked up', async () => {
    const remembering = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      verifiedTokenCache: { maxEntries: 10 },
    });
    const rs = createResourceServer({ resolver: remembering, clock: () => NOW_MS });
    expectAccepted(await rs.authenticate(get({ authorization: `Bearer ${token}` })));
    for (const authorization of padded(`Bearer ${token}`))
      expect(expectAccepted(await rs.authenticate(get({ authorization }))).token).toBe(token);
  });

  it('never let an optional route take a token it did not check as no token at all', async () => {
    const rs = server();
    for (const authorization of padded(`Bearer ${expired}`)) {
      expectRejected(await rs.authenticateOptional(get({ authorization })), 'token_expired', 401);
      expectRejected(await rs.authenticate(get({ authorization })), 'token_expired', 401);
    }
  });

  it('leave the anomalies inside a value, and other white space around it, refused as before', async () => {
    const rs = server();
    for (const authorization of [
      `Bearer\t${token}`,
      ` Bearer\t${token} `,
      `Bearer \t${token}`,
      `Bearer ${token}\n`,
      `Bearer ${token}\u000b`,
      `Bearer ${token}\u00a0`,
      `Bearer ${token} x`,
    ]) {
      expectRejected(await rs.authenticate(get({ authorization })), 'malformed_authorization', 400);
      const optional = await rs.authenticateOptional(get({ authorization }));
      expect(optional.ok, JSON.stringify(authorization)).toBe(false);
    }
  });

  it('refuse other white space or format characters before the scheme as malformed, never as no token', async () => {
    const rs = server();
    for (const before of ['\u00a0', '\n', '\r\n', '\u000b', '\u3000', '\u200b', '\ufeff', '\u00a0 ']) {
      for (const sent of [token, expired]) {
        const authorization = `${before}Bearer ${sent}`;
        expectRejected(await rs.authenticate(get({ authorization })), 'malformed_authorization', 400);
        // On an optional route, anonymous would let in a token no check has seen.
        expectRejected(await rs.authenticateOptional(get({ authorization })), 'malformed_authorization', 400);
      }
    }
    // Another scheme, an empty value, or a scheme of its own with odd credentials stay no bearer token.
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      '',
      'Negotiate YII=',
      'Digest username="a", realm="b"',
    ]) {
      const optional = await rs.authenticateOptional(get({ authorization }));
      expect(optional.ok, JSON.stringify(authorization)).toBe(true);
    }
  });

  it('are stripped before the scheme decides the challenge of a refused DPoP request', async () => {
    const rs = server({ dpop: true });
    for (const authorization of padded('DPoP a b')) {
      const rejection = expectRejected(
        await rs.authenticate(get({ authorization })),
        'malformed_authorization',
        400,
      );
      // RFC 9449 §7.1: the error goes in the challenge of the scheme the client used.
      expect(rejection.challenges.find((c) => c.startsWith('DPoP '))).toContain('error="invalid_request"');
      expect(rejection.challenges.find((c) => c.startsWith('Bearer'))).not.toContain('error=');
    }
  });

  it('are stripped from a custom token header', async () => {
    const rs = server({ tokenLocations: { header: 'x-access-token' } });
    for (const value of padded(token)) {
      const context = expectAccepted(await rs.authenticate(get({ 'x-access-token': value })));
      expect(context).toMatchObject({ token, location: 'custom-header' });
    }
    for (const value of padded(expired))
      expectRejected(await rs.authenticate(get({ 'x-access-token': value })), 'token_expired', 401);
    expectRejected(
      await rs.authenticate(get({ 'x-access-token': ` ${token}\u00a0` })),
      'malformed_authorization',
      400,
    );
  });

  describe('the DPoP proof header', () => {
    let client: DpopKey;
    let bound: string;
    beforeAll(async () => {
      client = await dpopKey();
      bound = await mint(key, { cnf: { jkt: client.jkt } });
    });

    it('loses its spaces and tabs, and keeps any other white space (the proof is then refused)', async () => {
      const rs = server({ dpop: true });
      for (const pad of [' ', '\t', ' \t']) {
        const proof = await makeProof(client, {}, { token: bound });
        expectAccepted(await rs.authenticate(dpopRequest(bound, `${pad}${proof}${pad}`)));
      }
      for (const pad of ['\u000b', '\u00a0', '\n']) {
        const proof = await makeProof(client, {}, { token: bound });
        expectRejected(
          await rs.authenticate(dpopRequest(bound, `${proof}${pad}`)),
          'dpop_proof_invalid',
          401,
        );
      }
      expectRejected(await rs.authenticate(dpopRequest(bound, ' \t ')), 'dpop_proof_missing', 401);
    });
  });

  describe('the certificate header (certificateHeader)', () => {
    let pki: TestPki;
    beforeAll(() => {
      pki = createTestPki();
    });
    afterAll(() => pki.cleanup());

    it('loses its spaces and tabs before it is decoded and measured', async () => {
      const header = 'x-client-cert';
      const rs = server({ certificateHeader: { name: header, format: 'rfc9440', maxLength: 4_000 } });
      const bound = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint } });
      const value = `:${pki.client.der.toString('base64')}:`;
      for (const sent of [...padded(value), `${value}${' '.repeat(4_000)}`]) {
        expectAccepted(await rs.authenticate(get({ authorization: `Bearer ${bound}`, [header]: sent })));
      }
    });
  });
});
