// RFC 9449 read as a conformance reviewer would, for the checks a resource server makes that no other
// file asserts: htm compared as the case-sensitive method token (RFC 9110 §9.1), a proof key that must
// fit its algorithm (§4.3 check 5), htu compared with its query and fragment ignored (§4.3 check 9),
// every other part of the target URI significant, a nonce a server that issues none does not ask about,
// and the same answers for RS256, PS256 and EdDSA proofs as for ES256 ones. Real keys and signatures.
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
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
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
} from '../helpers.js';

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let token: string;

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey('ES256');
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
});

const server = (options: Partial<ResourceServerOptions> = {}) =>
  createResourceServer({ resolver, dpop: true, clock: () => NOW_MS, ...options });

describe('RFC 9449 §4.3 at a resource server', () => {
  it('check 8: htm is the method token, compared case-sensitively', async () => {
    for (const htm of ['get', 'Get', 'GET ', ' GET']) {
      const proof = await makeProof(client, { htm }, { token });
      expectRejected(await server().authenticate(dpopRequest(token, proof)), 'dpop_htm_mismatch');
    }
    const post = await makeProof(client, { htm: 'POST' }, { token });
    expectAccepted(await server().authenticate(dpopRequest(token, post, { method: 'POST' })));
  });

  it('check 5: a jwk that does not fit alg is refused, even when it made the signature', async () => {
    const cases: Array<[alg: string, keyAlg: string]> = [
      ['ES256', 'ES384'],
      ['ES384', 'ES256'],
      ['ES256', 'ES512'],
    ];
    for (const [alg, keyAlg] of cases) {
      const { privateKey, publicKey } = await generateKeyPair(keyAlg, { extractable: true });
      const jwk = await exportJWK(publicKey);
      const payload = {
        jti: crypto.randomUUID(),
        htm: 'GET',
        htu: API_URL,
        iat: NOW_S,
        ath: await tokenHash(token),
      };
      // jose refuses to sign with a key of another curve, so the header names `alg` after signing.
      const signed = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ typ: 'dpop+jwt', alg: keyAlg, jwk })
        .sign(privateKey);
      const [, body, signature] = signed.split('.');
      const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg, jwk })).toString('base64url');
      const rejection = expectRejected(
        await server().authenticate(dpopRequest(token, `${header}.${body}.${signature}`)),
        'dpop_proof_invalid',
      );
      expect(rejection.error, `${alg} with a ${keyAlg} key`).toBe('invalid_dpop_proof');
    }
    // An X25519 key is no signing key, whatever alg names it.
    const { publicKey } = await generateKeyPair('ECDH-ES', { crv: 'X25519', extractable: true });
    const x25519 = await exportJWK(publicKey);
    const [, body, signature] = (await makeProof(client, {}, { token })).split('.');
    const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: x25519 })).toString(
      'base64url',
    );
    expectRejected(
      await server().authenticate(dpopRequest(token, `${header}.${body}.${signature}`)),
      'dpop_proof_invalid',
    );
  });

  it('check 9: the query and fragment of htu are ignored, the scheme, host, port and path are not', async () => {
    for (const htu of [`${API_URL}?a=1`, `${API_URL}#part`, `${API_URL}?a=1#part`, `${API_URL}?`]) {
      const proof = await makeProof(client, { htu }, { token });
      expectAccepted(await server().authenticate(dpopRequest(token, proof, { url: `${API_URL}?b=2` })));
    }
    for (const htu of [
      'http://api.example.com/resource',
      'https://api.example.com:8443/resource',
      'https://other.example.com/resource',
      'https://api.example.com/resource/',
      'https://api.example.com/Resource',
      'https://api.example.com/resourc',
    ]) {
      const proof = await makeProof(client, { htu }, { token });
      expectRejected(await server().authenticate(dpopRequest(token, proof)), 'dpop_htu_mismatch');
    }
  });

  it('check 11: a nonce in a proof is no reason to refuse it when the server issues none', async () => {
    const proof = await makeProof(client, { nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v' }, { token });
    expectAccepted(await server().authenticate(dpopRequest(token, proof)));
  });

  it('answers RS256, PS256 and EdDSA proofs as ES256 ones: accepted, then refused when replayed or altered', async () => {
    for (const alg of ['RS256', 'PS256', 'EdDSA']) {
      const key = await dpopKey(alg);
      const bound = await mint(issuerKey, { cnf: { jkt: key.jkt } });
      const rs = server();
      const proof = await makeProof(key, {}, { token: bound });
      expectAccepted(await rs.authenticate(dpopRequest(bound, proof)));
      expectRejected(await rs.authenticate(dpopRequest(bound, proof)), 'dpop_replayed');
      const [header, , signature] = proof.split('.');
      const otherClaims = Buffer.from(
        JSON.stringify({
          jti: crypto.randomUUID(),
          htm: 'GET',
          htu: API_URL,
          iat: NOW_S,
          ath: await tokenHash(bound),
        }),
      ).toString('base64url');
      expectRejected(
        await rs.authenticate(dpopRequest(bound, `${header}.${otherClaims}.${signature}`)),
        'dpop_proof_invalid',
      );
    }
  });
});
