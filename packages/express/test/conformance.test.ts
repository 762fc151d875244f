import { type ConformanceDriver, conformanceEcho, runAdapterConformance, sendHttp } from '@rs/testkit';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS, type Framework } from './frameworks.js';
import { serve } from './serve.js';

function driver({ express }: Framework): ConformanceDriver {
  return {
    connectionCertificates: true,
    peerAddress: '127.0.0.1',
    optionalAuthentication: true,
    async start(options, routes, tls) {
      const app = express();
      app.use(express.urlencoded({ extended: false }));
      const rs = createExpressResourceServer(options);
      for (const route of routes) {
        const handler = route.optional ? rs.protectOptional(route.policy) : rs.protect(route.policy);
        const echo = (req: import('express').Request, res: import('express').Response) => {
          res.json(conformanceEcho(req.oauth2));
        };
        if (route.method === 'GET') app.get(route.path, handler, echo);
        else app.post(route.path, handler, echo);
      }
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
