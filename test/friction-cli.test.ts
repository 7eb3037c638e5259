/** `prodloop friction` as a user runs it, over the fixture transcripts. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { main } from '../bin/cli.ts';
import { needRealData, realPath } from './support/real-data.ts';

const sessions = join(import.meta.dirname, 'fixtures', 'agent-sessions');
const realData = needRealData('agent-sessions');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out, err: err.join('\n') };
}

describe('prodloop friction', () => {
  test('--json prints one line per session (format, steps, outcome, friction) and one per skipped transcript with its reason', async () => {
    const r = await run(['friction', join(sessions, 'synthetic'), '--json', '--min-steps', '0']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.map((l) => JSON.parse(l));
    const analysed = lines.filter((l) => !l.skipped);
    const skipped = lines.filter((l) => l.skipped);
    assert.deepEqual(analysed.map((l) => l.format).sort(), ['claude-code', 'codex', 'openhands']);
    assert.deepEqual(skipped.map((l) => l.transcript).sort(), [
      'corrupt-claude-code.jsonl',
      'empty.jsonl',
      'not-a-transcript.txt',
      'truncated-openhands.json',
      'unknown-shape.json',
    ]);
    for (const s of skipped) assert.ok(s.reason.length > 5);
    const claude = analysed.find((l) => l.format === 'claude-code');
    assert.equal(claude.outcome, 'abandoned');
    assert.equal(claude.steps, 17);
    assert.ok(claude.friction.length >= 7);
    for (const m of claude.friction) {
      assert.deepEqual(Object.keys(m).sort(), ['citation', 'kind', 'severity']);
      assert.match(m.severity, /^(high|medium|low)$/);
    }
    assert.deepEqual([...new Set(claude.friction.map((m: { kind: string }) => m.kind))].sort(), [
      'abandoned-tool-flow',
      'backtracking',
      'error-events',
      'escalation-tone',
      'platform-confusion',
      'repeated-rephrasing',
    ]);
  });

  test.skipIf(realData.skip)(
    'the step filter (30 by default) counts short sessions without analysing them; --min-steps 0 analyses every one',
    async () => {
      const file = realPath('agent-sessions', 'sweagent_pydicom__pydicom-1458.traj');
      const filtered = JSON.parse((await run(['friction', file, '--json'])).out[0] as string);
      assert.deepEqual([filtered.steps, filtered.analysed, filtered.friction], [12, false, []]);
      const all = JSON.parse((await run(['friction', file, '--json', '--min-steps', '0'])).out[0] as string);
      assert.deepEqual([all.analysed, all.friction.map((m: { kind: string }) => m.kind)], [true, ['abandoned-tool-flow']]);
    },
  );

  test.skipIf(realData.skip)(
    'without --json it prints the digest over the days the sessions span, and --out writes the digest and its chart',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'friction-'));
      try {
        const r = await run(['friction', realPath('agent-sessions', 'aider_chat-history.part1.md'), '--min-steps', '0', '--out', out]);
        assert.equal(r.code, 0, r.err);
        const digest = r.out.join('\n');
        assert.match(digest, /^# Coding-agent friction, 2024-08-05 to 2024-08-13$/m);
        assert.match(digest, /^\| kind \| rate \| alarm at \| sessions \| high \| medium \| low \| last 30 days \|$/m);
        for (const label of [
          'Abandoned tool flows',
          'Repeated rephrasing',
          'Context churn',
          'Error events',
          'Escalation tone',
          'Backtracking',
          'Platform confusion',
        ])
          assert.match(digest, new RegExp(`^\\| (🔴 )?${label} \\| `, 'm'));
        assert.deepEqual(readdirSync(out).sort(), ['friction-2024-08-13.json', 'friction-2024-08-13.md', 'friction-2024-08-13.svg']);
        const svg = readFileSync(join(out, 'friction-2024-08-13.svg'), 'utf8');
        assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.match(digest, /!\[Friction rate by kind, last 30 days\]\(friction-2024-08-13\.svg\)/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
  );

  test('bad arguments exit 2 with the usage; a folder with nothing readable exits 1', async () => {
    assert.equal((await run(['friction'])).code, 2);
    assert.equal((await run(['friction', sessions, '--min-steps', '-3'])).code, 2);
    assert.equal((await run(['friction', join(sessions, 'no-such-folder')])).code, 2);
    const broken = await run(['friction', join(sessions, 'synthetic', 'not-a-transcript.txt'), '--json']);
    assert.equal(broken.code, 1);
    assert.match(broken.out[0] as string, /"skipped":true/);
  });

  test('the usage lists the friction command', async () => {
    const r = await run(['help']);
    assert.match(r.out.join('\n'), /friction PATH \[--json\] \[--min-steps N\]/);
  });
});
