import { expect, it } from 'vitest';
import { ANONYMOUS_ECHO, type ConformanceApp } from './driver.js';

/**
 * Optional authentication (`OPTIONAL_CONFORMANCE_ROUTE`, policy `scopes: ['read']`): no token reaches
 * the handler without a context; a token is decided exactly as on a protected route.
 */
export function optionalCases(
  app: () => ConformanceApp,
  mint: (claims?: Record<string, unknown>) => Promise<string>,
  tamper: (token: string) => string,
): void {
  it('optional authentication: runs the handler without a context when no token is sent', async () => {
    const response = await app().request({ method: 'GET', path: '/optional' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(ANONYMOUS_ECHO);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('optional authentication: hands the context of a valid token', async () => {
    const token = await mint({ sub: 'alice', scope: 'read' });
    const response = await app().request({
      method: 'GET',
      path: '/optional',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ subject: 'alice', location: 'authorization-header' });
  });

  it('optional authentication: still refuses a bad token (401), a malformed header (400), a missing scope (403)', async () => {
    const token = await mint({ scope: 'read' });
    const tampered = await app().request({
      method: 'GET',
      path: '/optional',
      headers: { authorization: `Bearer ${tamper(token)}` },
    });
    expect(tampered.status).toBe(401);
    expect(tampered.headers['www-authenticate']).toMatch(
      /^Bearer realm="conformance", error="invalid_token"/,
    );
    const malformed = await app().request({
      method: 'GET',
      path: '/optional',
      headers: { authorization: 'Bearer a b' },
    });
    expect(malformed.status).toBe(400);
    const writeOnly = await mint({ scope: 'write' });
    const scoped = await app().request({
      method: 'GET',
      path: '/optional',
      headers: { authorization: `Bearer ${writeOnly}` },
    });
    expect(scoped.status).toBe(403);
    expect(scoped.body).toMatchObject({ error: 'insufficient_scope' });
  });
}
