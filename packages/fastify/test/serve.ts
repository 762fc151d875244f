import type { FastifyInstance } from 'fastify';

const running: FastifyInstance[] = [];

/** Starts the app on real HTTP at 127.0.0.1 on a free port; returns its base URL. */
export function serve(app: FastifyInstance): Promise<string> {
  running.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** Closes every app {@link serve} started; call it in `afterEach`. */
export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((app) => app.close()));
}
