/**
 * A small GitHub REST API on 127.0.0.1 for tests: the issue, comment, compare, pull request and
 * pull-requests-of-a-commit calls prodloop makes, answered from memory. It records every request and can be told to fail the next
 * requests with a given status and headers, or to hold them without an answer, to exercise retries,
 * throttling and timeouts over real HTTP.
 *
 * It stays one file over 400 lines: it is one server, whose routes answer from the same memory and
 * share its request log and its failure injection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredComment {
  id: number;
  body: string;
  created_at: string;
}

export interface StoredIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  assignees: string[];
  comments: StoredComment[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Set for pull requests, which GitHub also lists among issues. */
  pull_request?: { head: string; base: string; draft: boolean; merged: boolean };
}

export interface StoredCommit {
  sha: string;
  message: string;
  author?: string;
  date?: string;
  files?: string[];
  /** Parent shas; the commit before it in `commits` when omitted (a linear history). */
  parents?: string[];
  /** Pull requests GitHub associates with the commit: it is their merge commit, or one of their commits. */
  pulls?: number[];
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
}

export interface FailOptions {
  /** Only fail requests with this method (e.g. 'POST'); others pass. */
  method?: string;
  /** Only fail requests whose path matches. */
  path?: RegExp;
  /** Handle the request (create, update...) and only then answer with the failure, like a gateway timing out late. */
  afterHandling?: boolean;
  message?: string;
}

export interface GitHubServer {
  readonly baseUrl: string;
  readonly owner: string;
  readonly repo: string;
  /** Issues and pull requests, in creation order; mutate freely to seed state. */
  readonly issues: StoredIssue[];
  /** The linear history `compare` answers from, oldest first. */
  readonly commits: StoredCommit[];
  readonly requests: RecordedRequest[];
  /** Adds an issue (or, with `pull_request`, a pull request) as if created earlier. */
  addIssue(issue: Partial<StoredIssue> & { title: string }): StoredIssue;
  /** Fails the next `n` matching requests with `status` and `headers`. */
  failNext(n: number, status: number, headers?: Record<string, string>, options?: FailOptions): void;
  /**
   * Holds the next `n` matching requests without ever answering (until the server closes), like a
   * GitHub that hangs; with `afterHandling`, after handling them (the issue is created, the answer
   * never comes). Their recorded status stays 0.
   */
  hangNext(n: number, options?: Omit<FailOptions, 'message'>): void;
  close(): Promise<void>;
}

interface Failure {
  remaining: number;
  /** Never answer (hangNext). */
  hang?: boolean;
  status: number;
  headers: Record<string, string>;
  options: FailOptions;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
  ) {
    super(message);
  }
}

export async function startGitHubServer(options: { owner?: string; repo?: string } = {}): Promise<GitHubServer> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'shop';
  const issues: StoredIssue[] = [];
  const commits: StoredCommit[] = [];
  const requests: RecordedRequest[] = [];
  const failures: Failure[] = [];
  let commentId = 1000;
  let baseUrl = '';

  const nextNumber = () => Math.max(0, ...issues.map((i) => i.number)) + 1;
  const now = () => new Date().toISOString();

  const addIssue = (partial: Partial<StoredIssue> & { title: string }): StoredIssue => {
    const at = partial.created_at ?? now();
    const issue: StoredIssue = {
      number: partial.number ?? nextNumber(),
      body: null,
      state: 'open',
      state_reason: null,
      labels: [],
      assignees: [],
      comments: [],
      closed_at: null,
      updated_at: at,
      ...partial,
      created_at: at,
    };
    issues.push(issue);
    return issue;
  };

  const htmlUrl = (issue: StoredIssue) => `https://github.com/${owner}/${repo}/${issue.pull_request ? 'pull' : 'issues'}/${issue.number}`;

  const issueJson = (issue: StoredIssue) => ({
    id: issue.number * 7919,
    node_id: `I_${issue.number}`,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    state_reason: issue.state_reason,
    locked: false,
    labels: issue.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false, description: null })),
    assignees: issue.assignees.map((login) => ({ login })),
    assignee: issue.assignees[0] ? { login: issue.assignees[0] } : null,
    user: { login: 'prodloop-bot' },
    comments: issue.comments.length,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    closed_at: issue.closed_at,
    url: `${baseUrl}/repos/${owner}/${repo}/issues/${issue.number}`,
    html_url: htmlUrl(issue),
    ...(issue.pull_request
      ? { pull_request: { url: `${baseUrl}/repos/${owner}/${repo}/pulls/${issue.number}`, html_url: htmlUrl(issue) } }
      : {}),
  });

  const pullJson = (issue: StoredIssue) => ({
    ...issueJson(issue),
    head: { ref: issue.pull_request?.head, label: `${owner}:${issue.pull_request?.head}` },
    base: { ref: issue.pull_request?.base, label: `${owner}:${issue.pull_request?.base}` },
    draft: issue.pull_request?.draft ?? false,
    merged: issue.pull_request?.merged ?? false,
    merged_at: issue.pull_request?.merged ? issue.updated_at : null,
    html_url: htmlUrl(issue),
    url: `${baseUrl}/repos/${owner}/${repo}/pulls/${issue.number}`,
  });

  const commentJson = (issue: StoredIssue, c: StoredComment) => ({
    id: c.id,
    body: c.body,
    user: { login: 'prodloop-bot' },
    created_at: c.created_at,
    updated_at: c.created_at,
    html_url: `${htmlUrl(issue)}#issuecomment-${c.id}`,
  });

  const parentsOf = (c: StoredCommit): string[] => {
    if (c.parents) return c.parents;
    const previous = commits[commits.indexOf(c) - 1];
    return previous ? [previous.sha] : [];
  };

  const findIssue = (n: string | undefined) => {
    const issue = issues.find((i) => i.number === Number(n));
    if (!issue) throw new HttpError(404, 'Not Found');
    return issue;
  };

  /** Pages `items` like GitHub: `per_page` (max 100), `page`, and a Link header with next/prev/first/last. */
  const paginate = <T>(url: URL, items: T[], res: ServerResponse): T[] => {
    const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1), 100);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const link = (p: number, rel: string) => {
      const u = new URL(`${baseUrl}${url.pathname}${url.search}`);
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    if (links.length > 0) res.setHeader('link', links.join(', '));
    return items.slice((page - 1) * perPage, page * perPage);
  };

  const route = (method: string, url: URL, body: Record<string, unknown>, res: ServerResponse): { status: number; json: unknown } => {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'repos' || parts.length < 4) throw new HttpError(404, 'Not Found');
    if (parts[1] !== owner || parts[2] !== repo) throw new HttpError(404, 'Not Found');
    const [resource, id, sub] = parts.slice(3);
    const key = `${method} ${resource}${id !== undefined ? '/:id' : ''}${sub !== undefined ? `/${sub}` : ''}`;
    const at = now();

    switch (key) {
      case 'GET issues': {
        const state = url.searchParams.get('state') ?? 'open';
        const labels = (url.searchParams.get('labels') ?? '')
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean);
        const asc = url.searchParams.get('direction') === 'asc';
        const matching = issues
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => labels.every((l) => i.labels.includes(l)))
          .sort((a, b) => (asc ? a.number - b.number : b.number - a.number));
        return { status: 200, json: paginate(url, matching, res).map(issueJson) };
      }
      case 'POST issues': {
        if (typeof body.title !== 'string' || body.title.length === 0) {
          throw new HttpError(422, 'Validation Failed', [{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
        }
        const issue = addIssue({
          title: body.title,
          body: typeof body.body === 'string' ? body.body : null,
          labels: stringArray(body.labels),
          assignees: stringArray(body.assignees),
          created_at: at,
        });
        return { status: 201, json: issueJson(issue) };
      }
      case 'GET issues/:id':
        return { status: 200, json: issueJson(findIssue(id)) };
      case 'PATCH issues/:id': {
        const issue = findIssue(id);
        if (typeof body.title === 'string') issue.title = body.title;
        if (typeof body.body === 'string' || body.body === null) issue.body = body.body;
        if (Array.isArray(body.labels)) issue.labels = stringArray(body.labels);
        if (Array.isArray(body.assignees)) issue.assignees = stringArray(body.assignees);
        if (body.state === 'closed' || body.state === 'open') {
          if (body.state === 'closed' && issue.state === 'open') issue.closed_at = at;
          if (body.state === 'open') issue.closed_at = null;
          issue.state = body.state;
          issue.state_reason =
            typeof body.state_reason === 'string' ? body.state_reason : body.state === 'closed' ? 'completed' : 'reopened';
        } else if (body.state !== undefined) {
          throw new HttpError(422, 'Validation Failed', [{ resource: 'Issue', field: 'state', code: 'invalid' }]);
        }
        issue.updated_at = at;
        return { status: 200, json: issueJson(issue) };
      }
      case 'GET issues/:id/comments': {
        const issue = findIssue(id);
        return { status: 200, json: paginate(url, issue.comments, res).map((c) => commentJson(issue, c)) };
      }
      case 'POST issues/:id/comments': {
        const issue = findIssue(id);
        if (typeof body.body !== 'string' || body.body.length === 0) {
          throw new HttpError(422, 'Validation Failed', [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
        }
        const comment = { id: ++commentId, body: body.body, created_at: at };
        issue.comments.push(comment);
        issue.updated_at = at;
        return { status: 201, json: commentJson(issue, comment) };
      }
      case 'GET compare/:id': {
        const [base, head] = (id ?? '').split('...');
        const from = commits.findIndex((c) => c.sha === base);
        const to = commits.findIndex((c) => c.sha === head);
        if (!base || !head || from < 0 || to < 0) throw new HttpError(404, 'Not Found');
        const between = to > from ? commits.slice(from + 1, to + 1) : [];
        const files = [...new Set(between.flatMap((c) => c.files ?? []))];
        return {
          status: 200,
          json: {
            status: to > from ? 'ahead' : to === from ? 'identical' : 'behind',
            ahead_by: Math.max(to - from, 0),
            behind_by: Math.max(from - to, 0),
            total_commits: between.length,
            commits: between.map((c) => ({
              sha: c.sha,
              parents: parentsOf(c).map((sha) => ({ sha, url: `${baseUrl}/repos/${owner}/${repo}/commits/${sha}` })),
              html_url: `https://github.com/${owner}/${repo}/commit/${c.sha}`,
              commit: {
                message: c.message,
                author: { name: c.author ?? 'dev', email: `${c.author ?? 'dev'}@example.com`, date: c.date ?? at },
              },
            })),
            files: files.map((filename) => ({ filename, status: 'modified' })),
          },
        };
      }
      case 'GET commits/:id/pulls': {
        const commit = commits.find((c) => c.sha === id);
        if (!commit) throw new HttpError(422, `No commit found for SHA: ${id}`);
        const pulls = (commit.pulls ?? []).map((n) => issues.find((i) => i.number === n && i.pull_request));
        return {
          status: 200,
          json: paginate(
            url,
            pulls.filter((p) => p !== undefined),
            res,
          ).map(pullJson),
        };
      }
      case 'POST pulls': {
        const missing = ['title', 'head', 'base'].filter((f) => typeof body[f] !== 'string' || (body[f] as string).length === 0);
        if (missing.length > 0) {
          throw new HttpError(
            422,
            'Validation Failed',
            missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })),
          );
        }
        const pull = addIssue({
          title: body.title as string,
          body: typeof body.body === 'string' ? body.body : null,
          created_at: at,
          pull_request: { head: body.head as string, base: body.base as string, draft: body.draft === true, merged: false },
        });
        return { status: 201, json: pullJson(pull) };
      }
      case 'GET pulls/:id': {
        const pull = findIssue(id);
        if (!pull.pull_request) throw new HttpError(404, 'Not Found');
        return { status: 200, json: pullJson(pull) };
      }
      default:
        throw new HttpError(404, 'Not Found');
    }
  };

  const takeFailure = (method: string, path: string): Failure | undefined => {
    const failure = failures.find(
      (f) => f.remaining > 0 && (!f.options.method || f.options.method === method) && (!f.options.path || f.options.path.test(path)),
    );
    if (!failure) return undefined;
    failure.remaining--;
    if (failure.remaining === 0) failures.splice(failures.indexOf(failure), 1);
    return failure;
  };

  const send = (res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const text = json === undefined ? '' : JSON.stringify(json);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  };

  const failureMessage = (f: Failure) =>
    f.options.message ??
    (f.status === 403 && f.headers['x-ratelimit-remaining'] === '0'
      ? 'API rate limit exceeded for installation.'
      : f.status >= 500
        ? 'Server Error'
        : `Failure ${f.status}`);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body,
      status: 0,
    };
    requests.push(record);

    const failure = takeFailure(method, url.pathname);
    if (failure?.hang && !failure.options.afterHandling) return;
    if (failure && !failure.options.afterHandling) {
      record.status = failure.status;
      send(res, failure.status, { message: failureMessage(failure) }, failure.headers);
      return;
    }
    let status: number;
    let json: unknown;
    try {
      ({ status, json } = route(method, url, isRecord(body) ? body : {}, res));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      status = error.status;
      json = { message: error.message, ...(error.errors ? { errors: error.errors } : {}) };
    }
    if (failure?.hang) return;
    if (failure) {
      res.removeHeader('link');
      record.status = failure.status;
      send(res, failure.status, { message: failureMessage(failure) }, failure.headers);
      return;
    }
    record.status = status;
    send(res, status, json);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    owner,
    repo,
    issues,
    commits,
    requests,
    addIssue,
    failNext(n, status, headers = {}, options = {}) {
      if (n > 0) failures.push({ remaining: n, status, headers, options });
    },
    hangNext(n, options = {}) {
      if (n > 0) failures.push({ remaining: n, hang: true, status: 0, headers: {}, options });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
