import { generateSigningKey, type TestSigningKey, tamperSignature } from '@rs/testkit';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenResolver,
  type AuditEvent,
  type AuthResult,
  claimEquals,
  createResourceServer,
  FAILURES,
  type FailureCode,
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  type ResourceServerOptions,
  type RsRequest,
  remoteJwks,
  rotatingDpopNonces,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { dpopKey, dpopRequest, makeProof } from '../dpop-setup.js';
import { API_URL, AUDIENCE, bearerRequest, ISSUER, mint, NOW_MS } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';
import { recordTelemetry } from './telemetry-setup.js';

// Drives refusals of every stage through real components, and every other code through the observed
// pipeline, collecting all that is emitted: audit events, spans, metrics, hook errors, console output,
// the answers and the status. None may hold a token, a proof, the introspection client's secret or a
// private key member.
const CLIENT_SECRET = 'introspection-client-secret-7f3a9c';

let key: TestSigningKey;
let privateD: string;
let dpopPrivateD: string;
let standIn: StandInServer;
let mode: 'inactive' | 'down' | 'refuses-client' = 'inactive';
const secrets: string[] = [CLIENT_SECRET];
const emitted: unknown[] = [];
const codes = new Set<FailureCode>();
const recorded = recordTelemetry();
const consoleOutput: unknown[][] = [];

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  privateD = (await exportJWK(key.privateKey)).d as string;
  secrets.push(privateD);
  standIn = await startStandInServer(() =>
    mode === 'down'
      ? { status: 500, json: {} }
      : mode === 'refuses-client'
        ? { status: 401, json: {} }
        : { json: { active: false } },
  );
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleOutput.push(args));
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await standIn.close();
});

function server(options: Partial<ResourceServerOptions> & Pick<ResourceServerOptions, 'resolver'>) {
  return createResourceServer({
    clock: () => NOW_MS,
    onAudit: (event: AuditEvent) => emitted.push(event),
    telemetry: recorded.telemetry,
    ...options,
  });
}

function localJwt(extra: Record<string, unknown> = {}): AccessTokenResolver {
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks({ keys: [key.publicJwk] }),
    ...extra,
  });
}

/** Runs one request, remembering its code, its answer and its secrets (the token and any proof). */
async function drive(
  rs: ReturnType<typeof server>,
  request: RsRequest,
  ...tokens: string[]
): Promise<AuthResult> {
  secrets.push(...tokens);
  const proof = request.headers.dpop;
  if (typeof proof === 'string') secrets.push(proof);
  const result = await rs.authenticate(request);
  emitted.push(result, rs.status());
  if (!result.ok) codes.add(result.rejection.code);
  return result;
}

describe('nothing emitted holds a token, a proof, a client secret or key material', () => {
  it('through real refusals of every stage', async () => {
    const rs = server({
      resolver: localJwt(),
      policy: { scopes: ['read'], claims: [claimEquals('tenant', 'a')] },
    });
    const good = await mint(key, { scope: 'read', tenant: 'a' });
    await drive(rs, { method: 'GET', url: API_URL, headers: {} });
    await drive(rs, { method: 'GET', url: API_URL, headers: { authorization: `Basic ${good}` } }, good);
    await drive(rs, bearerRequest(good, { url: 'http://api.example.com/resource' }), good);
    await drive(rs, bearerRequest('not-a-jwt'), 'not-a-jwt');
    const tampered = tamperSignature(good);
    await drive(rs, bearerRequest(tampered), tampered);
    for (const claims of [
      { exp: 1 },
      { nbf: NOW_MS / 1000 + 600 },
      { iss: 'https://other' },
      { aud: 'other' },
    ]) {
      const token = await mint(key, { scope: 'read', ...claims });
      await drive(rs, bearerRequest(token), token);
    }
    const otherKey = await generateSigningKey('ES256', 'k2');
    const unknown = await mint(otherKey);
    await drive(rs, bearerRequest(unknown), unknown);
    const rsAlg = await generateSigningKey('RS256', 'k1');
    const wrongAlg = await mint(rsAlg);
    await drive(rs, bearerRequest(wrongAlg), wrongAlg);
    const huge = `${good}${'A'.repeat(20_000)}`;
    await drive(rs, bearerRequest(huge), huge);
    const narrow = await mint(key, { scope: 'profile', tenant: 'a' });
    await drive(rs, bearerRequest(narrow), narrow);
    const otherTenant = await mint(key, { scope: 'read', tenant: 'b' });
    await drive(rs, bearerRequest(otherTenant), otherTenant);
    await drive(
      server({ resolver: localJwt({ requiredClaims: ['tenant'] }) }),
      bearerRequest(await mint(key)),
      await mint(key),
    );
    await drive(
      server({ resolver: localJwt(), tokenLocations: { authorizationHeader: true, query: true } }),
      bearerRequest(good, { url: `${API_URL}?access_token=${good}` }),
      good,
    );

    const keysDown = server({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({
          url: 'http://127.0.0.1:9/jwks',
          onFetchError: (error) => emitted.push(error.message, error.stack),
        }),
      }),
    });
    await drive(keysDown, bearerRequest(good), good);

    const introspection = server({
      resolver: tokenCache(
        introspectionResolver({
          endpoint: standIn.introspectionEndpoint,
          clientAuthentication: {
            method: 'client_secret_basic',
            clientId: 'rs',
            clientSecret: CLIENT_SECRET,
          },
          acceptAnyAudience: true,
          onError: (error) => emitted.push(error.message, error.stack, String(error.cause)),
        }),
      ),
      requireHttps: false,
    });
    for (const next of ['inactive', 'down', 'refuses-client'] as const) {
      mode = next;
      const opaque = `opaque-${next}-${crypto.randomUUID()}`;
      await drive(introspection, bearerRequest(opaque), opaque);
    }

    const dpop = await dpopKey();
    dpopPrivateD = dpop.privateJwk.d as string;
    secrets.push(dpopPrivateD);
    const bound = await mint(key, { scope: 'read', tenant: 'a', cnf: { jkt: dpop.jkt } });
    const other = await dpopKey();
    const dpopServer = server({ resolver: localJwt(), dpop: true });
    await drive(dpopServer, dpopRequest(bound, undefined), bound);
    await drive(dpopServer, dpopRequest(bound, 'not.a.proof'), bound);
    await drive(
      dpopServer,
      dpopRequest(bound, await makeProof(dpop, { htm: 'POST' }, { token: bound })),
      bound,
    );
    await drive(
      dpopServer,
      dpopRequest(bound, await makeProof(dpop, { htu: 'https://elsewhere/x' }, { token: bound })),
      bound,
    );
    await drive(
      dpopServer,
      dpopRequest(bound, await makeProof(dpop, { ath: 'x'.repeat(43) }, { token: bound })),
      bound,
    );
    await drive(dpopServer, dpopRequest(bound, await makeProof(other, {}, { token: bound })), bound);
    await drive(dpopServer, bearerRequest(bound), bound);
    const once = await makeProof(dpop, {}, { token: bound });
    await drive(dpopServer, dpopRequest(bound, once), bound);
    await drive(dpopServer, dpopRequest(bound, once), bound);
    const failingReplay = server({
      resolver: localJwt(),
      dpop: { replayStore: { remember: () => Promise.reject(new Error(`store said ${CLIENT_SECRET}`)) } },
    });
    await drive(failingReplay, dpopRequest(bound, await makeProof(dpop, {}, { token: bound })), bound);
    const dpopOnly = server({ resolver: localJwt(), dpop: true, requireSenderConstrained: 'dpop' });
    await drive(dpopOnly, bearerRequest(good), good);
    await drive(
      server({ resolver: localJwt(), requireSenderConstrained: 'mtls' }),
      bearerRequest(good),
      good,
    );
    await drive(rs, { method: 'GET', url: API_URL, headers: { authorization: 'Bearer a b' } });
    // RS256 only, beside an RSA key: the ES256 token is refused for its algorithm.
    const rsaOnly = localJwt({
      algorithms: ['RS256'],
      keys: staticJwks({ keys: [key.publicJwk, rsAlg.publicJwk] }),
    });
    await drive(server({ resolver: rsaOnly }), bearerRequest(good), good);
    await drive(server({ resolver: localJwt({ profile: 'rfc9068' }) }), bearerRequest(good), good);
    const critical = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, exp: NOW_MS / 1000 + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', crit: ['x-unknown'], 'x-unknown': 1 })
      .sign(key.privateKey, { crit: { 'x-unknown': true } });
    await drive(rs, bearerRequest(critical), critical);
    const router = server({ resolver: issuerRouter({ issuers: { [ISSUER]: localJwt() } }) });
    await drive(router, bearerRequest('opaque-to-a-router'), 'opaque-to-a-router');
    const certificateBound = await mint(key, {
      scope: 'read',
      tenant: 'a',
      cnf: { 'x5t#S256': 'A'.repeat(43) },
    });
    await drive(rs, bearerRequest(certificateBound), certificateBound);
    const twoProofs = await makeProof(dpop, {}, { token: bound });
    await drive(dpopServer, dpopRequest(bound, [twoProofs, twoProofs]), bound);
    await drive(dpopServer, dpopRequest(bound, await makeProof(dpop, { iat: 1 }, { token: bound })), bound);
    const withNonces = server({
      resolver: localJwt(),
      dpop: { nonces: rotatingDpopNonces({ secret: 'a shared secret of at least thirty-two bytes!' }) },
    });
    await drive(withNonces, dpopRequest(bound, await makeProof(dpop, {}, { token: bound })), bound);

    // Real refusals from extraction, JWT checks, keys, introspection, routing, DPoP, replay, confirmation and
    // policy (36 codes); the sweep below adds the rest.
    expect([...codes].sort()).toEqual([
      'algorithm_not_allowed',
      'audience_mismatch',
      'certificate_missing',
      'claim_check_failed',
      'claim_missing',
      'critical_header_unsupported',
      'dpop_ath_mismatch',
      'dpop_bound_token_as_bearer',
      'dpop_htm_mismatch',
      'dpop_htu_mismatch',
      'dpop_iat_invalid',
      'dpop_key_mismatch',
      'dpop_nonce_required',
      'dpop_proof_invalid',
      'dpop_proof_missing',
      'dpop_proof_multiple',
      'dpop_replayed',
      'https_required',
      'insufficient_scope',
      'introspection_misconfigured',
      'introspection_unavailable',
      'issuer_mismatch',
      'keys_unavailable',
      'malformed_authorization',
      'multiple_token_methods',
      'replay_check_unavailable',
      'sender_constraint_required',
      'signature_invalid',
      'token_expired',
      'token_inactive',
      'token_malformed',
      'token_missing',
      'token_not_yet_valid',
      'token_too_large',
      'token_unsupported',
      'unknown_key',
    ]);
  });

  it('for every failure code, whichever part refuses', async () => {
    const token = await mint(key, { scope: 'read' });
    for (const code of Object.keys(FAILURES) as FailureCode[]) {
      // A resolver refusing with each code: what the observed pipeline makes of every one of them.
      const refusing: AccessTokenResolver = {
        cacheNamespace: 'refusing',
        resolve: async () => ({ ok: false, failure: { code, description: 'refused for the test' } }),
      };
      await drive(server({ resolver: refusing }), bearerRequest(token), token);
    }
    expect([...codes].sort()).toEqual(Object.keys(FAILURES).sort());
  });

  it('finds none of them in anything emitted', async () => {
    const everything =
      JSON.stringify(emitted) +
      (await recorded.dump()) +
      JSON.stringify(consoleOutput, (_, v) => (v instanceof Error ? `${v.message} ${v.stack}` : v));
    expect(emitted.length).toBeGreaterThan(100);
    for (const secret of new Set(secrets)) {
      // Tokens are long; any 24 characters of one would be a leak too, so search a slice from its signature.
      const needle = secret.length > 40 ? secret.slice(-24) : secret;
      expect(everything.includes(needle), `leaked: ${needle.slice(0, 6)}…`).toBe(false);
    }
  });
});
