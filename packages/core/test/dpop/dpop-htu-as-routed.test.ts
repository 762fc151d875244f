// RFC 9449 §4.3 check 9 compares `htu` with the URI of the request, and the request is the route the
// framework chose. Fastify (find-my-way) and Express (path-to-regexp) route the path as it was sent:
// `/files/a\b` reaches `/files/:name`, `/x/../items` and `/x/%2e%2e/items` reach `/:a/:b/:c`. The WHATWG
// parser would read them as `/files/a/b` and `/items`, so comparing its result with `htu` let a proof
// made for one route be used on another. The request's path is compared as sent (only the
// percent-encoding normalizations of RFC 3986 §6.2.2.1–2 apply), and the proof's own `htu` must be an
// http(s) URI as RFC 3986 spells one.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicBaseUrl, requestUrl } from '../../src/adapter/index.js';
import { receivedHttpUri } from '../../src/dpop/http-uri.js';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  normalizeHttpUri,
  type ResourceServer,
  staticJwks,
} from '../../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { API_URL, AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

const PUBLIC_URL = 'https://api.example.com';
// Most specific first, as both routers rank them.
const ROUTES = ['/items', '/files/:name', '/files/:a/:b', '/:a/:b/:c'];

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let token: string;
let rs: ResourceServer;
let server: Server;
let port: number;

/**
 * The route a target reaches in Fastify and Express: its path as sent, cut at `/`, static segments
 * equal and parameters any non-empty segment; no dot segment resolved, no `\` read as `/`. (Both were
 * seen to route every target below so.) An absolute-form target routes by the path after its authority.
 */
function route(target: string): string | undefined {
  const path = target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, '').split('?')[0]!;
  const segments = path.split('/').slice(1);
  return ROUTES.find((pattern) => {
    const parts = pattern.split('/').slice(1);
    return (
      parts.length === segments.length &&
      parts.every((part, i) => (part.startsWith(':') ? segments[i] !== '' : part === segments[i]))
    );
  });
}

beforeAll(async () => {
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey('ES256');
  token = await mint(issuerKey, { cnf: { jkt: client.jkt } });
  rs = createResourceServer({ resolver, dpop: true, clock: () => NOW_MS });
  const base = publicBaseUrl(PUBLIC_URL, 'publicUrl');
  // What the Fastify and Express adapters do: RsRequest.url is the public base and the target as received.
  server = createServer(async (req, res) => {
    const target = req.url ?? '/';
    const result = await rs.authenticate({
      method: req.method ?? 'GET',
      url: requestUrl(base, 'http', req.headers.host, target),
      headers: req.headers as Record<string, string>,
    });
    res.setHeader('content-type', 'application/json');
    if (result.ok) {
      res.end(JSON.stringify({ route: route(target) }));
    } else {
      res.statusCode = result.rejection.status;
      res.end(JSON.stringify(result.rejection.body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A GET of `target` exactly as written (node:http sends the request-target unchanged). */
function send(
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: { route?: string; code?: string } }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path: target, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end();
  });
}

async function sendWithProof(htu: string, target: string) {
  const proof = await makeProof(client, { htu }, { token });
  return send(target, { authorization: `DPoP ${token}`, dpop: proof, host: 'api.example.com' });
}

describe('a proof is only good for the route its htu names, over real HTTP', () => {
  it.each([
    ['/items', '/items', '/items'],
    ['/files/a/b', '/files/a/b', '/files/:a/:b'],
    ['/files/report', '/files/report?download=1', '/files/:name'],
    ['/a/~user/x', '/a/%7Euser/x', '/:a/:b/:c'],
    ['/items', 'http://api.example.com/items', '/items'],
  ])('htu %s and the request GET %s: 200 from %s', async (htuPath, target, reached) => {
    const response = await sendWithProof(`${PUBLIC_URL}${htuPath}`, target);
    expect(response.status).toBe(200);
    expect(response.body.route).toBe(reached);
  });

  it.each([
    // WHATWG reads `\` as `/` in http(s) URLs.
    ['/files/a/b', '/files/a\\b'],
    // Dot segments, in every spelling the WHATWG parser resolves.
    ['/items', '/x/../items'],
    ['/items', '/x/../items?q=1'],
    ['/items', '/x/%2e%2e/items'],
    ['/items', '/x/%2E%2E/items'],
    ['/items', '/x/.%2e/items'],
    ['/items', '/x/%2E./items'],
    ['/x/items', '/x/./items'],
    ['/x/items', '/x/%2e/items'],
    ['/a/b/', '/a/b/.'],
    ['/a/', '/a/b/..'],
    ['/a/', '/a/b/%2e%2E'],
    // The same in absolute-form (RFC 9112 §3.2.2), routed by its path as sent too.
    ['/items', 'http://api.example.com/x/../items'],
    ['/items', 'http://api.example.com/x/%2e%2e/items'],
    ['/files/a/b', 'http://api.example.com/files/a\\b'],
  ])(
    'htu %s and the request GET %s, which reaches another route: 401 dpop_htu_mismatch',
    async (htuPath, target) => {
      expect(route(target)).toBeDefined();
      expect(route(target)).not.toBe(route(htuPath));
      const response = await sendWithProof(`${PUBLIC_URL}${htuPath}`, target);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('dpop_htu_mismatch');
    },
  );
});

describe('the request URL htu is compared with', () => {
  it('matches no proof when the URL parser would change the route its path reaches', async () => {
    for (const target of [
      '/files/a\\b',
      '/x/../items',
      '/x/%2e%2E/items',
      '/x/./items',
      '/items/.',
      '/items/..',
      '/items/%2E',
      '/items/.%2e',
    ]) {
      const url = `${PUBLIC_URL}${target}`;
      expect(receivedHttpUri(url), JSON.stringify(url)).toBeUndefined();
      // Neither a proof naming the request's own spelling nor one naming the parser's reading matches.
      for (const htu of [url, new URL(url).href]) {
        const proof = await makeProof(client, { htu }, { token });
        expectRejected(await rs.authenticate(dpopRequest(token, proof, { url })), 'dpop_htu_mismatch', 401);
      }
    }
  });

  it('is the path as received, with only RFC 3986 §6.2.2.1–2 percent-encoding normalization', async () => {
    const cases: [string, string][] = [
      ['https://api.example.com/a/%7euser/%7Bx%7d', 'https://api.example.com/a/~user/%7bx%7D?q'],
      ['https://api.example.com/a/~user', 'https://api.example.com/%61/%7Euser'],
      ['https://API.EXAMPLE.COM:443/resource', `${API_URL}?page=2`],
      ['https://api.example.com/', 'https://api.example.com'],
      ['https://api.example.com/a..b/.c/d.', 'https://api.example.com/a..b/.c/d.'],
      ['https://api.example.com/%2F..%2F', 'https://api.example.com/%2f..%2f'],
    ];
    for (const [htu, url] of cases) {
      expect(receivedHttpUri(url), url).toBe(normalizeHttpUri(htu));
      const proof = await makeProof(client, { htu }, { token });
      expectAccepted(await rs.authenticate(dpopRequest(token, proof, { url })));
    }
  });

  it('takes characters with no raw form in a URI as their UTF-8 percent-encoding, as sent', async () => {
    // API Gateway REST APIs hand over the path decoded, so the URL the Lambda adapter builds holds them
    // raw; percent-encoded, they change no segment of the path. What the parser would drop stays.
    const cases: [string, string, string][] = [
      ['/files/my doc', '/files/my%20doc', '/files/mydoc'],
      ['/caf\u00e9', '/caf%C3%A9', '/cafe'],
      ['/{x}', '/%7Bx%7D', '/x'],
      ['/it\tems', '/it%09ems', '/items'],
      ['/a\nb', '/a%0Ab', '/ab'],
      ['/items\u0000', '/items%00', '/items'],
      // The parser would drop the tab and resolve a dot segment: kept, there is none.
      ['/x/.\t./items', '/x/.%09./items', '/items'],
    ];
    for (const [path, sent, other] of cases) {
      const url = `${PUBLIC_URL}${path}`;
      expect(receivedHttpUri(url), JSON.stringify(url)).toBe(`${PUBLIC_URL}${sent}`);
      const proof = await makeProof(client, { htu: `${PUBLIC_URL}${sent}` }, { token });
      expectAccepted(await rs.authenticate(dpopRequest(token, proof, { url })));
      const elsewhere = await makeProof(client, { htu: `${PUBLIC_URL}${other}` }, { token });
      expectRejected(await rs.authenticate(dpopRequest(token, elsewhere, { url })), 'dpop_htu_mismatch');
    }
  });
});

describe('the proof htu', () => {
  it('must be an absolute http(s) URI with // and an authority, without backslash, white space or control', async () => {
    for (const htu of [
      'https:api.example.com/resource',
      'HTTPS:api.example.com/resource',
      'https:/api.example.com/resource',
      'https:\\\\api.example.com\\resource',
      'https:\\/api.example.com/resource',
      'https://api.example.com\\resource',
      'https:///api.example.com/resource',
      'https:////api.example.com/resource',
      'https://@api.example.com/resource',
      'https://api.exa\tmple.com/resource',
      'https://api.example.com/reso\nurce',
      'https://api.example.com/reso\rurce',
      ' https://api.example.com/resource',
      'https://api.example.com/resource ',
      '\u0000https://api.example.com/resource',
      'https://api.example.com/resource\u001f',
      'https://api.example.com/resource\u00a0',
    ]) {
      expect(normalizeHttpUri(htu), JSON.stringify(htu)).toBeUndefined();
      const proof = await makeProof(client, { htu }, { token });
      expectRejected(await rs.authenticate(dpopRequest(token, proof)), 'dpop_htu_mismatch', 401);
    }
  });

  it('may still name the request in any RFC 3986 equivalent spelling, dot segments included', async () => {
    for (const htu of [
      API_URL,
      'HTTPS://API.example.com:443/resource',
      'https://api.example.com/%72esource',
      'https://api.example.com/a/../resource',
      'https://api.example.com/./resource#f',
    ]) {
      expect(normalizeHttpUri(htu), htu).toBe(API_URL);
      const proof = await makeProof(client, { htu }, { token });
      expectAccepted(await rs.authenticate(dpopRequest(token, proof)));
    }
  });
});
