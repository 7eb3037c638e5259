/** The configuration as a platform team writes it: what is refused at synth, and why. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { parseConfig } from '#domain/config/config';
import { issueSanitizer } from '#domain/issue/issue-body';
import { ConfigError } from '#domain/shared/errors';
import { validateConfig } from '../lib/config.ts';
import { eventsPerLook, maxLooks } from '../lib/history-budget.ts';

const STATEMACHINES = join(import.meta.dirname, '..', 'statemachines');

const base = { githubRepository: 'acme/shop', watchedAlarms: { namePrefixes: ['prod-'] } };

describe('the GitHub API URL', () => {
  test('a GitHub Enterprise Server over https is accepted', () => {
    assert.equal(
      parseConfig({ ...base, githubApiUrl: 'https://github.acme.example/api/v3' }).githubApiUrl,
      'https://github.acme.example/api/v3',
    );
  });

  test('plain http to another host is refused: the token would travel in clear text', () => {
    assert.throws(
      () => parseConfig({ ...base, githubApiUrl: 'http://github.acme.example/api/v3' }),
      (error: unknown) => error instanceof ConfigError && /githubApiUrl: must be an https:\/\/ URL/.test(error.message),
    );
  });

  test('plain http to this machine itself (a local stand-in for GitHub) is accepted', () => {
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:3000/api', 'http://[::1]:9000']) {
      assert.equal(parseConfig({ ...base, githubApiUrl: url }).githubApiUrl, url);
    }
  });
});

describe('privacy.identifierPatterns', () => {
  test('a pattern that does not compile is refused at synth, with its path and why', () => {
    assert.throws(
      () => parseConfig({ ...base, privacy: { identifierPatterns: [{ kind: 'account', pattern: 'acct#(\\d+' }] } }),
      (error: unknown) =>
        error instanceof ConfigError && /privacy\.identifierPatterns\.0: pattern "acct#\(\\\\d\+" does not compile/.test(error.message),
    );
  });

  test('a pattern that matches the empty string, or a kind that is no slug, is refused', () => {
    assert.throws(
      () => parseConfig({ ...base, privacy: { identifierPatterns: [{ kind: 'x', pattern: '\\d*' }] } }),
      /matches the empty string/,
    );
    assert.throws(() => parseConfig({ ...base, privacy: { identifierPatterns: [{ kind: 'Acct ID', pattern: 'a' }] } }), /lower-case slug/);
  });

  test('an accepted pattern reaches the issue sanitizer: what it finds becomes a pseudonym', () => {
    const config = parseConfig({ ...base, privacy: { identifierPatterns: [{ kind: 'account', pattern: '\\bacct#(\\d{6})\\b' }] } });
    const out = issueSanitizer(config)('billing acct#123456 overdue');
    assert.match(out, /^billing acct#\[account:[0-9a-f]{10}\] overdue$/);
  });
});

describe("Step Functions' history limit", () => {
  test('as many validation looks as fit 25,000 history events are accepted; one more is refused, saying what each look costs', () => {
    assert.equal(eventsPerLook(join(STATEMACHINES, 'lineage.asl.json'), 'Wait before evaluating').events, 16);
    assert.equal(validateConfig({ ...base, validation: { maxEvaluations: 1500 } }).validation.maxEvaluations, 1500);
    assert.throws(
      () => validateConfig({ ...base, validation: { maxEvaluations: 1501 } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /validation\.maxEvaluations: 1501 looks do not fit one execution: each writes 16 events/.test(error.message),
    );
    assert.throws(() => validateConfig({ ...base, validation: { maxEvaluations: 5000 } }), /at most 1500 fit/);
  });

  test("the deploy watch's own cap (100 looks) fits its loop's history bound, so its largest value synthesizes", () => {
    assert.equal(eventsPerLook(join(STATEMACHINES, 'deploy-watch.asl.json'), 'Wait for traffic').events, 11);
    assert.ok(maxLooks(join(STATEMACHINES, 'deploy-watch.asl.json'), 'Wait for traffic') >= 100);
    assert.equal(validateConfig({ ...base, deployWatch: { evaluations: 100 } }).deployWatch.evaluations, 100);
  });
});
