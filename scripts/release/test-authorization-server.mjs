// The authorization server the installed projects trust: a JWK set served over HTTP on loopback and
// RFC 9068 access tokens signed with the matching ES256 key, all with node:crypto, so the projects verify
// real signatures fetched from a real endpoint.
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';

const base64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** @returns {Promise<{ issuer: string, jwksUrl: string, mint: (claims?: object) => string, close: () => Promise<void> }>} */
export async function startTestAuthorizationServer() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify([jwk.crv, jwk.kty, jwk.x, jwk.y]))
    .digest('base64url');
  const jwks = JSON.stringify({ keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] });
  const server = createServer((request, response) => {
    request.resume();
    if (request.url !== '/jwks') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    mint(audience, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'ES256', typ: 'at+jwt', kid };
      const payload = {
        iss: issuer,
        sub: 'alice',
        aud: audience,
        client_id: 'registry-round-trip',
        iat: now,
        exp: now + 900,
        jti: randomUUID(),
        scope: 'read',
        ...claims,
      };
      const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
      const signature = sign('sha256', Buffer.from(signingInput), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      return `${signingInput}.${base64url(signature)}`;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
