/**
 * Every ASL file in statemachines/: valid Amazon States Language (asl-validator, placeholders
 * substituted), and every Task state on the one retry policy of lib/retry-policy.ts unless its
 * Comment says why not (`Retry: <reason>`). The workflow construct makes the same checks at synth.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { projectRoot } from '../lib/function.ts';
import { type Retrier, retryDrift, retryPolicy, statesOf } from '../lib/retry-policy.ts';
import { checkPlaceholders, checkRetries, placeholdersIn } from '../lib/workflow.ts';

interface AslValidation {
  readonly isValid: boolean;
  readonly errorsText: (separator?: string) => string;
}
const validateAsl = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidation;

const folder = join(projectRoot, 'statemachines');
const files = readdirSync(folder).sort();
const textOf = (file: string) => readFileSync(join(folder, file), 'utf8');

/** Sample values for the placeholders that are not function ARNs; a new kind of placeholder needs one here. */
const SAMPLE_VALUES: Record<string, string> = { TranscriptBucketName: 'prodloop-transcripts' };

/** The definition as deployed: each `${XFunctionArn}` a Lambda ARN, every other placeholder its sample value. */
function substituted(text: string): Record<string, unknown> {
  const values = Object.fromEntries(
    placeholdersIn(text).map((p) => {
      const fn = /^(\w+)FunctionArn$/.exec(p)?.[1];
      const value = fn ? `arn:aws:lambda:us-east-1:123456789012:function:prodloop-${fn}` : SAMPLE_VALUES[p];
      assert.ok(value, `no sample value for the placeholder \${${p}}: add one to SAMPLE_VALUES`);
      return [p, value];
    }),
  );
  return JSON.parse(text.replace(/\$\{([^}]+)\}/g, (_, p: string) => values[p] as string));
}

type State = { Type: string; Comment?: string; Retry?: Retrier[]; Next?: string; ItemProcessor?: { States: Record<string, State> } };
type Definition = { StartAt: string; States: Record<string, State> };
const lineage = () => substituted(textOf('lineage.asl.json')) as Definition;
const friction = () => substituted(textOf('friction.asl.json')) as Definition;

describe('the ASL files', () => {
  test('are every file of statemachines/, the three workflows among them', () => {
    for (const file of files) assert.match(file, /\.asl\.json$/);
    for (const workflow of ['lineage', 'deploy-watch', 'friction']) assert.ok(files.includes(`${workflow}.asl.json`), workflow);
  });

  for (const file of files) {
    test(`${file} is valid Amazon States Language, its placeholders substituted`, () => {
      const result = validateAsl(substituted(textOf(file)), { checkPaths: true, checkArn: true });
      assert.ok(result.isValid, `${file}: ${result.errorsText('; ')}`);
    });

    test(`every Task state of ${file} retries by the policy, or its Comment says why not`, () => {
      const definition = substituted(textOf(file));
      assert.ok(
        statesOf(definition).some(({ state }) => state.Type === 'Task'),
        `${file} has no Task state`,
      );
      assert.deepEqual(retryDrift(definition), []);
    });
  }
});

describe('asl-validator', () => {
  test('rejects a definition whose transition leads to no state', () => {
    const definition = lineage();
    (definition.States.Triage as State).Next = 'Decide later';
    const result = validateAsl(definition);
    assert.equal(result.isValid, false);
    assert.match(result.errorsText(), /Decide later/);
  });

  test('rejects a Retry that is not a list of retriers', () => {
    const definition = friction();
    (definition.States['Plan the day'] as { Retry: unknown }).Retry = { MaxAttempts: 'four' };
    assert.equal(validateAsl(definition).isValid, false);
  });
});

describe('the retry check', () => {
  test('the policy retries the Lambda service errors and TransientError with backoff, nothing else', () => {
    assert.equal(retryPolicy.length, 1);
    const [retrier] = retryPolicy as [Retrier];
    assert.ok(retrier.ErrorEquals.includes('TransientError'));
    assert.ok(retrier.ErrorEquals.includes('Lambda.TooManyRequestsException'));
    assert.ok(!retrier.ErrorEquals.includes('States.ALL'));
    assert.ok((retrier.MaxAttempts ?? 0) > 0 && (retrier.BackoffRate ?? 0) > 1);
  });

  test('names a state whose Retry differs from the policy without a reason', () => {
    const definition = lineage();
    const retry = definition.States['Charge fix']?.Retry as Retrier[];
    definition.States['Charge fix'] = {
      ...(definition.States['Charge fix'] as State),
      Retry: [{ ...retry[0], MaxAttempts: 2 } as Retrier],
    };
    assert.match(retryDrift(definition).join('\n'), /"Charge fix" retries differently/);
  });

  test('names a Task state without a Retry, inside a Map too', () => {
    const definition = friction();
    const batch = definition.States["Analyse the day's transcripts"]?.ItemProcessor?.States['Analyse a batch'];
    assert.ok(batch?.Retry);
    delete batch.Retry;
    assert.ok(
      retryDrift(definition).includes(
        `state "Analyse the day's transcripts/Analyse a batch" has no Retry, not even the retry policy, and its Comment gives no "Retry: <reason>"`,
      ),
    );
  });

  test('accepts a differing Retry whose Comment records the reason, and the error names in any order', () => {
    const definition = lineage();
    const charge = definition.States['Charge fix'] as State;
    definition.States['Charge fix'] = { ...charge, Comment: `${charge.Comment} Retry: none, the write is not idempotent.`, Retry: [] };
    const triage = definition.States.Triage as State;
    const [retrier] = triage.Retry as [Retrier];
    triage.Retry = [{ ...retrier, ErrorEquals: [...retrier.ErrorEquals].reverse() }];
    assert.deepEqual(
      retryDrift(definition).filter((line) => /"(Charge fix|Triage)"/.test(line)),
      [],
    );
  });

  test('names a state whose Comment gives a reason for a Retry that is the policy after all', () => {
    const definition = lineage();
    const triage = definition.States.Triage as State;
    triage.Comment = `${triage.Comment} Retry: longer backoff for the metrics API.`;
    assert.match(retryDrift(definition).join('\n'), /"Triage" follows the retry policy, yet its Comment gives a reason/);
  });
});

describe("the construct's checks refuse a definition that breaks them, naming the workflow", () => {
  const withFile = (definition: unknown, check: (file: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'prodloop-asl-'));
    try {
      const file = join(dir, 'broken.asl.json');
      writeFileSync(file, JSON.stringify(definition));
      check(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test('a Task state off the retry policy', () => {
    const definition = JSON.parse(textOf('deploy-watch.asl.json'));
    definition.States['Pull andon cord'].Retry[0].IntervalSeconds = 30;
    withFile(definition, (file) =>
      assert.throws(
        () => checkRetries(file, 'the deploy-watch workflow'),
        /the deploy-watch workflow.*"Pull andon cord" retries differently/,
      ),
    );
  });

  test('a placeholder without a value, a value without a placeholder', () => {
    withFile(JSON.parse(textOf('friction.asl.json')), (file) =>
      assert.throws(
        () =>
          checkPlaceholders(
            file,
            ['FrictionPlanFunctionArn', 'FrictionAnalyzeFunctionArn', 'FrictionJudgeFunctionArn', 'Extra'],
            'the friction workflow',
          ),
        /the friction workflow disagree: placeholders without a substitution: FrictionReportFunctionArn, TranscriptBucketName; substitutions the definition never uses: Extra;/,
      ),
    );
  });
});
