import type { OAuth2Context } from '@rs/core';
import type { createFetchResourceServer } from '../src/index.js';

declare const rs: ReturnType<typeof createFetchResourceServer>;
interface Env {
  readonly GREETING: string;
}
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}
type WorkersFetch = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;
type DenoServe = (request: Request, info: { remoteAddr: unknown }) => Response | Promise<Response>;

export const plain: (request: Request) => Promise<Response> = rs.protect((_request, oauth2) =>
  Response.json({ subject: oauth2.subject }),
);
export const workers: WorkersFetch = rs.protect(
  (_request, oauth2: OAuth2Context, env: Env, ctx: ExecutionContext) => {
    ctx.waitUntil(Promise.resolve());
    return new Response(`${env.GREETING} ${oauth2.subject}`);
  },
);
export const workersIgnoringEnv: WorkersFetch = rs.protect(
  (_request, oauth2) => new Response(oauth2.subject),
);
export const deno: DenoServe = rs.protect(async (_request, oauth2) => new Response(oauth2.subject));

// Bun's fetch may answer undefined after `server.upgrade(request)`; protect then says so in its type.
type BunFetch = (
  request: Request,
  server: { upgrade(request: Request): boolean },
) => Response | undefined | Promise<Response | undefined>;
export const bun: BunFetch = rs.protect((request, _oauth2, server: { upgrade(request: Request): boolean }) =>
  server.upgrade(request) ? undefined : new Response('no upgrade', { status: 426 }),
);
// @ts-expect-error A handler that may answer undefined is no Deno (or Workers) handler, which must answer.
export const denoUndefined: DenoServe = rs.protect(() => (Math.random() > 0.5 ? undefined : new Response()));
export const plainOptional: (request: Request) => Promise<Response> = rs.protectOptional(
  () => new Response(),
);
