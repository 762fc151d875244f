import type { RsRequest } from '@rs/core';
import { type FormReading, requestForm } from '@rs/core/adapter';
import { headersRecord } from './headers-record.js';
import { publicUrlOf } from './public-url.js';

/** Translates a Fetch `Request` to core's request. Fetch exposes no peer address, so none is set. */
export async function toRsRequest(
  request: Request,
  publicBase: string | undefined,
  form: FormReading,
): Promise<RsRequest> {
  return {
    method: request.method,
    url: publicUrlOf(request, publicBase),
    headers: headersRecord(request.headers),
    form: await requestForm(request, form),
  };
}
