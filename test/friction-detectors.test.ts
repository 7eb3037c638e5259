import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { analyseSession, outcomeOf } from '#friction/domain/analyze';
import { citationLeak, fingerprintUserText, leakCheck } from '#friction/domain/citations';
import { frictionSettings } from '#friction/domain/config';
import { detectFriction } from '#friction/domain/detectors';
import { contextChurn, repeatedRephrasing } from '#friction/domain/detectors/repetition';
import { SessionView } from '#friction/domain/detectors/session-view';
import { facetsOf } from '#friction/domain/facets';
import { parseTranscript } from '#friction/domain/formats/index';
import { normalizedSession, type SessionEventInput } from '#friction/domain/session';
import { needRealData, readReal } from './support/real-data.ts';

const realData = needRealData('agent-sessions');

const config = frictionSettings({ minSteps: 0 });
const session = (events: SessionEventInput[], extra: Record<string, unknown> = {}) =>
  normalizedSession({ id: 'test:1', format: 'claude-code', events, ...extra });
const at = (seconds: number) => new Date(Date.UTC(2026, 2, 2, 9, 0, seconds)).toISOString();
const kinds = (events: SessionEventInput[]) => detectFriction(session(events), config).map((m) => `${m.kind}:${m.severity}`);

describe('context churn', () => {
  const churn = (times: readonly number[]) =>
    times.map((t, i): SessionEventInput => ({ type: 'context', at: at(t), action: i % 2 === 0 ? 'add' : 'remove', path: 'src/app.ts' }));

  test('the seed pattern (3 add/remove cycles of one file within 2 minutes) is high severity', () => {
    const moments = contextChurn(
      new SessionView(session([...churn([0, 15, 30, 45, 60, 75]), { type: 'context', at: at(90), action: 'add', path: 'src/app.ts' }])),
      config,
    );
    assert.equal(moments.length, 1);
    assert.equal(moments[0]?.severity, 'high');
    assert.match(moments[0]?.citation ?? '', /3 times within 2 minutes/);
  });

  test('the same cycles spread over ten minutes are not the seed pattern', () => {
    const moments = contextChurn(new SessionView(session(churn([0, 100, 200, 300, 400, 500, 600]))), config);
    assert.ok(
      moments.every((m) => m.severity !== 'high'),
      JSON.stringify(moments),
    );
  });

  test('a file dropped for good is housekeeping, not churn', () => {
    assert.deepEqual(contextChurn(new SessionView(session(churn([0, 10]))), config), []);
  });

  test('a file removed and added back once is low severity; the cycle threshold is configurable', () => {
    const s = session(churn([0, 10, 20]));
    assert.deepEqual(
      contextChurn(new SessionView(s), config).map((m) => m.severity),
      ['low'],
    );
    const strict = frictionSettings({ minSteps: 0, contextChurn: { cycles: 1 } });
    assert.deepEqual(
      contextChurn(new SessionView(s), strict).map((m) => m.severity),
      ['high'],
    );
  });

  test('an absolute and a relative spelling of one file are one file', () => {
    const s = session([
      { type: 'context', at: at(0), action: 'add', path: 'src/app.ts' },
      { type: 'context', at: at(5), action: 'remove', path: 'src/app.ts' },
      { type: 'context', at: at(9), action: 'add', path: '/home/dev/shop/src/app.ts' },
    ]);
    assert.equal(contextChurn(new SessionView(s), config).length, 1);
  });
});

describe('repeated rephrasing', () => {
  const ask = (text: string): SessionEventInput => ({ type: 'user', text });
  const reply: SessionEventInput = { type: 'assistant', text: 'Here you go.' };

  test('three restatements of one request in a row are a moment; two are not', () => {
    const three = [
      ask('make the export button download a CSV file'),
      reply,
      ask('the export button should download CSV'),
      reply,
      ask('please make export download a CSV file'),
      reply,
    ];
    assert.deepEqual(
      repeatedRephrasing(new SessionView(session(three)), config).map((m) => m.severity),
      ['medium'],
    );
    // Restated and still unanswered at the end: high.
    assert.deepEqual(
      repeatedRephrasing(new SessionView(session(three.slice(0, 5))), config).map((m) => m.severity),
      ['high'],
    );
    assert.deepEqual(repeatedRephrasing(new SessionView(session(three.slice(0, 3))), config), []);
  });

  test('different requests in a row are not rephrasing', () => {
    const s = session([
      ask('add a login page with email and password'),
      reply,
      ask('now write tests for the cart total'),
      reply,
      ask('update the readme with setup steps'),
    ]);
    assert.deepEqual(repeatedRephrasing(new SessionView(s), config), []);
  });

  test('a greeting sent again and again is no request to restate', () => {
    const s = session([ask('hi'), reply, ask('hi'), reply, ask('hi'), reply]);
    assert.deepEqual(repeatedRephrasing(new SessionView(s), config), []);
  });
});

describe('escalation tone, backtracking, platform confusion, errors', () => {
  test('pasted logs and tracebacks are not read for tone', () => {
    const text =
      'here is the output\n```\nERROR!!! FATAL: STOP THE WORLD\n```\n    Traceback (most recent call last):\nE   AssertionError: still not equal';
    assert.deepEqual(kinds([{ type: 'user', text }]), []);
  });

  test('shouting and a reminder of an earlier instruction are high severity; a persisting problem with "!!" is low', () => {
    assert.deepEqual(kinds([{ type: 'user', text: 'I ALREADY TOLD YOU TO KEEP THE HEADER' }]), ['escalation-tone:high']);
    assert.deepEqual(kinds([{ type: 'user', text: 'it still does not work!!' }]), ['escalation-tone:low']);
    assert.deepEqual(kinds([{ type: 'user', text: 'Thanks, the API returns JSON now' }]), []);
  });

  test('undo commands within a few turns are one backtracking moment whose severity grows with the count', () => {
    const undo: SessionEventInput = { type: 'user', text: '', command: 'undo' };
    assert.deepEqual(kinds([undo]), ['backtracking:low']);
    assert.deepEqual(kinds([undo, undo]), ['backtracking:medium']);
    assert.deepEqual(kinds([undo, undo, undo]), ['backtracking:high']);
  });

  test('a git revert run by the coding agent is backtracking; a plain git status is not', () => {
    assert.deepEqual(kinds([{ type: 'tool-call', category: 'shell', command: 'git revert HEAD --no-edit' }]), ['backtracking:low']);
    assert.deepEqual(kinds([{ type: 'tool-call', category: 'shell', command: 'git status' }]), []);
  });

  test('asking what the coding agent can see is platform confusion; asking about the code is not', () => {
    assert.deepEqual(kinds([{ type: 'user', text: 'can you see the file I just added?' }]), ['platform-confusion:medium']);
    assert.deepEqual(kinds([{ type: 'user', text: 'what does the checkout service return on timeout?' }]), []);
  });

  test('a single failing tool step is no error moment; three in a row are', () => {
    const fail: SessionEventInput[] = [
      { type: 'tool-call', category: 'shell', command: 'npm test' },
      { type: 'tool-result', status: 'error' },
    ];
    assert.deepEqual(kinds(fail), []);
    assert.deepEqual(kinds([...fail, ...fail, ...fail]), ['error-events:medium']);
  });

  test('a provider error the session never recovers from is high severity and the session is abandoned', () => {
    const s = session([
      { type: 'user', text: 'refactor the cart module into smaller files' },
      { type: 'error', source: 'provider' },
    ]);
    assert.deepEqual(
      detectFriction(s, config).map((m) => `${m.kind}:${m.severity}`),
      ['error-events:high'],
    );
    assert.equal(outcomeOf(new SessionView(s)), 'abandoned');
  });
});

describe('outcome, steps and the step filter', () => {
  test('a session whose last request was answered is completed; one interrupted at the end is abandoned', () => {
    const done = session([
      { type: 'user', text: 'add a footer to the page' },
      { type: 'assistant', text: 'Done.' },
    ]);
    assert.equal(outcomeOf(new SessionView(done)), 'completed');
    const cut = session([
      { type: 'user', text: 'add a footer to the page' },
      { type: 'assistant', text: 'Start…' },
      { type: 'interrupt', during: 'response' },
    ]);
    assert.equal(outcomeOf(new SessionView(cut)), 'abandoned');
  });

  test('below the step filter a session is counted but not analysed', () => {
    const s = session([
      { type: 'user', text: 'I ALREADY TOLD YOU TO STOP' },
      { type: 'assistant', text: 'Sorry.' },
    ]);
    const filtered = analyseSession(s, frictionSettings({})).analysis;
    assert.equal(filtered.analysed, false);
    assert.deepEqual(filtered.moments, []);
    assert.equal(filtered.steps, 1);
    assert.equal(analyseSession(s, frictionSettings({ minSteps: 1 })).analysis.moments.length, 1);
  });
});

describe.skipIf(realData.skip)('facets', () => {
  test('languages, frameworks and intent of the Claude Code fixture come from its file paths and the request', () => {
    const text = readReal('agent-sessions', 'agentcmd_full-session-four.jsonl');
    const parsed = parseTranscript({ name: 'four.jsonl', text });
    assert.ok(parsed.ok);
    const f = facetsOf(parsed.sessions[0] as never);
    assert.equal(f.languages[0], 'TypeScript');
    assert.ok(f.frameworks.includes('React'));
    assert.equal(f.intent, 'feature');
  });

  test('the SWE-agent issue is a fix in Python', () => {
    const text = readReal('agent-sessions', 'sweagent_pydicom__pydicom-1458.traj');
    const parsed = parseTranscript({ name: 'p.traj', text });
    assert.ok(parsed.ok);
    const f = facetsOf(parsed.sessions[0] as never);
    assert.deepEqual([f.languages[0], f.intent], ['Python', 'fix']);
  });
});

describe('citation leak check', () => {
  const check = leakCheck(
    fingerprintUserText([
      'please rename getUserProfile in src/profile/service.ts so the dashboard stops crashing on login',
      'run the tests',
    ]),
  );

  test('a citation repeating four words of the user is caught', () => {
    assert.ok(citationLeak('The user asked that the dashboard stops crashing on login.', check));
  });

  test('a citation naming an identifier or file the user typed is caught', () => {
    assert.ok(citationLeak('The user wanted getUserProfile renamed.', check));
    assert.ok(citationLeak('The user pointed at service.ts again.', check));
  });

  test('a whole short message is caught; a template citation is not', () => {
    assert.ok(citationLeak('The user said run the tests.', check));
    assert.equal(citationLeak('The user restated one request 3 times in a row.', check), undefined);
  });
});
