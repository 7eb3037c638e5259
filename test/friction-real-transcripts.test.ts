/**
 * The detectors against real transcripts, with expectations labeled by reading the files. Aider's
 * history (its own development, August 2024) holds the friction: interrupted requests, declined
 * tool uses, edits the tooling refused, /undo, /add and /drop churn, provider errors, ^C.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { frictionSettings } from '#friction/domain/config';
import { analyseTranscript, type TranscriptResult } from '#friction/domain/pipeline';
import { userTexts } from '#friction/domain/session';
import { needRealData, readReal } from './support/real-data.ts';

const config = frictionSettings({ minSteps: 0 });
const FILES = [
  'agentcmd_full-session-four.jsonl',
  'agentcmd_rollout-2025-09-25T15-12-14-019982b8-3422-79e0-8b3b-05abaf4f3c3e.jsonl',
  'aider_chat-history.part1.md',
  'openhands_basic_gui_mode.json',
  'sweagent_pydicom__pydicom-1458.traj',
] as const;
const realData = needRealData('agent-sessions');
// Without the real data every suite below is skipped; vitest still runs their bodies, here over empty texts.
const textOf = (name: string) => (realData.skip ? '' : readReal('agent-sessions', name));
const results = new Map<string, TranscriptResult>(FILES.map((name) => [name, analyseTranscript({ name, text: textOf(name) }, config)]));
const only = (name: (typeof FILES)[number]) => {
  const r = results.get(name);
  assert.ok(r?.ok && r.sessions.length === 1, name);
  return (r.sessions[0] as TranscriptResult['sessions'][number]).analysed.analysis;
};
const aider = (startedAt: string) => {
  const found = results.get('aider_chat-history.part1.md')?.sessions.find((s) => s.session.startedAt === startedAt.replace(' ', 'T'));
  assert.ok(found, startedAt);
  return found.analysed.analysis;
};
const labels = (a: { moments: readonly { kind: string; severity: string }[] }) => a.moments.map((m) => `${m.kind}:${m.severity}`).sort();

describe.skipIf(realData.skip)('friction in the real transcripts, as labeled by reading them', () => {
  test('Claude Code: a clean session (one failing test run, fixed at once) has no friction and completes', () => {
    const a = only('agentcmd_full-session-four.jsonl');
    assert.deepEqual([a.steps, a.outcome, labels(a)], [49, 'completed', []]);
  });

  test('Codex: a read-only planning session has no friction', () => {
    const a = only('agentcmd_rollout-2025-09-25T15-12-14-019982b8-3422-79e0-8b3b-05abaf4f3c3e.jsonl');
    assert.deepEqual([a.steps, a.outcome, labels(a)], [35, 'completed', []]);
  });

  test('OpenHands: a finished run (a server left running is not an error) has no friction', () => {
    const a = only('openhands_basic_gui_mode.json');
    assert.deepEqual([a.steps, a.outcome, labels(a)], [5, 'completed', []]);
  });

  test('SWE-agent: three edits refused for syntax errors, then one applied: one abandoned flow, medium', () => {
    const a = only('sweagent_pydicom__pydicom-1458.traj');
    assert.deepEqual([a.steps, a.outcome, labels(a)], [12, 'completed', ['abandoned-tool-flow:medium']]);
    assert.match(a.moments[0]?.citation ?? '', /refused 3 proposed edits in a row/);
  });

  test('Aider 2024-08-05 19:33:32: one request, one edit applied, /diff, /ex: no friction', () => {
    assert.deepEqual(labels(aider('2024-08-05 19:33:32')), []);
  });

  test('Aider 2024-08-05 20:39:59: "hi" answered, a second message cut off by ^C at exit: an interrupted request, abandoned', () => {
    const a = aider('2024-08-05 20:39:59');
    assert.deepEqual([a.outcome, labels(a)], ['abandoned', ['abandoned-tool-flow:high']]);
  });

  test('Aider 2024-08-06 09:44:24: the user declines adding files, then interrupts a request and restates it', () => {
    const a = aider('2024-08-06 09:44:24');
    assert.deepEqual(labels(a), ['abandoned-tool-flow:medium', 'abandoned-tool-flow:medium']);
    assert.ok(a.moments.some((m) => /said no/.test(m.citation)));
    assert.ok(a.moments.some((m) => /interrupted/.test(m.citation)));
  });

  test('Aider 2024-08-06 14:10:41: one request sent three times across model switches, each hitting a provider error', () => {
    const a = aider('2024-08-06 14:10:41');
    assert.deepEqual(labels(a), ['error-events:high', 'error-events:high', 'error-events:high', 'repeated-rephrasing:high']);
    assert.equal(a.outcome, 'abandoned');
  });

  test('Aider 2024-08-06 08:55:14: interrupts, refused edits, declined lint fixes, a request restated three times, /undo twice then three times', () => {
    const a = aider('2024-08-06 08:55:14');
    const interrupted = a.moments.filter((m) => /interrupted/.test(m.citation));
    const refused = a.moments.filter((m) => /refused/.test(m.citation));
    const declinedFixes = a.moments.filter((m) => /automatic fix of lint or test errors/.test(m.citation));
    assert.deepEqual([interrupted.length, refused.length, declinedFixes.length], [4, 4, 2]);
    assert.deepEqual(
      a.moments.filter((m) => m.kind === 'backtracking').map((m) => m.severity),
      ['medium', 'high'],
    );
    assert.deepEqual(
      a.moments.filter((m) => m.kind === 'repeated-rephrasing').map((m) => m.severity),
      ['medium'],
    );
    assert.ok(!a.moments.some((m) => ['context-churn', 'error-events', 'escalation-tone', 'platform-confusion'].includes(m.kind)));
  });

  test('Aider 2024-08-09 16:51:14: a file dropped and added straight back; four provider errors retried by aider', () => {
    const a = aider('2024-08-09 16:51:14');
    assert.deepEqual(labels(a), [
      'context-churn:low',
      'error-events:medium',
      'error-events:medium',
      'error-events:medium',
      'error-events:medium',
    ]);
  });

  test('Aider 2024-08-12 16:10:12: a file dropped, added again, dropped again', () => {
    assert.deepEqual(labels(aider('2024-08-12 16:10:12')), ['context-churn:low']);
  });

  test('Aider 2024-08-10 08:58:09: the reply came, then the user declined adding the files it named and left: medium, not high', () => {
    const a = aider('2024-08-10 08:58:09');
    assert.deepEqual([a.outcome, labels(a)], ['completed', ['abandoned-tool-flow:medium']]);
  });

  test('Aider 2024-08-10 20:25:40: one /undo and a command aider does not have', () => {
    assert.deepEqual(labels(aider('2024-08-10 20:25:40')), ['backtracking:low', 'platform-confusion:low']);
  });
});

/** Sessions of the Aider history by start, with their raw text: oracles independent of the parser. */
function rawAiderSessions(): Map<string, string> {
  const parts = textOf('aider_chat-history.part1.md').split(/^# aider chat started at (.*)$/m);
  const out = new Map<string, string>();
  for (let i = 1; i < parts.length; i += 2) {
    const key = (parts[i] as string).trim().replace(' ', 'T');
    out.set(key, `${out.get(key) ?? ''}${parts[i + 1]}`);
  }
  return out;
}

describe.skipIf(realData.skip)('recall on the whole Aider history, against the raw text', () => {
  const raw = rawAiderSessions();
  const analyses = (results.get('aider_chat-history.part1.md')?.sessions ?? []).map((s) => s.analysed.analysis);
  const byStart = new Map(
    (results.get('aider_chat-history.part1.md')?.sessions ?? []).map((s) => [s.session.startedAt ?? '', s.analysed.analysis]),
  );
  const check = (what: string, rawHas: (text: string) => boolean, found: (a: (typeof analyses)[number]) => boolean) => {
    let sessions = 0;
    for (const [start, text] of raw) {
      if (!rawHas(text)) continue;
      sessions++;
      const a = byStart.get(start);
      assert.ok(a && found(a), `${what} in the session of ${start} was not detected`);
    }
    assert.ok(sessions > 0, `no session with ${what}`);
    return sessions;
  };

  test('every session with an /undo has a backtracking moment', () => {
    check(
      '/undo',
      (t) => /^#### \/undo\b/m.test(t),
      (a) => a.moments.some((m) => m.kind === 'backtracking'),
    );
  });

  test('every session where the user declined adding files has an abandoned tool flow', () => {
    check(
      'a declined file request',
      (t) => /^> Add these files to the chat\? n/m.test(t),
      (a) => a.moments.some((m) => /said no/.test(m.citation)),
    );
  });

  test('every session where the edit format failed has a refused-edit moment', () => {
    check(
      'a refused edit',
      (t) => /^> The LLM did not conform to the edit format/m.test(t),
      (a) => a.moments.some((m) => /refused/.test(m.citation)),
    );
  });

  test('every session where ^C came right after a request has an interrupted-request moment', () => {
    const interruptedRequest = (t: string) =>
      /^#### (?!\/)(?!\s*$)(?!<blank>).+\n(?:>\s*\n)*> \^C (again to exit|KeyboardInterrupt)/m.test(t.replace(/ +$/gm, ''));
    const n = check('^C after a request', interruptedRequest, (a) => a.moments.some((m) => /interrupted/.test(m.citation)));
    assert.ok(n >= 20, `${n} sessions`);
  });

  test('every session with a provider error has an error moment', () => {
    check(
      'a provider error',
      (t) => /^> (Unexpected error: )?litellm\.\w+Error/m.test(t),
      (a) => a.moments.some((m) => m.kind === 'error-events'),
    );
  });

  test('no session without an /undo, a revert request or a git revert is said to backtrack', () => {
    for (const [start, text] of raw) {
      if (/^#### \/undo\b|\b(undo|revert)\b/im.test(text)) continue;
      const a = byStart.get(start);
      assert.ok(!a?.moments.some((m) => m.kind === 'backtracking'), start);
    }
  });
});

/** Longest stretch of `citation` (in words) that also appears in `text`, both lower-cased. */
function longestSharedWords(citation: string, text: string): number {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  const c = norm(citation).split(' ');
  const t = ` ${norm(text)} `;
  let best = 0;
  for (let i = 0; i < c.length; i++) {
    for (let j = i + best + 1; j <= c.length; j++) {
      if (t.includes(` ${c.slice(i, j).join(' ')} `)) best = j - i;
      else break;
    }
  }
  return best;
}

describe.skipIf(realData.skip)('no citation contains user text', () => {
  test('no citation shares four words in a row, a file name or an identifier with any user message of its transcript', () => {
    let citations = 0;
    for (const [name, r] of results) {
      for (const { session, analysed } of r.sessions) {
        const texts = userTexts(session);
        const tokens = new Set(
          texts.flatMap((t) => t.match(/[\w$-]*[._/\\][\w$./\\-]+|\w+_\w+|[a-z]+[A-Z]\w*/g) ?? []).map((x) => x.toLowerCase()),
        );
        for (const m of analysed.analysis.moments) {
          citations++;
          for (const t of texts)
            assert.ok(longestSharedWords(m.citation, t) < 4, `${name} ${session.id}: "${m.citation}" repeats the user`);
          for (const w of m.citation.split(/\s+/))
            assert.ok(
              !tokens.has(w.replace(/[.,;:]$/, '').toLowerCase()) || !/[._/\\]|[a-z][A-Z]/.test(w),
              `${name}: "${m.citation}" names "${w}"`,
            );
          assert.doesNotMatch(m.citation, /`|\/\w|\.\w{1,4}\b(?!\s*$)/, `${name}: "${m.citation}" looks like code or a path`);
        }
      }
    }
    assert.ok(citations > 300, `${citations} citations checked`);
  });
});
