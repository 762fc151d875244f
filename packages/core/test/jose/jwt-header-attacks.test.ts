import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  rawToken,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { base64url, exportSPKI, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  remoteJwks,
  sharedSecret,
  staticJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectConfigError,
  expectFailure,
  expectRejected,
  expectSuccess,
  hmacKey,
  ISSUER,
  invalidTokenChallenge,
  mint,
  NOW_MS,
  NOW_S,
  randomBytes,
  resolveAt,
  withKid,
} from '../helpers.js';

let rsa: TestSigningKey;
let attacker: TestSigningKey;
let ours: JwksServer;
let attackerServer: JwksServer;

const claims = () => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'admin',
  client_id: 'evil',
  iat: NOW_S,
  exp: NOW_S + 300,
  jti: crypto.randomUUID(),
  scope: 'read write admin',
});

beforeAll(async () => {
  rsa = await generateSigningKey('RS256', 'rsa-1');
  attacker = await generateSigningKey('RS256', 'attacker-1');
  ours = await startJwksServer(jwksOf(rsa));
  attackerServer = await startJwksServer(jwksOf(attacker));
});

afterAll(async () => {
  await Promise.all([ours?.close(), attackerServer?.close()]);
});

function remoteResolver(): AccessTokenResolver {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: remoteJwks({ url: ours.url }) });
}

describe('alg: none', () => {
  it('refuses unsigned tokens in every spelling, without fetching keys', async () => {
    const before = ours.requests;
    const resolver = remoteResolver();
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const signature of ['', 'c2ln']) {
        const token = rawToken({ alg, typ: 'at+jwt', kid: 'rsa-1' }, claims(), signature);
        expectFailure(await resolveAt(resolver, token), 'algorithm_not_allowed');
      }
    }
    expect(ours.requests).toBe(before);
  });

  it('answers 401 invalid_token through the pipeline', async () => {
    const rs = createResourceServer({ resolver: remoteResolver(), clock: () => NOW_MS });
    const token = rawToken({ alg: 'none', typ: 'at+jwt' }, claims(), '');
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token)),
      'algorithm_not_allowed',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('The JWT signing algorithm is not allowed'));
  });

  it('cannot be configured', () => {
    const keys = staticJwks(jwksOf(rsa));
    expectConfigError(() => jwtResolver({ issuer: ISSUER, keys, algorithms: ['none'] }), 'jwt.algorithms');
    expectConfigError(
      () => jwtResolver({ issuer: ISSUER, keys, algorithms: ['RS256', 'NONE'] }),
      'jwt.algorithms',
    );
  });
});

describe('HMAC key confusion (HS256 with the RSA public key as secret)', () => {
  async function confusionTokens(): Promise<string[]> {
    const spki = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const jwkJson = new TextEncoder().encode(JSON.stringify(rsa.publicJwk));
    const modulus = base64url.decode(rsa.publicJwk.n!);
    const tokens: string[] = [];
    for (const secret of [spki, jwkJson, modulus]) {
      const forged = await hmacKey(secret, 'HS256', 'rsa-1');
      tokens.push(await mint(forged, claims()));
      tokens.push(await mint(forged, claims(), { omitKid: true }));
    }
    return tokens;
  }

  it('is refused with algorithm_not_allowed by default, before any key is fetched', async () => {
    const before = ours.requests;
    const resolver = remoteResolver();
    for (const token of await confusionTokens())
      expectFailure(await resolveAt(resolver, token), 'algorithm_not_allowed');
    expect(ours.requests).toBe(before);
  });

  it('is refused even when HS256 is allowed with a real shared secret: the RSA key is never an HMAC key', async () => {
    const secret = randomBytes(32);
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [remoteJwks({ url: ours.url }), sharedSecret(secret)],
      algorithms: ['RS256', 'HS256'],
    });
    // HS256 really is enabled: a token made with the shared secret passes, and so does an RS256 token.
    expectSuccess(await resolveAt(resolver, await mint(await hmacKey(secret), claims())));
    expectSuccess(await resolveAt(resolver, await mint(rsa, claims())));
    for (const token of await confusionTokens())
      expectFailure(await resolveAt(resolver, token), 'signature_invalid');
  });

  it('is refused with a shared secret pinned to another kid', async () => {
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [remoteJwks({ url: ours.url }), sharedSecret(randomBytes(32), { kid: 'hmac-only' })],
    });
    const tokens = await confusionTokens();
    expectFailure(await resolveAt(resolver, tokens[0]!), 'unknown_key');
  });

  it('is refused by a resolver holding the RSA key and an oct key', async () => {
    const oct = await hmacKey(randomBytes(32), 'HS256', 'oct-1');
    // One JWK set may not mix them (refused at start-up); two sources may.
    expectConfigError(() => staticJwks({ keys: [rsa.publicJwk, oct.publicJwk] }), 'staticJwks');
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [staticJwks({ keys: [rsa.publicJwk] }), staticJwks({ keys: [oct.publicJwk] })],
    });
    expectSuccess(await resolveAt(resolver, await mint(oct, claims())));
    const [withRsaKid, withoutKid] = await confusionTokens();
    expectFailure(await resolveAt(resolver, withRsaKid!), 'unknown_key');
    expectFailure(await resolveAt(resolver, withoutKid!), 'signature_invalid');
  });
});

describe('critical headers', () => {
  async function critToken(
    key: TestSigningKey,
    crit: string[],
    extra: Record<string, unknown>,
  ): Promise<string> {
    return new SignJWT(claims())
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', crit, ...extra })
      .sign(key.privateKey, { crit: Object.fromEntries(crit.map((name) => [name, true])) });
  }

  it('refuses an unknown critical header with critical_header_unsupported', async () => {
    const token = await critToken(rsa, ['exp-x'], { 'exp-x': NOW_S + 10 });
    expectFailure(await resolveAt(remoteResolver(), token), 'critical_header_unsupported');
    const rs = createResourceServer({ resolver: remoteResolver(), clock: () => NOW_MS });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token)),
      'critical_header_unsupported',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe(
      invalidTokenChallenge('The JWT has an unsupported critical header'),
    );
  });

  it('refuses crit lists that name unknown members, and malformed crit lists (checked before the signature)', async () => {
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(rsa)) });
    const unsigned = (crit: unknown) => rawToken({ alg: 'RS256', kid: 'rsa-1', crit }, claims());
    expectFailure(await resolveAt(resolver, unsigned(['exp-y'])), 'critical_header_unsupported');
    expectFailure(await resolveAt(resolver, unsigned([])), 'token_malformed');
    expectFailure(await resolveAt(resolver, unsigned('exp-y')), 'token_malformed');
    expectFailure(await resolveAt(resolver, unsigned([''])), 'token_malformed');
  });
});

describe('keys named by the token itself are never used', () => {
  it('ignores jku and x5u, fetching nothing from them', async () => {
    const resolver = remoteResolver();
    for (const member of ['jku', 'x5u']) {
      const header = { [member]: attackerServer.url };
      expectFailure(await resolveAt(resolver, await mint(attacker, claims(), header)), 'unknown_key');
      expectFailure(
        await resolveAt(resolver, await mint(withKid(attacker, 'rsa-1'), claims(), header)),
        'signature_invalid',
      );
      expectFailure(
        await resolveAt(resolver, await mint(attacker, claims(), { ...header, omitKid: true })),
        'signature_invalid',
      );
    }
    expect(attackerServer.requests).toBe(0);
  });

  it('ignores an embedded jwk and x5c', async () => {
    const resolver = remoteResolver();
    const jwk = { kty: 'RSA', n: attacker.publicJwk.n, e: attacker.publicJwk.e };
    expectFailure(await resolveAt(resolver, await mint(attacker, claims(), { jwk })), 'unknown_key');
    expectFailure(
      await resolveAt(resolver, await mint(attacker, claims(), { jwk, omitKid: true })),
      'signature_invalid',
    );
    expectFailure(
      await resolveAt(resolver, await mint(withKid(attacker, 'rsa-1'), claims(), { jwk })),
      'signature_invalid',
    );
    expectFailure(
      await resolveAt(resolver, await mint(attacker, claims(), { x5c: ['MIIB'], omitKid: true })),
      'signature_invalid',
    );
    expect(attackerServer.requests).toBe(0);
  });

  it('answers 401 invalid_token through the pipeline', async () => {
    const rs = createResourceServer({ resolver: remoteResolver(), clock: () => NOW_MS });
    const token = await mint(withKid(attacker, 'rsa-1'), claims(), { jku: attackerServer.url });
    const rejection = expectRejected(await rs.authenticate(bearerRequest(token)), 'signature_invalid', 401);
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('The JWT signature is invalid'));
    expect(attackerServer.requests).toBe(0);
  });
});
