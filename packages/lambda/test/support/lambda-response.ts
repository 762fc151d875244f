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
