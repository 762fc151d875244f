import { describe, expect, it } from 'vitest';
import { parseConfig, SampleConfigError } from '../src/config.js';

describe('parseConfig', () => {
  it('runs the embedded authorization server by default', () => {
    expect(parseConfig({})).toEqual({ port: 9401, trust: { kind: 'embedded', port: 9400 } });
    expect(parseConfig({ PORT: '8001', AS_PORT: '8000' })).toEqual({
      port: 8001,
      trust: { kind: 'embedded', port: 8000 },
    });
  });

  it('trusts an external issuer with a JWK set URL', () => {
    const env = {
      RS_ISSUER: 'https://as.example',
      RS_AUDIENCE: 'api',
      RS_JWKS_URL: 'https://as.example/jwks',
    };
    expect(parseConfig(env).trust).toEqual({
      kind: 'external',
      issuer: 'https://as.example',
      audience: 'api',
      keys: { jwksUrl: 'https://as.example/jwks' },
    });
  });

  it('discovers the keys from the issuer when no JWK set URL is given', () => {
    expect(parseConfig({ RS_ISSUER: 'https://as.example/tenant/', RS_AUDIENCE: 'api' }).trust).toMatchObject({
      keys: { discoveryUrl: 'https://as.example/tenant/.well-known/openid-configuration' },
    });
  });

  it('takes introspection credentials, with or without the endpoint', () => {
    const env = {
      RS_ISSUER: 'https://as.example',
      RS_AUDIENCE: 'api',
      RS_INTROSPECTION_CLIENT_ID: 'rs',
      RS_INTROSPECTION_CLIENT_SECRET: 's3cret',
    };
    expect(parseConfig(env).trust).toMatchObject({
      introspection: { clientId: 'rs', clientSecret: 's3cret' },
    });
    expect(parseConfig(env).trust).not.toHaveProperty('introspection.endpoint');
    expect(
      parseConfig({ ...env, RS_INTROSPECTION_URL: 'https://as.example/introspect' }).trust,
    ).toMatchObject({
      introspection: { endpoint: 'https://as.example/introspect', clientId: 'rs', clientSecret: 's3cret' },
    });
  });

  it('leaves the introspection routes out without credentials', () => {
    expect(parseConfig({ RS_ISSUER: 'https://as.example', RS_AUDIENCE: 'api' }).trust).not.toHaveProperty(
      'introspection',
    );
  });

  it('never puts the introspection secret in an error', () => {
    const env = {
      RS_ISSUER: 'https://as.example',
      RS_AUDIENCE: 'api',
      RS_INTROSPECTION_URL: 'http://as.example/introspect',
      RS_INTROSPECTION_CLIENT_ID: 'rs',
      RS_INTROSPECTION_CLIENT_SECRET: 'do-not-print',
    };
    expect(() => parseConfig(env)).toThrow(/RS_INTROSPECTION_URL must be an https URL/);
    expect(() => parseConfig(env)).not.toThrow(/do-not-print/);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be a port number/],
    [{ AS_PORT: '70000' }, /AS_PORT must be a port number/],
    [{ RS_AUDIENCE: 'api' }, /RS_AUDIENCE applies only to an external server/],
    [{ RS_ISSUER: 'not a url', RS_AUDIENCE: 'api' }, /RS_ISSUER must be an absolute URL/],
    [{ RS_ISSUER: 'https://as.example' }, /RS_AUDIENCE is required/],
    [
      {
        RS_ISSUER: 'https://as.example',
        RS_AUDIENCE: 'api',
        RS_JWKS_URL: 'https://a/j',
        RS_DISCOVERY_URL: 'https://a/d',
      },
      /not both/,
    ],
    [
      { RS_ISSUER: 'https://as.example', RS_AUDIENCE: 'api', RS_JWKS_URL: 'http://as.example/jwks' },
      /must be an https URL/,
    ],
    [{ RS_INTROSPECTION_CLIENT_ID: 'rs' }, /RS_INTROSPECTION_CLIENT_ID applies only to an external server/],
    [
      { RS_INTROSPECTION_URL: 'https://a/i', RS_INTROSPECTION_CLIENT_SECRET: 's' },
      /RS_INTROSPECTION_URL, RS_INTROSPECTION_CLIENT_SECRET apply only to an external server/,
    ],
    [
      { RS_ISSUER: 'https://as.example', RS_AUDIENCE: 'api', RS_INTROSPECTION_URL: 'https://as.example/i' },
      /RS_INTROSPECTION_URL needs RS_INTROSPECTION_CLIENT_ID and RS_INTROSPECTION_CLIENT_SECRET/,
    ],
    [
      { RS_ISSUER: 'https://as.example', RS_AUDIENCE: 'api', RS_INTROSPECTION_CLIENT_ID: 'rs' },
      /set both RS_INTROSPECTION_CLIENT_ID and RS_INTROSPECTION_CLIENT_SECRET/,
    ],
    [
      { RS_ISSUER: 'https://as.example', RS_AUDIENCE: 'api', RS_INTROSPECTION_CLIENT_SECRET: 's' },
      /set both RS_INTROSPECTION_CLIENT_ID and RS_INTROSPECTION_CLIENT_SECRET/,
    ],
    [
      {
        RS_ISSUER: 'http://as.example',
        RS_AUDIENCE: 'api',
        RS_JWKS_URL: 'https://as.example/jwks',
        RS_INTROSPECTION_CLIENT_ID: 'rs',
        RS_INTROSPECTION_CLIENT_SECRET: 's',
      },
      /RS_ISSUER \(for introspection\) must be an https URL/,
    ],
    [
      {
        RS_ISSUER: 'https://as.example',
        RS_AUDIENCE: 'api',
        RS_INTROSPECTION_URL: 'not a url',
        RS_INTROSPECTION_CLIENT_ID: 'rs',
        RS_INTROSPECTION_CLIENT_SECRET: 's',
      },
      /RS_INTROSPECTION_URL must be an absolute URL/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(SampleConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});
