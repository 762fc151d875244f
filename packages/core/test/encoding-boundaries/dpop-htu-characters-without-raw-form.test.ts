// RFC 9449 §4.3 check 9 compares `htu` with the request's URI after RFC 3986 §6.2.2 normalization. RFC
// 3986 allows `^`, `|`, `[` and `]` in no path: a client that writes one raw (a WHATWG URL leaves them
// so) and one that escapes it (`%5E`, as RFC 3986 libraries and newer URL parsers do) name the same path,
// and the normal form of a protected resource identifier already escapes them. `htu` was compared with
// them raw on one side and escaped on the other, so a proof from a client whose request line and `htu`
// were written by different libraries was refused for the URL it was made for.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicBaseUrl, requestUrl } from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, normalizeHttpUri, staticJwks } from '../../src/index.js';
import { type DpopKey, dpopKey, makeProof } from '../dpop-setup.js';
import { AUDIENCE, ISSUER, mint, NOW_MS } from '../helpers.js';

const PUBLIC_URL = 'https://api.example.com';

let client: DpopKey;
let token: string;
let server: Server;
let port: number;

beforeAll(async () => {
  const issuerKey = await generateSigningKey('ES256', 'k1');
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey('ES256');
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
  const rs = createResourceServer({ resolver, dpop: true, clock: () => NOW_MS });
  const base = publicBaseUrl(PUBLIC_URL, 'publicUrl');
  // What the Fastify and Express adapters do: RsRequest.url is the public base and the target as received.
  server = createServer(async (req, res) => {
    const result = await rs.authenticate({
      method: req.method ?? 'GET',
      url: requestUrl(base, 'http', req.headers.host, req.url ?? '/'),
      headers: req.headers as Record<string, string>,
    });
    res.statusCode = result.ok ? 200 : result.rejection.status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(result.ok ? {} : result.rejection.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A GET of `target` exactly as written (node:http sends the request-target unchanged), with a proof for `htu`. */
async function sendWithProof(htu: string, target: string): Promise<{ status: number; code?: string }> {
  const proof = await makeProof(client, { htu }, { token });
  return new Promise((resolve, reject) => {
    const headers = { authorization: `DPoP ${token}`, dpop: proof, host: 'api.example.com' };
    const request = httpRequest({ host: '127.0.0.1', port, path: target, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode!, code: JSON.parse(text).code }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('htu and a path holding a character RFC 3986 allows in no path', () => {
  it.each([
    ['/files/a%5Eb', '/files/a^b'],
    ['/files/a%5eb', '/files/a^b'],
    ['/files/a^b', '/files/a%5Eb'],
    ['/files/a%7Cb', '/files/a|b'],
    ['/files/a|b', '/files/a%7cb'],
    ['/files/%5Ba%5D', '/files/[a]'],
    ['/files/[a]', '/files/%5Ba%5D'],
    ['/files/a^b', '/files/a^b'],
    ['/files/a%5Eb', '/files/a%5Eb'],
  ])('htu %s and the request GET %s: 200', async (htuPath, target) => {
    const response = await sendWithProof(`${PUBLIC_URL}${htuPath}`, target);
    expect(response).toEqual({ status: 200 });
  });

  it.each([
    // An escaped `%` is a `%`, not the escape it spells.
    ['/files/a^b', '/files/a%255Eb'],
    ['/files/a%5Eb', '/files/a%255Eb'],
    ['/files/a^b', '/files/a/b'],
  ])('htu %s and the request GET %s: 401 dpop_htu_mismatch', async (htuPath, target) => {
    const response = await sendWithProof(`${PUBLIC_URL}${htuPath}`, target);
    expect(response).toEqual({ status: 401, code: 'dpop_htu_mismatch' });
  });

  it('gives the one normal form, as the resource identifier has it', () => {
    expect(normalizeHttpUri('https://api.example.com/a|b^c[d]')).toBe(
      'https://api.example.com/a%7Cb%5Ec%5Bd%5D',
    );
    expect(normalizeHttpUri('https://api.example.com/a%7cb%5ec%5bd%5d')).toBe(
      'https://api.example.com/a%7Cb%5Ec%5Bd%5D',
    );
  });
});
