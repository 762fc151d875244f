import { generateSigningKey, jwksOf, rawToken, type TestSigningKey, tamperSignature } from '@rs/testkit';
import { base64url, CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  type FailureCode,
  jwtResolver,
  type ResourceServerOptions,
  staticJwks,
  tokenHash,
} from '../../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import {
  API_URL,
  AUDIENCE,
  expectAccepted,
  expectConfigError,
  expectRejected,
  hmacKey,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  randomBytes,
} from '../helpers.js';

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let attacker: DpopKey;
let token: string;

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey('ES256');
  attacker = await dpopKey('ES256');
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
});

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, dpop: true, clock: () => NOW_MS, ...options });

async function expectProofRefused(proof: string, code: FailureCode, description?: string) {
  const rejection = expectRejected(await server().authenticate(dpopRequest(token, proof)), code);
  if (description !== undefined) expect(rejection.description).toBe(description);
  return rejection;
}

describe('a valid DPoP request', () => {
  it('is accepted with every key type the default allow-list holds', async () => {
    for (const alg of ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA', 'Ed25519']) {
      const key = await dpopKey(alg);
      const bound = await mint(issuerKey, { cnf: { jkt: key.jkt } });
      const context = expectAccepted(
        await server().authenticate(dpopRequest(bound, await makeProof(key, {}, { token: bound }))),
      );
      expect(context.scheme, alg).toBe('DPoP');
      expect(context.location).toBe('authorization-header');
    }
  });

  it('takes the DPoP scheme case-insensitively, and typ with its application/ prefix', async () => {
    const proof = await makeProof(client, {}, { token, header: { typ: 'application/DPoP+JWT' } });
    expectAccepted(
      await server().authenticate(
        dpopRequest(token, proof, { headers: { authorization: `dpop ${token}`, dpop: proof } }),
      ),
    );
  });

  it('matches htu against the public URL after RFC 3986 normalization', async () => {
    const cases: [string, string][] = [
      ['https://API.EXAMPLE.COM:443/resource', `${API_URL}?page=2`],
      [`${API_URL}?ignored=1#frag`, API_URL],
      ['https://api.example.com/a/%7euser/%7Bx%7d', 'https://api.example.com/a/~user/%7bx%7D?q'],
      ['https://api.example.com/a/../resource', API_URL],
      ['https://api.example.com:8443/resource', 'https://api.example.com:8443/resource'],
    ];
    for (const [htu, url] of cases) {
      const proof = await makeProof(client, { htu }, { token });
      expectAccepted(await server().authenticate(dpopRequest(token, proof, { url })));
    }
  });
});

describe('proof rejections (RFC 9449 §4.3), each with its code', () => {
  // RFC 9449 §4.3 check 1, "There is not more than one DPoP HTTP request header field", is a check of
  // the proof, and §7.1 answers a proof that fails one with invalid_dpop_proof, in a 401.
  it('two DPoP headers, or two proofs joined by a comma: 401 invalid_dpop_proof', async () => {
    const one = await makeProof(client, {}, { token });
    const two = await makeProof(client, {}, { token });
    for (const header of [[one, two], [one, ''], `${one}, ${two}`, `${one},${two}`, `${one}, `, `, ${one}`]) {
      const rejection = expectRejected(
        await server().authenticate(dpopRequest(token, header)),
        'dpop_proof_multiple',
        401,
      );
      expect(rejection.error).toBe('invalid_dpop_proof');
      expect(rejection.wwwAuthenticate).toContain('DPoP error="invalid_dpop_proof"');
    }
  });

  it('no proof at all', async () => {
    expectRejected(await server().authenticate(dpopRequest(token, undefined)), 'dpop_proof_missing', 401);
    expectRejected(await server().authenticate(dpopRequest(token, '  ')), 'dpop_proof_missing', 401);
  });

  it('a proof for another method or another URL', async () => {
    await expectProofRefused(await makeProof(client, { htm: 'POST' }, { token }), 'dpop_htm_mismatch');
    await expectProofRefused(await makeProof(client, { htm: 'get' }, { token }), 'dpop_htm_mismatch');
    for (const htu of [
      'https://api.example.com/other',
      'http://api.example.com/resource',
      'https://api.example.com:8443/resource',
      'https://evil.example.com/resource',
      'https://api.example.com/resource/',
      'https://user@api.example.com/resource',
      'not a url',
      'urn:x:y',
    ]) {
      await expectProofRefused(await makeProof(client, { htu }, { token }), 'dpop_htu_mismatch');
    }
  });

  it('a stale or future iat', async () => {
    await expectProofRefused(await makeProof(client, { iat: NOW_S - 61 }, { token }), 'dpop_iat_invalid');
    await expectProofRefused(await makeProof(client, { iat: NOW_S + 61 }, { token }), 'dpop_iat_invalid');
    await expectProofRefused(await makeProof(client, { iat: `${NOW_S}` }, { token }), 'dpop_proof_invalid');
    expectAccepted(
      await server().authenticate(
        dpopRequest(token, await makeProof(client, { iat: NOW_S - 60 }, { token })),
      ),
    );
    expectAccepted(
      await server().authenticate(
        dpopRequest(token, await makeProof(client, { iat: NOW_S + 60 }, { token })),
      ),
    );
  });

  it('a narrower iat window when configured', async () => {
    const proof = await makeProof(client, { iat: NOW_S - 10 }, { token });
    expectRejected(
      await server({ dpop: { iatWindow: 5 } }).authenticate(dpopRequest(token, proof)),
      'dpop_iat_invalid',
    );
  });

  it('a wrong or missing ath', async () => {
    await expectProofRefused(
      await makeProof(client, { ath: await tokenHash(`${token}x`) }, { token }),
      'dpop_ath_mismatch',
    );
    await expectProofRefused(
      await makeProof(client, {}, {}),
      'dpop_proof_invalid',
      'The DPoP proof has no "ath"',
    );
    await expectProofRefused(await makeProof(client, { ath: null }, { token }), 'dpop_proof_invalid');
  });

  it('a proof signed by another key than its jwk', async () => {
    const proof = await makeProof(client, {}, { token, signWith: attacker.privateKey });
    await expectProofRefused(proof, 'dpop_proof_invalid', 'The DPoP proof signature is not valid');
    await expectProofRefused(tamperSignature(await makeProof(client, {}, { token })), 'dpop_proof_invalid');
  });

  it('a valid proof by another key than the token is bound to', async () => {
    const rejection = await expectProofRefused(await makeProof(attacker, {}, { token }), 'dpop_key_mismatch');
    expect(rejection.wwwAuthenticate).toContain(
      'DPoP error="invalid_token", error_description="The DPoP proof is not signed with the key the access token is bound to"',
    );
  });

  it('alg none, with or without a signature', async () => {
    const payload = { jti: 'j1', htm: 'GET', htu: API_URL, iat: NOW_S, ath: await tokenHash(token) };
    const header = { typ: 'dpop+jwt', alg: 'none', jwk: client.publicJwk };
    await expectProofRefused(
      rawToken(header, payload, ''),
      'dpop_proof_invalid',
      'The DPoP proof is not a compact JWT',
    );
    await expectProofRefused(
      rawToken(header, payload),
      'dpop_proof_invalid',
      'The DPoP proof algorithm is not accepted',
    );
  });

  it('an HS256 proof, with a public or a symmetric jwk', async () => {
    const secret = randomBytes(32);
    const hmac = await hmacKey(secret);
    const payload = new TextEncoder().encode(
      JSON.stringify({ jti: 'j2', htm: 'GET', htu: API_URL, iat: NOW_S, ath: await tokenHash(token) }),
    );
    for (const jwk of [client.publicJwk, { kty: 'oct', k: base64url.encode(secret) }]) {
      const proof = await new CompactSign(payload)
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk })
        .sign(hmac.privateKey);
      await expectProofRefused(proof, 'dpop_proof_invalid', 'The DPoP proof algorithm is not accepted');
    }
  });

  it('a private key in jwk', async () => {
    const proof = await makeProof(client, {}, { token, header: { jwk: client.privateJwk } });
    await expectProofRefused(proof, 'dpop_proof_invalid', 'The DPoP proof "jwk" holds private key material');
  });

  it('a header that is not a DPoP proof header', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ typ: 'JWT' }, 'The DPoP proof "typ" is not "dpop+jwt"'],
      [{ typ: undefined }, 'The DPoP proof "typ" is not "dpop+jwt"'],
      [{ jwk: undefined }, 'The DPoP proof has no "jwk" header'],
      [{ jwk: 'key' }, 'The DPoP proof has no "jwk" header'],
      [{ jwk: { ...client.publicJwk, crv: 'P-384' } }, 'The DPoP proof "jwk" does not fit its algorithm'],
      [{ jwk: { ...client.publicJwk, kty: 'RSA' } }, 'The DPoP proof "jwk" does not fit its algorithm'],
      [{ jwk: { ...client.publicJwk, x: '' } }, 'The DPoP proof "jwk" is not a valid public key'],
      [{ jwk: { ...client.publicJwk, x: 'AAAA' } }, 'The DPoP proof "jwk" is not a valid public key'],
    ];
    for (const [header, description] of cases) {
      await expectProofRefused(
        await makeProof(client, {}, { token, header }),
        'dpop_proof_invalid',
        description,
      );
    }
    // jose will not even sign a proof with an unknown critical header; the signature is never reached.
    const critical = rawToken(
      { typ: 'dpop+jwt', alg: 'ES256', jwk: client.publicJwk, crit: ['exp'], exp: 1 },
      { jti: 'j', htm: 'GET', htu: API_URL, iat: NOW_S, ath: await tokenHash(token) },
    );
    await expectProofRefused(critical, 'dpop_proof_invalid', 'The DPoP proof has critical header parameters');
  });

  it('an algorithm outside a configured allow-list', async () => {
    const rs = server({ dpop: { algorithms: ['ES384'] } });
    const proof = await makeProof(client, {}, { token });
    expectRejected(await rs.authenticate(dpopRequest(token, proof)), 'dpop_proof_invalid');
  });

  it('claims that are missing or of the wrong type', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ jti: undefined }, 'The DPoP proof "jti" is missing or invalid'],
      [{ jti: '' }, 'The DPoP proof "jti" is missing or invalid'],
      [{ jti: 'x'.repeat(257) }, 'The DPoP proof "jti" is missing or invalid'],
      [{ htm: undefined }, 'The DPoP proof has no "htm"'],
      [{ htu: undefined }, 'The DPoP proof has no "htu"'],
      [{ iat: undefined }, 'The DPoP proof has no numeric "iat"'],
      [{ nonce: 7 }, 'The DPoP proof "nonce" is not a string'],
    ];
    for (const [claims, description] of cases) {
      await expectProofRefused(await makeProof(client, claims, { token }), 'dpop_proof_invalid', description);
    }
  });

  it('malformed or oversized proofs, never throwing', async () => {
    for (const proof of [
      'x',
      'a.b',
      'a.b.c',
      'e30.e30.e30',
      'W10.e30.c2ln',
      '....',
      `${'A'.repeat(9_000)}.e30.c2ln`,
    ]) {
      await expectProofRefused(proof, 'dpop_proof_invalid');
    }
    const big = await makeProof(client, { pad: 'x'.repeat(400) }, { token });
    expectRejected(
      await server({ dpop: { maxProofLength: 400 } }).authenticate(dpopRequest(token, big)),
      'dpop_proof_invalid',
    );
  });
});

describe('DPoP settings refused at start-up', () => {
  it('takes iatWindow from 1 to 300 seconds, with one message whatever the mistake', () => {
    for (const iatWindow of [-1, 0, 0.5, 301, 60_000, Number.NaN, '60']) {
      const error = expectConfigError(
        () => server({ dpop: { iatWindow: iatWindow as never } }),
        'dpop.iatWindow',
      );
      expect(error.problem).toBe('must be a number of seconds from 1 to 300');
    }
    expect(() => server({ dpop: { iatWindow: 1 } })).not.toThrow();
    expect(() => server({ dpop: { iatWindow: 300 } })).not.toThrow();
  });

  it('takes maxProofLength from the shortest possible proof to 16 KiB, in whole characters', () => {
    // The shortest proof that can pass (Ed25519 key, one-character jti, htu "http://a") has 392 characters.
    for (const maxProofLength of [1, 383, 0.5, 8_192.5, 16_385, 1e15]) {
      const error = expectConfigError(() => server({ dpop: { maxProofLength } }), 'dpop.maxProofLength');
      expect(error.problem).toBe('must be an integer from 384 to 16384');
    }
    expect(() => server({ dpop: { maxProofLength: 384 } })).not.toThrow();
    expect(() => server({ dpop: { maxProofLength: 16_384 } })).not.toThrow();
  });
});
