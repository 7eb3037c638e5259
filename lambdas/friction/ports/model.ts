/** The model the optional friction judge asks: one record at a time, or a batch inference job. */
import type { JudgeRecord } from '#friction/domain/judge';

export interface ModelInvoker {
  /** The model's text for one record. */
  invoke(record: JudgeRecord): Promise<string>;
}

export type BatchJobStatus =
  | 'Submitted'
  | 'InProgress'
  | 'Completed'
  | 'Failed'
  | 'Stopping'
  | 'Stopped'
  | 'PartiallyCompleted'
  | 'Expired'
  | 'Validating'
  | 'Scheduled';

export interface BatchJobs {
  start(input: { jobName: string; modelId: string; roleArn: string; inputUri: string; outputUri: string }): Promise<string>;
  status(jobArn: string): Promise<{ status: BatchJobStatus; message?: string; outputUri?: string }>;
}
