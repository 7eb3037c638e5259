/** Idempotency keys: a piece of work claimed once. */
export interface OnceKeys {
  /** Claims an idempotency key; false when it was claimed before (within its TTL). */
  claimOnce(key: string, ttlSeconds: number, at: string): Promise<boolean>;
  /** Gives a claimed key back, so that the next attempt may claim it (its work failed after the claim). */
  releaseClaim(key: string): Promise<void>;
}
