import { describe, expect, it } from 'vitest';
import { bearerRequest, expectAccepted, expectRejected, invalidTokenChallenge } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

// Every test here talks to a real oidc-provider over HTTP on loopback, with real opaque tokens.
const authorizationServer = useAuthorizationServer();

describe('introspection against a real authorization server: answers', () => {
  it('accepts an active opaque token and hands over what the server said', async () => {
    const as = authorizationServer();
    const token = await as.issueToken({ scope: 'read write' });
    const { resolver, errors } = introspectAt(as);
    const before = Math.floor(Date.now() / 1000);

    const context = expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));

    expect(context.source).toBe('introspection');
    expect([...context.scopes].sort()).toEqual(['read', 'write']);
    expect(context.clientId).toBe(as.appClient.clientId);
    expect(context.issuer).toBe(as.issuer);
    expect(context.audience).toEqual([as.resources.opaque]);
    expect(context.expiresAt).toBeGreaterThanOrEqual(before + 600 - 2);
    expect(context.expiresAt).toBeLessThanOrEqual(before + 600 + 2);
    expect(context.issuedAt).toBe((context.expiresAt ?? 0) - 600);
    // A client_credentials token has no end user: oidc-provider sends no `sub`, and no `jti` for an
    // opaque token (its value is its identifier).
    expect(context.subject).toBeUndefined();
    expect(context.tokenId).toBeUndefined();
    expect(context.confirmation).toBeUndefined();
    expect(context.token).toBe(token);
    expect(errors).toEqual([]);
    expect(as.introspectionRequests).toBeGreaterThanOrEqual(1);
  });

  it('keeps exactly the members oidc-provider 9 returns for an opaque client_credentials token', async () => {
    const as = authorizationServer();
    const token = await as.issueToken({ scope: 'read' });
    const { resolver } = introspectAt(as);

    const context = expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));

    expect(Object.keys(context.claims).sort()).toEqual([
      'active',
      'aud',
      'client_id',
      'exp',
      'iat',
      'iss',
      'scope',
      'token_type',
    ]);
    expect(context.claims).toMatchObject({
      active: true,
      client_id: as.appClient.clientId,
      iss: as.issuer,
      aud: as.resources.opaque,
      scope: 'read',
      token_type: 'Bearer',
    });
  });

  it('lets the route policy decide on the introspected scopes', async () => {
    const as = authorizationServer();
    const token = await as.issueToken({ scope: 'read' });
    const rs = resourceServerWith(introspectAt(as).resolver);

    expectAccepted(await rs.authenticate(bearerRequest(token), { scopes: ['read'] }));
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token), { scopes: ['admin'] }),
      'insufficient_scope',
    );
    expect(rejection.wwwAuthenticate).toContain('scope="admin"');
  });

  it('checks the audience against the real aud (the resource indicator)', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();

    const mine = introspectAt(as, { audience: [as.resources.opaque, 'https://api.test/other'] });
    expectAccepted(await resourceServerWith(mine.resolver).authenticate(bearerRequest(token)));

    const theirs = introspectAt(as, { audience: 'https://api.test/other' });
    expectRejected(
      await resourceServerWith(theirs.resolver).authenticate(bearerRequest(token)),
      'audience_mismatch',
    );
  });

  it('answers 401 token_inactive with an invalid_token challenge for a token the server does not know', async () => {
    const as = authorizationServer();
    const { resolver, errors } = introspectAt(as);
    const unknown = crypto.randomUUID().replaceAll('-', '');

    const rejection = expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(unknown)),
      'token_inactive',
    );

    expect(rejection.status).toBe(401);
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('The access token is not active'));
    // Inactive is the client's problem, not the operator's: nothing reported.
    expect(errors).toEqual([]);
  });

  // oidc-provider answers HTTP 400 `unsupported_token_type` to any token whose first segment decodes as a
  // JOSE header: its own JWT access tokens, or a client's `e30.x.y`. That is the token's fault, not a
  // misconfiguration a client could use to raise operator alarms.
  it.each([
    ['a JWT access token of the same server', 'jwt'],
    ['a made-up JWT-shaped string', 'e30.eyJzdWIiOiJ4In0.c2ln'],
  ])('refuses %s, which the server will not introspect, as the client’s fault', async (_name, kind) => {
    const as = authorizationServer();
    const token = kind === 'jwt' ? await as.issueToken({ resource: as.resources.jwt }) : kind;
    const { resolver, errors } = introspectAt(as);

    expectRejected(
      await resourceServerWith(resolver).authenticate(bearerRequest(token)),
      'token_unsupported',
    );
    expect(errors).toEqual([]);
  });
});
