import {
  jwtResolver,
  memoryReplayStore,
  remoteJwks,
  revocationList,
  securityEventReceiver,
  staticJwks,
} from '@rs/core';
import { fastifyResourceServer, securityEventRoute } from '@rs/fastify';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JwtSettings } from './resolvers.js';

export const REVOCABLE_PATH = '/rs-revocable';
export const SET_PUSH_PATH = '/ssf/events';
export const DEMO_REVOKE_PATH = '/demo/revoke';

/** What `/` lists about them. */
export const REVOCATION_ROUTES = [
  {
    method: 'GET',
    path: REVOCABLE_PATH,
    scopes: [],
    description: 'JWT verified locally, refused once a Security Event Token revoked it (token_revoked)',
  },
  {
    method: 'POST',
    path: SET_PUSH_PATH,
    scopes: [],
    description:
      'RFC 8935 push endpoint: Security Event Tokens signed by the embedded transmitter (application/secevent+jwt)',
  },
  {
    method: 'POST',
    path: DEMO_REVOKE_PATH,
    scopes: [],
    description:
      'DEMONSTRATION ONLY, loopback callers only: the embedded transmitter pushes a SET revoking a subject ' +
      '(sub=), a client (client=) or a session (sid=) to ' +
      SET_PUSH_PATH,
  },
] as const;

/** The embedded transmitter's issuer identifier, and the audience its SETs name (this API at the transmitter). */
const TRANSMITTER = 'urn:sample:embedded-transmitter';
const RECEIVER = 'urn:sample:api';
const TOKENS_REVOKED = 'https://schemas.openid.net/secevent/risc/event-type/tokens-revoked';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * Revocation pushed as Security Event Tokens, on three routes:
 *
 * - `GET /rs-revocable`: JWTs of the issuer, checked against the revocation list;
 * - `POST /ssf/events`: the RFC 8935 push endpoint, trusting the embedded transmitter's key;
 * - `POST /demo/revoke` (DEMONSTRATION ONLY, loopback callers only): the embedded transmitter signs a
 *   SET revoking `sub`, `client` or `sid` (form field) and pushes it over HTTP to `/ssf/events`, as an
 *   authorization server with a Shared Signals transmitter would.
 */
export async function revocationRoutes(settings: JwtSettings): Promise<FastifyPluginAsync> {
  const transmitterKey = await generateKeyPair('ES256', { extractable: true });
  const transmitterJwk = {
    ...(await exportJWK(transmitterKey.publicKey)),
    kid: 'sample-transmitter',
    alg: 'ES256',
  };
  const revocations = revocationList();
  const receiver = securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER,
    keys: staticJwks({ keys: [transmitterJwk] }),
    replayStore: memoryReplayStore(),
    revocations,
  });

  async function signSet(field: 'sub' | 'client' | 'sid', value: string): Promise<string> {
    const [event, subject] =
      field === 'sub'
        ? [TOKENS_REVOKED, { format: 'iss_sub', iss: settings.issuer, sub: value }]
        : field === 'client'
          ? [TOKENS_REVOKED, { application: { format: 'opaque', id: value } }]
          : [SESSION_REVOKED, { session: { format: 'opaque', id: value } }];
    return new SignJWT({ events: { [event]: {} }, sub_id: subject })
      .setProtectedHeader({ alg: 'ES256', kid: 'sample-transmitter', typ: 'secevent+jwt' })
      .setIssuer(TRANSMITTER)
      .setAudience(RECEIVER)
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .sign(transmitterKey.privateKey);
  }

  return async (app) => {
    await app.register(securityEventRoute(receiver, { path: SET_PUSH_PATH }));
    await app.register(async (scope) => {
      await scope.register(fastifyResourceServer, {
        resolver: jwtResolver({
          issuer: settings.issuer,
          audience: settings.audience,
          keys: remoteJwks({ url: settings.jwksUrl }),
          profile: 'rfc9068',
          verifiedTokenCache: {},
          revocations,
        }),
        realm: 'sample',
        requireHttps: false,
      });
      scope.get(REVOCABLE_PATH, async (request) => ({
        route: REVOCABLE_PATH,
        subject: request.oauth2?.subject,
        clientId: request.oauth2?.clientId,
        revocations: revocations.stats(),
      }));
    });
    await app.register(async (scope) => {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 4_096 },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
      scope.post<{ Body: Partial<Record<'sub' | 'client' | 'sid', string>> }>(
        DEMO_REVOKE_PATH,
        {
          onRequest: loopbackOnly,
          schema: {
            body: {
              type: 'object',
              minProperties: 1,
              maxProperties: 1,
              properties: {
                sub: { type: 'string', minLength: 1, maxLength: 256 },
                client: { type: 'string', minLength: 1, maxLength: 256 },
                sid: { type: 'string', minLength: 1, maxLength: 256 },
              },
              additionalProperties: false,
            },
          },
        },
        async (request) => {
          const [field, value] = Object.entries(request.body)[0] as ['sub' | 'client' | 'sid', string];
          // Pushed over HTTP to this very API, as a transmitter elsewhere would.
          const pushed = await fetch(`http://127.0.0.1:${request.socket.localPort}${SET_PUSH_PATH}`, {
            method: 'POST',
            headers: { 'content-type': 'application/secevent+jwt' },
            body: await signSet(field, value),
          });
          return { revoked: { [field]: value }, pushStatus: pushed.status, receiver: receiver.stats() };
        },
      );
    });
  };
}

// The socket's address, never a forwarded one: a proxy header must not open this route to the network.
async function loopbackOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (LOOPBACK.test(request.socket.remoteAddress ?? '')) return;
  await reply
    .code(403)
    .send({ error: 'forbidden', message: `${DEMO_REVOKE_PATH} answers loopback callers only` });
}
