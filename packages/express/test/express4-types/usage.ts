// Typechecked by `typecheck` with `express` mapped to @types/express 4: the middleware's types must suit
// Express 4 apps as well as Express 5 ones.
import { jwtResolver, staticJwks } from '@rs/core';
import express from 'express';
import { RsRejectionError, rsExpress } from '../../src/index.js';

const protect = rsExpress({
  resolver: jwtResolver({
    acceptAnyAudience: true,
    issuer: 'https://as.example.com',
    keys: staticJwks({ keys: [] }),
  }),
  onRejection: 'next',
});
const app = express();
app.use(express.urlencoded({ extended: false }));
app.get('/items', protect({ scopes: ['read'] }), (req, res) => {
  res.json({ subject: req.oauth2?.subject });
});
app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
  if (!(err instanceof RsRejectionError)) return next(err);
  res.status(err.status).set(err.headers).json(err.rejection.body);
});
