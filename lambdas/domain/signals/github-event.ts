/**
 * GitHub webhooks to GithubSignal. Pure: no I/O, never throws on bad input.
 * `issues`, `pull_request` and `issue_comment` deliveries (every action) are accepted; other events are ignored.
 */
import * as z from 'zod';
import { ignored, isRecord, reasonOf, rejected, toIsoDate } from './parsing.ts';
import { type GithubSignal, githubSignal, type ParseResult } from './signals.ts';

export const CONSUMED_GITHUB_EVENTS = ['issues', 'pull_request', 'issue_comment'] as const;
export type ConsumedGithubEvent = (typeof CONSUMED_GITHUB_EVENTS)[number];

const user = z.object({ login: z.string() }).nullish();

const item = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.string().optional(),
  user,
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});

const base = z.object({
  action: z.string().min(1),
  repository: z.object({ full_name: z.string().min(1) }),
  sender: user,
});

const issuesEvent = base.extend({ issue: item });
const pullRequestEvent = base.extend({ pull_request: item.extend({ merged: z.boolean().nullish() }) });
const issueCommentEvent = base.extend({
  issue: item,
  comment: z.object({ body: z.string().nullish(), user, created_at: z.string().optional(), updated_at: z.string().optional() }),
});

/**
 * Parses a webhook payload; `eventName` is the `X-GitHub-Event` header. Lineage references and closed
 * issues are read from the issue or pull request body (for `issue_comment`, from the comment).
 */
export function parseGithubEvent(raw: unknown, eventName: string): ParseResult<GithubSignal> {
  if (!(CONSUMED_GITHUB_EVENTS as readonly string[]).includes(eventName)) {
    return ignored(`GitHub event "${eventName}" is not consumed (only ${CONSUMED_GITHUB_EVENTS.join(', ')})`);
  }
  if (!isRecord(raw)) return rejected(`not a GitHub ${eventName} webhook: not a JSON object`);

  if (eventName === 'issues') {
    const parsed = issuesEvent.safeParse(raw);
    if (!parsed.success) return rejected(`not a GitHub issues webhook: ${reasonOf(parsed.error, raw)}`);
    const { action, repository, issue, sender } = parsed.data;
    return build({
      event: eventName,
      action,
      repository: repository.full_name,
      subject: issue,
      body: issue.body,
      author: issue.user?.login ?? sender?.login,
      at: updatedAt(issue),
    });
  }
  if (eventName === 'pull_request') {
    const parsed = pullRequestEvent.safeParse(raw);
    if (!parsed.success) return rejected(`not a GitHub pull_request webhook: ${reasonOf(parsed.error, raw)}`);
    const { action, repository, pull_request: pr, sender } = parsed.data;
    return build({
      event: eventName,
      action,
      repository: repository.full_name,
      subject: pr,
      body: pr.body,
      author: pr.user?.login ?? sender?.login,
      at: updatedAt(pr),
      merged: pr.merged ?? undefined,
    });
  }
  const parsed = issueCommentEvent.safeParse(raw);
  if (!parsed.success) return rejected(`not a GitHub issue_comment webhook: ${reasonOf(parsed.error, raw)}`);
  const { action, repository, issue, comment, sender } = parsed.data;
  return build({
    event: 'issue_comment',
    action,
    repository: repository.full_name,
    subject: issue,
    body: comment.body,
    author: comment.user?.login ?? sender?.login,
    at: updatedAt(comment),
  });
}

interface Parts {
  readonly event: ConsumedGithubEvent;
  readonly action: string;
  readonly repository: string;
  readonly subject: { readonly number: number; readonly title: string; readonly state?: string | undefined };
  readonly body: string | null | undefined;
  readonly author: string | undefined;
  readonly at: string | undefined;
  readonly merged?: boolean | undefined;
}

function build(p: Parts): ParseResult<GithubSignal> {
  if (p.at === undefined) return rejected(`not a GitHub ${p.event} webhook: no valid updated_at or created_at`);
  const text = p.body ?? '';
  const candidate = Object.fromEntries(
    Object.entries({
      kind: 'github',
      event: p.event,
      action: p.action,
      repository: p.repository,
      number: p.subject.number,
      title: p.subject.title,
      state: p.subject.state,
      merged: p.merged,
      lineageRefs: lineageRefsIn(text),
      closes: closedIssuesIn(text, p.repository),
      author: p.author,
      at: p.at,
    }).filter(([, v]) => v !== undefined),
  );
  const checked = githubSignal.safeParse(candidate);
  if (!checked.success) return rejected(`not a GitHub ${p.event} webhook: ${reasonOf(checked.error, candidate)}`);
  return { outcome: 'accepted', signal: checked.data };
}

const LINEAGE_ID = 'lin-[A-Za-z0-9_-]+';
const TRAILER = new RegExp(`^[ \\t]*Prodloop-Lineage:[ \\t]*(${LINEAGE_ID})[ \\t]*\\r?$`, 'gim');
/** The start of a marker, matched where a `<!--` was found (sticky): its closing `-->` is looked up apart. */
const MARKER_START = new RegExp(`<!--\\s*prodloop:lineage=(${LINEAGE_ID})`, 'iy');

/**
 * Lineage ids named by `Prodloop-Lineage: lin-…` lines or `<!-- prodloop:lineage=lin-… -->` markers.
 * Linear in the body's length (a pull request body or a commit message may be megabytes): each `<!--`
 * is tried once, and the search for a closing `-->` ends the scan when there is none further on.
 */
export function lineageRefsIn(body: string): string[] {
  const refs: string[] = [];
  for (const m of body.matchAll(TRAILER)) {
    if (m[1] !== undefined) refs.push(m[1]);
  }
  let from = 0;
  for (let open = body.indexOf('<!--', from); open >= 0; open = body.indexOf('<!--', from)) {
    MARKER_START.lastIndex = open;
    const m = MARKER_START.exec(body);
    if (!m?.[1]) {
      from = open + 4;
      continue;
    }
    const idEnd = MARKER_START.lastIndex;
    const idStart = idEnd - m[1].length;
    const after = body.indexOf('-->', idEnd);
    // With no closing after the id, the id's last two dashes may open the closing itself (`lin-4f2a-->`).
    const inside = after < 0 && idEnd - 2 >= idStart + 'lin-x'.length && body.startsWith('-->', idEnd - 2) ? idEnd - 2 : -1;
    const close = after >= 0 ? after : inside;
    if (close < 0) break;
    refs.push(close === inside ? body.slice(idStart, close) : m[1]);
    from = close + 3;
  }
  return [...new Set(refs)];
}

/**
 * Issue numbers after a closing keyword (close, closes, closed, fix, fixes, fixed, resolve, resolves,
 * resolved; any case, optional colon): `Fixes #12`, or `Fixes owner/name#12` naming this repository.
 */
export function closedIssuesIn(body: string, repository: string): number[] {
  const numbers: number[] = [];
  const keyword = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?[ \t]+([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)?#(\d+)\b/gi;
  for (const m of body.matchAll(keyword)) {
    if (m[1] !== undefined && m[1].toLowerCase() !== repository.toLowerCase()) continue;
    const n = Number(m[2]);
    if (Number.isSafeInteger(n) && n > 0) numbers.push(n);
  }
  return [...new Set(numbers)];
}

function updatedAt(x: { updated_at?: string | undefined; created_at?: string | undefined }): string | undefined {
  return toIsoDate(x.updated_at) ?? toIsoDate(x.created_at);
}
