// What the resource server sends when it introspects, read as the bytes that arrive on a loopback socket,
// with both HTTP clients: the request line, every header, the body. Per method: the credentials in one
// place only (RFC 6749 §2.3), Basic credentials form-urlencoded before base64 and decodable as
// oidc-provider decodes them (RFC 6749 §2.3.1), a fresh client assertion per attempt (RFC 7523 §3), and
// the token in the body only (RFC 7662 §2.1).

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientAuthentication,
  fetchHttpClient,
  type IntrospectionResolverOptions,
  introspectionResolver,
  staticJwks,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { bearerRequest } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';

/** One request as it arrived on the socket. */
interface RawRequest {
  readonly requestLine: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

/** A loopback server that records each raw request and answers it with `answers`, in turn. */
interface Recorder {
  readonly endpoint: string;
  readonly requests: RawRequest[];
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const ACTIVE = { status: 200, json: { active: true, client_id: 'app' } };

async function startRecorder(answers: { status: number; json: unknown }[] = [ACTIVE]): Promise<Recorder> {
  const requests: RawRequest[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [requestLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = lines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
      });
      const length = Number(headers.find(([name]) => name === 'content-length')?.[1] ?? 0);
      if (buffered.byteLength < end + 4 + length) return;
      const body = buffered.subarray(end + 4, end + 4 + length).toString('latin1');
      buffered = buffered.subarray(end + 4 + length);
      const { status, json } = answers[Math.min(requests.length, answers.length - 1)]!;
      requests.push({ requestLine, headers, body });
      const text = JSON.stringify(json);
      socket.write(
        `HTTP/1.1 ${status} Answer\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`, requests };
}

/** The values of header `name`, however many times it was sent. */
function headerValues(request: RawRequest | undefined, name: string): string[] {
  return (request?.headers ?? []).filter(([field]) => field === name).map(([, value]) => value);
}

/** The form's fields in order, the body decoded as UTF-8 (what a server reads). */
function formOf(request: RawRequest | undefined): [string, string][] {
  return [...new URLSearchParams(Buffer.from(request?.body ?? '', 'latin1').toString('utf8'))];
}

// oidc-provider's decoding of each half of Basic credentials (lib/shared/client_auth.js), which is also
// Keycloak's (URLDecoder, UTF-8).
function decodeBasicPart(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, '%20'));
}

const TOKEN = 'tok-._~+/en==';
let signingKey: JWK;
beforeAll(async () => {
  signingKey = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
});

describe.each([
  ['fetch', fetchHttpClient],
  ['undici', undiciHttpClient],
] as const)('the introspection request on the wire, with the %s client', (_name, makeClient) => {
  async function introspect(
    clientAuthentication: ClientAuthentication,
    options: Partial<IntrospectionResolverOptions> = {},
    answers?: { status: number; json: unknown }[],
  ): Promise<RawRequest[]> {
    const recorder = await startRecorder(answers);
    const resolver = introspectionResolver({
      endpoint: recorder.endpoint,
      acceptAnyAudience: true,
      clientAuthentication,
      httpClient: makeClient(),
      onError: () => undefined,
      ...options,
    });
    await resourceServerWith(resolver).authenticate(bearerRequest(TOKEN));
    return recorder.requests;
  }

  it.each([
    ['colon, space, plus, slash, equals, percent', 'rs client:1', 's3cr:t+/= %25x'],
    ['non-ASCII', 'rüb€', 'pässwörd€'],
    ['characters form-urlencoding escapes and URI encoding does not', 'a*b~c', "!'()*-._~"],
  ])(
    'client_secret_basic with %s: one Authorization header, decodable, nothing in the form',
    async (_what, id, secret) => {
      const [request] = await introspect({
        method: 'client_secret_basic',
        clientId: id,
        clientSecret: secret,
      });
      expect(request?.requestLine).toBe('POST /introspect HTTP/1.1');
      const [authorization, ...more] = headerValues(request, 'authorization');
      expect(more).toEqual([]);
      expect(authorization).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
      const credentials = Buffer.from(authorization!.slice('Basic '.length), 'base64').toString('latin1');
      // Form-urlencoded first: only ASCII, and only the separator is a literal colon.
      expect(credentials).toMatch(/^[\x21-\x7e]+$/);
      expect(credentials.split(':')).toHaveLength(2);
      const [encodedId, encodedSecret] = credentials.split(':') as [string, string];
      expect(decodeBasicPart(encodedId)).toBe(id);
      expect(decodeBasicPart(encodedSecret)).toBe(secret);
      expect(formOf(request)).toEqual([
        ['token', TOKEN],
        ['token_type_hint', 'access_token'],
      ]);
    },
  );

  it('client_secret_post: id and secret in the form once each, no Authorization header', async () => {
    const [request] = await introspect({
      method: 'client_secret_post',
      clientId: 'rü b',
      clientSecret: 'p+ä%20&=',
    });
    expect(headerValues(request, 'authorization')).toEqual([]);
    expect(formOf(request)).toEqual([
      ['token', TOKEN],
      ['token_type_hint', 'access_token'],
      ['client_id', 'rü b'],
      ['client_secret', 'p+ä%20&='],
    ]);
  });

  it('private_key_jwt: one assertion in the form, no Authorization header, no secret', async () => {
    const requests = await introspect(
      { method: 'private_key_jwt', clientId: 'rs-jwt', privateKey: signingKey, algorithm: 'ES256' },
      // The first attempt answered 503: the retry carries an assertion of its own.
      { retries: 1, retryDelay: 1 },
      [{ status: 503, json: {} }, ACTIVE],
    );
    expect(requests).toHaveLength(2);
    const assertions = requests.map((request) => {
      expect(headerValues(request, 'authorization')).toEqual([]);
      const form = formOf(request);
      expect(form.map(([name]) => name)).toEqual([
        'token',
        'token_type_hint',
        'client_id',
        'client_assertion_type',
        'client_assertion',
      ]);
      expect(Object.fromEntries(form).client_assertion_type).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
      return Object.fromEntries(form).client_assertion!;
    });
    const endpoint = `http://${headerValues(requests[0], 'host')[0]}/introspect`;
    const claims = assertions.map((assertion) => {
      expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256' });
      const payload = decodeJwt(assertion);
      expect(payload).toMatchObject({ iss: 'rs-jwt', sub: 'rs-jwt', aud: endpoint });
      expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
      expect(payload.exp! - payload.iat!).toBe(60);
      return payload;
    });
    expect(claims[0]?.jti).not.toBe(claims[1]?.jti);
  });

  it.each(['RS256', 'PS384', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'])(
    'private_key_jwt with %s, as a JWK and as a CryptoKey: the header names the algorithm, the key verifies it',
    async (algorithm) => {
      const pair = await generateKeyPair(algorithm, { extractable: true });
      for (const privateKey of [await exportJWK(pair.privateKey), pair.privateKey]) {
        const [request] = await introspect({
          method: 'private_key_jwt',
          clientId: 'rs',
          privateKey,
          algorithm,
        });
        const assertion = Object.fromEntries(formOf(request)).client_assertion ?? '';
        const { protectedHeader } = await jwtVerify(assertion, pair.publicKey, { algorithms: [algorithm] });
        expect(protectedHeader).toEqual({ alg: algorithm });
      }
    },
  );

  it('asks for JSON, or for RFC 9701 signed answers only when configured', async () => {
    const auth: ClientAuthentication = { method: 'client_secret_post', clientId: 'rs', clientSecret: 's' };
    const [plain] = await introspect(auth);
    expect(headerValues(plain, 'accept')).toEqual(['application/json']);
    expect(headerValues(plain, 'content-type')).toEqual(['application/x-www-form-urlencoded']);
    const { d: _d, ...publicKey } = signingKey;
    const [signed] = await introspect(auth, {
      issuer: 'https://as.example.com',
      jwtResponse: { keys: staticJwks({ keys: [publicKey] }), audience: 'rs' },
    });
    expect(headerValues(signed, 'accept')).toEqual(['application/token-introspection+jwt']);
  });

  it('sends the token in the body only, never in the URL, with no token_type_hint when turned off', async () => {
    const [request] = await introspect(
      { method: 'client_secret_basic', clientId: 'rs', clientSecret: 's' },
      { tokenTypeHint: false },
    );
    expect(request?.requestLine).toBe('POST /introspect HTTP/1.1');
    expect(formOf(request)).toEqual([['token', TOKEN]]);
  });
});
