import { generateSigningKey, jwksOf } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import {
  memoryReplayStore,
  revocationList,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

const receiver = securityEventReceiver({
  issuer: 'https://ssf.example.com',
  audience: 'https://api.example.com/ssf',
  keys: staticJwks(jwksOf(await generateSigningKey('ES256', 'ssf-1'))),
  replayStore: memoryReplayStore(),
  revocations: revocationList(),
});

const pollerWith = (headers: Record<string, string>) => () =>
  securityEventPoller({ endpoint: 'https://ssf.example.com/poll', receiver, headers });

describe('configured request headers never name a field the HTTP client owns', () => {
  // Undici sends a configured Host to the configured address (a server with virtual hosts answers as
  // another site) where fetch drops it; the others pass start-up and then fail every request.
  it.each([
    'Host',
    'content-length',
    'Transfer-Encoding',
    'connection',
    'Keep-Alive',
    'upgrade',
    'TE',
    'trailer',
    'proxy-connection',
    'Expect',
  ])('refuses %s at start-up, naming it and no value', (name) => {
    const error = expectConfigError(
      pollerWith({ [name]: 'value-never-shown' }),
      'securityEventPoller.headers',
    );
    expect(error.message).toContain(JSON.stringify(name));
    expect(error.message).not.toContain('value-never-shown');
  });

  it('still takes the credentials and custom fields a transmitter asks for', () => {
    expect(pollerWith({ authorization: 'Bearer poll-secret', 'x-api-key': 'k' })).not.toThrow();
  });
});
