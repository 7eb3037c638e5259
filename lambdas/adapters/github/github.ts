/**
 * GitHub through the REST API, one file per concern: the client (client.ts), the issue tracker
 * (issues.ts: files the one issue of a lineage, idempotent by its marker, comments, closes, updates),
 * the code host (code.ts: the pull requests a deploy ships, and a pull request that reverts a deploy)
 * and the errors (errors.ts: transient failures as TransientError for the state machine to retry,
 * everything else as an error that says what to fix).
 */
export { type CreateOctokitOptions, createOctokit, type GitHubClient, splitRepository } from './client.ts';
export { GitHubCodeHost, type GitHubCodeHostOptions } from './code.ts';
export { GitHubRequestError, toGitHubError } from './errors.ts';
export { GitHubIssueTracker, type GitHubIssueTrackerOptions } from './issues.ts';
