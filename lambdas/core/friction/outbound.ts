/**
 * The one door out of the friction pipeline: every text that leaves it (citations, digests, issue
 * comments, discovery observations, judge prompts) passes through `outbound`.
 *
 * PROVISIONAL: the project's sanitizer (lambdas/core/sanitize.ts) is being written; until it lands
 * this redacts what must never leave (emails, URLs, paths, secrets and long tokens) by itself.
 */
export type Sanitize = (text: string) => string;

const RULES: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '[redacted key]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted key]'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,})\b/g, '[redacted token]'],
  [/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, '[redacted email]'],
  [/\bhttps?:\/\/\S+/g, '[redacted url]'],
  [/(^|[\s(])(~|\.{1,2})?\/[\w.-]+(\/[\w.-]+)+/g, '$1[redacted path]'],
  [/\b[A-Za-z]:\\[\w\\ .-]+/g, '[redacted path]'],
  [/\b[A-Fa-f0-9]{32,}\b/g, '[redacted hash]'],
  [/\b[A-Za-z0-9+/_-]{40,}={0,2}/g, '[redacted token]'],
];

/** Sanitizes one outgoing text. */
export const outbound: Sanitize = (text) => {
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement);
  return out;
};
