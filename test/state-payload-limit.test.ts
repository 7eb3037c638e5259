/**
 * The local runner holds every state to Step Functions' payload limit (256 KiB of input or output),
 * so every scenario checks it: a state over the limit fails the execution with
 * States.DataLimitExceeded, as on AWS (where no Catch sees it), and one just under it does not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { LocalWorkflow, payloadOverLimit, STATE_PAYLOAD_LIMIT_BYTES } from '../bin/local/state-machine.ts';

/** The lineage loop with stand-in functions: triage answers "ignore" padded to `bytes` of state output in all. */
async function runWithTriageOutput(bytes: number) {
  const input = { lineageId: 'lin-limit', generation: 1, executionName: 'exec-limit', settings: {} };
  const base = JSON.stringify({ ...input, triage: { kind: 'ignore', pad: '' } });
  const pad = 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(base)));
  const called: string[] = [];
  const fn =
    (name: string, answer: unknown = {}) =>
    async () => {
      called.push(name);
      return answer;
    };
  const workflow = new LocalWorkflow({
    functions: {
      triage: fn('triage', { kind: 'ignore', pad }),
      github: fn('github'),
      lineage: fn('lineage'),
      validate: fn('validate'),
      escalate: fn('escalate'),
    },
  });
  await workflow.start('exec-limit', input);
  await workflow.settled();
  return { record: workflow.executions.get('exec-limit'), called };
}

describe("Step Functions' payload limit in local runs", () => {
  test('a state whose output is one byte over 256 KiB fails the execution with States.DataLimitExceeded', async () => {
    const { record } = await runWithTriageOutput(STATE_PAYLOAD_LIMIT_BYTES + 1);
    assert.equal(record?.status, 'FAILED');
    assert.match(record?.error ?? '', /^States\.DataLimitExceeded: the output of state Triage is 262145 bytes/);
  });

  test('a state whose output is exactly 256 KiB goes on (and the next one, adding its result, is the one over)', async () => {
    const { record, called } = await runWithTriageOutput(STATE_PAYLOAD_LIMIT_BYTES);
    assert.ok(called.includes('lineage'), 'the next task ran');
    assert.match(record?.error ?? '', /the output of state Ignore is/);
  });

  test('the limit counts UTF-8 bytes, not characters', () => {
    const text = 'é'.repeat(STATE_PAYLOAD_LIMIT_BYTES / 2);
    assert.match(payloadOverLimit('S', 'input', { input: text }) ?? '', /over Step Functions' 262144/);
  });
});
