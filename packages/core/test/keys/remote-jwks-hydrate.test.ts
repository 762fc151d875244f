import { generateSigningKey, jwksOf, startJwksServer, type TestSigningKey } from '@rs/testkit';
import { exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, remoteJwks } from '../../src/index.js';
import {
  AUDIENCE,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';

let current: TestSigningKey;
let rotated: TestSigningKey;
beforeAll(async () => {
  [current, rotated] = await Promise.all([
    generateSigningKey('ES256', 'k1'),
    generateSigningKey('ES256', 'k2'),
  ]);
});

describe('remoteJwks: preload, export, hydrate', () => {
  it('a hydrated set answers at once, and its first use starts a refresh', async () => {
    const server = await startJwksServer(jwksOf(current, rotated));
    try {
      const keys = remoteJwks({ url: server.url, minFetchInterval: 0 });
      keys.hydrate(jwksOf(current));
      const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });

      // Answered by the hydrated key; the refresh it started runs in the background.
      expectSuccess(await resolveAt(resolver, await mint(current, { exp: NOW_S + 600 }), NOW_MS));
      expect(keys.stats().fetches).toBe(1);

      // A key the saved set predates: found by that refresh (waited for if still running), then accepted.
      expectSuccess(await resolveAt(resolver, await mint(rotated, { exp: NOW_S + 600 }), NOW_MS + 1));
      expect(keys.stats().fetches).toBe(1);
      expect(keys.export()?.keys.map((jwk) => jwk.kid)).toEqual(['k1', 'k2']);
    } finally {
      await server.close();
    }
  });

  it('a kid the hydrated set lacks fetches the published set at once', async () => {
    const server = await startJwksServer(jwksOf(current, rotated));
    try {
      const keys = remoteJwks({ url: server.url, minFetchInterval: 0 });
      keys.hydrate(jwksOf(current));
      const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });

      expectSuccess(await resolveAt(resolver, await mint(rotated, { exp: NOW_S + 600 }), NOW_MS));
      expect(keys.stats().fetches).toBe(1);
      expect(keys.export()?.keys.map((jwk) => jwk.kid)).toEqual(['k1', 'k2']);
    } finally {
      await server.close();
    }
  });

  it('preload() fetches once and rejects with the fetch error for a bad set', async () => {
    const good = await startJwksServer(jwksOf(current));
    const bad = await startJwksServer({ keys: [] });
    try {
      const keys = remoteJwks({ url: good.url });
      await keys.preload();
      await keys.preload();
      expect(keys.stats()).toMatchObject({ fetches: 1, keys: 1 });
      await expect(remoteJwks({ url: bad.url }).preload()).rejects.toMatchObject({
        code: 'ERR_RS_JWKS_NO_USABLE_KEY',
      });
    } finally {
      await Promise.all([good.close(), bad.close()]);
    }
  });

  it('export() hands out a copy: changing it changes nothing held', async () => {
    const keys = remoteJwks({ url: 'https://as.example.com/jwks' });
    keys.hydrate(jwksOf(current));
    const exported = keys.export()!;
    (exported.keys as unknown[]).length = 0;
    expect(keys.export()?.keys).toHaveLength(1);
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    expectSuccess(await resolveAt(resolver, await mint(current, { exp: NOW_S + 600 }), NOW_MS));
    expectFailure(await resolveAt(resolver, 'not.a.token', NOW_MS), 'token_malformed');
  });

  it('export() never hands out private key material a set published by mistake', async () => {
    // An authorization server that publishes a private key beside the public ones: the key is left out of
    // verification, and out of what export() gives, which applications write to files.
    const leakedEc = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const leakedRsa = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
    // And a key of a type this library does not know, whose private member has another name (ML-DSA's
    // `priv`), and a public key with a member of its own.
    const unknownType = { kty: 'AKP', alg: 'ML-DSA-44', kid: 'pq-1', pub: 'AAAA', priv: 'BBBB' };
    const published = {
      keys: [
        { ...current.publicJwk, secret_note: 'not for export' },
        { ...leakedEc, kid: 'leak-ec' },
        { ...leakedRsa, kid: 'leak-rsa' },
        unknownType,
      ],
    };
    const server = await startJwksServer(published);
    try {
      const fetched = remoteJwks({ url: server.url });
      await fetched.preload();
      const hydrated = remoteJwks({ url: 'https://as.example.com/jwks' });
      hydrated.hydrate(published);
      for (const keys of [fetched, hydrated]) {
        const exported = keys.export()!;
        expect(exported.keys.map((jwk) => jwk.kid)).toEqual([current.kid]);
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'priv', 'secret_note'])
          expect(JSON.stringify(exported)).not.toContain(`"${member}"`);
        expect(exported.keys[0]).toEqual(current.publicJwk);
        // Hydrated again, the export verifies as the set did.
        const again = remoteJwks({ url: 'https://as.example.com/jwks' });
        again.hydrate(exported);
        const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: again });
        expectSuccess(await resolveAt(resolver, await mint(current, { exp: NOW_S + 600 }), NOW_MS));
      }
    } finally {
      await server.close();
    }
  });
});
