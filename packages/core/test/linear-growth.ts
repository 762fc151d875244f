/**
 * How work grows with the size of its input, measured without a wall-clock budget: the time one call
 * takes on an input of `large` characters over the time on `small`. Each is the least time per call over
 * a few rounds, each round called until it lasts 20 ms, so that a garbage collection or another process
 * slowing one round does not count. Linear work gives about `large / small` (32 for 2 000 and 64 000,
 * the default sizes), quadratic work its square (1 024): assert the ratio is under
 * {@link LINEAR_GROWTH_BOUND}.
 *
 * @example
 * ```ts
 * expect(await growth((n) => ' '.repeat(n) + 'x', (text) => parse(text))).toBeLessThan(LINEAR_GROWTH_BOUND);
 * ```
 */
export async function growth<Input>(
  inputOf: (size: number) => Input,
  work: (input: Input) => unknown,
  small = 2_000,
  large = 64_000,
): Promise<number> {
  const [smallInput, largeInput] = [inputOf(small), inputOf(large)];
  // Compiled and warmed on both before either is timed.
  await work(smallInput);
  await work(largeInput);
  return (await timePerCall(() => work(largeInput))) / (await timePerCall(() => work(smallInput)));
}

async function timePerCall(call: () => unknown): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let calls = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      await call();
      calls++;
      elapsed = performance.now() - started;
    } while (elapsed < 20);
    least = Math.min(least, elapsed / calls);
  }
  return least;
}

/**
 * The ratio under which {@link growth} calls work linear, for sizes 32 times apart: 32 expected, 1 024 for
 * quadratic work. Four times linear, so that a loaded machine (CI shares its two cores with builds) slowing
 * the large rounds more than the small ones cannot fail a linear parser; eight times below quadratic.
 */
export const LINEAR_GROWTH_BOUND = 128;
