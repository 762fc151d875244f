import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DiscoveryError,
  discoverMetadata,
  endpointDiscovery,
} from '../../src/discovery/authorization-server-metadata.js';
import { fetchHttpClient } from '../../src/http/fetch-http-client.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// Metadata is a document another party writes: what it holds is bounded before it is parsed, and what
// an error message quotes of it is cut, so that a hostile or broken server cannot fill logs and health
// reports (status().lastError) or stall the event loop.
let document: unknown;
let server: StandInServer;
beforeAll(async () => {
  server = await startStandInServer(() => ({ json: document }));
});
afterAll(() => server.close());

const limits = { timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 };
const discover = () => discoverMetadata(server.origin, fetchHttpClient(), limits);
const failure = async (promise: Promise<unknown>): Promise<DiscoveryError> => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeDefined();
  return error as DiscoveryError;
};

describe('discovery: bounded reading of the metadata', () => {
  it('refuses metadata nested deeper than 32 levels, before parsing it', async () => {
    let deep: unknown = {};
    for (let level = 0; level < 40; level++) deep = { a: deep };
    document = { issuer: server.origin, jwks_uri: `${server.origin}/jwks`, extension: deep };
    const error = await failure(discover());
    expect(error.code).toBe('ERR_RS_DISCOVERY_INVALID');
    expect(error.message).toMatch(/nested deeper than 32 levels/);
  });

  it('quotes at most 200 characters of a wrong issuer', async () => {
    document = { issuer: `https://${'x'.repeat(60_000)}.example`, jwks_uri: `${server.origin}/jwks` };
    const error = await failure(discover());
    expect(error.message).toContain('names issuer "https://xxx');
    // Both metadata URLs answered the same document: one cut quote each.
    expect(error.message.match(/names issuer/g)).toHaveLength(2);
    expect(error.message.length).toBeLessThan(800);
  });

  it('refuses an endpoint URL longer than 2048 characters without quoting it', async () => {
    document = {
      issuer: server.origin,
      introspection_endpoint: `https://${'a'.repeat(60_000)}.example/introspect`,
    };
    const discovery = endpointDiscovery(server.origin, 'introspection_endpoint', fetchHttpClient(), {
      ...limits,
      allowInsecureHttp: true,
    });
    const error = await failure(discovery.endpoint());
    expect(error.message).toMatch(/introspection_endpoint of .* is longer than 2048 characters/);
    expect(error.message.length).toBeLessThan(400);
  });
});
