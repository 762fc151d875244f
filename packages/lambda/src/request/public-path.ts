/**
 * API Gateway hands over the path decoded: a `%3F` would come back as `?` and start a query in the
 * rebuilt URL (where core looks for `access_token`). Re-escape the two characters that end a path.
 */
export function publicPath(path: string): string {
  return path.replace(/[?#]/g, encodeURIComponent);
}
