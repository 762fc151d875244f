/** An answer as the client receives it, header names lower case. */
export interface LambdaResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** The JSON body of an answer. */
export function jsonBody(response: LambdaResponse): unknown {
  return response.body === undefined ? undefined : JSON.parse(response.body);
}

/** The body as the conformance suite compares it: JSON parsed, a text body (an application's failure answer) as is. */
export function jsonOrText(response: LambdaResponse): unknown {
  if (response.body === undefined) return undefined;
  try {
    return JSON.parse(response.body);
  } catch {
    return response.body;
  }
}
