import { jwtResolver, remoteJwks } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken, startJwksServer } from '@rs/testkit';
import { expect, it } from 'vitest';
import { createFetchResourceServer } from '../src/index.js';
import { serveFetch } from './support/node-bridge.js';

const ISSUER = 'https://as.example.test';
const AUDIENCE = 'https://api.example.test';

it('answers 503 keys_unavailable, without a challenge, while the JWK set is down, and 200 once it is back', async () => {
  const key = await generateSigningKey('ES256', 'key-1');
  const jwks = await startJwksServer(jwksOf(key));
  await jwks.down();
  const errors: Error[] = [];
  let clock = Date.now();
  const keys = remoteJwks({ url: jwks.url, onFetchError: (error) => errors.push(error) });
  const rs = createFetchResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys,
    }),
    publicUrl: 'https://api.example.test',
    clock: () => clock,
  });
  const server = await serveFetch(
    rs.protect((_request, oauth2) => Response.json({ subject: oauth2.subject })),
  );
  try {
    const token = await mintToken(key, { issuer: ISSUER, audience: AUDIENCE, now: Math.floor(clock / 1000) });
    const send = () => fetch(`${server.url}/items`, { headers: { authorization: `Bearer ${token}` } });

    const down = await send();
    expect(down.status).toBe(503);
    expect(down.headers.get('www-authenticate')).toBeNull();
    expect(down.headers.get('cache-control')).toBe('no-store');
    expect(await down.json()).toEqual({
      error_description: 'The issuer signing keys are unavailable',
      code: 'keys_unavailable',
    });
    expect(errors).toHaveLength(1);

    // Back up: the next attempt, the first back-off step (1 s) after the failed fetch, fetches the keys.
    await jwks.up();
    clock = (keys.health(clock)[0]?.lastFailureAt ?? clock) + 1_000;
    const up = await send();
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ subject: 'user-123' });
  } finally {
    await Promise.all([server.close(), jwks.close()]);
  }
});
