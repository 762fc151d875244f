import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWK, SignJWT } from 'jose';
import { jwsOfLength } from './jws-of-length.js';
import type { TestSigningKey } from './keys.js';

/** The event types of the OpenID Shared Signals Framework a resource server acts on: CAEP session revoked. */
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** RISC tokens revoked. */
export const TOKENS_REVOKED = 'https://schemas.openid.net/secevent/risc/event-type/tokens-revoked';
/** CAEP token claims change. */
export const TOKEN_CLAIMS_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/token-claims-change';

/** What a test SET says, beside its events. */
export interface TestSetOptions {
  /** `iss`: the transmitter. */
  readonly issuer: string;
  /** `aud`: the receiver(s). */
  readonly audience: string | readonly string[];
  /** `iat` in seconds. Default now. */
  readonly issuedAt?: number;
  /** `jti`. Default a random UUID. */
  readonly jti?: string;
  /** RFC 9493 subject identifier (`sub_id`). */
  readonly subjectId?: Record<string, unknown>;
  /** Header `typ`. Default `secevent+jwt`. */
  readonly typ?: string;
  /** More claims (an `exp`, for instance). */
  readonly claims?: Record<string, unknown>;
}

/** A real Security Event Token (RFC 8417) signed by `key`, as a transmitter sends it. */
export function signSecurityEvent(
  key: TestSigningKey,
  events: Record<string, Record<string, unknown>>,
  options: TestSetOptions,
): Promise<string> {
  return new SignJWT({
    events,
    ...(options.subjectId === undefined ? {} : { sub_id: options.subjectId }),
    ...options.claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: options.typ ?? 'secevent+jwt' })
    .setIssuer(options.issuer)
    .setAudience(options.audience as string | string[])
    .setIssuedAt(options.issuedAt ?? Math.floor(Date.now() / 1000))
    .setJti(options.jti ?? crypto.randomUUID())
    .sign(key.privateKey);
}

/**
 * A Security Event Token of exactly `length` characters, signed by `key` under one of the `kid`s of
 * {@link keysOfLengthVariants} (a padding claim, and the `kid` for lengths padding cannot reach): for tests
 * of a documented size limit, at the limit and one past it.
 *
 * @example
 * ```ts
 * const receiver = securityEventReceiver({ keys: staticJwks({ keys: keysOfLengthVariants(key) }), ... });
 * const set = await signSecurityEventOfLength(key, 65_536, events, { issuer, audience });
 * ```
 */
export function signSecurityEventOfLength(
  key: TestSigningKey,
  length: number,
  events: Record<string, Record<string, unknown>>,
  options: TestSetOptions,
): Promise<string> {
  return jwsOfLength(length, (pad, variant) =>
    signSecurityEvent({ ...key, kid: kidVariant(key, variant) }, events, {
      ...options,
      claims: { ...options.claims, pad: 'x'.repeat(pad) },
    }),
  );
}

/** The public JWKs of `key` under every `kid` {@link signSecurityEventOfLength} may sign with. */
export function keysOfLengthVariants(key: TestSigningKey): JWK[] {
  return [0, 1, 2].map((variant) => ({ ...key.publicJwk, kid: kidVariant(key, variant) }));
}

const kidVariant = (key: TestSigningKey, variant: number) => `${key.kid}${'-'.repeat(variant)}`;

/** One poll request as the transmitter received it (RFC 8936 section 2.4). */
export interface ReceivedPoll {
  /** The `jti`s the receiver acknowledged. */
  readonly ack?: string[];
  /** The SETs the receiver refused, by `jti`, with its RFC 8935 error. */
  readonly setErrs?: Record<string, { err: string; description: string }>;
  /** How many SETs the receiver asked for at most. */
  readonly maxEvents?: number;
  /** Whether the receiver asked for an answer at once (short polling). */
  readonly returnImmediately?: boolean;
  /** The request's `Authorization` header, if sent. */
  readonly authorization: string | undefined;
}

/** A transmitter serving poll delivery (RFC 8936) on loopback, with a queue of SETs. */
export interface TestPollTransmitter {
  /** The polling endpoint's URL, `http://127.0.0.1:<port>/…`. */
  readonly endpoint: string;
  /** Every poll request received, in order. */
  readonly polls: ReceivedPoll[];
  /** Queues a SET; it is delivered until acknowledged or reported in `setErrs`. */
  enqueue(jti: string, set: string): void;
  /** Answers the next poll with 503, reading nothing of it (its acknowledgements are lost). */
  failNextPoll(): void;
  /** SETs not yet acknowledged nor reported. */
  pending(): string[];
  /** Stops the server and closes its connections. */
  close(): Promise<void>;
}

/**
 * Starts a poll-delivery transmitter on 127.0.0.1: POST with `{ ack, setErrs, maxEvents,
 * returnImmediately }`, answered `{ sets, moreAvailable }`. It answers at once (no long polling hold),
 * and requires `authorization` to equal `Bearer <token>` when `token` is given.
 */
export async function startPollTransmitter(token?: string): Promise<TestPollTransmitter> {
  const queue = new Map<string, string>();
  const polls: ReceivedPoll[] = [];
  let failNext = false;
  const server: Server = createServer(async (request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    if (failNext) {
      failNext = false;
      response.writeHead(503).end();
      return;
    }
    if (token !== undefined && request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    const body = JSON.parse(await readBody(request)) as Omit<ReceivedPoll, 'authorization'>;
    polls.push({ ...body, authorization: request.headers.authorization });
    for (const jti of body.ack ?? []) queue.delete(jti);
    for (const jti of Object.keys(body.setErrs ?? {})) queue.delete(jti);
    const maxEvents = body.maxEvents ?? queue.size;
    const sets = Object.fromEntries([...queue].slice(0, maxEvents));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ sets, moreAvailable: queue.size > maxEvents }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/ssf/poll`,
    polls,
    enqueue: (jti, set) => void queue.set(jti, set),
    failNextPoll: () => {
      failNext = true;
    },
    pending: () => [...queue.keys()],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
