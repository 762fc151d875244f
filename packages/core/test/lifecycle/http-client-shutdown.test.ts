import {
  endChildren,
  generateSigningKey,
  type JwksServer,
  jwksOf,
  mintToken,
  reportOf,
  runChild,
  startJwksServer,
} from '@rs/testkit';
import { afterEach, describe, expect, it } from 'vitest';

// The grace period undiciHttpClient's close() gives requests under way before it cuts their connections.
const CLOSE_GRACE_MS = 1_000;
// The timeout of every fetch in these scripts: far beyond any bound asserted, so that a request that
// ends did so because the client was closed, not because it timed out.
const FETCH_TIMEOUT_MS = 60_000;
// When to stop waiting for a child that does not exit: well under FETCH_TIMEOUT_MS, so that a child that
// waits for its fetches to time out counts as hung.
const HUNG_AFTER_MS = 30_000;
// Room beyond it for the test to say that the child hung, rather than time out itself.
const TEST_TIMEOUT_MS = HUNG_AFTER_MS + 10_000;

const servers: JwksServer[] = [];
afterEach(async () => {
  endChildren();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function served(document: unknown): Promise<JwksServer> {
  const server = await startJwksServer(document);
  servers.push(server);
  return server;
}

// Settles each of `calls`, reporting 'resolved' or the code it rejected with: a shutdown path that
// closes twice (a SIGTERM handler and a framework hook) must not see the second close fail.
const SETTLED = `
async function settled(calls) {
  return Promise.all(calls.map((call) => call.then(() => 'resolved', (error) => \`rejected \${error?.code ?? error?.name}\`)));
}
`;

describe('a resource server on an undiciHttpClient, shut down', () => {
  it(
    'may close its client again, after the first close and during it, and its process then exits by itself',
    async () => {
      const key = await generateSigningKey('ES256');
      const jwks = await served(jwksOf(key));
      const issuer = new URL(jwks.url).origin;
      const defaults = { issuer, audience: 'https://api.example' };
      const token = await mintToken(key, defaults);

      const outcome = await runChild(
        `${SETTLED}
      const client = coreNode.undiciHttpClient();
      const rs = core.createResourceServer({
        resolver: core.jwtResolver({
          issuer: args.issuer,
          audience: 'https://api.example',
          keys: core.remoteJwks({ url: args.url, httpClient: client, timeout: args.timeout }),
          profile: 'rfc9068',
        }),
        realm: 'api',
      });
      const request = (token) => ({ method: 'GET', url: 'http://localhost/items', headers: { authorization: 'Bearer ' + token } });
      const before = await rs.authenticate(request(args.token));
      report({ step: 'before', ok: before.ok });
      report({ step: 'one after the other', closes: await settled([client.close()]).then(async (first) => [...first, ...(await settled([client.close()]))]) });
      report({ step: 'at once', closes: await settled([client.close(), client.close()]) });
      const after = await rs.authenticate(request(args.token));
      report({ step: 'after', ok: after.ok });
      await settle();
      report({ step: 'held', held: heldBeyondBaseline() });`,
        { issuer, url: jwks.url, timeout: FETCH_TIMEOUT_MS, token },
        HUNG_AFTER_MS,
      );

      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
      expect(reportOf(outcome, 'before')).toMatchObject({ ok: true });
      expect(reportOf(outcome, 'one after the other')).toMatchObject({ closes: ['resolved', 'resolved'] });
      expect(reportOf(outcome, 'at once')).toMatchObject({ closes: ['resolved', 'resolved'] });
      // The keys already fetched still verify; nothing is opened again for it (held, below).
      expect(reportOf(outcome, 'after')).toMatchObject({ ok: true });
      expect(reportOf(outcome, 'held')).toMatchObject({ held: [] });
    },
    TEST_TIMEOUT_MS,
  );

  // Each resolver whose fetch hangs at the authorization server: the JWK set, the issuer's metadata
  // (discovery of jwks_uri) and introspection.
  const hangingFetches = {
    'a JWK set': `core.jwtResolver({
        issuer: args.issuer, audience: 'https://api.example', profile: 'rfc9068',
        keys: core.remoteJwks({ url: args.url, httpClient: client, timeout: args.timeout }),
      })`,
    "an issuer's metadata": `core.jwtResolver({
        issuer: args.issuer, audience: 'https://api.example', profile: 'rfc9068',
        keys: core.issuerJwks({ issuer: args.issuer, httpClient: client, timeout: args.timeout }),
      })`,
    "an introspection endpoint's discovery": `core.introspectionResolver({
        issuer: args.issuer, audience: 'https://api.example', httpClient: client, timeout: args.timeout,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'api', clientSecret: 'a client secret long enough to be accepted' },
      })`,
    'an introspection behind a token cache': `core.tokenCache(core.introspectionResolver({
        endpoint: args.url, audience: 'https://api.example', httpClient: client, timeout: args.timeout,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'api', clientSecret: 'a client secret long enough to be accepted' },
      }))`,
    'an introspection': `core.introspectionResolver({
        endpoint: args.url, audience: 'https://api.example', httpClient: client, timeout: args.timeout,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'api', clientSecret: 'a client secret long enough to be accepted' },
      })`,
  };

  for (const [fetch, resolver] of Object.entries(hangingFetches)) {
    it(
      `while ${fetch} fetch hangs: close() ends it within its grace period, the request answers 503, and the process exits`,
      async () => {
        const key = await generateSigningKey('ES256');
        const server = await served(jwksOf(key));
        server.hang();
        const issuer = new URL(server.url).origin;
        const token = fetch.includes('introspection')
          ? 'an-opaque-token'
          : await mintToken(key, { issuer, audience: 'https://api.example' });

        const outcome = await runChild(
          `${SETTLED}
        const client = coreNode.undiciHttpClient();
        const rs = core.createResourceServer({ resolver: ${resolver}, realm: 'api' });
        const request = { method: 'GET', url: 'http://localhost/items', headers: { authorization: 'Bearer ' + args.token } };
        const inFlight = rs.authenticate(request);
        // Lets the fetch reach the server; closing before it does ends it as surely.
        await new Promise((resolve) => setTimeout(resolve, 200));
        const start = performance.now();
        const first = client.close();
        const during = client.close();
        const closes = await settled([first, during]);
        const closeMs = performance.now() - start;
        const again = await settled([client.close()]);
        const answered = await inFlight;
        report({ step: 'closed', closes: [...closes, ...again], closeMs });
        report({ step: 'in flight', ok: answered.ok, status: answered.ok ? undefined : answered.rejection.status });
        const after = await rs.authenticate(request);
        report({ step: 'after', ok: after.ok, status: after.ok ? undefined : after.rejection.status, afterMs: performance.now() - start });
        await settle();
        report({ step: 'held', held: heldBeyondBaseline() });`,
          { issuer, url: server.url, timeout: FETCH_TIMEOUT_MS, token },
          HUNG_AFTER_MS,
        );

        expect(outcome.stderr).toBe('');
        expect(outcome.code).toBe(0);
        const closed = reportOf(outcome, 'closed');
        expect(closed).toMatchObject({ closes: ['resolved', 'resolved', 'resolved'] });
        // Bounded by the grace period (a multiple of it, for a loaded machine), not by the fetch's timeout.
        expect(closed.closeMs).toBeLessThan(5 * CLOSE_GRACE_MS);
        expect(reportOf(outcome, 'in flight')).toMatchObject({ ok: false, status: 503 });
        // After shutdown: refused at once, never sent to the server again, never waiting for its timeout.
        const after = reportOf(outcome, 'after');
        expect(after).toMatchObject({ ok: false, status: 503 });
        expect(after.afterMs).toBeLessThan(FETCH_TIMEOUT_MS / 4);
        expect(reportOf(outcome, 'held')).toMatchObject({ held: [] });
      },
      TEST_TIMEOUT_MS,
    );
  }
});
