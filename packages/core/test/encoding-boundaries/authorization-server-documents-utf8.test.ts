// RFC 8259 §8.1: JSON exchanged between systems is UTF-8. An introspection answer whose bytes are not
// UTF-8 was already refused; a JWK set and authorization server metadata were decoded with U+FFFD put in
// place of every malformed sequence, so the document read was not the one the server sent: a `kid` or a
// `jwks_uri` spelled with bytes the server never wrote (`k\xFF` read as `k\uFFFD`), and two different
// byte strings read as one. Both documents are now refused, as an introspection answer is.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DiscoveryError,
  discoverMetadata,
  fetchHttpClient,
  JwkSetError,
  jwtResolver,
  remoteJwks,
} from '../../src/index.js';
import { AUDIENCE, ISSUER, mint, resolveAt, withKid } from '../helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A server on loopback answering every request with `body`, and its origin. */
async function serving(body: (origin: string) => Uint8Array): Promise<string> {
  let origin = '';
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(body(origin));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

const MARK = '@NOT-UTF-8@';

/** `value` as JSON in UTF-8, with each `MARK` in it replaced by the byte 0xFF, which UTF-8 never holds. */
function jsonWithStrayByte(value: unknown): Uint8Array {
  const parts = JSON.stringify(value).split(MARK);
  const chunks: Uint8Array[] = [];
  parts.forEach((part, index) => {
    if (index > 0) chunks.push(Uint8Array.of(0xff));
    chunks.push(new TextEncoder().encode(part));
  });
  return Buffer.concat(chunks);
}

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
});

describe('documents of the authorization server that are not UTF-8', () => {
  it('refuses a JWK set, and no token is verified by a key read from it', async () => {
    const url = await serving(() => jsonWithStrayByte(jwksOf(withKid(key, `k${MARK}`))));
    const errors: Error[] = [];
    const keys = remoteJwks({ url, onFetchError: (error) => errors.push(error) });
    const preload = await keys.preload().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(preload).toBeInstanceOf(JwkSetError);
    expect((preload as JwkSetError).code).toBe('ERR_RS_JWKS_MALFORMED');
    expect((preload as JwkSetError).message).toContain('not UTF-8');

    // The `kid` the decoder would have made of `k\xFF`.
    const token = await mint(withKid(key, 'k\uFFFD'));
    const outcome = await resolveAt(jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }), token);
    expect(outcome.ok).toBe(false);
  });

  it('still reads a JWK set that opens with a byte order mark', async () => {
    const url = await serving(() =>
      Buffer.concat([Uint8Array.of(0xef, 0xbb, 0xbf), new TextEncoder().encode(JSON.stringify(jwksOf(key)))]),
    );
    const keys = remoteJwks({ url });
    await keys.preload();
    const outcome = await resolveAt(
      jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }),
      await mint(key),
    );
    expect(outcome.ok).toBe(true);
  });

  it('refuses metadata, whatever member holds the stray byte', async () => {
    const issuer = await serving((origin) =>
      jsonWithStrayByte({ issuer: origin, jwks_uri: `${origin}/jwks${MARK}` }),
    );
    const found = await discoverMetadata(issuer, fetchHttpClient(), {
      timeoutMs: 10_000,
      maxResponseBytes: 65_536,
    }).then(
      (metadata) => metadata,
      (error: unknown) => error,
    );
    expect(found).toBeInstanceOf(DiscoveryError);
    expect((found as DiscoveryError).code).toBe('ERR_RS_DISCOVERY_INVALID');
    expect((found as DiscoveryError).message).toContain('not UTF-8');
  });

  it('still reads metadata that opens with a byte order mark, and UTF-8 beyond ASCII', async () => {
    const issuer = await serving((origin) =>
      Buffer.concat([
        Uint8Array.of(0xef, 0xbb, 0xbf),
        new TextEncoder().encode(
          JSON.stringify({ issuer: origin, op_policy_uri: `${origin}/politique-de-confidentialité` }),
        ),
      ]),
    );
    const metadata = await discoverMetadata(issuer, fetchHttpClient(), {
      timeoutMs: 10_000,
      maxResponseBytes: 65_536,
    });
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.op_policy_uri).toBe(`${issuer}/politique-de-confidentialité`);
  });
});
