// The HTTP servers of http.bench.mjs. Each runs in a child process of its own (BENCH_TARGET names it), so
// that autocannon (in the parent) shares no thread with it and no other server shares its heap or the
// optimizations V8 made for the code it runs: five Fastify apps with different hooks in one process made
// Fastify's hook runner polymorphic for all of them, which no production server is. Each target is one
// server on 127.0.0.1 with one route, GET /items. Sends the parent `{ url }` once it listens.
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import fastifyJwt from '@fastify/jwt';
import { jwtResolver, staticJwks } from '@rs/core';
import { createExpressResourceServer } from '@rs/express';
import { fastifyResourceServer } from '@rs/fastify';
import express from 'express';
import { expressjwt } from 'express-jwt';
import { auth } from 'express-oauth2-jwt-bearer';
import Fastify from 'fastify';
import jwksRsa from 'jwks-rsa';
import { AUDIENCE, ISSUER } from './lib/fixtures.mjs';

const { jwk, pem } = JSON.parse(process.env.BENCH_KEY);
const jwks = { keys: [jwk] };
const reply = { ok: true };

// The floor routes: the bearer token's RS256 signature decoded and checked with node:crypto, in the
// plainest way, and nothing else (no header, claim or policy check, no refusal grammar). What checking a
// JWT costs before any library's work, so that a table can say how much of a protected route's cost is
// the signature's and how much the library's.
const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
function signatureChecks(authorization) {
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return false;
  const dot = authorization.lastIndexOf('.');
  return verify(
    'sha256',
    Buffer.from(authorization.slice(7, dot)),
    publicKey,
    Buffer.from(authorization.slice(dot + 1), 'base64url'),
  );
}

function resolver(cached) {
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwks),
    ...(cached ? { verifiedTokenCache: { maxEntries: 10_000 } } : {}),
  });
}

async function fastifyTarget(setup) {
  const app = Fastify({ logger: false });
  await setup(app);
  app.get('/items', async () => reply);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

function expressTarget(...middleware) {
  const app = express();
  app.get('/items', ...middleware, (_req, res) => {
    res.json(reply);
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

// The peers that fetch keys from a URL get a real JWK set server on loopback, in their own process only.
async function servedJwksUri() {
  const jwksServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${jwksServer.address().port}/jwks`;
}

const fastifyJwtTarget = (cache) =>
  fastifyTarget(async (app) => {
    await app.register(fastifyJwt, {
      secret: { public: pem },
      verify: {
        algorithms: ['RS256'],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        ...(cache ? { cache: 10_000 } : {}),
      },
    });
    app.addHook('onRequest', async (request) => {
      await request.jwtVerify();
    });
  });

const targets = {
  'fastify (bare)': () => fastifyTarget(async () => {}),
  'fastify + node:crypto verify (floor)': () =>
    fastifyTarget(async (app) => {
      app.addHook('onRequest', (request, reply, done) => {
        if (signatureChecks(request.headers.authorization)) done();
        else reply.code(401).send();
      });
    }),
  '@fastify/jwt': () => fastifyJwtTarget(false),
  '@fastify/jwt (cache)': () => fastifyJwtTarget(true),
  '@rs/fastify': () =>
    fastifyTarget((app) =>
      app.register(fastifyResourceServer, { resolver: resolver(false), requireHttps: false }),
    ),
  '@rs/fastify (verified-token cache)': () =>
    fastifyTarget((app) =>
      app.register(fastifyResourceServer, { resolver: resolver(true), requireHttps: false }),
    ),
  'express (bare)': () => expressTarget(),
  'express + node:crypto verify (floor)': () =>
    expressTarget((req, res, next) => {
      if (signatureChecks(req.headers.authorization)) next();
      else res.sendStatus(401);
    }),
  'express-oauth2-jwt-bearer': async () =>
    expressTarget(
      auth({ issuer: ISSUER, audience: AUDIENCE, jwksUri: await servedJwksUri(), tokenSigningAlg: 'RS256' }),
    ),
  'express-jwt + jwks-rsa': async () =>
    expressTarget(
      expressjwt({
        secret: jwksRsa.expressJwtSecret({ jwksUri: await servedJwksUri(), cache: true }),
        algorithms: ['RS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ),
  '@rs/express': () =>
    expressTarget(createExpressResourceServer({ resolver: resolver(false), requireHttps: false }).protect()),
  '@rs/express (verified-token cache)': () =>
    expressTarget(createExpressResourceServer({ resolver: resolver(true), requireHttps: false }).protect()),
};
const start = targets[process.env.BENCH_TARGET];
if (start === undefined) throw new Error(`unknown BENCH_TARGET: ${process.env.BENCH_TARGET}`);
const url = await start();
// The parent asks for this process's CPU time before and after each run: on a shared machine, CPU per
// request is steadier than requests per second, which also count the time other processes held a core.
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
});
process.send({ url });
