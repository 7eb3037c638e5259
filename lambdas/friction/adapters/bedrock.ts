/**
 * Amazon Bedrock for the friction judge: a direct InvokeModel call per session (small days), and a
 * batch inference job (CreateModelInvocationJob) for the daily run.
 */
import { type BedrockClient, CreateModelInvocationJobCommand, GetModelInvocationJobCommand } from '@aws-sdk/client-bedrock';
import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { TransientError } from '#domain/shared/errors';
import { type JudgeRecord, responseText } from '#friction/domain/judge';
import type { BatchJobStatus, BatchJobs, ModelInvoker } from '#friction/ports/model';

export class BedrockModelInvoker implements ModelInvoker {
  constructor(
    private readonly client: BedrockRuntimeClient,
    private readonly modelId: string,
  ) {}

  async invoke(record: JudgeRecord): Promise<string> {
    let out: { body?: Uint8Array };
    try {
      out = await this.client.send(
        new InvokeModelCommand({
          modelId: this.modelId,
          contentType: 'application/json',
          accept: 'application/json',
          body: new TextEncoder().encode(JSON.stringify(record.modelInput)),
        }),
      );
    } catch (error) {
      throw retryable(error, `invoking ${this.modelId}`);
    }
    const text = responseText(JSON.parse(new TextDecoder().decode(out.body ?? new Uint8Array())));
    if (text === undefined) throw new Error(`${this.modelId} answered without text`);
    return text;
  }
}

export class BedrockBatchJobs implements BatchJobs {
  constructor(private readonly client: BedrockClient) {}

  async start(input: { jobName: string; modelId: string; roleArn: string; inputUri: string; outputUri: string }): Promise<string> {
    try {
      const out = await this.client.send(
        new CreateModelInvocationJobCommand({
          jobName: input.jobName,
          modelId: input.modelId,
          roleArn: input.roleArn,
          clientRequestToken: input.jobName,
          inputDataConfig: { s3InputDataConfig: { s3Uri: input.inputUri, s3InputFormat: 'JSONL' } },
          outputDataConfig: { s3OutputDataConfig: { s3Uri: input.outputUri } },
        }),
      );
      if (!out.jobArn) throw new Error('CreateModelInvocationJob returned no job ARN');
      return out.jobArn;
    } catch (error) {
      throw retryable(error, `starting batch job ${input.jobName}`);
    }
  }

  async status(jobArn: string) {
    try {
      const out = await this.client.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }));
      return {
        status: (out.status ?? 'Submitted') as BatchJobStatus,
        ...(out.message ? { message: out.message } : {}),
        ...(out.outputDataConfig?.s3OutputDataConfig?.s3Uri ? { outputUri: out.outputDataConfig.s3OutputDataConfig.s3Uri } : {}),
      };
    } catch (error) {
      throw retryable(error, `reading batch job ${jobArn}`);
    }
  }
}

function retryable(error: unknown, what: string): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || status === 429 || /Throttling|ServiceUnavailable|ModelNotReady|ModelTimeout|InternalServer/i.test(e.name ?? ''))
    return new TransientError(`${what}: ${e.name ?? 'error'}: ${e.message ?? ''}`, { cause: error });
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`);
}
