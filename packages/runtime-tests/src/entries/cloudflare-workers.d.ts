// workerd's built-in module, as much of it as the module-scope Workers use: the bindings, which it offers
// at module scope too (`env` of `fetch` exists only per request). Declared here rather than through
// @cloudflare/workers-types, which would bring its global types into every file of this package.
declare module 'cloudflare:workers' {
  export const env: Readonly<Record<string, unknown>>;
}
