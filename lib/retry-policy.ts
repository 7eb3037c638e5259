/**
 * The retry policy of prodloop's Task states, defined once. Every Task state of the ASL files in
 * `statemachines/` invokes a prodloop function and carries this `Retry` verbatim, so the file is the
 * whole definition both the stack deploys and the local runner executes. A state that must retry
 * differently (a non-idempotent step that must not retry, a longer backoff) keeps its own `Retry`
 * and says why in its `Comment`, as `Retry: <reason>`. `retryDrift` lists the states that do
 * neither; the workflow construct refuses to synthesize them and the test suite fails on them.
 */
import { TransientError } from '#domain/shared/errors';

/** One ASL retrier. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * Lambda's own transient failures (the service erring or throttling the invocation) and the domain's
 * `TransientError` (a dependency such as GitHub or AWS that erred or throttled after the SDK's own
 * retries): four more attempts, 2, 4, 8 and 16 seconds apart at most, fully jittered. Nothing else is
 * retried: a domain error other than `TransientError` will fail the same way again.
 */
export const retryPolicy: readonly Retrier[] = [
  {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
      TransientError.name,
    ],
    IntervalSeconds: 2,
    MaxAttempts: 4,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
];

/** How a state records why its `Retry` is not the policy: `Retry:` followed by the reason. */
export const RETRY_REASON = /\bRetry:\s*\S/;

interface AslState {
  readonly Type?: string;
  readonly Comment?: string;
  readonly Retry?: readonly Retrier[];
  readonly Iterator?: AslStates;
  readonly ItemProcessor?: AslStates;
  readonly Branches?: readonly AslStates[];
}
interface AslStates {
  readonly States?: Readonly<Record<string, AslState>>;
}

/** Every state of a definition, those of Map and Parallel states included, with its path (`Map/Inner`). */
export function statesOf(definition: unknown): { path: string; state: AslState }[] {
  const found: { path: string; state: AslState }[] = [];
  const walk = (states: AslStates['States'], prefix: string) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      const path = `${prefix}${name}`;
      found.push({ path, state });
      const inner = [state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])];
      for (const machine of inner) if (machine) walk(machine.States, `${path}/`);
    }
  };
  walk((definition as AslStates).States, '');
  return found;
}

/** The same retriers: same fields and values, error names in any order. */
export function sameRetry(a: readonly Retrier[] | undefined, b: readonly Retrier[]): boolean {
  const canonical = (retriers: readonly Retrier[] | undefined) =>
    JSON.stringify(
      (retriers ?? []).map((r) =>
        Object.fromEntries(Object.entries({ ...r, ErrorEquals: [...r.ErrorEquals].sort() }).sort(([x], [y]) => x.localeCompare(y))),
      ),
    );
  return canonical(a) === canonical(b);
}

/**
 * The Task states whose `Retry` is not the policy and whose `Comment` does not say why, and those
 * whose `Comment` gives a reason for a `Retry` that is the policy after all (a stale reason): one line
 * each, naming the state. Empty when the definition follows the policy.
 */
export function retryDrift(definition: unknown, policy: readonly Retrier[] = retryPolicy): string[] {
  const drift: string[] = [];
  for (const { path, state } of statesOf(definition)) {
    if (state.Type !== 'Task') continue;
    const follows = sameRetry(state.Retry, policy);
    const reasoned = RETRY_REASON.test(state.Comment ?? '');
    if (!follows && !reasoned)
      drift.push(
        `state "${path}" ${state.Retry ? 'retries differently from' : 'has no Retry, not even'} the retry policy, and its Comment gives no "Retry: <reason>"`,
      );
    if (follows && reasoned) drift.push(`state "${path}" follows the retry policy, yet its Comment gives a reason to differ from it`);
  }
  return drift;
}
