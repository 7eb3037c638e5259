/**
 * Seeded random numbers (mulberry32), for simulations that must see the same noise on every run:
 * the local scenario replays, the benchmarks and the tests. Nothing in the lambdas draws from them.
 */

const INCREMENT = 0x6d2b79f5;
const TWO_TO_32 = 4294967296;

/** The 32 bits (unsigned) mulberry32 draws from a state that has just been advanced. */
function mix(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/** A uniform generator on [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + INCREMENT) | 0;
    return mix(a) / TWO_TO_32;
  };
}

/**
 * The first 32 bits (unsigned) `mulberry32(seed)` would draw for a 32-bit integer seed, without a
 * generator: a stateless hash for noise addressed by seed and minute (any draw, in any order, is
 * the same).
 */
export function mulberry32Bits(seed: number): number {
  return mix((seed + INCREMENT) | 0);
}

/**
 * A standard normal draw from two uniforms (Box–Muller); `u1` is floored at `floor` so that a 0 never
 * reaches the logarithm.
 */
export function boxMuller(u1: number, u2: number, floor = 1e-300): number {
  return Math.sqrt(-2 * Math.log(Math.max(u1, floor))) * Math.cos(2 * Math.PI * u2);
}

/** A standard normal draw from a uniform generator: two draws, the first for the radius. */
export function normal(u: () => number): number {
  return boxMuller(u(), u());
}
