import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { endChildren, generateSigningKey, jwksOf, mintToken, reportOf, runChild } from '@rs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type HoldingTransmitter, startHoldingTransmitter } from '../security-events/holding-transmitter.js';

// A script, a test or a serverless handler that used the resolvers on the default HTTP client (on Node,
// one pooled undici client shared by the process, which it cannot close) and never shut anything down
// must still end: the README says what it holds open is its HTTP client's, and that client's idle
// keep-alive connections do not hold the process. The authorization server here keeps connections open
// far longer than the client's own keep-alive (30 s), and the child is given up on before that: a child
// that exits did so because nothing of the client held it, not because a connection timed out.
const CLIENT_KEEP_ALIVE_MS = 30_000;
const HUNG_AFTER_MS = CLIENT_KEEP_ALIVE_MS / 2;

let server: Server | undefined;
let transmitter: HoldingTransmitter | undefined;
afterEach(async () => {
  endChildren();
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  await transmitter?.close();
  transmitter = undefined;
});

/** An authorization server on loopback: metadata, JWK set and introspection, keeping connections for 120 s. */
async function authorizationServer(jwks: unknown): Promise<string> {
  const listening = createServer((request, response) => {
    request.resume();
    const { origin } = new URL(`http://${request.headers.host}`);
    const json = (value: unknown) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (request.url === '/.well-known/oauth-authorization-server')
      json({ issuer: origin, jwks_uri: `${origin}/jwks` });
    else if (request.url === '/jwks') json(jwks);
    else if (request.url === '/introspect')
      json({
        active: true,
        sub: 'alice',
        aud: 'https://api.example',
        exp: Math.floor(Date.now() / 1000) + 300,
      });
    else response.writeHead(404).end();
  });
  listening.keepAliveTimeout = 120_000;
  server = listening;
  listening.listen(0, '127.0.0.1');
  await once(listening, 'listening');
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

describe('a process that used every resolver on the default HTTP client and shut nothing down', () => {
  it('exits by itself, its pooled connections idle', async () => {
    const key = await generateSigningKey('ES256');
    const issuer = await authorizationServer(jwksOf(key));
    const token = await mintToken(key, { issuer, audience: 'https://api.example' });

    const outcome = await runChild(
      `
      const jwt = (keys) => core.jwtResolver({ issuer: args.issuer, audience: 'https://api.example', keys, profile: 'rfc9068' });
      const resolvers = {
        remoteJwks: jwt(core.remoteJwks({ url: args.issuer + '/jwks' })),
        issuerJwks: jwt(core.issuerJwks({ issuer: args.issuer })),
        introspection: core.introspectionResolver({
          endpoint: args.issuer + '/introspect', audience: 'https://api.example',
          clientAuthentication: { method: 'client_secret_basic', clientId: 'api', clientSecret: 'a client secret long enough to be accepted' },
        }),
      };
      for (const [name, resolver] of Object.entries(resolvers)) {
        const rs = core.createResourceServer({ resolver, realm: 'api' });
        const token = name === 'introspection' ? 'an-opaque-token' : args.token;
        const result = await rs.authenticate({ method: 'GET', url: 'http://localhost/items', headers: { authorization: 'Bearer ' + token } });
        report({ step: name, ok: result.ok, status: result.ok ? undefined : result.rejection.status });
      }`,
      { issuer, token },
      HUNG_AFTER_MS,
    );

    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(reportOf(outcome, 'remoteJwks')).toMatchObject({ ok: true });
    expect(reportOf(outcome, 'issuerJwks')).toMatchObject({ ok: true });
    expect(reportOf(outcome, 'introspection')).toMatchObject({ ok: true });
  });

  it('with a security event poller it stopped, exits by itself while the transmitter holds its long polls', async () => {
    transmitter = await startHoldingTransmitter({ hold: Number.POSITIVE_INFINITY });
    const key = await generateSigningKey('ES256');

    const outcome = await runChild(
      `
      const poller = core.securityEventPoller({
        endpoint: args.endpoint,
        timeout: 60000,
        receiver: core.securityEventReceiver({
          issuer: 'https://ssf.example.com', audience: 'https://api.example.com/ssf',
          keys: core.staticJwks(args.jwks), replayStore: core.memoryReplayStore(), revocations: core.revocationList(),
        }),
      });
      poller.start();
      // Lets the long poll reach the transmitter, which holds it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await poller.stop();
      report({ step: 'stopped' });`,
      { endpoint: transmitter.endpoint, jwks: jwksOf(key) },
      HUNG_AFTER_MS,
    );

    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    reportOf(outcome, 'stopped');
    expect(transmitter.polls.length).toBeGreaterThanOrEqual(1);
  });
  it('with a started poller whose HTTP client it closed, never stopping the poller: exits by itself', async () => {
    transmitter = await startHoldingTransmitter({ hold: Number.POSITIVE_INFINITY });
    const key = await generateSigningKey('ES256');

    const outcome = await runChild(
      `
      const client = coreNode.undiciHttpClient();
      const errors = [];
      const poller = core.securityEventPoller({
        endpoint: args.endpoint,
        timeout: 60000,
        httpClient: client,
        onError: (error) => errors.push(error.code),
        receiver: core.securityEventReceiver({
          issuer: 'https://ssf.example.com', audience: 'https://api.example.com/ssf',
          keys: core.staticJwks(args.jwks), replayStore: core.memoryReplayStore(), revocations: core.revocationList(),
        }),
      });
      poller.start();
      // Lets the long poll reach the transmitter, which holds it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await client.close();
      process.on('exit', () => report({ step: 'exit', errors }));`,
      { endpoint: transmitter.endpoint, jwks: jwksOf(key) },
      HUNG_AFTER_MS,
    );

    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(reportOf(outcome, 'exit')).toMatchObject({ errors: ['ERR_RS_HTTP_CLOSED'] });
  });
});
