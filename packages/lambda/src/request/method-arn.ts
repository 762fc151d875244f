/** The parts of an API Gateway method or route ARN. */
export interface ExecuteApiArn {
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly method: string;
  /** The resource path without its leading slash, e.g. `items/42`; may be empty. */
  readonly path: string;
}

// arn:aws:execute-api:{region}:{accountId}:{apiId}/{stage}/{METHOD}/{path…}; the partition may be aws-cn, aws-us-gov.
// The method is read as `(?=([A-Za-z*$]+))\6`, an atomic group: the whole run of its letters, never given
// back. A plain `([A-Za-z*$]+)\/?(.*)$` retried the path after every shorter method when the path could
// not match (a line break in it), quadratic in the length of the ARN. No shorter method ever matched
// where the whole run did not: the letters given back would only have joined the path. The lookahead's
// group is the sixth, so the captures keep their numbers.
const EXECUTE_API_ARN =
  /^arn:(aws[a-z-]*):execute-api:([a-z0-9-]+):(\d{12}):([a-z0-9]+)\/([^/]+)\/(?=([A-Za-z*$]+))\6\/?(.*)$/;

/** Reads a `methodArn` (REST API) or `routeArn` (HTTP API); `undefined` for anything else. */
export function parseExecuteApiArn(arn: unknown): ExecuteApiArn | undefined {
  if (typeof arn !== 'string' || arn.length > 2048) return undefined;
  const match = EXECUTE_API_ARN.exec(arn);
  if (match === null) return undefined;
  const [, , region, accountId, apiId, stage, method, path] = match;
  return {
    region: region!,
    accountId: accountId!,
    apiId: apiId!,
    stage: stage!,
    method: method!,
    path: path!,
  };
}

/**
 * The ARN an Allow or Deny names: the invoked method or route itself (`'method'`), or every method of
 * the stage (`'stage'`, for authorizers whose answers API Gateway caches across routes).
 */
export function policyResource(arn: string, scope: 'method' | 'stage'): string {
  if (scope === 'method') return arn;
  const parts = parseExecuteApiArn(arn);
  if (parts === undefined) return arn;
  const partition = arn.split(':', 2)[1];
  return `arn:${partition}:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}/*`;
}
