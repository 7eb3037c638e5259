/**
 * GitHub's failures as prodloop's errors: transient ones (5xx, network, rate limits) as TransientError
 * for the state machine to retry, everything else as an error that says what to fix.
 */
import { NotFoundError, ProdloopError, TransientError } from '#domain/shared/errors';

/** GitHub refused a request for a reason retrying will not fix (bad token, missing permission, invalid input). */
export class GitHubRequestError extends ProdloopError {
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Maps an Octokit failure to a domain error with a message that says what to do. */
export function toGitHubError(error: unknown, action: string, repository: string): Error {
  if (error instanceof ProdloopError) return error;
  const status = statusOf(error);
  const detail = githubMessage(error);
  const options = { cause: error };
  if (status === undefined || status >= 500) {
    return new TransientError(`GitHub failed while ${action} in ${repository}${status ? ` (${status})` : ''}: ${detail}`, options);
  }
  if (status === 429 || isRateLimited(error)) {
    return new TransientError(`GitHub rate limit while ${action} in ${repository} (${status}): ${detail}`, options);
  }
  switch (status) {
    case 401:
      return new GitHubRequestError(
        `GitHub rejected the token (401) while ${action}: check the token in the GitHub token secret. ${detail}`,
        status,
        options,
      );
    case 403:
      return new GitHubRequestError(
        `GitHub refused ${action} (403): the token needs read and write access to issues of ${repository}. ${detail}`,
        status,
        options,
      );
    case 404:
      return new NotFoundError(
        `GitHub answered 404 while ${action}: ${repository} or the issue does not exist, or the token cannot see it. ${detail}`,
        options,
      );
    case 410:
      return new NotFoundError(
        `GitHub answered 410 while ${action}: issues are disabled on ${repository}, or the issue was deleted. ${detail}`,
        options,
      );
    case 422:
      return new GitHubRequestError(`GitHub rejected ${action} as invalid (422): ${detail}`, status, options);
    default:
      return new GitHubRequestError(`GitHub answered ${status} while ${action} in ${repository}: ${detail}`, status, options);
  }
}

/** The HTTP status of an Octokit failure; undefined for a network error. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

function isRateLimited(error: unknown): boolean {
  const response = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response;
  if (response?.headers?.['x-ratelimit-remaining'] === '0') return true;
  return /rate limit/i.test(githubMessage(error));
}

/** GitHub's own message and validation errors, when the response has them. */
function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data as
    | { message?: unknown; errors?: Array<{ message?: unknown; field?: unknown; code?: unknown } | string> }
    | undefined;
  const parts: string[] = [];
  if (typeof data?.message === 'string') parts.push(data.message);
  for (const e of Array.isArray(data?.errors) ? data.errors : []) {
    if (typeof e === 'string') parts.push(e);
    else if (typeof e?.message === 'string') parts.push(e.message);
    else if (e?.field !== undefined) parts.push(`${String(e.field)}: ${String(e.code ?? 'invalid')}`);
  }
  if (parts.length > 0) return parts.join('; ');
  return error instanceof Error ? error.message : String(error);
}
