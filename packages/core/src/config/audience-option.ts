import { RsConfigError, requireOption } from './config-error.js';
import { stringSetOption } from './option-values.js';
import { refusePatternValue } from './pattern-value.js';

/** The audience options shared by the JWT and introspection resolvers. */
export interface AudienceOptions {
  readonly audience?: string | readonly string[] | undefined;
  readonly acceptAnyAudience?: boolean | undefined;
}

/**
 * The audiences a resolver requires, or `undefined` when its caller accepts any audience explicitly. An
 * absent `audience` is refused: an authorization server issues tokens for many APIs, and a resource server
 * that checks no audience accepts every one of them (a token for another API would be honoured here).
 */
export function audienceOption(options: AudienceOptions, factory: string): ReadonlySet<string> | undefined {
  if (options.acceptAnyAudience === true) {
    requireOption(
      options.audience === undefined,
      `${factory}.acceptAnyAudience`,
      'contradicts audience: give the audience, or accept any audience, not both',
    );
    return undefined;
  }
  const audiences = stringSetOption(options.audience, `${factory}.audience`, false);
  if (audiences === undefined) {
    throw new RsConfigError(
      `${factory}.audience`,
      "is required: this resource server's identifier, which tokens must carry in aud; without it a token " +
        'meant for another API is accepted (set acceptAnyAudience: true only if every token of this ' +
        'authorization server is meant for this API)',
    );
  }
  for (const audience of audiences) refuseMisreadAudience(audience, `${factory}.audience`);
  return audiences;
}

// Audiences are compared exactly with `aud`: what other tools read as a pattern or a list is here one
// value no token carries, and every token would be refused with no word on why.
function refuseMisreadAudience(audience: string, option: string): void {
  refusePatternValue(
    audience,
    option,
    'list each audience, or set acceptAnyAudience: true (without audience) if every token of this ' +
      'authorization server is meant for this API',
  );
  // Inner white space: `'api other'` or `'api, other'`, several audiences in one string. No audience is
  // written so (a URI holds no space).
  if (/\s/u.test(audience)) {
    const parts = audience.split(/[\s,]+/u).filter((part) => part !== '');
    throw new RsConfigError(
      option,
      `"${audience}" holds white space: to accept several audiences give an array, ` +
        `audience: [${parts.map((part) => `'${part}'`).join(', ')}]`,
    );
  }
}
