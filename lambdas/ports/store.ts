/**
 * The lineage table as one port: every concern below is kept on the one DynamoDB table
 * (`adapters/dynamodb`), so one adapter implements them all. A use case names the small ports it
 * uses, so what it may touch is visible in its signature.
 */
import type { AuditLog } from './audit.ts';
import type { Budgets } from './budgets.ts';
import type { DeployLog } from './deploys.ts';
import type { Lineages } from './lineages.ts';
import type { Locks } from './locks.ts';
import type { OnceKeys } from './once-keys.ts';
import type { FixWaits } from './waits.ts';

export interface LineageStore extends Lineages, FixWaits, Budgets, AuditLog, DeployLog, Locks, OnceKeys {}
