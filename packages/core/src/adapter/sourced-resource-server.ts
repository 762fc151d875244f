import { RsConfigError } from '../config/config-error.js';
import { anyValue, checkOptions, isPlainObject, type OptionSchema } from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import type { ResourceServer } from '../resource-server-types.js';

/**
 * How an adapter receives its resource server, as `resourceServerFrom` with `@rs/core`'s factory,
 * or `liteResourceServerFrom` with `@rs/core/lite`'s: the adapter takes the one its entry imports.
 */
export type ResourceServerReader<Source> = (
  source: Source,
  settings?: OptionSchema<object>,
) => ResourceServer;

/**
 * What an adapter is given: the options to build its resource server, or one built elsewhere. Beside a
 * `resourceServer`, the factory's options are typed `never`, so that TypeScript refuses at compile time
 * what {@link resourceServerFromWith} refuses at start-up: `{ resourceServer, realm: 'api' }`, whose
 * `realm` that server, built with options of its own, would never read. A plain union let such a literal
 * through, as a member is excess only when no member of the union declares it. The options form does not
 * forbid `resourceServer` in turn, so that options spread from a `Partial` of them still compile: such an
 * object that carries both is left to the start-up check.
 */
export type ResourceServerGiven<Options extends object> =
  | Options
  | ({ readonly resourceServer: ResourceServer } & { readonly [Option in keyof Options]?: never });

/**
 * `resourceServerFrom` for any factory: its schema (which the adapter's `settings` join) and its
 * builder of checked options.
 */
export function resourceServerFromWith<Options extends object>(
  source: Options | { readonly resourceServer: ResourceServer },
  settings: OptionSchema<object>,
  schema: OptionSchema<object>,
  build: (options: Options) => ResourceServer,
): ResourceServer {
  if (isPlainObject(source) && 'resourceServer' in source) {
    refuseOptionsBeside(source, settings, schema);
    checkOptions(source, { resourceServer: anyValue, ...settings }, '');
    checkResourceServer(source.resourceServer);
    return source.resourceServer;
  }
  checkOptions(source, { ...schema, ...settings }, '');
  return build(source as Options);
}

/**
 * Refuses an option of the factory (`resolver`, `policy`, …) given beside a built `resourceServer`: the
 * server was built with options of its own, which these would neither join nor replace. Named as such,
 * rather than as an unknown option: the name is right, only the pairing is wrong.
 */
function refuseOptionsBeside(
  source: Readonly<Record<string, unknown>>,
  settings: OptionSchema<object>,
  schema: OptionSchema<object>,
): void {
  const beside = Object.keys(source).find(
    (key) => Object.hasOwn(schema, key) && !Object.hasOwn(settings, key),
  );
  if (beside === undefined) return;
  // `resourceServer: shared` with `shared` unset: the options beside it are what was meant to be used.
  if (source.resourceServer === undefined)
    throw new RsConfigError(
      'resourceServer',
      `is undefined, beside options of createResourceServer ("${beside}"): give either a resourceServer ` +
        'or the options to build one, not both',
    );
  throw new RsConfigError(
    beside,
    'is an option of createResourceServer, and a resourceServer is given, built with options of its own: ' +
      'give either resourceServer or the options to build one, not both (set this option where that ' +
      'resource server is created)',
  );
}

// What adapters use of a resource server, methods and settings alike.
const RESOURCE_SERVER_METHODS = ['authenticate', 'authenticateOptional', 'checkPolicy', 'status'] as const;

/**
 * Refuses, when the adapter is built, what is not a resource server from `createResourceServer` (of
 * `@rs/core` or `@rs/core/lite`). An adapter's instance has an `authenticate` of its own and the core
 * server under `.resourceServer`, and would otherwise fail with a `TypeError` when the adapter reads its
 * settings, or only at the first `protect()`.
 */
function checkResourceServer(value: unknown): asserts value is ResourceServer {
  if (isResourceServer(value)) return;
  const wrapped = isObject(value) && isResourceServer(value.resourceServer);
  throw new RsConfigError(
    'resourceServer',
    wrapped
      ? "must be the result of createResourceServer(…), not an adapter's instance: pass that adapter's " +
          '.resourceServer, or the createResourceServer result both adapters share'
      : "must be the result of createResourceServer(…) (of @rs/core or @rs/core/lite), not an adapter's instance",
  );
}

function isResourceServer(value: unknown): value is ResourceServer {
  return (
    isObject(value) &&
    RESOURCE_SERVER_METHODS.every((method) => typeof value[method] === 'function') &&
    typeof value.dpop === 'boolean' &&
    isObject(value.challenge) &&
    isObject(value.tokenLocations) &&
    'protectedResource' in value
  );
}
