import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import {
  METADATA_CONFORMANCE_PROTECTED_PATH,
  metadataRouteOverHttp,
  runMetadataRouteConformance,
} from '@rs/testkit';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { createExpressResourceServer, protectedResourceMetadataRoute } from '../src/index.js';
import { closeAll, serve } from './serve.js';

afterEach(closeAll);

runMetadataRouteConformance('Express', async (resourceServer) => {
  const metadata = protectedResourceMetadataRoute(resourceServer);
  const { protect } = createExpressResourceServer({ resourceServer });
  const app = express();
  // At the root, outside protect(), as the README says.
  app.get(metadata.path, metadata.handler);
  app.get(METADATA_CONFORMANCE_PROTECTED_PATH, protect(), (_req, res) => res.json([]));
  const { url } = await serve(app);
  return metadataRouteOverHttp(url, metadata.path);
});

it('answers HEAD on the metadata path with the headers and no body', async () => {
  const resourceServer = createResourceServer({
    resolver: jwtResolver({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
    }),
    protectedResource: { resource: 'https://api.example.com' },
  });
  const metadata = protectedResourceMetadataRoute(resourceServer);
  const app = express();
  app.get(metadata.path, metadata.handler);
  const { url } = await serve(app);
  const response = await fetch(`${url}/.well-known/oauth-protected-resource`, { method: 'HEAD' });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.text()).toBe('');
});

it('answers other methods 405 with Allow when mounted for every method, HEAD with the length of GET', async () => {
  const resourceServer = createResourceServer({
    resolver: jwtResolver({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
    }),
    protectedResource: { resource: 'https://api.example.com' },
  });
  const metadata = protectedResourceMetadataRoute(resourceServer);
  const app = express();
  app.all(metadata.path, metadata.handler);
  const { url } = await serve(app);
  const document = `${url}/.well-known/oauth-protected-resource`;
  const posted = await fetch(document, { method: 'POST', body: '{}' });
  expect(posted.status).toBe(405);
  expect(posted.headers.get('allow')).toBe('GET, HEAD');
  expect(await posted.text()).toBe('');
  const got = await fetch(document);
  const head = await fetch(document, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(head.headers.get('content-length')).toBe(got.headers.get('content-length'));
  expect(await head.text()).toBe('');
});
