import type { RsRequest } from '@rs/core';
import { headersRecord } from './headers-record.js';
import { publicUrlOf } from './public-url.js';
import { type FormReading, readForm } from './read-form.js';

/** What the translation needs besides the request. */
export interface RequestTranslation {
  readonly publicBase: string | undefined;
  readonly form: FormReading;
}

/** Translates a Fetch `Request` to core's request. Fetch exposes no peer address, so none is set. */
export async function toRsRequest(request: Request, translation: RequestTranslation): Promise<RsRequest> {
  const headers = headersRecord(request.headers);
  return {
    method: request.method,
    url: publicUrlOf(request, translation.publicBase),
    headers,
    form: await readForm(request, headers, translation.form),
  };
}
