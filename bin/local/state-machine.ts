/**
 * The state machines run locally: the same ASL files CDK deploys (the lineage loop, the deploy watch),
 * with the same placeholders substituted, executed by aws-local-stepfunctions. Task states call the
 * real handler cores; a `.waitForTaskToken` state parks its token exactly as on AWS and resumes (or
 * fails) when `resume` (or `fail`) is called, also from within the function that received it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Workflow } from '#ports/workflow';

const STATEMACHINES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'statemachines');
export const ASL_FILE = join(STATEMACHINES, 'lineage.asl.json');
export const DEPLOY_WATCH_ASL_FILE = join(STATEMACHINES, 'deploy-watch.asl.json');

/** The functions the lineage ASL names through placeholders, by placeholder. */
export const FUNCTION_PLACEHOLDERS = {
  TriageFunctionArn: 'triage',
  GithubFunctionArn: 'github',
  LineageFunctionArn: 'lineage',
  ValidateFunctionArn: 'validate',
  EscalateFunctionArn: 'escalate',
} as const;
export type LoopFunction = (typeof FUNCTION_PLACEHOLDERS)[keyof typeof FUNCTION_PLACEHOLDERS];

/** Every placeholder of every ASL file, by function: the deploy watch also names its own function. */
const ALL_PLACEHOLDERS = { ...FUNCTION_PLACEHOLDERS, DeployWatchFunctionArn: 'deploy-watch' } as const;
type AnyFunction = (typeof ALL_PLACEHOLDERS)[keyof typeof ALL_PLACEHOLDERS];
type Handler = (event: unknown) => Promise<unknown>;

const localArn = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:prodloop-${fn}`;

/** The ASL text with every `${Placeholder}` substituted; throws on a placeholder without a value. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`ASL placeholder \${${name}} has no substitution`);
    return value;
  });
}

export function localDefinition(file = ASL_FILE): { definition: Record<string, unknown>; arnToFunction: Map<string, AnyFunction> } {
  const values = Object.fromEntries(Object.entries(ALL_PLACEHOLDERS).map(([k, fn]) => [k, localArn(fn)]));
  const definition = JSON.parse(substitute(readFileSync(file, 'utf8'), values)) as Record<string, unknown>;
  const arnToFunction = new Map(Object.values(ALL_PLACEHOLDERS).map((fn) => [localArn(fn), fn] as const));
  return { definition, arnToFunction };
}

type TaskState = { Type: string; Resource?: string; Parameters?: Record<string, unknown> };

/** Step Functions' limit on a state's input or output, and on an execution's input: 256 KiB of UTF-8. */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** Why a state's input or output breaks Step Functions' payload limit (`States.DataLimitExceeded`), or undefined. */
export function payloadOverLimit(
  state: string,
  which: 'input' | 'output',
  data: { input?: unknown; output?: unknown },
): string | undefined {
  const value = which === 'input' ? data.input : data.output;
  if (value === undefined) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(value));
  return bytes > STATE_PAYLOAD_LIMIT_BYTES
    ? `States.DataLimitExceeded: the ${which} of state ${state} is ${bytes} bytes, over Step Functions' ${STATE_PAYLOAD_LIMIT_BYTES}`
    : undefined;
}

export interface StateTransition {
  readonly execution: string;
  readonly state: string;
  readonly fn: AnyFunction;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
}

export interface LocalWorkflowOptions {
  /** The handlers the definition's Task states call; the deploy watch's own function only where that machine runs. */
  readonly functions: Record<LoopFunction, Handler> & { readonly 'deploy-watch'?: Handler };
  /** The ASL file; the lineage loop by default. */
  readonly definitionFile?: string;
  /** Name of the state machine, for its local ARN (`$$.StateMachine.Id`). */
  readonly name?: string;
  /** Called when an execution parks a task token (and nothing answered it at once). */
  readonly onAwaitToken?: (token: string, execution: string, state: string) => void;
  readonly onTask?: (t: StateTransition) => void;
}

export interface ExecutionRecord {
  readonly name: string;
  readonly input: unknown;
  /** ABORTED: stopped by `stopAll` at the end of a run, e.g. while it waited for a human. */
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: string;
  readonly path: string[];
  readonly done: Promise<void>;
}

interface Parked {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
}

export class LocalWorkflow implements Required<Workflow> {
  readonly executions = new Map<string, ExecutionRecord>();
  readonly stateMachineArn: string;
  private readonly machine: StateMachine;
  private readonly states: Record<string, TaskState>;
  private readonly arnToFunction: Map<string, AnyFunction>;
  private readonly pending = new Map<string, Parked>();
  private readonly aborts = new Map<string, () => void>();
  private tokens = 0;

  constructor(private readonly options: LocalWorkflowOptions) {
    const { definition, arnToFunction } = localDefinition(options.definitionFile);
    this.machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
    this.states = definition.States as Record<string, TaskState>;
    this.arnToFunction = arnToFunction;
    this.stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${options.name ?? 'prodloop-lineage'}`;
  }

  async start(executionName: string, input: unknown): Promise<void> {
    if (this.executions.has(executionName)) return; // same name: no-op, as StartExecution is on AWS
    const path: string[] = [];
    const record: ExecutionRecord = { name: executionName, input, status: 'RUNNING', path, done: Promise.resolve() };
    const tokenSource = { Token: '' };
    const next = () => `local-token:${executionName}:${++this.tokens}`;
    const machineName = this.stateMachineArn.split(':').at(-1) as string;
    const context = {
      Execution: { Name: executionName, Id: `arn:aws:states:us-east-1:000000000000:execution:${machineName}:${executionName}` },
      StateMachine: { Id: this.stateMachineArn, Name: machineName },
      Task: Object.defineProperty(tokenSource, 'Token', { get: next, enumerable: true }),
    };
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    const waits: Record<string, number> = {};
    for (const [name, state] of Object.entries(this.states)) {
      if (state.Type === 'Task') overrides[name] = (stateInput) => this.runTask(executionName, name, state, stateInput);
      if (state.Type === 'Wait') waits[name] = 0;
    }
    const execution = this.machine.run(JSON.parse(JSON.stringify(input)) as never, {
      overrides: { taskResourceLocalHandlers: overrides as never, waitTimeOverrides: waits },
      context: context as never,
    });
    this.aborts.set(executionName, execution.abort);
    const done = (async () => {
      let overLimit: string | undefined;
      const logs = (async () => {
        for await (const event of execution.eventLogs) {
          const e = event as { type: string; state?: { name: string; input?: unknown; output?: unknown } };
          if (e.type === 'StateEntered' && e.state) path.push(e.state.name);
          if ((e.type === 'StateEntered' || e.type === 'StateExited') && e.state && !overLimit) {
            overLimit = payloadOverLimit(e.state.name, e.type === 'StateEntered' ? 'input' : 'output', e.state);
            if (overLimit) execution.abort();
          }
        }
      })();
      try {
        record.output = await execution.result;
        record.status = 'SUCCEEDED';
      } catch (error) {
        record.status = record.status === 'ABORTED' ? 'ABORTED' : 'FAILED';
        record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      await logs.catch(() => undefined);
      // On AWS the execution fails where no Catch can see it; here it is stopped at the state that broke the limit.
      if (overLimit) {
        record.status = 'FAILED';
        record.error = overLimit;
      }
      this.aborts.delete(executionName);
    })();
    this.executions.set(executionName, Object.assign(record, { done }));
  }

  async resume(taskToken: string, output: unknown): Promise<void> {
    this.take(taskToken).resolve(JSON.parse(JSON.stringify(output)));
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    const failure = new Error(cause);
    failure.name = error;
    this.take(taskToken).reject(failure);
  }

  /** The handlers its Task states call. */
  get functions(): LocalWorkflowOptions['functions'] {
    return this.options.functions;
  }

  /** True while some execution waits on a token. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Stops every execution still running (a loop parked for a fix or for a human when a run ends): its
   * parked tasks are answered with an abort, so nothing (no task timeout of two weeks) keeps the
   * process alive.
   */
  async stopAll(): Promise<void> {
    for (const record of this.executions.values()) if (record.status === 'RUNNING') record.status = 'ABORTED';
    for (const abort of this.aborts.values()) abort();
    for (const [token, parked] of [...this.pending]) {
      this.pending.delete(token);
      const aborted = new Error('the local run ended while the execution waited');
      aborted.name = 'ExecutionAborted';
      parked.reject(aborted);
    }
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  /** Every execution, running or not, settled: for runs that must not leave work behind. */
  async settled(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  private take(taskToken: string): Parked {
    const parked = this.pending.get(taskToken);
    if (!parked) {
      const error = new Error(`no execution waits on token ${taskToken}`);
      error.name = 'TaskDoesNotExist';
      throw error;
    }
    this.pending.delete(taskToken);
    return parked;
  }

  private async runTask(execution: string, state: string, def: TaskState, input: unknown): Promise<unknown> {
    const waitForToken = def.Resource?.endsWith('.waitForTaskToken') ?? false;
    const arn = waitForToken ? String((input as { FunctionName?: unknown }).FunctionName) : String(def.Resource);
    const fn = this.arnToFunction.get(arn);
    const handler = fn ? this.options.functions[fn] : undefined;
    if (!fn || !handler) throw new Error(`state ${state} calls ${arn}, which is not a prodloop function of this run`);
    const payload = waitForToken ? (input as { Payload?: unknown }).Payload : input;
    // The token is live from the moment the function is invoked: the function may answer it itself.
    const token = waitForToken ? String((payload as { taskToken?: unknown }).taskToken) : undefined;
    const answered = token ? new Promise<unknown>((resolve, reject) => this.pending.set(token, { resolve, reject })) : undefined;
    // Failed while the function still runs: handled below, once the function returns.
    answered?.catch(() => undefined);
    try {
      const output = await handler(JSON.parse(JSON.stringify(payload)));
      this.options.onTask?.({ execution, state, fn, input: payload, output });
      if (!token || !answered) return output;
      if (this.pending.has(token)) this.options.onAwaitToken?.(token, execution, state);
      return await answered;
    } catch (error) {
      if (token) this.pending.delete(token);
      this.options.onTask?.({
        execution,
        state,
        fn,
        input: payload,
        error: `${error instanceof Error ? error.name : 'Error'}: ${String((error as Error)?.message ?? error)}`,
      });
      // Surface the domain error's name, as Lambda does, so ASL Retry/Catch match it.
      const e = error instanceof Error ? error : new Error(String(error));
      const surfaced = new Error(e.message);
      surfaced.name = e.name;
      throw surfaced;
    }
  }
}
