import { shownUrl } from '../config/shown-url.js';
import { HttpClientError, type HttpRequest } from './http-client.js';

/**
 * The failure of an answer longer than `maxResponseBytes`, for every built-in client. It names the URL
 * (its query hidden), as every other failure of the exchange does: the operator must know which document
 * to point at, or whose limit to raise.
 */
export function responseTooLarge(request: HttpRequest): HttpClientError {
  return new HttpClientError(
    'ERR_RS_HTTP_TOO_LARGE',
    `${shownUrl(request.url)}: the response body exceeds ${request.maxResponseBytes} bytes`,
  );
}
