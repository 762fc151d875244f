import type { TokenInfo } from './token-info.js';

/** Where the access token was found in the request (RFC 6750 §2). */
export type TokenLocation = 'authorization-header' | 'form-body' | 'query' | 'custom-header';

/**
 * What the application receives for an accepted request: the token's normalized claims plus how it was
 * presented. The raw token is available as `token` but is not enumerable, so logging or serializing the
 * context never prints it.
 */
export interface OAuth2Context extends TokenInfo {
  /** The raw access token, for relaying to downstream APIs. Never log it. */
  readonly token: string;
  /**
   * The authorization scheme the token was presented with: `DPoP` when a DPoP proof (RFC 9449) was
   * checked, `Bearer` otherwise (also for tokens from the form body, query or a custom header).
   */
  readonly scheme: 'Bearer' | 'DPoP';
  readonly location: TokenLocation;
}

/** Builds the context, keeping the raw token out of enumeration (JSON, `console.log`, spread). */
export function createContext(
  info: TokenInfo,
  token: string,
  location: TokenLocation,
  scheme: OAuth2Context['scheme'] = 'Bearer',
): OAuth2Context {
  const context = { ...info, scheme, location };
  Object.defineProperty(context, 'token', { value: token, enumerable: false, writable: false });
  return context as OAuth2Context;
}
