/** Step Functions adapter of Workflow. */
import { ExecutionAlreadyExists, SendTaskSuccessCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Workflow } from '#ports/workflow';

export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(executionName: string, input: unknown): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: executionName, input: JSON.stringify(input) }),
      );
    } catch (error) {
      // Same name, different input: an execution for this generation exists already; starting nothing is right.
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }

  async resume(taskToken: string, output: unknown): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  }
}
