/**
 * The lineage state machine run locally: the same ASL file CDK deploys, with the same placeholders
 * substituted, executed by aws-local-stepfunctions. Task states call the real handler cores; the
 * `.waitForTaskToken` state parks its token exactly as on AWS and resumes when `resume` is called.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Workflow } from '#core/ports';

export const ASL_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'statemachines', 'lineage.asl.json');

/** The functions the ASL names through placeholders, by placeholder. */
export const FUNCTION_PLACEHOLDERS = {
  TriageFunctionArn: 'triage',
  GithubFunctionArn: 'github',
  LineageFunctionArn: 'lineage',
  ValidateFunctionArn: 'validate',
  EscalateFunctionArn: 'escalate',
} as const;
export type LoopFunction = (typeof FUNCTION_PLACEHOLDERS)[keyof typeof FUNCTION_PLACEHOLDERS];

const localArn = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:prodloop-${fn}`;

/** The ASL text with every `${Placeholder}` substituted; throws on a placeholder without a value. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`ASL placeholder \${${name}} has no substitution`);
    return value;
  });
}

export function localDefinition(file = ASL_FILE): { definition: Record<string, unknown>; arnToFunction: Map<string, LoopFunction> } {
  const values = Object.fromEntries(Object.entries(FUNCTION_PLACEHOLDERS).map(([k, fn]) => [k, localArn(fn)]));
  const definition = JSON.parse(substitute(readFileSync(file, 'utf8'), values)) as Record<string, unknown>;
  const arnToFunction = new Map(Object.values(FUNCTION_PLACEHOLDERS).map((fn) => [localArn(fn), fn] as const));
  return { definition, arnToFunction };
}

type TaskState = { Type: string; Resource?: string; Parameters?: Record<string, unknown> };

export interface StateTransition {
  readonly execution: string;
  readonly state: string;
  readonly fn: LoopFunction;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
}

export interface LocalWorkflowOptions {
  readonly functions: Record<LoopFunction, (event: unknown) => Promise<unknown>>;
  /** Called when an execution parks a task token. */
  readonly onAwaitToken?: (token: string, execution: string) => void;
  readonly onTask?: (t: StateTransition) => void;
}

export interface ExecutionRecord {
  readonly name: string;
  readonly input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  readonly path: string[];
  readonly done: Promise<void>;
}

export class LocalWorkflow implements Workflow {
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly machine: StateMachine;
  private readonly states: Record<string, TaskState>;
  private readonly arnToFunction: Map<string, LoopFunction>;
  private readonly pending = new Map<string, (output: unknown) => void>();
  private tokens = 0;

  constructor(private readonly options: LocalWorkflowOptions) {
    const { definition, arnToFunction } = localDefinition();
    this.machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
    this.states = definition.States as Record<string, TaskState>;
    this.arnToFunction = arnToFunction;
  }

  async start(executionName: string, input: unknown): Promise<void> {
    if (this.executions.has(executionName)) return; // same name: no-op, as StartExecution is on AWS
    const path: string[] = [];
    const record: ExecutionRecord = { name: executionName, input, status: 'RUNNING', path, done: Promise.resolve() };
    const tokenSource = { Token: '' };
    const next = () => `local-token:${executionName}:${++this.tokens}`;
    const context = {
      Execution: { Name: executionName, Id: `arn:aws:states:us-east-1:000000000000:execution:prodloop-lineage:${executionName}` },
      Task: Object.defineProperty(tokenSource, 'Token', { get: next, enumerable: true }),
    };
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    const waits: Record<string, number> = {};
    for (const [name, state] of Object.entries(this.states)) {
      if (state.Type === 'Task') overrides[name] = (stateInput) => this.runTask(executionName, name, state, stateInput);
      if (state.Type === 'Wait') waits[name] = 0;
    }
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: overrides as never, waitTimeOverrides: waits },
      context: context as never,
    });
    const done = (async () => {
      const logs = (async () => {
        for await (const event of execution.eventLogs) {
          const e = event as { type: string; state?: { name: string } };
          if (e.type === 'StateEntered' && e.state) path.push(e.state.name);
        }
      })();
      try {
        record.output = await execution.result;
        record.status = 'SUCCEEDED';
      } catch (error) {
        record.status = 'FAILED';
        record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      await logs.catch(() => undefined);
    })();
    this.executions.set(executionName, Object.assign(record, { done }));
  }

  async resume(taskToken: string, output: unknown): Promise<void> {
    const resolve = this.pending.get(taskToken);
    if (!resolve) throw new Error(`TaskDoesNotExist: no execution waits on token ${taskToken}`);
    this.pending.delete(taskToken);
    resolve(JSON.parse(JSON.stringify(output)));
  }

  /** True while some execution waits on a token. */
  get waiting(): number {
    return this.pending.size;
  }

  private async runTask(execution: string, state: string, def: TaskState, input: unknown): Promise<unknown> {
    const waitForToken = def.Resource?.endsWith('.waitForTaskToken') ?? false;
    const arn = waitForToken ? String((input as { FunctionName?: unknown }).FunctionName) : String(def.Resource);
    const fn = this.arnToFunction.get(arn);
    if (!fn) throw new Error(`state ${state} calls ${arn}, which is not a prodloop function`);
    const payload = waitForToken ? (input as { Payload?: unknown }).Payload : input;
    try {
      const output = await this.options.functions[fn](JSON.parse(JSON.stringify(payload)));
      this.options.onTask?.({ execution, state, fn, input: payload, output });
      if (!waitForToken) return output;
      const token = String((payload as { taskToken?: unknown }).taskToken);
      const resumed = new Promise<unknown>((resolve) => this.pending.set(token, resolve));
      this.options.onAwaitToken?.(token, execution);
      return await resumed;
    } catch (error) {
      this.options.onTask?.({ execution, state, fn, input: payload, error: String(error) });
      // Surface the domain error's name, as Lambda does, so ASL Retry/Catch match it.
      const e = error instanceof Error ? error : new Error(String(error));
      const surfaced = new Error(e.message);
      surfaced.name = e.name;
      throw surfaced;
    }
  }
}
