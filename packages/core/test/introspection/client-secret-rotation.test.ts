import { describe, expect, it } from 'vitest';
import { envSecretStore, type SecretStore } from '../../src/index.js';
import { clientSecretSource } from '../../src/introspection/client-secret.js';
import { bearerRequest, expectAccepted, expectConfigError, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

/** A store whose secret an operator rotates while the resource server runs (as a vault would). */
function rotatingStore(initial: string): {
  store: SecretStore;
  reads: () => number;
  set(value: string): void;
} {
  let value = initial;
  let reads = 0;
  return {
    store: {
      name: 'rotatingStore',
      keys: (secretId) => {
        if (secretId !== 'agent.secret.id') return undefined;
        reads++;
        const k = Buffer.from(value).toString('base64url');
        return [{ jwk: { kty: 'oct', k }, origin: 'rotating store' }];
      },
    },
    reads: () => reads,
    set: (next) => {
      value = next;
    },
  };
}

describe('the introspection client secret from a secret store (passwordSecretId)', () => {
  const server = useAuthorizationServer();

  it('reads it from the environment by secret ID, as the gateway does', async () => {
    const as = server();
    const env = { AGENT_SECRET_ID: Buffer.from(as.basicClient.clientSecret).toString('base64') };
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: as.basicClient.clientId,
        clientSecret: { store: envSecretStore({ env }), secretId: 'agent.secret.id' },
      },
    });
    expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(await as.issueToken())));
    expect(errors).toEqual([]);
  });

  it('re-reads a rotated secret when the server answers 401, and retries once with it', async () => {
    const as = server();
    const rotating = rotatingStore('the-old-secret');
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_post',
        clientId: as.postClient.clientId,
        clientSecret: { store: rotating.store, secretId: 'agent.secret.id' },
      },
    });
    const rs = resourceServerWith(resolver);
    const token = await as.issueToken();

    // The store still holds a secret the server does not know: 401, the re-read finds the same one.
    const before = as.introspectionRequests;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'introspection_misconfigured');
    expect(as.introspectionRequests - before).toBe(1);
    expect(errors.map((error) => error.message).join()).not.toContain('the-old-secret');

    // The operator rotates it: the next 401 leads to a re-read and one retry that succeeds.
    rotating.set(as.postClient.clientSecret);
    const rotatedAt = as.introspectionRequests;
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(as.introspectionRequests - rotatedAt).toBe(2);
    const settled = as.introspectionRequests;
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(as.introspectionRequests - settled).toBe(1);
  });

  it('retries every concurrent request refused for the old secret, not only the first to re-read it', async () => {
    const as = server();
    // Read at start-up: the secret the server had before it was rotated there.
    const rotating = rotatingStore('the-old-secret');
    const { resolver, errors } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_post',
        clientId: as.postClient.clientId,
        clientSecret: { store: rotating.store, secretId: 'agent.secret.id' },
      },
    });
    const rs = resourceServerWith(resolver);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => as.issueToken()));
    // The operator has rotated it, at the server and in the store: concurrent requests all carry the old
    // one, read at start-up, and each 401 finds the new one read, by itself or by another request.
    rotating.set(as.postClient.clientSecret);
    const before = as.introspectionRequests;
    const results = await Promise.all(tokens.map((token) => rs.authenticate(bearerRequest(token))));
    for (const result of results) expectAccepted(result);
    expect(as.introspectionRequests - before).toBe(20);
    expect(errors).toEqual([]);
  });
});

describe('refreshing a stored secret', () => {
  it('re-reads it once its refresh interval has passed, and keeps the last good one if the store fails', () => {
    const rotating = rotatingStore('first');
    let now = 0;
    const source = clientSecretSource(
      { store: rotating.store, secretId: 'agent.secret.id' },
      60,
      'clientAuthentication.clientSecret',
      () => now,
    );
    expect(source.current()).toBe('first');
    rotating.set('second');
    now = 59_999;
    expect(source.current()).toBe('first');
    now = 60_000;
    expect(source.current()).toBe('second');
    expect(source.reread()).toBe(false);
    rotating.set('');
    expect(source.reread()).toBe(false);
    expect(source.current()).toBe('second');
  });

  it('refuses an unknown secret ID or a bad interval at start-up, without the secret in the message', () => {
    const rotating = rotatingStore('hunter2-secret');
    const error = expectConfigError(
      () => clientSecretSource({ store: rotating.store, secretId: 'other.id' }, undefined, 'x.clientSecret'),
      'x.clientSecret',
    );
    expect(error.message).toContain('"other.id"');
    expectConfigError(
      () => clientSecretSource({ store: rotating.store, secretId: 'agent.secret.id' }, 0, 'x.clientSecret'),
      'x.secretRefreshSeconds',
    );
  });

  it('refuses a refresh interval beside a plain string, which would never be read again', () => {
    const error = expectConfigError(
      () => clientSecretSource('hunter2-secret', 60, 'x.clientSecret'),
      'x.secretRefreshSeconds',
    );
    expect(error.message).toContain('{ store, secretId }');
    expect(error.message).not.toContain('hunter2');
    // Without the interval, the plain string is accepted as before.
    expect(clientSecretSource('hunter2-secret', undefined, 'x.clientSecret').current()).toBe(
      'hunter2-secret',
    );
  });
});
