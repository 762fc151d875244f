import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  envSecretStore,
  introspectionResolver,
  type RsConfigError,
  type SecretReference,
} from '../../src/index.js';
import { clientSecretSource } from '../../src/introspection/client-secret.js';
import { directorySecretStore } from '../../src/node/index.js';
import { bearerRequest, expectAccepted, expectConfigError } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

// A client secret read from a secret store is sent as read. A line break a file or a variable kept
// (`echo` writes one) is never part of what the authorization server registered, so every call would be
// refused: the same string given directly is refused at start-up, and so is one read from a store.

const SECRET = 'hunter2-agent-secret';
const OPTION = 'introspectionResolver.clientAuthentication.clientSecret';

const directory = mkdtempSync(join(tmpdir(), 'rs-client-secret-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Writes `content` to the file holding the secret ID `secretId`, as an operator (or a mounted volume) would. */
function writeSecretFile(secretId: string, content: string | Uint8Array): SecretReference {
  writeFileSync(join(directory, secretId), content);
  return { store: directorySecretStore({ directory, format: 'plain' }), secretId };
}

function resolverWith(clientSecret: SecretReference) {
  return introspectionResolver({
    endpoint: 'https://as.example.com/introspect',
    acceptAnyAudience: true,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret },
  });
}

describe('a client secret read from a store is checked at start-up as a string one is', () => {
  it.each<[string, () => SecretReference]>([
    ['a file ending in a line break', () => writeSecretFile('agent.secret', `${SECRET}\n`)],
    ['a file ending in CR LF', () => writeSecretFile('agent-crlf.secret', `${SECRET}\r\n`)],
    ['a file holding only a line break', () => writeSecretFile('agent-blank.secret', '\n')],
    ['a file beginning with a space', () => writeSecretFile('agent-space.secret', ` ${SECRET}`)],
    [
      'a plain variable ending in a line break',
      () => ({
        store: envSecretStore({ env: { AGENT_SECRET: `${SECRET}\n` }, format: 'plain' }),
        secretId: 'agent.secret',
      }),
    ],
    [
      'a base64 variable whose secret ends in a line break',
      () => ({
        store: envSecretStore({ env: { AGENT_SECRET: Buffer.from(`${SECRET}\n`).toString('base64') } }),
        secretId: 'agent.secret',
      }),
    ],
    [
      'a variable holding a control character',
      () => ({
        store: envSecretStore({ env: { AGENT_SECRET: `hunter2\u0000agent` }, format: 'plain' }),
        secretId: 'agent.secret',
      }),
    ],
  ])('refuses %s, naming the option and the secret ID, never the secret', (_case, reference) => {
    const error = expectConfigError(() => resolverWith(reference()), OPTION);
    expect(error.problem).toContain('a line break read from a file with it?');
    expect(error.problem).toContain('"agent');
    expect(error.message).not.toContain('hunter2');
  });

  it('takes the same secret without the line break', () => {
    expect(() => resolverWith(writeSecretFile('agent-good.secret', SECRET))).not.toThrow();
  });
});

describe('a stored client secret read again and found unusable', () => {
  it('keeps the last good secret, reports why without the secret, and takes the file once it is fixed', () => {
    const reference = writeSecretFile('rotated.secret', 'first-secret');
    const reported: RsConfigError[] = [];
    let now = 0;
    const source = clientSecretSource(
      reference,
      60,
      'x.clientSecret',
      () => now,
      (problem) => {
        reported.push(problem);
      },
    );
    expect(source.current()).toBe('first-secret');

    // Rotated with `echo`: the new secret and a line break.
    writeSecretFile('rotated.secret', 'second-secret\n');
    now = 60_000;
    expect(source.current()).toBe('first-secret');
    expect(reported).toHaveLength(1);
    expect(reported[0]!.option).toBe('x.clientSecret');
    expect(reported[0]!.problem).toContain('"rotated.secret"');
    expect(reported[0]!.problem).toContain('a line break read from a file with it?');
    expect(reported[0]!.problem).toContain('stays in use');
    expect(reported[0]!.message).not.toContain('second-secret');

    // Not read again (nor reported again) at every use: after the refresh interval, or a refusal.
    now = 60_001;
    expect(source.current()).toBe('first-secret');
    expect(reported).toHaveLength(1);
    expect(source.reread()).toBe(false);
    expect(reported).toHaveLength(2);

    writeSecretFile('rotated.secret', 'second-secret');
    expect(source.reread()).toBe(true);
    expect(source.current()).toBe('second-secret');
    expect(reported).toHaveLength(2);
  });

  it('reports to console.error by default, at most once a minute', () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((message: string) => {
      errors.push(message);
    });
    const reference = writeSecretFile('default-report.secret', 'first-secret');
    const source = clientSecretSource(reference, 60, 'x.clientSecret');
    writeSecretFile('default-report.secret', '\n');
    expect(source.reread()).toBe(false);
    expect(source.reread()).toBe(false);
    expect(source.current()).toBe('first-secret');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"x.clientSecret"');
    expect(errors[0]).toContain('"default-report.secret"');
  });
});

describe('an introspection resolver whose secret file is rewritten with a line break', () => {
  const server = useAuthorizationServer();

  it('goes on authenticating with the secret it read before', async () => {
    const as = server();
    const reference = writeSecretFile('live.secret', as.basicClient.clientSecret);
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((message: string) => {
      errors.push(message);
    });
    const { resolver } = introspectAt(as, {
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: as.basicClient.clientId,
        clientSecret: reference,
        secretRefreshSeconds: 0.001,
      },
    });
    const rs = resourceServerWith(resolver);
    expectAccepted(await rs.authenticate(bearerRequest(await as.issueToken())));

    writeSecretFile('live.secret', `${as.basicClient.clientSecret}\n`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expectAccepted(await rs.authenticate(bearerRequest(await as.issueToken())));
    expect(errors.join('\n')).toContain('"live.secret"');
    expect(errors.join('\n')).not.toContain(as.basicClient.clientSecret);
  });
});
