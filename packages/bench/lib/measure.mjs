// Interleaved rounds: every row runs once per round, in turn, so that a noisy neighbour on the machine
// slows all rows of a round alike. Each row reports min / median / max of its per-round cost, in
// microseconds of CPU (process.cpuUsage: every thread of the process, so WebCrypto's thread pool and
// the garbage collector count too). CPU time rather than wall time: on a shared machine the wall clock
// also counts the time other processes held the core.
//
// With --expose-gc a full collection runs before each round, not before each row: a forced full
// collection also throws away optimized code that depends on objects it frees (V8's "weak objects"
// deoptimization), so whichever row runs right after one pays for compiling its hot path again, which
// a server in steady state never does. Two things keep that cost to what a server pays:
// - Each row's first answer stays referenced until its table is done, as a busy server's requests in
//   flight keep theirs. Without it the collection frees every object of the decoded claims' hidden class
//   (the same class for every implementation that parses the same JSON) and discards, each round, the
//   optimized code of every row that reads claims.
// - The order of the rows turns by one each round, so that what is still recompiled, and any garbage a
//   row leaves to the next, falls on every row in turn.

/**
 * Runs `rows` (each `{ name, run(i), batch? }`, where `run` may return a promise) for `rounds` rounds of
 * `batch` calls (or the row's own `batch`: a row a hundred times cheaper than the others needs more
 * calls for a round to last long enough that one collection or one recompilation does not dominate
 * it), after a warm-up of at least 5 000 calls per row (enough for V8 to optimize each row's hot path).
 * Returns per row min / median / max of the CPU µs per call, and `perRound`, the µs per call of each round
 * in turn (for ratios between rows of the same round: see {@link acrossRounds}).
 */
export async function interleaved(rows, { rounds = 5, batch = 1000, warmup = Math.max(batch, 5000) } = {}) {
  const inFlight = [];
  for (const row of rows) inFlight.push(await row.run(0));
  for (const row of rows) await runBatch(row, warmup);
  const samples = new Map(rows.map((row) => [row.name, []]));
  for (let round = 0; round < rounds; round++) {
    globalThis.gc?.();
    for (let turn = 0; turn < rows.length; turn++) {
      const row = rows[(round + turn) % rows.length];
      const calls = row.batch ?? batch;
      const start = process.cpuUsage();
      await runBatch(row, calls);
      const { user, system } = process.cpuUsage(start);
      samples.get(row.name).push((user + system) / calls);
    }
  }
  inFlight.length = 0;
  return rows.map((row) => ({
    ...row,
    ...summarize(samples.get(row.name)),
    perRound: samples.get(row.name),
  }));
}

async function runBatch(row, count) {
  if (row.sync) {
    for (let i = 0; i < count; i++) row.run(i);
    return;
  }
  for (let i = 0; i < count; i++) await row.run(i);
}

/** min / median / max of a list of numbers. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
}

/**
 * min / median / max over the rounds of `figure(round)`, a figure computed from rows measured in the
 * same round. On a shared machine a neighbour's load drifts within seconds: rows of one round ran moments
 * apart, so a ratio taken round by round cancels most of the drift that a ratio of two medians keeps.
 */
export function acrossRounds(rounds, figure) {
  return summarize(Array.from({ length: rounds }, (_, round) => figure(round)));
}
