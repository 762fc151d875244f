import { errorChain } from './error-chain.js';

// How far down the causes to look: `fetch` wraps the parser's error once ("fetch failed"), and a wrapper
// of the user's may add a level or two (as networkFailureMessage reads codes).
const MAX_CAUSE_DEPTH = 4;

/**
 * `error`, with the bytes of an answer that did not parse dropped from its causes. Undici's
 * `HTTPParserError` (Node's `fetch` runs on undici too) keeps what it could not parse as `data`: the rest
 * of the chunk it read from the socket, kilobytes of whatever the server sent. The errors of @rs keep
 * their causes for loggers, and they reach `onError`, `onFetchError` and the console; a server that
 * writes back what it received (a port that is no HTTP server, a broken proxy, an echo service behind a
 * wrong URL) would put the request there, its `Authorization` header, the client secret and the token
 * of an introspection form included. The parser's message and code (`HPE_INVALID_STATUS`) stay: they say what was wrong.
 */
export function withoutUnparsedBytes<T>(error: T): T {
  try {
    for (const link of errorChain(error, MAX_CAUSE_DEPTH)) {
      if (link.name === 'HTTPParserError' && Object.hasOwn(link, 'data')) delete link.data;
    }
  } catch {
    // An error of a `fetch` of the user's own whose getters throw, or a frozen one: nothing of undici's.
  }
  return error;
}
