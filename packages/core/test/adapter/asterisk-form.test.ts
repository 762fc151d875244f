// `OPTIONS *` (RFC 9112 §3.2.4) names the server as a whole: its target URI is the scheme and authority,
// with an empty path (RFC 9112 §3.3). Pasted after the host, the `*` became part of it
// (`https://api.example.com*`), so a DPoP proof for the server's URL was refused and one for that URL of
// no server accepted. Real ES256 keys and proofs; the adapters' real-server tests send `OPTIONS *` over
// HTTP/1.1 and HTTP/2.
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { publicBaseUrl, requestUrl } from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import { dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

describe('requestUrl of a target in asterisk-form', () => {
  it('is the scheme and authority, of the connection or of the public base without its path prefix', () => {
    const OPTIONS = 'OPTIONS';
    expect(requestUrl(undefined, 'https', 'api.example.com', '*', OPTIONS)).toBe('https://api.example.com');
    expect(requestUrl(undefined, 'http', '[::1]:8080', '*', OPTIONS)).toBe('http://[::1]:8080');
    expect(requestUrl(undefined, undefined, undefined, '*', OPTIONS)).toBe('http://');
    expect(
      requestUrl(publicBaseUrl('https://api.example.com/v1/', 'publicUrl'), 'http', 'internal', '*', OPTIONS),
    ).toBe('https://api.example.com');
    expect(
      requestUrl(
        publicBaseUrl('https://api.example.com:8443', 'publicUrl'),
        'http',
        'internal',
        '*',
        OPTIONS,
      ),
    ).toBe('https://api.example.com:8443');
    // Only a lone `*` is asterisk-form, and only for OPTIONS (RFC 9112 §3.2.4): Node's HTTP/1.1 parser
    // lets `GET *` through, which must not share the URL of `GET /`. Other targets are pasted as received.
    expect(requestUrl(undefined, 'https', 'api.example.com', '/*', OPTIONS)).toBe(
      'https://api.example.com/*',
    );
    expect(requestUrl(undefined, 'https', 'api.example.com', '*', 'GET')).toBe('https://api.example.com*');
    expect(requestUrl(undefined, 'https', 'api.example.com', '*')).toBe('https://api.example.com*');
  });

  it("accepts a DPoP proof for the server's URL on OPTIONS *, and none for the URL with a `*`", async () => {
    const issuerKey = await generateSigningKey('ES256', 'k1');
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
    const rs = createResourceServer({ resolver, dpop: true, clock: () => NOW_MS });
    const client = await dpopKey('ES256');
    const token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
    const url = requestUrl(
      publicBaseUrl('https://api.example.com/v1', 'publicUrl'),
      'http',
      'internal',
      '*',
      'OPTIONS',
    );
    const decide = async (htu: string) =>
      rs.authenticate(
        dpopRequest(token, await makeProof(client, { htm: 'OPTIONS', htu }, { token }), {
          method: 'OPTIONS',
          url,
        }),
      );
    for (const htu of ['https://api.example.com', 'https://api.example.com/', 'HTTPS://API.EXAMPLE.COM:443'])
      expectAccepted(await decide(htu));
    for (const htu of [
      'https://api.example.com*',
      'https://api.example.com/v1*',
      'https://api.example.com/v1',
    ])
      expectRejected(await decide(htu), 'dpop_htu_mismatch', 401);
  });
});
