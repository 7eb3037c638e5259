import type { AuditEvent } from '#domain/lineage/lineage';

/** Every lineage's audit trail: who did what and why. */
export interface AuditLog {
  appendAudit(event: AuditEvent): Promise<void>;
  auditTrail(lineageId: string): Promise<AuditEvent[]>;
}
