import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  memoryReplayStore,
  revocationList,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A transmitter on loopback that answers every poll with `body`; its polling endpoint. */
async function transmitterAnswering(body: string | Buffer): Promise<string> {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/poll`;
}

async function pollerOf(endpoint: string) {
  const key = await generateSigningKey('ES256', 'ssf-1');
  const receiver = securityEventReceiver({
    issuer: 'https://ssf.example.com',
    audience: 'https://api.example.com/ssf',
    keys: staticJwks(jwksOf(key)),
    replayStore: memoryReplayStore(),
    revocations: revocationList(),
  });
  return securityEventPoller({ endpoint, receiver, returnImmediately: true });
}

/** A poll answer with no SETs whose member `x` nests `levels` arrays, the answer itself one level more. */
const answerNesting = (levels: number) => `{"sets":{},"x":${'['.repeat(levels)}${']'.repeat(levels)}}`;

describe('a poll answer nested too deep', () => {
  it('is refused before it is parsed, within the default 1 MiB limit', async () => {
    const levels = 512 * 1024 - 16;
    const body = answerNesting(levels);
    expect(body.length).toBeLessThanOrEqual(1024 * 1024);
    const poller = await pollerOf(await transmitterAnswering(body));
    await expect(poller.pollOnce()).rejects.toThrow(
      'The transmitter answered the poll with JSON that nests objects and arrays deeper than 32 levels',
    );
  });

  it('is refused from 33 levels; 32 are read', async () => {
    const deep = await pollerOf(await transmitterAnswering(answerNesting(32)));
    await expect(deep.pollOnce()).rejects.toThrow('deeper than 32 levels');
    server?.closeAllConnections();
    server?.close();
    const deepest = await pollerOf(await transmitterAnswering(answerNesting(31)));
    expect(await deepest.pollOnce()).toEqual({ received: 0, refused: 0, deferred: 0, moreAvailable: false });
  });

  it('still refuses an answer that is not a JSON object, or not UTF-8', async () => {
    for (const body of ['[]', '{"sets":', Buffer.from('{"sets":{"\xff":1}}', 'latin1')]) {
      const poller = await pollerOf(await transmitterAnswering(body));
      await expect(poller.pollOnce()).rejects.toThrow('something other than a JSON object');
      server?.closeAllConnections();
      server?.close();
    }
  });
});
