import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  type AuthResult,
  createResourceServer,
  introspectionResolver,
  jwtResolver,
  staticDecryptionKeys,
  staticJwks,
  tokenInfoFromClaims,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  invalidTokenChallenge,
  mint,
  NOW_MS,
  NOW_S,
  randomBytes,
  resolveAt,
} from '../helpers.js';
import { accessClaims, encrypt } from '../jwe-setup.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// A JWT claim of the wrong type is checked against the table introspection checks its answers with: in a
// token it is the token's fault (401 claim_invalid), never read as absent, which used to accept `sub: 42`
// with no subject and let `azp` name the client beside a `client_id` of the wrong type.
let key: TestSigningKey;
let aes: Uint8Array;
let signed: AccessTokenResolver;
let anyAudience: AccessTokenResolver;
let remembering: AccessTokenResolver;
let encrypted: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  aes = randomBytes(32);
  const keys = staticJwks(jwksOf(key));
  signed = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
  anyAudience = jwtResolver({ issuer: ISSUER, acceptAnyAudience: true, keys });
  remembering = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys, verifiedTokenCache: {} });
  encrypted = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, decryption: staticDecryptionKeys([aes]) });
});

/** Claims of the wrong type, the member the refusal names and what it must be. */
const MISTYPED: readonly (readonly [Record<string, unknown>, string, string])[] = [
  [{ sub: 42 }, 'sub', 'a string'],
  [{ client_id: 7, azp: 'other' }, 'client_id', 'a string'],
  [{ client_id: ['client-abc'] }, 'client_id', 'a string'],
  [{ aud: [AUDIENCE, 5] }, 'aud', 'a string or a list of strings'],
  [{ scope: 1 }, 'scope', 'a string or a list of strings'],
  [{ scope: ['read', null] }, 'scope', 'a string or a list of strings'],
  [{ jti: {} }, 'jti', 'a string'],
  [{ username: ['alice'] }, 'username', 'a string'],
  [{ token_type: 1 }, 'token_type', 'a string'],
  [{ iat: String(NOW_S) }, 'iat', 'a finite number'],
  [{ cnf: 'x5t' }, 'cnf', 'a JSON object'],
  [{ cnf: { jkt: 42 } }, 'cnf.jkt', 'a string'],
  // `null` is no value a JWT claim can have: refused as `exp: null` always was.
  [{ sub: null }, 'sub', 'a string'],
  [{ scope: null, scp: 'read' }, 'scope', 'a string or a list of strings'],
  [{ exp: null }, 'exp', 'a finite number'],
];

describe('a JWT claim of the wrong type is refused with claim_invalid, whatever the profile', () => {
  it.each(MISTYPED)('%j: signed, with and without an audience', async (claims, member, expected) => {
    const token = await mint(key, claims);
    for (const resolver of [signed, anyAudience]) {
      const failure = expectFailure(await resolveAt(resolver, token), 'claim_invalid');
      expect(failure.description).toBe(`The access token "${member}" is not ${expected}`);
    }
  });

  it.each(MISTYPED)('%j: encrypted', async (claims, member) => {
    const token = await encrypt(accessClaims(claims), { alg: 'dir', enc: 'A256GCM' }, aes);
    expect(expectFailure(await resolveAt(encrypted, token), 'claim_invalid').description).toContain(
      `"${member}"`,
    );
  });

  it.each(MISTYPED)('%j: with a verified-token cache, every time', async (claims) => {
    const token = await mint(key, claims);
    for (let i = 0; i < 2; i++) expectFailure(await resolveAt(remembering, token), 'claim_invalid');
  });

  it('answers 401 invalid_token through the pipeline, where sub: 42 used to pass without a subject', async () => {
    const rs = createResourceServer({ resolver: signed, clock: () => NOW_MS });
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(await mint(key, { sub: 42 }))),
      'claim_invalid',
      401,
    );
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('The access token sub is not a string'));
  });

  it('still answers an untrusted issuer or another audience first', async () => {
    expectFailure(await resolveAt(signed, await mint(key, { iss: 42 })), 'issuer_mismatch');
    expectFailure(
      await resolveAt(signed, await mint(key, { aud: ['https://other.example', 5] })),
      'audience_mismatch',
    );
  });
});

describe('the shapes of scope and client accepted before are accepted still', () => {
  it.each([
    [{ scope: 'read write' }, ['read', 'write']],
    [{ scope: ['read', 'write'] }, ['read', 'write']],
    [{ scope: [] }, []],
    [{ scope: '' }, []],
    [{ scope: undefined, scp: 'read write' }, ['read', 'write']],
    [{ scope: undefined, scp: ['read', 'write'] }, ['read', 'write']],
    // Access Management's client-based tokens: a list, beside its own claims.
    [
      { scope: ['write', 'myscope'], cts: 'OAUTH2_STATELESS_GRANT', tokenName: 'access_token' },
      ['write', 'myscope'],
    ],
  ])('%j', async (claims, scopes) => {
    for (const token of [
      await mint(key, claims),
      await encrypt(accessClaims(claims), { alg: 'dir', enc: 'A256GCM' }, aes),
    ]) {
      const resolver = token.split('.').length === 5 ? encrypted : signed;
      expect([...expectSuccess(await resolveAt(resolver, token)).scopes]).toEqual(scopes);
    }
    const cached = await mint(key, claims);
    for (let i = 0; i < 2; i++)
      expect([...expectSuccess(await resolveAt(remembering, cached)).scopes]).toEqual(scopes);
  });

  it('names client_id as the client, else azp', async () => {
    const both = await mint(key, { client_id: 'named', azp: 'authorized-party' });
    expect(expectSuccess(await resolveAt(signed, both)).clientId).toBe('named');
    const azpOnly = await mint(key, { client_id: undefined, azp: 'authorized-party' });
    expect(expectSuccess(await resolveAt(signed, azpOnly)).clientId).toBe('authorized-party');
  });

  it('tokenInfoFromClaims never answers azp for a client_id that is present, whatever its type', () => {
    for (const clientId of [7, null, ['a'], {}]) {
      expect(tokenInfoFromClaims({ client_id: clientId, azp: 'other' }, 'jwt').clientId).toBeUndefined();
    }
    // Nor the aud of an Access Management token for an azp of the wrong type.
    const am = { azp: 5, cts: 'OAUTH2_STATELESS_GRANT', aud: 'myClient' };
    expect(tokenInfoFromClaims(am, 'jwt').clientId).toBeUndefined();
    expect(tokenInfoFromClaims({ client_id: 'named', azp: 'other' }, 'jwt').clientId).toBe('named');
    expect(tokenInfoFromClaims({ azp: 'other' }, 'jwt').clientId).toBe('other');
  });
});

// The same claims as a signed JWT and as the active answer of a stand-in authorization server over real
// HTTP: both paths decide alike. A wrong type is the token's fault in a JWT (401) and the server's in an
// answer (503); either way the request is refused, never accepted with a member read as absent.
describe('the JWT path and introspection decide alike', () => {
  let server: StandInServer;
  const answers = new Map<string, Record<string, unknown>>();
  beforeAll(async () => {
    server = await startStandInServer((request) => {
      const members = answers.get(request.form.get('token') ?? '');
      return { json: members === undefined ? { active: false } : { active: true, ...members } };
    });
  });
  afterAll(() => server.close());

  async function bothPaths(
    patch: Record<string, unknown>,
  ): Promise<{ jwt: AuthResult; introspection: AuthResult }> {
    // A member set to undefined is absent from both: mint drops it, and so does the JSON of the answer.
    const claims = accessClaims(patch);
    const opaque = `opaque-${answers.size}`;
    answers.set(opaque, claims);
    const introspection = introspectionResolver({
      endpoint: server.introspectionEndpoint,
      issuer: ISSUER,
      audience: AUDIENCE,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      allowInsecureHttp: true,
    });
    const rs = (resolver: AccessTokenResolver) => createResourceServer({ resolver, clock: () => NOW_MS });
    return {
      jwt: await rs(signed).authenticate(bearerRequest(await mint(key, claims))),
      introspection: await rs(introspection).authenticate(bearerRequest(opaque)),
    };
  }

  it.each(MISTYPED.filter(([claims]) => !Object.values(claims).includes(null)))(
    '%j: refused by both',
    async (patch) => {
      const { jwt, introspection } = await bothPaths(patch);
      expectRejected(jwt, 'claim_invalid', 401);
      expectRejected(introspection, 'introspection_unavailable', 503);
    },
  );

  it.each([
    [{ token_type: 'refresh_token' }],
    [{ typ: 'ID' }],
    [{ typ: 'Refresh' }],
    [{ tokenName: 'refresh_token' }],
  ])('%j: token_type_invalid from both', async (patch) => {
    const { jwt, introspection } = await bothPaths(patch);
    expectRejected(jwt, 'token_type_invalid', 401);
    expectRejected(introspection, 'token_type_invalid', 401);
  });

  it.each([
    [{}],
    [{ scope: ['read', 'write'] }],
    [{ scope: undefined, scp: ['read', 'write'] }],
    [{ client_id: undefined, azp: 'authorized-party' }],
    [{ client_id: 'named', azp: 'authorized-party' }],
    [{ aud: ['https://other.example', AUDIENCE] }],
    [{ typ: 'Bearer', token_type: 'Bearer', tokenName: 'access_token' }],
  ])('%j: accepted by both with the same context', async (patch) => {
    const { jwt, introspection } = await bothPaths(patch);
    const view = (result: AuthResult) => {
      const { subject, clientId, issuer, audience, scopes, expiresAt } = expectAccepted(result);
      return { subject, clientId, issuer, audience, scopes: [...scopes], expiresAt };
    };
    expect(view(jwt)).toEqual(view(introspection));
  });
});
