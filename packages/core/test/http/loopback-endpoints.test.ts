import { describe, expect, it } from 'vitest';
import { introspectionResolver, issuerJwks, RsConfigError, remoteJwks } from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

/** Runs `action` and returns the process warnings it emitted with `code`. */
async function warningsOf(code: string, action: () => void): Promise<Error[]> {
  const warnings: Error[] = [];
  const listen = (warning: Error) => warnings.push(warning);
  process.on('warning', listen);
  try {
    action();
    // Node emits warnings on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listen);
  }
  return warnings.filter((warning) => (warning as { code?: string }).code === code);
}

describe('plain http to loopback authorization servers (local development)', () => {
  it('accepts localhost, 127.0.0.0/8 and [::1] for every endpoint, warning once per origin', async () => {
    const first = await warningsOf('RS_LOOPBACK_HTTP', () => {
      remoteJwks({ url: 'http://localhost:9011/jwks' });
      remoteJwks({ url: 'http://localhost:9011/other-jwks' });
      issuerJwks({ issuer: 'http://127.0.0.2:9011' });
      introspectionResolver({
        endpoint: 'http://[::1]:9011/introspect',
        acceptAnyAudience: true,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 's' },
      });
    });
    expect(first.map((warning) => warning.message.split(' ').slice(0, 5).join(' '))).toEqual([
      'plain http to http://localhost:9011 is',
      'plain http to http://127.0.0.2:9011 is',
      'plain http to http://[::1]:9011 is',
    ]);
    expect(first[0]!.name).toBe('RsDevelopmentWarning');
    // Once per origin for the life of the process.
    expect(
      await warningsOf('RS_LOOPBACK_HTTP', () => remoteJwks({ url: 'http://localhost:9011/jwks' })),
    ).toEqual([]);
  });

  it('refuses plain http to any other host with an error that says what is accepted', () => {
    for (const url of [
      'http://as.example.com/jwks',
      'http://10.0.0.1/jwks',
      'http://localhost.example.com/',
    ]) {
      const error = expectConfigError(() => remoteJwks({ url }), 'remoteJwks.url');
      expect(error).toBeInstanceOf(RsConfigError);
      expect(error.message).toContain('loopback hosts (localhost, 127.0.0.0/8, [::1])');
    }
    expectConfigError(() => issuerJwks({ issuer: 'http://as.example.com' }), 'issuerJwks.issuer');
    expect(() => remoteJwks({ url: 'http://as.internal/jwks', allowInsecureHttp: true })).not.toThrow();
  });
});
