import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { closedIssuesIn, lineageRefsIn, parseGithubEvent } from '#domain/signals/github-event';
import { type GithubSignal, githubSignal, type ParseResult } from '#domain/signals/signals';
import { needRealData, readReal, realFiles } from './support/real-data.ts';

const realData = needRealData('github-webhooks');

const malformedDir = new URL('./fixtures/malformed/', import.meta.url);

/** `octokit_<event>__<variant>.payload.json`: the file name carries the X-GitHub-Event header. */
function eventNameOf(file: string): string {
  const match = /^octokit_([a-z_]+?)__/.exec(file);
  assert.ok(match?.[1], `no event name in ${file}`);
  return match[1];
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely in tests
function read(dir: URL, name: string): any {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely in tests
function real(name: string): any {
  return JSON.parse(readReal('github-webhooks', name));
}

function accepted(result: ParseResult<GithubSignal>): GithubSignal {
  assert.equal(result.outcome, 'accepted', result.outcome === 'accepted' ? '' : result.reason);
  return (result as Extract<ParseResult<GithubSignal>, { outcome: 'accepted' }>).signal;
}

const files = realFiles('github-webhooks').filter((f) => f.endsWith('.json'));

describe.skipIf(realData.skip)('parseGithubEvent on real webhook payloads', () => {
  it('accepts every issues, pull_request and issue_comment payload and ignores the other events', () => {
    const consumed = new Set(['issues', 'pull_request', 'issue_comment']);
    let acceptedCount = 0;
    for (const file of files) {
      const eventName = eventNameOf(file);
      const payload = real(file);
      const result = parseGithubEvent(payload, eventName);
      if (consumed.has(eventName)) {
        const s = accepted(result);
        assert.doesNotThrow(() => githubSignal.parse(s), file);
        assert.equal(s.event, eventName, file);
        assert.equal(s.action, payload.action, file);
        assert.equal(s.repository, 'Codertocat/Hello-World', file);
        acceptedCount++;
      } else {
        assert.equal(result.outcome, 'ignored', file);
        assert.match(result.outcome === 'ignored' ? result.reason : '', new RegExp(`"${eventName}" is not consumed`));
      }
    }
    assert.ok(acceptedCount >= 30, `${acceptedCount} payloads accepted`);
  });

  it('an opened issue yields its number, title, state, author and update time', () => {
    const s = accepted(parseGithubEvent(real('octokit_issues__opened.payload.json'), 'issues'));
    assert.deepEqual(s, {
      kind: 'github',
      event: 'issues',
      action: 'opened',
      repository: 'Codertocat/Hello-World',
      number: 1,
      title: 'Spelling error in the README file',
      state: 'open',
      lineageRefs: [],
      closes: [],
      author: 'Codertocat',
      at: '2019-05-15T15:20:18.000Z',
    });
  });

  it('a closed pull request says whether it was merged', () => {
    const s = accepted(parseGithubEvent(real('octokit_pull_request__closed.payload.json'), 'pull_request'));
    assert.equal(s.number, 2);
    assert.equal(s.state, 'closed');
    assert.equal(s.merged, false);
    assert.equal(s.at, '2019-05-15T15:21:18.000Z');
  });

  it('a merged pull request whose body closes an issue and names a lineage yields both', () => {
    const payload = real('octokit_pull_request__closed.payload.json');
    payload.pull_request.merged = true;
    payload.pull_request.body = 'Bound the retry loop.\n\nFixes #7\n\nProdloop-Lineage: lin-0123456789abcdef\n';
    const s = accepted(parseGithubEvent(payload, 'pull_request'));
    assert.equal(s.merged, true);
    assert.deepEqual(s.closes, [7]);
    assert.deepEqual(s.lineageRefs, ['lin-0123456789abcdef']);
  });

  it('an issue whose body carries the metadata marker yields its lineage', () => {
    const payload = real('octokit_issues__opened.payload.json');
    payload.issue.body = 'p99 latency of checkout doubled.\n<!-- prodloop:lineage=lin-fedcba9876543210 generation=2 -->';
    assert.deepEqual(accepted(parseGithubEvent(payload, 'issues')).lineageRefs, ['lin-fedcba9876543210']);
  });

  it('a comment is read from the comment body, on the issue it belongs to', () => {
    const payload = real('octokit_issue_comment__created.payload.json');
    payload.comment.body = 'Prodloop-Lineage: lin-00000000000000aa';
    const s = accepted(parseGithubEvent(payload, 'issue_comment'));
    assert.equal(s.event, 'issue_comment');
    assert.equal(s.number, payload.issue.number);
    assert.deepEqual(s.lineageRefs, ['lin-00000000000000aa']);
    assert.equal(s.at, '2019-05-15T15:20:21.000Z');
  });

  it('a pinned issue without a state is still accepted', () => {
    const s = accepted(parseGithubEvent(real('octokit_issues__pinned.payload.json'), 'issues'));
    assert.equal(s.state, undefined);
  });

  it('push and workflow_run deliveries are ignored with a reason', () => {
    for (const [file, eventName] of [
      ['octokit_push__payload.json', 'push'],
      ['octokit_workflow_run__completed.payload.json', 'workflow_run'],
    ] as const) {
      assert.deepEqual(parseGithubEvent(real(file), eventName), {
        outcome: 'ignored',
        reason: `GitHub event "${eventName}" is not consumed (only issues, pull_request, issue_comment)`,
      });
    }
  });

  it('a payload sent under the wrong event name is rejected, not misread', () => {
    const result = parseGithubEvent(real('octokit_push__payload.json'), 'issues');
    assert.equal(result.outcome, 'rejected');
    assert.match(result.outcome === 'rejected' ? result.reason : '', /missing issue/);
  });
});

describe('lineage references', () => {
  it('reads trailer lines and metadata markers, each lineage once', () => {
    const body = [
      'Some text mentioning Prodloop-Lineage: lin-1111111111111111 inline, which does not count.',
      'Prodloop-Lineage: lin-2222222222222222',
      '  prodloop-lineage:lin-3333333333333333  ',
      '<!-- prodloop:lineage=lin-2222222222222222 -->',
      '<!--prodloop:lineage=lin-4444444444444444-->',
    ].join('\r\n');
    assert.deepEqual(lineageRefsIn(body), ['lin-2222222222222222', 'lin-3333333333333333', 'lin-4444444444444444']);
  });

  it('finds nothing in a body without references', () => {
    assert.deepEqual(lineageRefsIn('lin-2222222222222222 alone is not a reference'), []);
  });
});

describe('closing keywords', () => {
  it('reads every closing keyword in any case, with or without a colon', () => {
    const body = 'close #1, closes #2, Closed #3, FIX #4, fixes #5, fixed #6, resolve #7, Resolves: #8, resolved #9';
    assert.deepEqual(closedIssuesIn(body, 'acme/shop'), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('counts references to this repository by name and skips other repositories', () => {
    assert.deepEqual(closedIssuesIn('Fixes acme/shop#10 and fixes other/repo#11', 'acme/shop'), [10]);
    assert.deepEqual(closedIssuesIn('Fixes ACME/Shop#12', 'acme/shop'), [12]);
  });

  it('ignores mentions without a keyword and words that merely contain one', () => {
    assert.deepEqual(closedIssuesIn('See #3. A hotfix #4, prefixes #5 and unresolved #6 do not close.', 'acme/shop'), []);
  });
});

describe('malformed webhooks', () => {
  it('every malformed webhook fixture is rejected with a reason', () => {
    const malformed = readdirSync(malformedDir).filter((f) => f.startsWith('github-') && f.endsWith('.json'));
    assert.ok(malformed.length >= 2);
    for (const file of malformed) {
      const eventName = /^github-([a-z_]+)-/.exec(file)?.[1] ?? '';
      const result = parseGithubEvent(read(malformedDir, file), eventName);
      assert.equal(result.outcome, 'rejected', file);
      assert.ok(result.outcome === 'rejected' && result.reason.trim().length > 0, file);
    }
  });

  it('never throws, whatever it is given', () => {
    for (const value of [null, undefined, 3, 'x', [], {}, { issue: null }, { action: 'opened', repository: {}, issue: { number: -1 } }]) {
      for (const eventName of ['issues', 'pull_request', 'issue_comment']) {
        assert.equal(parseGithubEvent(value, eventName).outcome, 'rejected', `${eventName} ${JSON.stringify(value)}`);
      }
    }
  });
});
