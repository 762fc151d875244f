// The answer every adapter's RFC 9728 metadata handler sends, by request method: the document for GET,
// its headers alone for HEAD, 405 naming the allowed methods for anything else.
import { describe, expect, it } from 'vitest';
import { protectedResourceMetadataAnswer } from '../../src/adapter/index.js';
import { createResourceServer, jwtResolver, remoteJwks } from '../../src/index.js';

const resourceServer = createResourceServer({
  resolver: jwtResolver({
    issuer: 'https://as.example.com',
    audience: 'https://api.example.com',
    keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
  }),
  protectedResource: {
    resource: 'https://api.example.com',
    authorizationServers: ['https://as.example.com'],
  },
});

describe('protectedResourceMetadataAnswer', () => {
  it('answers GET with the document, as when no method is given', () => {
    const answer = protectedResourceMetadataAnswer(resourceServer, 'GET');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toMatchObject({
      resource: 'https://api.example.com',
      authorization_servers: ['https://as.example.com'],
    });
    expect(protectedResourceMetadataAnswer(resourceServer)).toEqual(answer);
  });

  it('answers HEAD with the headers of GET and no body', () => {
    const answer = protectedResourceMetadataAnswer(resourceServer, 'HEAD');
    expect(answer).toEqual({
      status: 200,
      headers: protectedResourceMetadataAnswer(resourceServer, 'GET').headers,
      body: '',
    });
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'get', 'head', ''])(
    'answers %j with 405 and Allow: GET, HEAD',
    (method) => {
      expect(protectedResourceMetadataAnswer(resourceServer, method)).toEqual({
        status: 405,
        headers: { allow: 'GET, HEAD' },
        body: '',
      });
    },
  );

  it('still refuses a resource server without protectedResource, whatever the method', () => {
    const bare = createResourceServer({
      resolver: jwtResolver({
        issuer: 'https://as.example.com',
        audience: 'https://api.example.com',
        keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
      }),
    });
    expect(() => protectedResourceMetadataAnswer(bare, 'POST')).toThrow(/protectedResource/);
  });
});
