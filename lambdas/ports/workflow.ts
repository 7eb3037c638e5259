/** The workflow engine (Step Functions): starting an execution, resuming or failing a parked task. */
export interface Workflow {
  /** Starts the lineage execution; a second start with the same name is a no-op. */
  start(executionName: string, input: unknown): Promise<void>;
  resume(taskToken: string, output: unknown): Promise<void>;
  /** Fails a parked task with an error the ASL catches (e.g. `prodloop.Halted`). */
  fail?(taskToken: string, error: string, cause: string): Promise<void>;
}
