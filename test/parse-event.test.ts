import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { parseAlarmEvent } from '#domain/signals/alarm';
import { parseDeployEvent } from '#domain/signals/deploy';
import { parseGithubEvent } from '#domain/signals/github-event';
import { parseHealthEvent } from '#domain/signals/health';
import { parseEvent, parseEventText } from '#domain/signals/parse-event';
import { signal } from '#domain/signals/signals';
import { needRealData, type RealFolder, readReal, realFiles } from './support/real-data.ts';

const opts = { tenantDimension: 'TenantId' };
const fixturesDir = new URL('./fixtures/', import.meta.url);
const malformedDir = new URL('./fixtures/malformed/', import.meta.url);

const realData = needRealData('cloudwatch-alarms', 'deploy-events', 'github-webhooks');

/** `real/<folder>` is a folder of the real data (test/support/real-data.ts); the others are the project's fixtures. */
function realFolder(dir: string): RealFolder | undefined {
  return dir.startsWith('real/') ? (dir.slice('real/'.length) as RealFolder) : undefined;
}

function text(dir: string, file: string): string {
  const real = realFolder(dir);
  return real ? readReal(real, file) : readFileSync(new URL(`${dir}/${file}`, fixturesDir), 'utf8');
}

function jsonFiles(dir: string): readonly string[] {
  const real = realFolder(dir);
  return (real ? realFiles(real) : readdirSync(new URL(`${dir}/`, fixturesDir))).filter((f) => f.endsWith('.json'));
}

/** The GitHub event a fixture stands for, from its name (`octokit_<event>__…`, `github-<event>-…`). */
function githubEventOf(file: string): string | undefined {
  return /^octokit_([a-z_]+?)__/.exec(file)?.[1] ?? /^github-([a-z_]+)-/.exec(file)?.[1];
}

describe('parseEvent dispatch', () => {
  const cases = [
    { dir: 'real/cloudwatch-alarms', kind: 'alarm' },
    { dir: 'real/deploy-events', kind: 'deploy' },
    { dir: 'real/github-webhooks', kind: 'github' },
    { dir: 'synthetic', kind: undefined },
  ] as const;

  for (const { dir, kind } of cases) {
    it.skipIf(realData.skip && realFolder(dir) !== undefined)(
      `every fixture in ${dir} reaches its parser and is accepted or ignored`,
      () => {
        for (const file of jsonFiles(dir)) {
          const result = parseEventText(text(dir, file), { ...opts, githubEvent: githubEventOf(file) });
          assert.notEqual(result.outcome, 'rejected', `${file}: ${result.outcome === 'rejected' ? result.reason : ''}`);
          if (result.outcome === 'accepted') {
            if (kind !== undefined) assert.equal(result.signal.kind, kind, file);
            assert.doesNotThrow(() => signal.parse(result.signal), file);
          }
        }
      },
    );
  }

  it.skipIf(realData.skip)('gives the same answer as the parser it dispatches to', () => {
    const alarm = JSON.parse(text('real/cloudwatch-alarms', 'rustlambda_example-cloudwatch-alarm-sns-payload-single-metric.json'));
    assert.deepEqual(parseEvent(alarm, opts), parseAlarmEvent(alarm, opts));
    const deploy = JSON.parse(text('synthetic', 'deploy-finished.json'));
    assert.deepEqual(parseEvent(deploy, opts), parseDeployEvent(deploy));
    const health = JSON.parse(text('synthetic', 'aws-health-event.json'));
    assert.deepEqual(parseEvent(health, opts), parseHealthEvent(health));
    const issue = JSON.parse(text('real/github-webhooks', 'octokit_issues__opened.payload.json'));
    assert.deepEqual(parseEvent(issue, { ...opts, githubEvent: 'issues' }), parseGithubEvent(issue, 'issues'));
  });

  it.skipIf(realData.skip)('an SNS-wrapped alarm, a Lambda alarm action and a health event are told apart by shape', () => {
    const kinds = [
      ['real/cloudwatch-alarms', 'rustlambda_example-cloudwatch-alarm-sns-payload-single-metric.json', 'alarm'],
      ['real/cloudwatch-alarms', 'pt-python_cloudWatchAlarmEventSingleMetric.json', 'alarm'],
      ['synthetic', 'aws-health-event.json', 'health'],
      ['synthetic', 'deploy-finished.json', 'deploy'],
    ] as const;
    for (const [dir, file, kind] of kinds) {
      const result = parseEventText(text(dir, file), opts);
      assert.equal(result.outcome === 'accepted' ? result.signal.kind : result.reason, kind, file);
    }
  });

  it('an unknown event is rejected naming its source and detail type', () => {
    assert.deepEqual(parseEventText(text('malformed', 'unrecognized-source.json'), opts), {
      outcome: 'rejected',
      reason: 'unrecognized event: source=aws.s3 detail-type=Object Created',
    });
    assert.deepEqual(parseEvent({ hello: 'world' }, opts), {
      outcome: 'rejected',
      reason: 'unrecognized event: source=(none) detail-type=(none)',
    });
  });

  it('a value that is not a JSON object is rejected as such', () => {
    for (const value of [null, undefined, 42, 'ALARM', [], [{ source: 'aws.cloudwatch' }]]) {
      assert.deepEqual(parseEvent(value, opts), { outcome: 'rejected', reason: 'not a JSON object' });
    }
  });

  it('text that is not JSON is rejected with the JSON error', () => {
    const result = parseEventText('{"source": "aws.cloudwatch", ', opts);
    assert.equal(result.outcome, 'rejected');
    assert.match(result.outcome === 'rejected' ? result.reason : '', /^invalid JSON: /);
  });

  it.skipIf(realData.skip)('a GitHub event name sends the payload to the GitHub parser whatever it looks like', () => {
    const alarm = JSON.parse(text('real/cloudwatch-alarms', 'pt-python_cloudWatchAlarmEventSingleMetric.json'));
    assert.equal(parseEvent(alarm, { ...opts, githubEvent: 'issues' }).outcome, 'rejected');
    assert.equal(parseEvent(alarm, { ...opts, githubEvent: 'ping' }).outcome, 'ignored');
  });
});

describe('malformed events', () => {
  const files = readdirSync(malformedDir).filter((f) => f.endsWith('.json'));

  it('every malformed fixture is rejected with a one-line reason', () => {
    assert.ok(files.length >= 20, `${files.length} malformed fixtures`);
    for (const file of files) {
      const result = parseEventText(text('malformed', file), { ...opts, githubEvent: githubEventOf(file) });
      assert.equal(result.outcome, 'rejected', file);
      if (result.outcome === 'rejected') {
        assert.ok(result.reason.trim().length > 0, file);
        assert.doesNotMatch(result.reason, /\n/, file);
      }
    }
  });

  it('no parser throws on any malformed fixture, whichever parser it is given to', () => {
    for (const file of files) {
      let raw: unknown;
      try {
        raw = JSON.parse(text('malformed', file));
      } catch {
        continue; // invalid JSON never reaches a parser
      }
      assert.doesNotThrow(() => {
        parseAlarmEvent(raw, opts);
        parseDeployEvent(raw);
        parseHealthEvent(raw);
        for (const name of ['issues', 'pull_request', 'issue_comment']) parseGithubEvent(raw, name);
        parseEvent(raw, opts);
      }, file);
    }
  });
});
