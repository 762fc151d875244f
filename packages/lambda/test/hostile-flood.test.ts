// 120 000 events of REST and HTTP APIs, each token, cookie, query, form body (plain and base64), path
// and repeated header seen once: the handler keeps nothing of them beyond the resource server's bounds,
// and adds no listener, timer or handle. Measured as heap retained after a full garbage collection.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { jwtResolver, staticJwks } from '@rs/core';
import { describe, expect, it } from 'vitest';
import { createLambdaResourceServer } from '../src/index.js';
import type { ClientRequest } from './support/client-request.js';
import { httpApiEvent } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent } from './support/rest-api-events.js';

// A full garbage collection on demand, without starting the test runner with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function retainedHeap(): Promise<number> {
  for (let round = 0; round < 8; round++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return process.memoryUsage().heapUsed;
}

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const WARM_UP = 16_000;
const MEASURED = 104_000;
// 16 bytes an event: a store keyed by anything of the event costs ten times that per entry.
const RETAINED_BYTES_BOUND = MEASURED * 16;

const issuer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuerJwk = { ...issuer.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };

function token(unique: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'k1' })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({ iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 3600, scope: 'read', jti: unique }),
  ).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: issuer.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

const FORM = 'application/x-www-form-urlencoded';

/** Event number `index`'s request: one of eight shapes, each value in it seen once. */
function hostileRequest(index: number): ClientRequest {
  const unique = `${index}-${randomUUID()}`;
  const target = `/items/${unique}?page=${unique}`;
  switch (index % 8) {
    case 0:
      return { method: 'GET', target, headers: { Authorization: `Bearer ${token(unique)}` } };
    case 1:
      return { method: 'GET', target, headers: { Authorization: `Bearer ${unique}` } };
    case 2:
      return { method: 'GET', target, headers: { Cookie: `c-${unique}=1; access_token=${unique}` } };
    case 3:
      return { method: 'GET', target: `/items/${unique}?access_token=${unique}&p-${unique}=1` };
    case 4:
      return { method: 'GET', target, headers: { 'X-Token': `${unique}.${unique}.${unique}` } };
    case 5:
      return {
        method: 'POST',
        target,
        headers: { 'Content-Type': FORM },
        body: `access_token=${unique}&f-${unique}=1`,
      };
    case 6:
      // A form body base64-encoded by API Gateway, or not base64 at all.
      return {
        method: 'POST',
        target,
        headers: { 'Content-Type': FORM },
        body: index % 16 < 8 ? Buffer.from(`access_token=${unique}`).toString('base64') : `!${unique}`,
        base64: true,
      };
    default:
      return {
        method: 'GET',
        target,
        headers: { Authorization: [`Bearer ${unique}`, `Basic ${unique}`] },
      };
  }
}

describe('a flood of distinct hostile events', () => {
  it('leaves no more behind than the resource server’s bounds, and no listener, timer or handle', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles;
      const handlesBefore = handles().length;
      const rs = createLambdaResourceServer({
        resolver: jwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: staticJwks({ keys: [issuerJwk] }),
          verifiedTokenCache: { maxEntries: 1_000 },
        }),
        tokenLocations: { formBody: true, query: true, cookie: 'access_token', header: 'x-token' },
      });
      const handler = rs.protect(async () => ({ statusCode: 200, body: 'ok' }), { scopes: ['read'] });
      const context = lambdaContext();
      const statuses = new Map<number, number>();
      const flood = async (from: number, count: number) => {
        for (let index = from; index < from + count; index++) {
          const request = hostileRequest(index);
          const event = index % 2 === 0 ? restApiEvent(request) : httpApiEvent(request);
          const result = (await handler(event as never, context)) as { statusCode: number };
          statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
        }
      };

      await flood(0, WARM_UP);
      const before = await retainedHeap();
      await flood(WARM_UP, MEASURED);
      const retained = (await retainedHeap()) - before;

      expect(statuses.get(200)).toBe((WARM_UP + MEASURED) / 8);
      expect(statuses.get(401)).toBeGreaterThan(0);
      expect(statuses.get(400)).toBeGreaterThan(0);
      expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
      expect(retained).toBeLessThan(RETAINED_BYTES_BOUND);
      expect(warnings.map((warning) => warning.name)).toEqual([]);
      expect(handles().length).toBe(handlesBefore);
    } finally {
      process.off('warning', onWarning);
    }
  }, 900_000);
});
