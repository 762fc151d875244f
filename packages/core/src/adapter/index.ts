/**
 * @rs/core/adapter: what every framework adapter shares, runtime-neutral (no `node:` module): receiving
 * a resource server or its options, the public request URL, form-body limits and parsing, rejection
 * rendering, the option-schema rules (`checkOptions`, `nonEmptyString`, …) that adapters and stores
 * check their own options with, and the translate-decide-render loop of adapters whose handlers return a response.
 * Applications do not need it; adapter authors start from `docs/writing-an-adapter.md`.
 *
 * @packageDocumentation
 */

export { requirePublicUrlForDpop } from '../config/dpop-public-url.js';
export {
  anyValue,
  arrayOf,
  boolean,
  checkOptions,
  either,
  func,
  integerBetween,
  isPlainObject,
  MAX_TIMER_MS,
  nonEmptyString,
  nonNegativeInteger,
  nonNegativeNumber,
  type OptionRule,
  type OptionSchema,
  objectWith,
  oneOf,
  positiveInteger,
  positiveNumber,
  recordOf,
  refuseGivenUndefined,
  shape,
  stringList,
  stringOrBytes,
  stringOrStrings,
  timerMilliseconds,
  urlString,
} from '../config/option-schema.js';
export { type BoundedJson, parseBoundedJson } from '../encoding/bounded-json.js';
export {
  buildChallenge,
  type ChallengeParams,
} from '../errors/challenge.js';
export {
  buildRejection,
  type ChallengeSettings,
  type RejectionContext,
} from '../errors/rejection.js';
export { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';
export { RsNonErrorThrown, thrownAsError } from '../errors/thrown-value.js';
export type { ResolvedTokenLocations } from '../extract/extract-token.js';
export { isFormUrlEncoded } from '../extract/form-body.js';
export { readStreamAtMost } from '../http/bounded-stream.js';
export { foreignKeyMaterialProblem } from '../keys/foreign-key-material.js';
export { describeError } from '../observability/dependency-health.js';
export { undefinedRoutePolicy } from '../policy/undefined-route-policy.js';
export type { RsHeaders } from '../request.js';
export { requireSecurityEventReceiver } from '../security-events/push-delivery.js';
export {
  type AdapterAuthenticator,
  type AdapterAuthResult,
  type AdapterOptionalAuthResult,
  type AdapterTranslation,
  adapterAuthenticator,
  adapterAuthenticatorWith,
} from './adapter-authenticator.js';
export {
  type FetchAdapterSettings,
  fetchAdapterAuthenticator,
  fetchAdapterAuthenticatorWith,
} from './fetch-authenticator.js';
export { fetchRsRequest, requestForm } from './fetch-request.js';
export {
  DEFAULT_MAX_FORM_BODY_BYTES,
  FORM_BODY_SETTINGS,
  FORM_BODY_TOO_LARGE,
  FORM_BODY_UNREADABLE,
  type FormBody,
  type FormBodySettings,
  type FormReading,
  type FormRecord,
  formBodyWanted,
  formFromText,
  formReading,
  formRecord,
  NO_FORM_BODY,
  parsedFormBody,
} from './form-body.js';
export {
  type LiteResourceServerSource,
  liteResourceServerFrom,
} from './lite-resource-server-source.js';
export {
  type MetadataAnswer,
  protectedResourceMetadataAnswer,
  protectedResourceMetadataPath,
} from './metadata-answer.js';
export { keepSuccessHeadersOnWrite } from './node-response-success-headers.js';
export { refuseTrustedProxiesWithoutPeer } from './peerless-certificate-header.js';
export { publicBaseUrl, requestUrl } from './public-url.js';
export { rejectionBodyText, rejectionResponse } from './rejection-response.js';
export { requestAuthority } from './request-authority.js';
export { type ResourceServerSource, resourceServerFrom } from './resource-server-source.js';
export { addResponseHeaders, successHeaderValue } from './response-headers.js';
export {
  authenticateOptionalWithRoutePolicy,
  authenticateWithRoutePolicy,
  checkRouteHandler,
  checkRoutePolicyMember,
  routePolicyArgument,
} from './route-handler.js';
export { type ResourceServerReader, resourceServerFromWith } from './sourced-resource-server.js';
export { type StatusResponse, statusResponse } from './status-response.js';
