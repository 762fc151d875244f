/**
 * Where the pipeline reads the time. Inject a fixed clock to test tokens dated in the past (the RFC
 * examples) exactly.
 */
export type Clock = () => number;

/** Milliseconds since the epoch, from `Date.now()`. */
export const systemClock: Clock = () => Date.now();
