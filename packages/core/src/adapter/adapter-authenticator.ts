import type { OptionSchema } from '../config/option-schema.js';
import type { OAuth2Context } from '../context.js';
import type { Rejection } from '../errors/rejection.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import { undefinedRoutePolicy } from '../policy/undefined-route-policy.js';
import type { RsRequest } from '../request.js';
import type { ResourceServer } from '../resource-server.js';
import { FORM_BODY_SETTINGS, type FormBodySettings, type FormReading, formReading } from './form-body.js';
import { type ResourceServerSource, resourceServerFrom } from './resource-server-source.js';
import { authenticateOptionalWithRoutePolicy, authenticateWithRoutePolicy } from './route-handler.js';
import type { ResourceServerReader } from './sourced-resource-server.js';

/**
 * What an adapter whose handlers return a response value (Fetch, Lambda, Hono) supplies: how its input
 * becomes core's request, and how a rejection becomes its response. Translation only: every decision is
 * core's.
 */
export interface AdapterTranslation<Input, Rejected> {
  /** Builds core's request. `form` says whether a form body is wanted and how large it may be. */
  toRsRequest(input: Input, form: FormReading): RsRequest | Promise<RsRequest>;
  /** The response for a refused request: core's status, headers and JSON body, unchanged. */
  rejectionResponse(rejection: Rejection): Rejected;
}

/**
 * The decision for one request in an adapter's terms: the context and the headers to add to the
 * handler's response, or the ready response to return (with the rejection it renders).
 *
 * @example
 * ```ts
 * const result: AdapterAuthResult<Response> = await authenticator.authenticate(request);
 * if (!result.ok) return result.response;
 * ```
 */
export type AdapterAuthResult<Rejected, Context = OAuth2Context> =
  | {
      readonly ok: true;
      /** The context for the application. */
      readonly context: Context;
      /** Headers to add to the application's response (often empty). */
      readonly headers: Readonly<Record<string, string>>;
    }
  | {
      readonly ok: false;
      /** The framework's response for the refusal, ready to send. */
      readonly response: Rejected;
      /** Core's rejection behind `response`, for logs and error handling. */
      readonly rejection: Rejection;
    };

/**
 * The decision for one request on a route where authentication is optional: as
 * {@link AdapterAuthResult}, with `context` undefined when the request carried no token.
 */
export type AdapterOptionalAuthResult<Rejected> = AdapterAuthResult<Rejected, OAuth2Context | undefined>;

/** A resource server behind one adapter's translation. */
export interface AdapterAuthenticator<Input, Rejected> {
  /** The core resource server underneath: built from the options, or the one passed in. */
  readonly resourceServer: ResourceServer;
  /**
   * Decides one request: translate, run core's pipeline, render a rejection. A `policy` given as
   * `undefined` (misspelt or not loaded) is refused, as core refuses it: the promise rejects with an
   * `RsConfigError`. An adapter holding a policy that may be absent calls through
   * {@link authenticateWithRoutePolicy}.
   */
  authenticate(input: Input, ...policy: [] | [policy: AccessPolicy]): Promise<AdapterAuthResult<Rejected>>;
  /**
   * Checks a route's policy now, so a bad one fails at start-up (`option` names it in the error), and
   * returns the authenticate function for that route.
   */
  forRoute(
    policy: AccessPolicy | undefined,
    option: string,
  ): (input: Input) => Promise<AdapterAuthResult<Rejected>>;
  /**
   * As {@link AdapterAuthenticator.forRoute}, for a route where authentication is optional (core's
   * `authenticateOptional`): a request without any token gets `{ ok: true, context: undefined }`.
   */
  forOptionalRoute(
    policy: AccessPolicy | undefined,
    option: string,
  ): (input: Input) => Promise<AdapterOptionalAuthResult<Rejected>>;
}

/**
 * The part every handler-wrapping adapter shares: the resource server from options or a prebuilt one,
 * every option checked at start-up against core's schema plus `settings`, the adapter's own (default:
 * `maxFormBodyBytes` only), and one `authenticate` that translates, decides and renders.
 * The adapter adds its own `protect` around {@link AdapterAuthenticator.forRoute}.
 *
 * @example
 * ```ts
 * const authenticator = adapterAuthenticator(options, {
 *   toRsRequest: (request: Request, form) => myRsRequest(request, form),
 *   rejectionResponse,
 * });
 * const authenticate = authenticator.forRoute({ scopes: ['read'] }, 'protect.policy');
 * ```
 */
export function adapterAuthenticator<Input, Rejected>(
  source: ResourceServerSource & FormBodySettings,
  translation: AdapterTranslation<Input, Rejected>,
  settings: OptionSchema<object> = FORM_BODY_SETTINGS,
): AdapterAuthenticator<Input, Rejected> {
  return adapterAuthenticatorWith(resourceServerFrom, source, translation, settings);
}

/**
 * {@link adapterAuthenticator} with the resource server read by `serverFrom`: `resourceServerFrom`
 * (`@rs/core`'s factory) or `liteResourceServerFrom` (`@rs/core/lite`'s, for an adapter's lite entry).
 */
export function adapterAuthenticatorWith<Source extends object, Input, Rejected>(
  serverFrom: ResourceServerReader<Source>,
  source: Source & FormBodySettings,
  translation: AdapterTranslation<Input, Rejected>,
  settings: OptionSchema<object> = FORM_BODY_SETTINGS,
): AdapterAuthenticator<Input, Rejected> {
  const resourceServer = serverFrom(source, settings);
  const form = formReading(resourceServer, source.maxFormBodyBytes);

  // The policy is counted in, not read as a rest parameter: no array per request.
  function authenticate(input: Input, policy?: AccessPolicy): Promise<AdapterAuthResult<Rejected>> {
    // biome-ignore lint/complexity/noArguments: tells a policy given as undefined from one left out.
    if (arguments.length > 1 && policy === undefined) {
      return Promise.reject(undefinedRoutePolicy('authenticate(request, policy)'));
    }
    return authenticateRequired(input, policy);
  }

  async function authenticateRequired(
    input: Input,
    policy: AccessPolicy | undefined,
  ): Promise<AdapterAuthResult<Rejected>> {
    const request = await translation.toRsRequest(input, form);
    const result = await authenticateWithRoutePolicy(resourceServer, request, policy);
    if (result.ok) return result;
    const { rejection } = result;
    return { ok: false, response: translation.rejectionResponse(rejection), rejection };
  }

  async function authenticateOptional(
    input: Input,
    policy: AccessPolicy | undefined,
  ): Promise<AdapterOptionalAuthResult<Rejected>> {
    const request = await translation.toRsRequest(input, form);
    const result = await authenticateOptionalWithRoutePolicy(resourceServer, request, policy);
    if (result.ok) return result;
    const { rejection } = result;
    return { ok: false, response: translation.rejectionResponse(rejection), rejection };
  }

  return {
    resourceServer,
    authenticate,
    forRoute(policy, option) {
      const routePolicy = resourceServer.checkPolicy(policy, option);
      return (input) => authenticateRequired(input, routePolicy);
    },
    forOptionalRoute(policy, option) {
      const routePolicy = resourceServer.checkPolicy(policy, option);
      return (input) => authenticateOptional(input, routePolicy);
    },
  };
}
