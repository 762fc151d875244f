import { type ConformanceDriver, conformanceEcho, runAdapterConformance, sendHttp } from '@rs/testkit';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS, type Framework } from './frameworks.js';
import { serve } from './serve.js';

/**
 * How the app parses bodies: `express.urlencoded()` before the routes (what form-body tokens need), or a
 * set-up that leaves form bodies unparsed when the middleware runs.
 */
type BodyParsing = 'urlencoded' | 'none' | 'json only' | 'urlencoded after the routes';

function driver(framework: Framework, parsing: BodyParsing = 'urlencoded'): ConformanceDriver {
  const { express } = framework;
  return {
    connectionCertificates: true,
    peerAddress: '127.0.0.1',
    optionalAuthentication: true,
    ...(parsing === 'urlencoded' && {
      unparsedForms: {
        'no parser': driver(framework, 'none'),
        'express.json() only': driver(framework, 'json only'),
        'express.urlencoded() after the routes': driver(framework, 'urlencoded after the routes'),
      },
    }),
    async start(options, routes, tls) {
      const app = express();
      if (parsing === 'urlencoded') app.use(express.urlencoded({ extended: false }));
      if (parsing === 'json only') app.use(express.json());
      const rs = createExpressResourceServer(options);
      for (const route of routes) {
        const handler = route.optional ? rs.protectOptional(route.policy) : rs.protect(route.policy);
        const echo = (req: import('express').Request, res: import('express').Response) => {
          res.json(conformanceEcho(req.oauth2));
        };
        if (route.method === 'GET') app.get(route.path, handler, echo);
        else app.post(route.path, handler, echo);
      }
      if (parsing === 'urlencoded after the routes') app.use(express.urlencoded({ extended: false }));
      const served = await serve(app, tls);
      return {
        request: (request) => sendHttp(served.url, request, tls?.ca),
        url: (path) => `${options.publicUrl ?? served.url}${path}`,
        close: served.close,
      };
    },
  };
}

for (const framework of FRAMEWORKS) runAdapterConformance(framework.name, driver(framework));
