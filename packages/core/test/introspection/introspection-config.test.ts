import { generateKeyPairSync } from 'node:crypto';
import { base64url, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type ClientAuthentication,
  fetchHttpClient,
  type IntrospectionResolverOptions,
  introspectionResolver,
} from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

const ENDPOINT = 'https://as.example.com/oauth2/introspect';
const BASIC: ClientAuthentication = { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' };

function build(options: Partial<IntrospectionResolverOptions>) {
  return () =>
    introspectionResolver({
      endpoint: ENDPOINT,
      clientAuthentication: BASIC,
      audience: 'https://api.example.com',
      ...options,
    } as IntrospectionResolverOptions);
}

function buildWithAuth(clientAuthentication: unknown) {
  return build({ clientAuthentication: clientAuthentication as ClientAuthentication });
}

describe('introspection configuration errors, at start-up', () => {
  it('needs the endpoint or an issuer to discover it from', () => {
    expectConfigError(build({ endpoint: undefined }), 'introspectionResolver.endpoint');
    expect(build({ endpoint: undefined, issuer: 'https://as.example.com' })).not.toThrow();
  });

  it('refuses plain http to a non-loopback host, unless allowed', () => {
    expectConfigError(
      build({ endpoint: 'http://as.example.com/introspect' }),
      'introspectionResolver.endpoint',
    );
    expectConfigError(
      build({ endpoint: undefined, issuer: 'http://as.example.com' }),
      'introspectionResolver.issuer',
    );
    expect(build({ endpoint: 'http://as.example.com/introspect', allowInsecureHttp: true })).not.toThrow();
    expect(build({ endpoint: 'http://127.0.0.1:8080/introspect' })).not.toThrow();
    expect(build({ endpoint: 'http://localhost:8080/introspect' })).not.toThrow();
  });

  it('takes a plain http issuer that is only compared with iss (an endpoint given), as jwtResolver does', () => {
    // Identity Gateway's examples name Access Management as http://am.example.com:8088/openam/oauth2.
    const issuer = 'http://am.example.com:8088/openam/oauth2';
    expect(build({ issuer })).not.toThrow();
    expect(build({ issuer: ['https://as.example.com', issuer] })).not.toThrow();
    // Discovery fetches the first issuer: that one still must be https.
    expectConfigError(build({ endpoint: undefined, issuer }), 'introspectionResolver.issuer');
    expect(build({ endpoint: undefined, issuer: ['https://as.example.com', issuer] })).not.toThrow();
  });

  it('refuses endpoints that are not absolute, carry credentials or a fragment', () => {
    expectConfigError(build({ endpoint: '/introspect' }), 'introspectionResolver.endpoint');
    expectConfigError(
      build({ endpoint: 'https://rs:secret@as.example.com/introspect' }),
      'introspectionResolver.endpoint',
    );
    expectConfigError(
      build({ endpoint: 'https://as.example.com/introspect#x' }),
      'introspectionResolver.endpoint',
    );
  });

  it.each([
    'https://as.example.com\n',
    ' https://as.example.com',
    'https://as.example.com/tenant\t/',
    'https://AS.example.com',
    'Https://as.example.com',
  ])("refuses the issuer %j, which no answer's iss could ever equal", (issuer) => {
    expectConfigError(build({ issuer }), 'introspectionResolver.issuer');
    expectConfigError(build({ endpoint: undefined, issuer }), 'introspectionResolver.issuer');
  });

  it.each([
    'https://as.example.com/',
    'https://as.example.com:8443',
    'https://as.example.com/oauth2/realms/root/realms/Alpha',
  ])('accepts the issuer %j: paths, ports and trailing slashes are legitimate', (issuer) => {
    expect(build({ issuer })).not.toThrow();
  });

  it.each([-1, 6, 1.5, Number.NaN])('refuses retries %s', (retries) => {
    expectConfigError(build({ retries }), 'introspectionResolver.retries');
  });

  it('refuses durations and sizes that cannot work', () => {
    expectConfigError(build({ timeout: 0 }), 'introspectionResolver.timeout');
    expectConfigError(build({ retryDelay: -5 }), 'introspectionResolver.retryDelay');
    expectConfigError(
      build({ maxResponseBytes: Number.POSITIVE_INFINITY }),
      'introspectionResolver.maxResponseBytes',
    );
    expectConfigError(build({ skewAllowance: -1 }), 'introspectionResolver.skewAllowance');
  });

  it('refuses an empty audience', () => {
    expectConfigError(build({ audience: [] }), 'introspectionResolver.audience');
    expectConfigError(build({ audience: '' }), 'introspectionResolver.audience');
  });

  it('needs client authentication with everything its method requires', () => {
    expectConfigError(buildWithAuth(undefined), 'introspectionResolver.clientAuthentication');
    expectConfigError(
      buildWithAuth({ method: 'client_secret_basic', clientId: 'rs' }),
      'introspectionResolver.clientAuthentication.clientSecret',
    );
    expectConfigError(
      buildWithAuth({ method: 'client_secret_post', clientId: 'rs', clientSecret: '' }),
      'introspectionResolver.clientAuthentication.clientSecret',
    );
    expectConfigError(
      buildWithAuth({ method: 'client_secret_basic', clientSecret: 'secret' }),
      'introspectionResolver.clientAuthentication.clientId',
    );
    expectConfigError(
      buildWithAuth({ method: 'bearer' }),
      'introspectionResolver.clientAuthentication.token',
    );
    expectConfigError(
      buildWithAuth({ method: 'tls_client_auth' }),
      'introspectionResolver.clientAuthentication.clientId',
    );
  });

  it('private_key_jwt needs an asymmetric algorithm and a key', () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' };
    expectConfigError(
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', privateKey: key, algorithm: 'HS256' }),
      'introspectionResolver.clientAuthentication.algorithm',
    );
    expectConfigError(
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', algorithm: 'ES256' }),
      'introspectionResolver.clientAuthentication.privateKey',
    );
  });

  it('private_key_jwt refuses, when built, a key it could only fail to sign with at the first call', async () => {
    const auth = (privateKey: unknown, algorithm = 'ES256') =>
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', privateKey, algorithm });
    const option = 'introspectionResolver.clientAuthentication.privateKey';
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = ec.privateKey.export({ format: 'jwk' });
    expect(auth(privateJwk)).not.toThrow();
    expectConfigError(auth(ec.publicKey.export({ format: 'jwk' })), option);
    expectConfigError(auth(privateJwk, 'RS256'), option);
    expectConfigError(auth(privateJwk, 'none'), 'introspectionResolver.clientAuthentication.algorithm');
    const webCrypto = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    expect(auth(webCrypto.privateKey)).not.toThrow();
    expectConfigError(auth(webCrypto.publicKey), option);
  });

  it('private_key_jwt refuses a CryptoKey of another algorithm, hash or curve than the one named', async () => {
    const auth = (privateKey: unknown, algorithm: string) =>
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', privateKey, algorithm });
    const option = 'introspectionResolver.clientAuthentication.privateKey';
    const { privateKey: es256 } = await generateKeyPair('ES256');
    const { privateKey: ps256 } = await generateKeyPair('PS256');
    const { privateKey: ed25519 } = await generateKeyPair('Ed25519');

    const wrongType = expectConfigError(auth(es256, 'RS256'), option);
    expect(wrongType.message).toContain('ECDSA P-256');
    expect(wrongType.message).toContain('RSASSA-PKCS1-v1_5 SHA-256');
    expectConfigError(auth(es256, 'ES384'), option);
    expectConfigError(auth(es256, 'EdDSA'), option);
    expectConfigError(auth(ps256, 'RS256'), option);
    expectConfigError(auth(ps256, 'PS384'), option);
    expectConfigError(auth(ed25519, 'ES256'), option);
    expect(auth(es256, 'ES256')).not.toThrow();
    expect(auth(ps256, 'PS256')).not.toThrow();
    expect(auth(ed25519, 'EdDSA')).not.toThrow();
    expect(auth(ed25519, 'Ed25519')).not.toThrow();
  });

  describe('private_key_jwt refuses a private JWK WebCrypto could not import, without repeating it', () => {
    const option = 'introspectionResolver.clientAuthentication.privateKey';
    const auth = (privateKey: JWK, algorithm: string) =>
      buildWithAuth({ method: 'private_key_jwt', clientId: 'rs', privateKey, algorithm });
    const privateJwk = async (alg: string) =>
      exportJWK((await generateKeyPair(alg, { extractable: true })).privateKey);
    const bytes = (length: number, fill = 7) => base64url.encode(new Uint8Array(length).fill(fill));

    it.each([
      ['ES256', "a 'd' of 3 bytes", (jwk: JWK) => ({ ...jwk, d: 'AAAA' })],
      ['ES256', "a 'd' of 31 bytes", (jwk: JWK) => ({ ...jwk, d: bytes(31) })],
      ['ES256', "a 'd' of zeros", (jwk: JWK) => ({ ...jwk, d: bytes(32, 0) })],
      ['ES256', "a 'd' that is not base64url", (jwk: JWK) => ({ ...jwk, d: `${jwk.d!.slice(1)}!` })],
      ['ES384', "a 'd' of P-256's length", (jwk: JWK) => ({ ...jwk, d: bytes(32) })],
      ['ES512', "a 'd' of 65 bytes", (jwk: JWK) => ({ ...jwk, d: bytes(65) })],
      ['ES256', 'a point off the curve', (jwk: JWK) => ({ ...jwk, y: jwk.x })],
      ['ES256', "no 'x'", ({ x: _x, ...jwk }: JWK) => jwk],
      ['EdDSA', "a 'd' of 16 bytes", (jwk: JWK) => ({ ...jwk, d: bytes(16) })],
      ['RS256', "no 'p', 'q', 'dp', 'dq' or 'qi'", ({ kty, n, e, d }: JWK) => ({ kty, n, e, d })],
      ['ES256', "'key_ops' without sign", (jwk: JWK) => ({ ...jwk, key_ops: ['verify'] })],
      ['ES256', "empty 'key_ops'", (jwk: JWK) => ({ ...jwk, key_ops: [] })],
    ] as [string, string, (jwk: JWK) => JWK][])('%s with %s', async (algorithm, _, spoil) => {
      const good = await privateJwk(algorithm);
      const bad = spoil(good);
      // The control: jose's import, which the first introspection would run, refuses the key too.
      await expect(importJWK(bad, algorithm)).rejects.toThrow();
      const error = expectConfigError(auth(bad, algorithm), option);
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
        const value = bad[member] ?? good[member];
        if (value !== undefined && value.length > 8) expect(error.message).not.toContain(value);
      }
    });

    it('RS256 with a member that is not base64url, which only a lax decoder reads', async () => {
      const good = await privateJwk('RS256');
      const error = expectConfigError(auth({ ...good, qi: `${good.qi!.slice(2)} !` }, 'RS256'), option);
      expect(error.message).toContain('"qi"');
      expect(error.message).not.toContain(good.qi!.slice(2));
    });

    it.each(['RS256', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])('accepts a sound %s JWK', async (alg) => {
      expect(auth(await privateJwk(alg), alg)).not.toThrow();
    });
  });

  it('bearer refuses a token that cannot travel in a header, without repeating it', () => {
    const option = 'introspectionResolver.clientAuthentication.token';
    for (const token of ['rs-token\r\nX-Evil: 1', 'rs token', '"rs-token"', 'rs-tökén']) {
      const error = expectConfigError(buildWithAuth({ method: 'bearer', token }), option);
      expect(error.message).not.toContain('rs-t');
    }
    expect(buildWithAuth({ method: 'bearer', token: 'eyJhbGciOi.eyJzdWIi.c2ln-_~+/==' })).not.toThrow();
  });

  describe('refuses credentials read with their line break or holding control characters, never repeating them', () => {
    const option = 'introspectionResolver.clientAuthentication';
    const spoilt = [
      's3cr3t-value\n',
      ' s3cr3t-value',
      's3cr3t-value\r',
      's3cr3t\u0000value',
      's3cr3t\tvalue',
    ];

    it.each(['client_secret_basic', 'client_secret_post'])('%s: the secret and the client id', (method) => {
      for (const clientSecret of spoilt) {
        const error = expectConfigError(
          buildWithAuth({ method, clientId: 'rs', clientSecret }),
          `${option}.clientSecret`,
        );
        expect(error.message).not.toContain('s3cr3t');
      }
      for (const clientId of spoilt) {
        const error = expectConfigError(
          buildWithAuth({ method, clientId, clientSecret: 'secret' }),
          `${option}.clientId`,
        );
        expect(error.message).not.toContain('s3cr3t');
      }
      // A space inside a secret is the secret's own.
      expect(
        buildWithAuth({ method, clientId: 'my rs', clientSecret: 'pass phrase of words' }),
      ).not.toThrow();
    });

    it('tls_client_auth: the client id', () => {
      for (const clientId of spoilt)
        expectConfigError(buildWithAuth({ method: 'tls_client_auth', clientId }), `${option}.clientId`);
      // A client of the user's own: the default one presents no certificate and is refused.
      expect(
        build({
          clientAuthentication: { method: 'tls_client_auth', clientId: 'rs' },
          httpClient: fetchHttpClient(),
        }),
      ).not.toThrow();
    });

    it('private_key_jwt: the client id, kid and audience', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const auth = (extra: object) =>
        buildWithAuth({
          method: 'private_key_jwt',
          clientId: 'rs',
          privateKey,
          algorithm: 'ES256',
          ...extra,
        });
      for (const value of spoilt) {
        expectConfigError(auth({ clientId: value }), `${option}.clientId`);
        expectConfigError(auth({ kid: value }), `${option}.kid`);
        expectConfigError(auth({ audience: value }), `${option}.audience`);
      }
      expect(auth({ kid: 'key 1', audience: 'https://as.example.com' })).not.toThrow();
    });
  });

  it.each(['\n', ' access_token', 'access_token\n', 'access\u0000token', 'access token'])(
    'refuses the token type hint %j',
    (tokenTypeHint) => {
      expectConfigError(build({ tokenTypeHint }), 'introspectionResolver.tokenTypeHint');
    },
  );

  it('refuses an answer size that is not a whole number of bytes', () => {
    expectConfigError(build({ maxResponseBytes: 0.5 }), 'introspectionResolver.maxResponseBytes');
    expect(build({ maxResponseBytes: 1024 })).not.toThrow();
  });

  it('names the method when it is not one of the supported ones', () => {
    expectConfigError(
      buildWithAuth({ method: 'client_secret_jwt', clientId: 'rs', clientSecret: 's' }),
      'introspectionResolver.clientAuthentication.method',
    );
  });
});
