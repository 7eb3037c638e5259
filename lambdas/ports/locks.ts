import type { QuarantineLock } from '#domain/lineage/lineage';

/** Quarantine locks on code paths. */
export interface Locks {
  /** Locks every path in one transaction; paths already locked keep their first lock. */
  lockPaths(locks: readonly QuarantineLock[]): Promise<QuarantineLock[]>;
  listLocks(): Promise<QuarantineLock[]>;
  /** Lifts a lock on a human's word; audited under the lock's lineage. */
  liftLock(path: string, by: { actor: string; reason: string; at: string }): Promise<QuarantineLock>;
}
