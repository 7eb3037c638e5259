/**
 * `prodloop local --json` as a user runs it, through the installed bin: it starts its own DynamoDB Local
 * (Java) and executes the state machines, so it runs with the scenarios, not with the unit tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('prodloop local', () => {
  test('--json prints one object per scenario with decision, verdicts, issues, andon and escalations', () => {
    // Through the installed bin, as `npx prodloop` runs it.
    const r = spawnSync(process.execPath, [join(root, 'bin', 'prodloop.mjs'), 'local', '--scenario', 'deploy-makes-it-worse', '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const result = JSON.parse(lines[0] as string);
    assert.equal(result.scenario, 'deploy-makes-it-worse');
    assert.match(result.lineageId, /^lin-[0-9a-f]{16}$/);
    assert.equal(result.decision, 'actionable');
    assert.equal(result.tier, 1);
    assert.deepEqual(result.verdicts, ['worse']);
    assert.equal(result.issuesFiled.length, 1);
    assert.equal(result.andonPulled, true);
    assert.deepEqual(result.escalations, ['andon']);
  });
});
