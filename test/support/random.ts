/** Seeded random numbers for simulations in tests: every run sees the same noise. */
import { mulberry32, normal } from '#domain/shared/random';

/** A uniform generator on [0, 1) (mulberry32). */
export const rng = mulberry32;

/** A standard normal draw (Box–Muller). */
export { normal };

/** A Poisson draw; above a mean of 50, its normal approximation. */
export function poisson(u: () => number, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(u)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = u();
  while (p > limit) {
    k++;
    p *= u();
  }
  return k;
}
