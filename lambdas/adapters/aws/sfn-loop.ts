/**
 * Step Functions adapter of Workflow for the functions that steer running loops: besides starting and
 * resuming, it fails a parked task with an error the ASL catches (`prodloop.Halted`, `prodloop.BudgetSpent`).
 * Failing a task that is gone (the execution ended, or another caller answered first) is not an
 * error: there is nothing left to stop.
 */
import { SendTaskFailureCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Workflow } from '#ports/workflow';
import { StepFunctionsWorkflow } from './sfn.ts';

export class StepFunctionsLoop extends StepFunctionsWorkflow implements Required<Workflow> {
  constructor(
    private readonly sfn: SFNClient,
    stateMachineArn: string,
  ) {
    super(sfn, stateMachineArn);
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.sfn.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_768) }));
    } catch (e) {
      if (!isGoneTask(e)) throw e;
    }
  }
}

/** TaskTimedOut: the task ended (timed out, or answered before); TaskDoesNotExist: the execution is gone. */
function isGoneTask(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TaskTimedOut' || name === 'TaskDoesNotExist';
}
