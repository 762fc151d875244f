import { base64url } from 'jose';
import { RsConfigError } from '../config/config-error.js';
import { sha256Digest } from './sha256-digest.js';

/**
 * Something whose answers a token cache may key by a stable identity: resolvers and key sources. Two
 * objects with the same `cacheNamespace` must give the same answer for every token; anything that could
 * change an answer (issuer, audience, keys, profile, limits, …) must change the namespace.
 */
export interface CacheIdentity {
  /**
   * What this accepts, the same across processes for the same configuration: a {@link CacheNamespace}
   * (every resolver and key source of @rs has one), or, for your own resolver or key source, a stable
   * name such as `'vault-signing-keys-v1'`, changed whenever what it accepts changes. Absent when it
   * cannot be told (a custom key source without one): a token cache over a shared store then refuses
   * the resolver at start-up rather than risk serving its answers to another resolver.
   */
  readonly cacheNamespace?: string | CacheNamespace | undefined;
}

/**
 * The brand of a {@link CacheNamespace}, the same in every copy of @rs/core (a global symbol): an
 * application that loads both the ESM and the CommonJS build has two `CacheNamespace` classes, and a
 * resolver of one build handed to a `tokenCache` or `hybridResolver` of the other must be recognised.
 */
const NAMESPACE_BRAND: unique symbol = Symbol.for('@rs/core/CacheNamespace');

/**
 * The canonical description of a namespace: its JSON text, or, when it draws on a namespace of another
 * copy of @rs/core (whose description this copy cannot read), the described value still holding the
 * {@link ForeignIdentity} of each such namespace, turned into text once their digests are known.
 */
type Canonical = string | DescribedWithForeign;

/** A description with the identity of a namespace of another copy of @rs/core in it, somewhere. */
class DescribedWithForeign {
  constructor(readonly described: unknown) {}
}

/**
 * Where a description draws on a namespace of another copy of @rs/core: nested as that namespace's
 * digest (the only part of it another copy may read), once `digest()` has computed it.
 */
class ForeignIdentity {
  constructor(readonly namespace: CacheNamespace) {}

  /** What a set's members are ordered by before the digest is known. */
  toJSON(): unknown {
    return { foreign: this.namespace.kind };
  }
}

// The canonical description of each namespace, kept out of the object itself so that no log line,
// `JSON.stringify` or inspection of a resolver shows it: it may hold secrets (a shared secret, an
// introspection client's credentials). Only its digest leaves the process, and only its digest is shown
// to another copy of @rs/core: this map is this copy's own.
const canonicalTexts = new WeakMap<CacheNamespace, Canonical>();

/**
 * The identity of a resolver or key source of @rs: its kind and a canonical description of every
 * setting that can change its answers, with the identities of the objects it draws on nested. Opaque:
 * the description is never shown, only digested, once, when a token cache first needs it.
 *
 * `instanceof CacheNamespace` holds for the namespaces of every copy of @rs/core loaded in the process
 * (the ESM and the CommonJS build): a resolver of one build may be cached, or combined, by the other.
 */
export class CacheNamespace {
  /**
   * Whether `value` is a namespace of this copy of @rs/core or of another one (by its brand, a global
   * symbol every copy sets).
   */
  static [Symbol.hasInstance](value: unknown): value is CacheNamespace {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [NAMESPACE_BRAND]?: unknown })[NAMESPACE_BRAND] === true
    );
  }

  /** The kind of resolver or key source (`jwt`, `remoteJwks`, …); not secret. */
  readonly kind: string;
  #digest: Promise<string> | undefined;

  /** @internal Built by the resolvers and key sources of @rs. */
  constructor(kind: string, canonical: Canonical) {
    this.kind = kind;
    canonicalTexts.set(this, canonical);
  }

  /** @internal The brand (see {@link CacheNamespace}); on the prototype, so that no inspection shows it. */
  get [NAMESPACE_BRAND](): true {
    return true;
  }

  /**
   * `<kind>-<base64url SHA-256 of "<kind>\n<canonical description>">`, the segment of a token cache's
   * store keys. Computed by WebCrypto at the first call; later calls share that promise.
   */
  digest(): Promise<string> {
    this.#digest ??= canonicalTextOf(this)
      .then((canonical) => sha256Digest(`${this.kind}\n${canonical}`))
      .then(
        (digest) => `${this.kind}-${digest}`,
        (error: unknown) => {
          this.#digest = undefined; // Let a later request try again rather than keep a failure.
          throw error;
        },
      );
    return this.#digest;
  }
}

/** Raised inside {@link cacheNamespaceOf} when a part of the description has no identity. */
class Unnamed extends Error {}

/** Raised inside {@link cacheNamespaceOf} when the description nests deeper than it may. */
class TooDeep extends Error {}

/**
 * The deepest nesting of objects and arrays described, as for the JSON documents @rs reads
 * (`MAX_ANSWER_DEPTH`): configuration is never deeper, and a deeper value (a JWK member nested ten
 * thousand times) would otherwise exhaust the stack with a `RangeError` instead of a configuration error.
 */
const MAX_DESCRIBED_DEPTH = 32;

/**
 * The namespace of a resolver or key source: `kind` and a canonical JSON of `description` (settings,
 * and the identities of the objects it draws on), described now, digested later. `undefined` when some
 * part has no identity: a resolver or key source without `cacheNamespace`, or a WebCrypto key (which
 * cannot be exported). Throws {@link RsConfigError} naming `option` (default: `kind`) when `description`
 * nests objects and arrays deeper than {@link MAX_DESCRIBED_DEPTH} levels.
 *
 * @example
 * ```ts
 * await cacheNamespaceOf('remoteJwks', { url: 'https://as.example.com/jwks' })?.digest(); // 'remoteJwks-7Tq…'
 * ```
 */
export function cacheNamespaceOf(
  kind: string,
  description: unknown,
  option: string = kind,
): CacheNamespace | undefined {
  let described: unknown;
  try {
    described = describe(description, new WeakSet(), 0);
  } catch (error) {
    if (error instanceof Unnamed) return undefined;
    if (error instanceof TooDeep)
      throw new RsConfigError(
        option,
        `nests objects and arrays deeper than ${MAX_DESCRIBED_DEPTH} levels: no configuration does`,
      );
    throw error;
  }
  return new CacheNamespace(
    kind,
    holdsForeign(described) ? new DescribedWithForeign(described) : (JSON.stringify(described) ?? 'null'),
  );
}

/** This copy's namespace's canonical text; a foreign identity in it is awaited as its digest. */
async function canonicalTextOf(namespace: CacheNamespace): Promise<string> {
  const canonical = canonicalTexts.get(namespace);
  if (canonical === undefined) throw new Error('a cache namespace of @rs/core without its description');
  return typeof canonical === 'string' ? canonical : settledText(canonical);
}

/** The text of a description holding foreign identities, each replaced by its namespace's digest. */
async function settledText(canonical: DescribedWithForeign): Promise<string> {
  return JSON.stringify(await settle(canonical.described)) ?? 'null';
}

/** `described` with every {@link ForeignIdentity} in it replaced by the digest it stands for. */
async function settle(described: unknown): Promise<unknown> {
  if (described instanceof ForeignIdentity) return { digest: await described.namespace.digest() };
  // A nested namespace of this copy whose own description holds foreign identities: its canonical text.
  if (described instanceof DescribedWithForeign) return settledText(described);
  if (Array.isArray(described)) return Promise.all(described.map(settle));
  if (described === null || typeof described !== 'object') return described;
  const settled: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(described)) settled[key] = await settle(member);
  return settled;
}

/** Whether a described value holds a foreign identity, itself or in a nested namespace of this copy. */
function holdsForeign(described: unknown): boolean {
  if (described instanceof ForeignIdentity || described instanceof DescribedWithForeign) return true;
  if (described === null || typeof described !== 'object') return false;
  return Object.values(described).some(holdsForeign);
}

/** Plain JSON for `value`, object members sorted, functions left out, identities put in place. */
function describe(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
  if (value instanceof CacheNamespace) return identityOf(value);
  // Counted before anything is visited: the recursion stops here, whatever the value.
  if (depth >= MAX_DESCRIBED_DEPTH) throw new TooDeep();
  const inner = depth + 1;
  // A cycle is not configuration (an HTTP client, a connection): such a value has no stable identity.
  if (seen.has(value)) throw new Unnamed();
  seen.add(value);
  if (Array.isArray(value)) return value.map((member) => describe(member, seen, inner) ?? null);
  if (value instanceof Uint8Array) return { bytes: base64url.encode(value) };
  if (value instanceof URL) return value.href;
  if (value instanceof Set)
    return [...value].map((member) => describe(member, seen, inner) ?? null).sort(compareJson);
  const record = value as Record<string, unknown>;
  if (
    'cacheNamespace' in record ||
    typeof record.keysFor === 'function' ||
    typeof record.resolve === 'function'
  ) {
    return identityOf(record.cacheNamespace);
  }
  if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) throw new Unnamed();
  const described: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    const member = describe(record[key], seen, inner);
    if (member !== undefined) described[key] = member;
  }
  return described;
}

/**
 * A child's identity, nested whole: the parent's digest covers every setting of its children. A child
 * of another copy of @rs/core (its description is that copy's) is nested as its digest, once known.
 */
function identityOf(namespace: unknown): unknown {
  if (namespace instanceof CacheNamespace) {
    const canonical = canonicalTexts.get(namespace);
    if (canonical === undefined) return { namespace: new ForeignIdentity(namespace) };
    return { namespace: { kind: namespace.kind, canonical } };
  }
  if (typeof namespace === 'string' && namespace.length > 0) return { namespace };
  throw new Unnamed();
}

function compareJson(a: unknown, b: unknown): number {
  const [left, right] = [JSON.stringify(a), JSON.stringify(b)];
  return left < right ? -1 : left > right ? 1 : 0;
}
