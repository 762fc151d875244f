import type { OAuth2Context } from '@rs/core';

declare global {
  // Express types request properties through this global namespace; a module cannot augment it otherwise.
  namespace Express {
    interface Request {
      /** The accepted token's context, set by an @rs/express middleware before the next handler runs. */
      oauth2?: OAuth2Context | undefined;
    }
  }
}
