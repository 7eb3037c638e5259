import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'vitest';
import { parseTranscript } from '#friction/domain/formats/index';
import { agenticSteps, type Session, session as sessionSchema } from '#friction/domain/session';
import { needRealData, realPath } from './support/real-data.ts';

const realData = needRealData('agent-sessions');
const real = (name: string) => pathToFileURL(realPath('agent-sessions', name));
const synthetic = (name: string) => new URL(`./fixtures/agent-sessions/synthetic/${name}`, import.meta.url);
const read = (url: URL) => ({ name: url.pathname.split('/').pop() as string, text: readFileSync(url, 'utf8') });

function parsed(url: URL): Session[] {
  const result = parseTranscript(read(url));
  assert.ok(result.ok, `${url.pathname}: ${result.ok ? '' : result.reason}`);
  return result.sessions;
}

const count = (s: Session, type: string, pred: (e: Record<string, unknown>) => boolean = () => true) =>
  s.events.filter((e) => e.type === type && pred(e as unknown as Record<string, unknown>)).length;

describe.skipIf(realData.skip)('format adapters on the real transcripts', () => {
  test('a Claude Code log is one session with its user turns, replies, tool calls and the failed test run', () => {
    const [s] = parsed(real('agentcmd_full-session-four.jsonl'));
    assert.ok(s);
    assert.equal(s.format, 'claude-code');
    assert.equal(s.id, 'claude-code:2d984148-cddb-4605-aac1-13e720fe613c');
    assert.equal(s.startedAt, '2025-10-26T10:38:08.752Z');
    // Three requests typed by the user; the /clear command; the CLI's own caveat and command output are not the user's.
    assert.equal(
      count(s, 'user', (e) => !e.command),
      3,
    );
    assert.equal(
      count(s, 'user', (e) => e.command === 'clear'),
      1,
    );
    assert.equal(count(s, 'tool-call'), 27);
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'error'),
      1,
    );
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'ok'),
      26,
    );
    assert.equal(agenticSteps(s), 49);
  });

  test('a Codex rollout reads the user message once, without the environment context, and every shell call', () => {
    const [s] = parsed(real('agentcmd_rollout-2025-09-25T15-12-14-019982b8-3422-79e0-8b3b-05abaf4f3c3e.jsonl'));
    assert.ok(s);
    assert.equal(s.format, 'codex');
    assert.equal(s.id, 'codex:019982b8-3422-79e0-8b3b-05abaf4f3c3e');
    assert.equal(count(s, 'user'), 1);
    assert.ok(!s.events.some((e) => e.type === 'user' && e.text.includes('<environment_context>')));
    assert.equal(
      count(s, 'tool-call', (e) => e.category === 'shell'),
      34,
    );
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'ok'),
      34,
    );
    assert.equal(count(s, 'assistant'), 1);
  });

  test('an Aider history is one session per "aider chat started" heading, with add/drop, edits, confirmations and ^C', () => {
    const sessions = parsed(real('aider_chat-history.part1.md'));
    const text = readFileSync(real('aider_chat-history.part1.md'), 'utf8');
    const headings = text.match(/^# aider chat started at /gm)?.length ?? 0;
    assert.equal(headings, 566);
    // Sessions that only print a banner (aider --help, --lint runs) have no events and are left out.
    assert.ok(sessions.length > 400 && sessions.length <= headings + 1, `${sessions.length} sessions`);
    const all = (type: string, pred?: (e: Record<string, unknown>) => boolean) => sessions.reduce((n, s) => n + count(s, type, pred), 0);
    assert.equal(
      all('context', (e) => e.action === 'remove'),
      (text.match(/^> Removed .+ from the chat/gm) ?? []).length,
    );
    assert.equal(
      all('tool-call', (e) => e.category === 'edit' && (e.paths as string[]).length > 0),
      (text.match(/^> Applied edit to /gm) ?? []).length,
    );
    assert.equal(
      all('user', (e) => e.command === 'undo'),
      (text.match(/^#### \/undo\b/gm) ?? []).length,
    );
    assert.equal(
      all('confirm', (e) => e.subject === 'file' && e.answer === 'no'),
      (text.match(/^> Add (?!https?:)(?!the output).* to the chat\? n\s*$/gm) ?? []).length,
    );
    const s = sessions.find((x) => x.startedAt === '2024-08-05T19:33:32');
    assert.ok(s);
    assert.equal(s.format, 'aider');
    assert.deepEqual(
      s.events.map((e) => e.type),
      ['context', 'user', 'assistant', 'tool-call', 'tool-result', 'user', 'user'],
    );
  });

  test("Aider's echo of an /ask question and its <blank> inputs are not messages of their own", () => {
    const sessions = parsed(real('aider_chat-history.part1.md'));
    const s = sessions.find((x) => x.startedAt === '2024-08-06T09:44:24');
    assert.ok(s);
    const users = s.events.filter((e) => e.type === 'user');
    assert.equal(users.filter((e) => e.type === 'user' && e.text.startsWith('is there a portable way')).length, 1);
    assert.ok(!sessions.some((x) => x.events.some((e) => e.type === 'user' && e.text === '<blank>')));
  });

  test('an OpenHands trajectory reads the user message, the coding agent actions and their observations, and the final state', () => {
    const [s] = parsed(real('openhands_basic_gui_mode.json'));
    assert.ok(s);
    assert.equal(s.format, 'openhands');
    assert.equal(count(s, 'user'), 1);
    assert.deepEqual(
      s.events.filter((e) => e.type === 'tool-call').map((e) => e.type === 'tool-call' && e.category),
      ['shell', 'edit', 'edit', 'shell'],
    );
    // The dev server still running after 30 s (exit code -1, "no new output") is not a failure.
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'error'),
      0,
    );
    assert.equal(s.endState, 'finished');
  });

  test('a SWE-agent trajectory takes the issue as the user text, each step as a tool call, and refused edits as refused', () => {
    const [s] = parsed(real('sweagent_pydicom__pydicom-1458.traj'));
    assert.ok(s);
    assert.equal(s.format, 'swe-agent');
    assert.equal(count(s, 'user'), 1, 'the demonstration is not the user');
    assert.ok(s.events.some((e) => e.type === 'user' && e.text.includes('Pixel Representation attribute should be optional')));
    assert.equal(count(s, 'tool-call'), 12);
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'refused'),
      3,
    );
    assert.equal(s.endState, 'finished');
  });

  test('every session any adapter builds satisfies the normalized model', () => {
    for (const name of [
      'agentcmd_full-session-four.jsonl',
      'agentcmd_rollout-2025-09-25T15-12-14-019982b8-3422-79e0-8b3b-05abaf4f3c3e.jsonl',
      'aider_chat-history.part1.md',
      'openhands_basic_gui_mode.json',
      'sweagent_pydicom__pydicom-1458.traj',
    ]) {
      for (const s of parsed(real(name))) assert.ok(sessionSchema.safeParse(s).success, `${name}: ${s.id}`);
    }
  });
});

describe('format adapters on synthetic transcripts in the real formats', () => {
  test('Claude Code: a declined edit is one rejected result (the interrupt marker after it is not a second moment)', () => {
    const [s] = parsed(synthetic('claude-code-frustrated.jsonl'));
    assert.ok(s);
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'rejected'),
      1,
    );
    assert.equal(count(s, 'interrupt'), 0);
    assert.equal(
      count(s, 'error', (e) => e.source === 'provider'),
      1,
    );
    assert.equal(
      count(s, 'user', (e) => e.command === 'cost'),
      1,
    );
    assert.ok(!s.events.some((e) => e.type === 'user' && e.text.includes('local-command-stdout')));
  });

  test('Codex: a command rejected by the user, an aborted turn and a stream error', () => {
    const [s] = parsed(synthetic('codex-declined.jsonl'));
    assert.ok(s);
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'rejected'),
      1,
    );
    assert.equal(count(s, 'interrupt'), 1);
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'error'),
      3,
    );
    assert.equal(count(s, 'error'), 1);
    const patch = s.events.find((e) => e.type === 'tool-call' && e.category === 'edit');
    assert.deepEqual(patch?.type === 'tool-call' && patch.paths, ['db/migrations/003_orders.sql']);
  });

  test('OpenHands: a rejected action and a stopped coding agent end the session as stopped', () => {
    const [s] = parsed(synthetic('openhands-stopped.json'));
    assert.ok(s);
    assert.equal(
      count(s, 'tool-result', (e) => e.status === 'rejected'),
      1,
    );
    assert.equal(count(s, 'interrupt'), 1);
    assert.equal(s.endState, 'stopped');
  });
});

describe('transcripts that cannot be read are skipped with a reason', () => {
  const cases: [string, RegExp][] = [
    ['corrupt-claude-code.jsonl', /^corrupt transcript: line 6 is not JSON/],
    ['truncated-openhands.json', /^not valid JSON/],
    ['not-a-transcript.txt', /^no known transcript format/],
    ['unknown-shape.json', /^JSON in no known transcript format/],
    ['empty.jsonl', /^empty transcript$/],
  ];
  for (const [name, reason] of cases) {
    test(`${name} is skipped: ${reason.source}`, () => {
      const result = parseTranscript(read(synthetic(name)));
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.reason, reason);
    });
  }

  test('JSON Lines of another tool (no user or assistant messages) are no Claude Code log', () => {
    const result = parseTranscript({ name: 'metrics.jsonl', text: '{"a":1}\n{"a":2}\n' });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /JSON Lines in no known transcript format/);
  });
});
