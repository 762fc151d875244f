// What a resource server keeps after a flood of requests whose every token, key, `kid`, `jti`, issuer,
// scheme, cookie, query parameter, path and certificate header differs: each store that grows with such
// input must stop at its configured bound, and everything else must be let go with its request. Measured
// as heap retained after a full garbage collection, never as time: the flood runs once to fill every
// bounded store, then again with new values, and the second run may keep next to nothing more.
import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  createResourceServer,
  jwtResolver,
  memoryReplayStore,
  type ResourceServer,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import { otel } from '../../src/otel/index.js';

// A full garbage collection on demand, without starting the test runner with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const API = 'https://api.example.com';
const CERTIFICATE_HEADER = 'x-client-cert-7f3a';

// The bounds configured below: what the stores may hold, whatever the requests.
const VERIFIED_TOKENS = 1_000;
const REMEMBERED_PROOFS = 1_000;
// More DPoP keys than the proof checker keeps imported (1 000): its memory of keys turns over too.
const DPOP_KEYS = 1_500;

// Requests that fill every bounded store, then the requests measured: 100 000 and more, all distinct.
const WARM_UP = 40_000;
const MEASURED = 120_000;
// What the measured requests may leave behind in all: 16 bytes each. A store keyed by something of the
// request (a token hash, a kid, a path) costs ten times that per entry.
const RETAINED_BYTES_BOUND = MEASURED * 16;

/** Heap in use once everything unreachable is collected, finalizers and their follow-ups included. */
async function retainedHeap(): Promise<number> {
  for (let round = 0; round < 8; round++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return process.memoryUsage().heapUsed;
}

function base64url(value: string | Buffer | object): string {
  const bytes = typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value);
  return Buffer.from(bytes).toString('base64url');
}

/** An ES256 JWS over `header` and `payload`, signed with node:crypto (jose's async path is slower). */
function es256(privateKey: KeyObject, header: object, payload: object): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${base64url(signature)}`;
}

interface DpopKey {
  readonly privateKey: KeyObject;
  readonly jwk: JWK;
  readonly token: string;
}

let issuerKey: KeyObject;
let issuerJwk: JWK;
let dpopKeys: DpopKey[];

/** A SHA-256 thumbprint in base64url, as `x5t#S256` holds one. */
const thumbprintOf = (text: string): string => createHash('sha256').update(text).digest('base64url');

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function accessToken(claims: object, kid = 'k1'): string {
  const iat = nowSeconds();
  return es256(
    issuerKey,
    { alg: 'ES256', kid, typ: 'at+jwt' },
    { iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 3600, scope: 'read', ...claims },
  );
}

beforeAll(async () => {
  const issuer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  issuerKey = issuer.privateKey;
  issuerJwk = { ...(issuer.publicKey.export({ format: 'jwk' }) as JWK), kid: 'k1', alg: 'ES256' };
  dpopKeys = [];
  for (let index = 0; index < DPOP_KEYS; index++) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
    const token = accessToken({
      sub: `dpop-${index}`,
      client_id: 'dpop-client',
      jti: randomUUID(),
      cnf: { jkt: await calculateJwkThumbprint(jwk, 'sha256') },
    });
    dpopKeys.push({ privateKey: pair.privateKey, jwk, token });
  }
});

/**
 * Request number `index` of the flood: one of a dozen hostile shapes, each value in it seen once. The
 * accepted ones carry tokens signed by the issuer; the rest are refused at every stage in turn.
 */
function hostileRequest(index: number): RsRequest {
  const unique = `${index}-${randomUUID()}`;
  const url = `${API}/items/${unique}?page=${unique}`;
  const get = (headers: Record<string, string>, at = url): RsRequest => ({ method: 'GET', url: at, headers });
  switch (index % 12) {
    case 0:
      // Valid, each with its own jti, subject and client: the verified-token cache turns over.
      return get({
        authorization: `Bearer ${accessToken({ jti: unique, sub: `user-${unique}`, client_id: `c-${unique}` })}`,
      });
    case 1:
      // Signed by the issuer's key, naming a kid nobody published.
      return get({ authorization: `Bearer ${accessToken({ jti: unique }, `kid-${unique}`)}` });
    case 2:
      // Issuers nobody trusts, each its own.
      return get({ authorization: `Bearer ${accessToken({ iss: `https://as-${unique}.example` })}` });
    case 3:
      // A header of its own for every token: the decoded-header memory turns over.
      return get({
        authorization: `Bearer ${base64url({ alg: 'ES256', kid: 'k1', x: unique })}.${base64url({ unique })}.AAAA`,
      });
    case 4:
      return get({ authorization: `Bearer ${unique}` });
    case 5:
      return get({ authorization: `Scheme-${unique} ${unique}` });
    case 6:
      return get({ cookie: `c-${unique}=1; access_token=${unique}` });
    case 7:
      return get({}, `${API}/items?access_token=${unique}&p-${unique}=1`);
    case 8:
      return get({ 'x-token': `${unique}.${unique}.${unique}` });
    case 9: {
      // A DPoP proof of its own (new jti) for a bound token: the replay store turns over.
      const key = dpopKeys[index % DPOP_KEYS]!;
      const ath = thumbprintOf(key.token);
      const proof = es256(
        key.privateKey,
        { alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk },
        { jti: unique, htm: 'GET', htu: `${API}/items/${unique}`, iat: nowSeconds(), ath },
      );
      return get({ authorization: `DPoP ${key.token}`, dpop: proof });
    }
    case 10: {
      // Certificate headers of every format, none a certificate, beside a certificate-bound token that
      // has them read.
      const certificates = [
        `:${Buffer.from(unique).toString('base64')}:`,
        `Hash=${createHash('sha256').update(unique).digest('hex')};By=spiffe://${unique}`,
        `-----BEGIN CERTIFICATE-----${Buffer.from(unique).toString('base64')}-----END CERTIFICATE-----`,
      ];
      return get({
        authorization: `Bearer ${accessToken({ jti: unique, cnf: { 'x5t#S256': thumbprintOf(unique) } })}`,
        [CERTIFICATE_HEADER]: certificates[index % certificates.length]!,
      });
    }
    default:
      // Two Authorization fields joined, as Fetch and API Gateway join them.
      return get({ authorization: `Bearer ${unique}, Basic ${unique}` });
  }
}

class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('a flood of distinct hostile requests', () => {
  it('leaves no more behind than the configured bounds, with every span ended and no new metric series', async () => {
    let started = 0;
    let ended = 0;
    // Counts spans without keeping them, as a batching exporter lets go of them once sent.
    const counting: SpanProcessor = {
      onStart: () => void started++,
      onEnd: () => void ended++,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const reader = new OnDemandReader();
    const audited = new Map<string, number>();
    const replayStore = memoryReplayStore({ maxEntries: REMEMBERED_PROOFS });
    const resourceServer: ResourceServer = createResourceServer({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks({ keys: [issuerJwk] }),
        verifiedTokenCache: { maxEntries: VERIFIED_TOKENS },
      }),
      tokenLocations: { cookie: 'access_token', query: true, header: 'x-token' },
      dpop: { replayStore },
      certificateHeader: { name: CERTIFICATE_HEADER },
      policy: { scopes: ['read'] },
      protectedResource: { resource: API },
      telemetry: otel({
        tracerProvider: new BasicTracerProvider({ spanProcessors: [counting] }),
        meterProvider: new MeterProvider({ readers: [reader] }),
      }),
      onAudit: (event: AuditEvent) => {
        const outcome = event.code ?? event.decision;
        audited.set(outcome, (audited.get(outcome) ?? 0) + 1);
      },
    });
    async function metricSeries(): Promise<number> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .reduce((series, metric) => series + metric.dataPoints.length, 0);
    }
    const flood = async (from: number, count: number) => {
      for (let index = from; index < from + count; index++) {
        await resourceServer.authenticate(hostileRequest(index));
      }
    };

    await flood(0, WARM_UP);
    const seriesAfterWarmUp = await metricSeries();
    const document = JSON.stringify(resourceServer.protectedResource?.document());
    const before = await retainedHeap();
    await flood(WARM_UP, MEASURED);
    const retained = (await retainedHeap()) - before;

    // Every shape reached the stage it was meant to: accepted, refused for its own reason.
    expect(Object.fromEntries(audited)).toMatchObject({
      accepted: expect.any(Number),
      unknown_key: expect.any(Number),
      signature_invalid: expect.any(Number),
      issuer_mismatch: expect.any(Number),
      token_malformed: expect.any(Number),
      token_missing: expect.any(Number),
      certificate_header_invalid: expect.any(Number),
      malformed_authorization: expect.any(Number),
    });
    expect(audited.get('accepted')).toBeGreaterThan((WARM_UP + MEASURED) / 12);
    expect(replayStore.size()).toBeLessThanOrEqual(REMEMBERED_PROOFS);
    expect(replayStore.evictions()).toBeGreaterThan(0);
    expect(ended).toBe(started);
    expect(started).toBe(WARM_UP + MEASURED);
    expect(await metricSeries()).toBe(seriesAfterWarmUp);
    expect(JSON.stringify(resourceServer.protectedResource?.document())).toBe(document);
    expect(retained).toBeLessThan(RETAINED_BYTES_BOUND);
  }, 600_000);
});
