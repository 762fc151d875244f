/** The parts of Express's router internals read here: stable across Express 4 and 5, typed loosely. */
interface RouterLayer {
  readonly handle?:
    | { readonly length: number; readonly stack?: readonly RouterLayer[] | undefined }
    | undefined;
  readonly route?: { readonly stack?: readonly RouterLayer[] | undefined } | undefined;
}

interface ExpressAppLike {
  /** Express 5. */
  readonly router?: { readonly stack?: readonly RouterLayer[] | undefined } | undefined;
  /** Express 4. */
  readonly _router?: { readonly stack?: readonly RouterLayer[] | undefined } | undefined;
  /** The app this one is mounted on. */
  readonly parent?: ExpressAppLike | undefined;
}

/**
 * Whether the app serving a request, or one it is mounted on, has error middleware (a handler of four
 * parameters) anywhere in its routers. Without any, an error passed to `next(err)` reaches Express's
 * default handler, which logs its stack trace on every request and, outside production, sends it to the
 * client: a refused request must not go there.
 *
 * @example
 * ```ts
 * hasErrorMiddleware(req.app); // false for an app with routes only
 * ```
 */
export function hasErrorMiddleware(app: unknown): boolean {
  for (let current = app as ExpressAppLike | undefined; current !== undefined; current = current.parent) {
    const stack = routerStack(current);
    if (stack !== undefined && stackHasErrorMiddleware(stack)) return true;
  }
  return false;
}

function routerStack(app: ExpressAppLike): readonly RouterLayer[] | undefined {
  // Express 4 first: its `app.router` is a getter that throws ("deprecated").
  if (app._router !== undefined) return app._router.stack;
  try {
    return app.router?.stack;
  } catch {
    return undefined;
  }
}

function stackHasErrorMiddleware(stack: readonly RouterLayer[]): boolean {
  for (const layer of stack) {
    if (layer.handle?.length === 4) return true;
    if (layer.handle?.stack !== undefined && stackHasErrorMiddleware(layer.handle.stack)) return true;
    if (layer.route?.stack !== undefined && stackHasErrorMiddleware(layer.route.stack)) return true;
  }
  return false;
}
