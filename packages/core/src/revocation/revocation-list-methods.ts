/**
 * The methods of a `RevocationList` that resolvers and caches call, checked when a list is given to one:
 * a list lacking one would throw at a request (every cache hit is checked against the markers) instead of
 * being refused at start-up. A module of its own, so that checking options pulls in no revocation code.
 */
export const REVOCATION_LIST_METHODS = [
  'revoke',
  'attach',
  'refuses',
  'namesToken',
  'needsTokenHash',
] as const;
