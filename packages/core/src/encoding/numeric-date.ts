/** A JWT NumericDate (RFC 7519 §2): a finite JSON number (`JSON.parse` reads `1e999` as Infinity). */
export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
