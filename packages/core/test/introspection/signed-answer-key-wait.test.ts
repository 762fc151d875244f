import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { CompactSign } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AuthResult,
  createResourceServer,
  type IntrospectionError,
  introspectionResolver,
  remoteJwks,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';

// RFC 9701: a signed introspection answer is verified with the authorization server's keys, which a key
// source may still be fetching, under a timeout of its own. The introspection's `timeout` is the whole
// budget of one introspection: the wait for those keys is part of it.

// Ample for a loopback exchange on a loaded machine: the test is about what comes after it.
const TIMEOUT_MS = 2_000;
// Far past the introspection's timeout: a request still waiting for the key set then waits this long.
const KEY_SET_TIMEOUT_MS = 600_000;
// How long the test lets a request take before calling it hung: a multiple of the timeout, not a budget.
const HUNG_AFTER_MS = 10 * TIMEOUT_MS;

const CLIENT_ID = 'rs';

/**
 * A loopback authorization server: `/introspect` answers every token active in an RFC 9701 JWT signed by
 * `key`, at once; `/jwks` holds its answer until `releaseKeySet()`.
 */
async function startServer(key: TestSigningKey) {
  const heldKeySetAnswers: ServerResponse[] = [];
  let keySetRequests = 0;
  let keySetHeld = true;
  const answerKeySet = (response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(key)));
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    if (request.url === '/jwks') {
      keySetRequests++;
      if (keySetHeld) heldKeySetAnswers.push(response);
      else answerKeySet(response);
      return;
    }
    request.on('end', async () => {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: issuer, aud: CLIENT_ID, iat: now, token_introspection: { active: true } };
      const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'token-introspection+jwt' })
        .sign(key.privateKey);
      response.writeHead(200, { 'content-type': 'application/token-introspection+jwt' }).end(jwt);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    get keySetRequests() {
      return keySetRequests;
    },
    releaseKeySet(): void {
      keySetHeld = false;
      for (const response of heldKeySetAnswers.splice(0)) answerKeySet(response);
    },
    close(): Promise<void> {
      for (const response of heldKeySetAnswers.splice(0)) response.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `request`'s result, or `'still waiting'` once it has taken {@link HUNG_AFTER_MS}. */
async function unlessHung(request: Promise<AuthResult>): Promise<AuthResult | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), HUNG_AFTER_MS);
  });
  try {
    return await Promise.race([request, hung]);
  } finally {
    clearTimeout(timer);
  }
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('a signed introspection answer whose keys are still being fetched', () => {
  it(
    'answers 503 within the introspection timeout, not the key set timeout, and the fetch goes on',
    async () => {
      const key = await generateSigningKey('ES256', 'answer-key');
      const server = await startServer(key);
      stop = () => server.close();
      const errors: IntrospectionError[] = [];
      const resolver = introspectionResolver({
        endpoint: `${server.issuer}/introspect`,
        issuer: server.issuer,
        clientAuthentication: { method: 'client_secret_basic', clientId: CLIENT_ID, clientSecret: 'secret' },
        acceptAnyAudience: true,
        timeout: TIMEOUT_MS,
        onError: (error) => errors.push(error),
        jwtResponse: {
          keys: remoteJwks({
            url: `${server.issuer}/jwks`,
            timeout: KEY_SET_TIMEOUT_MS,
            onFetchError: () => undefined,
          }),
          audience: CLIENT_ID,
        },
      });
      const rs = createResourceServer({ resolver });

      const result = await unlessHung(rs.authenticate(bearerRequest('opaque-token')));

      expect(result).not.toBe('still waiting');
      expectRejected(result as AuthResult, 'introspection_unavailable', 503);
      expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_UNAVAILABLE']);
      expect(errors[0]?.message).toMatch(/could not be verified within the 2000 ms timeout/);
      expect(server.keySetRequests).toBe(1);

      // The key set fetch was not given up: once it lands, the next request is accepted without another.
      server.releaseKeySet();
      expectAccepted(await rs.authenticate(bearerRequest('opaque-token')));
      expect(server.keySetRequests).toBe(1);
    },
    3 * HUNG_AFTER_MS,
  );
});
