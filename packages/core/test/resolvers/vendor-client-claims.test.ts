import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  createResourceServer,
  jwtResolver,
  revocationList,
  staticJwks,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected, NOW_MS, NOW_S } from '../helpers.js';

// Servers that write neither `client_id` nor `azp` name the client in a claim of their own: Okta's access
// tokens in `cid` (beside `ver: 1`), Microsoft Entra ID's and AD FS's v1.0 tokens in `appid` (beside
// `ver: "1.0"`). The shapes follow each vendor's documented access tokens; the keys and signatures are real.
const OKTA = 'https://dev-1234.okta.com/oauth2/default';
const ENTRA_V1 = 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('RS256', 'okta-entra-1');
});

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
    .sign(key.privateKey);
}

const oktaAccessToken = (claims: Record<string, unknown> = {}) =>
  sign({
    ver: 1,
    jti: 'AT.3bGf0bOnZ7Kf6w',
    iss: OKTA,
    aud: 'api://default',
    iat: NOW_S - 10,
    exp: NOW_S + 3600,
    cid: '0oa1b2c3d4e5f6g7h8i9',
    uid: '00u1a2b3c4d5e6f7g8h9',
    scp: ['openid', 'orders:read'],
    auth_time: NOW_S - 20,
    sub: 'alice@example.com',
    ...claims,
  });

// An Entra ID v1.0 access token (delegated), header with both `x5t` and `kid` as Entra writes them.
const entraV1AccessToken = (claims: Record<string, unknown> = {}) =>
  sign(
    {
      aud: 'api://orders',
      iss: ENTRA_V1,
      iat: NOW_S - 10,
      nbf: NOW_S - 10,
      exp: NOW_S + 3600,
      acr: '1',
      amr: ['pwd'],
      appid: '4a1aa1d5-c567-49d0-ad0b-cd957a47f842',
      appidacr: '1',
      oid: '2b6f6c4e-3c50-4b4c-8b3f-8a6f3b0d5e11',
      scp: 'Orders.Read Orders.Write',
      sub: 'l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA',
      tid: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      ver: '1.0',
      ...claims,
    },
    { typ: 'JWT', x5t: 'nOo3ZDrODXEK1jKWhXslHR_KXEg' },
  );

function serverFor(issuer: string, audience: string, extra: Record<string, unknown> = {}) {
  const events: AuditEvent[] = [];
  const rs = createResourceServer({
    resolver: jwtResolver({ issuer, audience, keys: staticJwks(jwksOf(key)), ...extra }),
    clock: () => NOW_MS,
    onAudit: (event) => events.push(event),
  });
  return { rs, events };
}

describe('the client of tokens from servers without client_id or azp', () => {
  it('Okta: cid is the client, scp (an array) the scopes, and an audit event names the client', async () => {
    const { rs, events } = serverFor(OKTA, 'api://default');
    const context = expectAccepted(
      await rs.authenticate(bearerRequest(await oktaAccessToken()), { scopes: ['orders:read'] }),
    );
    expect(context.clientId).toBe('0oa1b2c3d4e5f6g7h8i9');
    expect(context.subject).toBe('alice@example.com');
    expect([...context.scopes]).toEqual(['openid', 'orders:read']);
    expect(events.at(-1)?.clientId).toBe('0oa1b2c3d4e5f6g7h8i9');
  });

  it('Entra ID v1.0: appid is the client, scp (space-separated) the scopes', async () => {
    const { rs } = serverFor(ENTRA_V1, 'api://orders');
    const context = expectAccepted(
      await rs.authenticate(bearerRequest(await entraV1AccessToken()), { scopes: ['Orders.Write'] }),
    );
    expect(context.clientId).toBe('4a1aa1d5-c567-49d0-ad0b-cd957a47f842');
    expect([...context.scopes]).toEqual(['Orders.Read', 'Orders.Write']);
  });

  it('a revocation of the client reaches Okta and Entra ID v1.0 tokens', async () => {
    const revocations = revocationList({ clock: () => NOW_MS });
    await revocations.revoke({ by: 'client', value: '0oa1b2c3d4e5f6g7h8i9' });
    await revocations.revoke({ by: 'client', value: '4a1aa1d5-c567-49d0-ad0b-cd957a47f842' });
    const okta = serverFor(OKTA, 'api://default', { revocations }).rs;
    expectRejected(await okta.authenticate(bearerRequest(await oktaAccessToken())), 'token_revoked');
    const entra = serverFor(ENTRA_V1, 'api://orders', { revocations }).rs;
    expectRejected(await entra.authenticate(bearerRequest(await entraV1AccessToken())), 'token_revoked');
    // Another client of the same server is not revoked.
    expectAccepted(await okta.authenticate(bearerRequest(await oktaAccessToken({ cid: '0oaOTHER' }))));
  });

  it('client_id and azp come first; cid and appid count only beside their server version marker', async () => {
    const okta = serverFor(OKTA, 'api://default').rs;
    const clientOf = async (claims: Record<string, unknown>) =>
      expectAccepted(await okta.authenticate(bearerRequest(await oktaAccessToken(claims)))).clientId;
    expect(await clientOf({ client_id: 'named' })).toBe('named');
    expect(await clientOf({ azp: 'authorized-party' })).toBe('authorized-party');
    // Another issuer's `cid` or `appid` (a customer, a correlation ID) is no client.
    expect(await clientOf({ ver: undefined })).toBeUndefined();
    expect(await clientOf({ ver: '1' })).toBeUndefined();
    expect(await clientOf({ ver: '1.0', cid: undefined, appid: 'app' })).toBe('app');
    expect(await clientOf({ ver: 2, appid: 'app' })).toBeUndefined();
    // Present but not a string: no client, and nothing else is read in its place.
    expect(await clientOf({ cid: 42 })).toBeUndefined();
  });
});
