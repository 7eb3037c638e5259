export type ProdloopEventType = 'Lineage Opened' | 'Issue Filed' | 'Fix Validated' | 'Andon Pulled' | 'Escalated';

export interface EventPublisher {
  publish(detailType: ProdloopEventType, detail: Record<string, unknown>): Promise<void>;
}
