/** Paging on-call (SNS, or the outbox). */
import type { EscalationMessage } from '#domain/issue/messages';

export interface Notifier {
  escalate(message: EscalationMessage): Promise<void>;
}
