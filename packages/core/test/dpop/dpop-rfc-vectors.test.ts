import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  type RsRequest,
  tokenHash,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { expectAccepted, expectRejected } from '../helpers.js';

// RFC 9449 §7.1 (Figures 12 and 13): the access token, the proof and the key, verbatim.
const RFC9449_KEY = {
  kty: 'EC',
  x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
  y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
  crv: 'P-256',
};
const RFC9449_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const RFC9449_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU';
const RFC9449_ATH = 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo';
const RFC9449_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19' +
  '.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9' +
  '.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA';
const RFC9449_IAT_MS = 1_562_262_618_000;
const RFC9449_URL = 'https://resource.example.org/protectedresource';

// RFC 7638 §3.1: the RSA example key and its thumbprint.
const RFC7638_KEY = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3' +
    'oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHz' +
    'u6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8aw' +
    'apJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

// The RFC's token is opaque and no authorization server issued it: this stand-in resolver answers what
// the RFC's introspection example (Figure 10) says about it.
const introspected: AccessTokenResolver = {
  resolve: async (token) =>
    token === RFC9449_TOKEN
      ? {
          ok: true,
          value: tokenInfoFromClaims(
            { sub: 'someone@example.com', iss: 'https://server.example.com', cnf: { jkt: RFC9449_JKT } },
            'introspection',
          ),
        }
      : { ok: false, failure: { code: 'token_inactive', description: 'The access token is not active' } },
};

const server = (now = RFC9449_IAT_MS) =>
  createResourceServer({ resolver: introspected, dpop: true, clock: () => now });

const rfcRequest = (overrides: Partial<RsRequest> = {}, token = RFC9449_TOKEN): RsRequest => ({
  method: 'GET',
  url: RFC9449_URL,
  headers: { authorization: `DPoP ${token}`, dpop: RFC9449_PROOF },
  ...overrides,
});

describe('RFC vectors', () => {
  it('RFC 9449: the example key thumbprints to the example cnf.jkt', async () => {
    expect(await calculateJwkThumbprint(RFC9449_KEY, 'sha256')).toBe(RFC9449_JKT);
  });

  it('RFC 9449: the example token hashes to the example ath', async () => {
    expect(await tokenHash(RFC9449_TOKEN)).toBe(RFC9449_ATH);
  });

  it('RFC 7638: the RSA example key thumbprints to NzbLsXh8…', async () => {
    expect(await calculateJwkThumbprint(RFC7638_KEY, 'sha256')).toBe(
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });
});

describe('RFC 9449 §7.1: the example protected-resource request', () => {
  it('is accepted at its iat, through the whole pipeline', async () => {
    const context = expectAccepted(await server().authenticate(rfcRequest()));
    expect(context.scheme).toBe('DPoP');
    expect(context.subject).toBe('someone@example.com');
    expect(context.confirmation?.jkt).toBe(RFC9449_JKT);
    expect(context.token).toBe(RFC9449_TOKEN);
  });

  it('is accepted up to 60 s either side of its iat, and refused beyond', async () => {
    expectAccepted(await server(RFC9449_IAT_MS + 60_000).authenticate(rfcRequest()));
    expectAccepted(await server(RFC9449_IAT_MS - 60_000).authenticate(rfcRequest()));
    expectRejected(await server(RFC9449_IAT_MS + 61_000).authenticate(rfcRequest()), 'dpop_iat_invalid');
    expectRejected(await server(RFC9449_IAT_MS - 61_000).authenticate(rfcRequest()), 'dpop_iat_invalid');
  });

  it('is refused the second time', async () => {
    const rs = server();
    expectAccepted(await rs.authenticate(rfcRequest()));
    const replay = expectRejected(await rs.authenticate(rfcRequest()), 'dpop_replayed');
    expect(replay.wwwAuthenticate).toBe(
      'Bearer, DPoP error="invalid_dpop_proof", error_description="The DPoP proof was already used", ' +
        'algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"',
    );
  });

  it('is refused for another method, another URL, or another token', async () => {
    expectRejected(await server().authenticate(rfcRequest({ method: 'POST' })), 'dpop_htm_mismatch');
    expectRejected(
      await server().authenticate(rfcRequest({ url: 'https://resource.example.org/otherresource' })),
      'dpop_htu_mismatch',
    );
    expectRejected(
      await server().authenticate(rfcRequest({ url: 'https://resource.example.net/protectedresource' })),
      'dpop_htu_mismatch',
    );
    expectRejected(await server().authenticate(rfcRequest({}, `${RFC9449_TOKEN}x`)), 'dpop_ath_mismatch');
  });

  it('matches htu after normalization, ignoring the query and fragment of the request URL', async () => {
    for (const url of [
      'https://RESOURCE.example.org:443/protectedresource?page=2#top',
      'HTTPS://resource.example.org/protectedresource',
      'https://resource.example.org/%70rotectedresource',
    ]) {
      expectAccepted(await server().authenticate(rfcRequest({ url })));
    }
    // A dot segment in the request's path is routed as sent (`/:a/:b` sees "."), so it matches no htu.
    for (const url of [
      'https://resource.example.org/./protectedresource',
      'https://resource.example.org/x/../protectedresource',
    ]) {
      expectRejected(await server().authenticate(rfcRequest({ url })), 'dpop_htu_mismatch');
    }
  });
});
