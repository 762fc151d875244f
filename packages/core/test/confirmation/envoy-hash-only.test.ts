import { createTestPki, generateSigningKey, jwksOf, type TestPki, type TestSigningKey } from '@rs/testkit';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateHeaderOptions,
  createResourceServer,
  jwtResolver,
  staticJwks,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

const HEADER = 'x-forwarded-client-cert';

let pki: TestPki;
let key: TestSigningKey;
let stolen: string;

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES256', 'k1');
  stolen = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint } });
});
afterAll(() => pki.cleanup());

function server(certificateHeader: CertificateHeaderOptions) {
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  return createResourceServer({ resolver, clock: () => NOW_MS, certificateHeader });
}

/** What a thief writes: the token's own `x5t#S256`, turned into Envoy's hex `Hash=`, no certificate. */
function hashFromToken(token: string): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  return Buffer.from(base64url.decode(claims.cnf['x5t#S256'])).toString('hex');
}

describe("Envoy's Hash= without Cert=", () => {
  it('is refused under auto: a thief computes it from the stolen token alone', async () => {
    const forged = `Hash=${hashFromToken(stolen)};Subject="CN=client.example.com"`;
    const rejection = expectRejected(
      await server({ name: HEADER }).authenticate(
        bearerRequest(stolen, {
          headers: {
            authorization: `Bearer ${stolen}`,
            [HEADER]: forged,
          },
        }),
      ),
      'certificate_header_invalid',
      401,
    );
    expect(rejection.body.error).toBe('invalid_token');
    expect(rejection.body.error_description).toBe('The client certificate header could not be decoded');
  });

  it('is accepted with format envoy-xfcc configured explicitly (a proxy that sets the header)', async () => {
    const value = `Hash=${pki.client.hex}`;
    expectAccepted(
      await server({ name: HEADER, format: 'envoy-xfcc', trustedProxies: ['10.0.0.1'] }).authenticate(
        bearerRequest(stolen, {
          headers: { authorization: `Bearer ${stolen}`, [HEADER]: value },
          peerAddress: '10.0.0.1',
        }),
      ),
    );
  });

  it('with Cert= under auto, the certificate counts and a Hash= beside it must agree', async () => {
    const cert = encodeURIComponent(pki.client.pem);
    const rs = server({ name: HEADER });
    const send = (value: string) =>
      rs.authenticate(
        bearerRequest(stolen, { headers: { authorization: `Bearer ${stolen}`, [HEADER]: value } }),
      );
    expectAccepted(await send(`Hash=${pki.client.hex};Cert="${cert}"`));
    expectRejected(await send(`Hash=${pki.other.hex};Cert="${cert}"`), 'certificate_header_invalid', 401);
  });
});
