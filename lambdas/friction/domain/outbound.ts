/**
 * The one door out of the friction pipeline: every text that leaves it (citations, digests, issue
 * comments, discovery observations, what the model judge is shown) passes through `outbound`, the
 * project's sanitizer (lambdas/domain/privacy/sanitize.ts): secrets redacted, tenant and user identifiers
 * replaced by keyed hashes. Citations are also checked against the user's own text (citations.ts).
 */
import { makeSanitizer } from '#domain/privacy/sanitize';

export type Sanitize = (text: string) => string;

const sanitizer = makeSanitizer();

/** Sanitizes one outgoing text. */
export const outbound: Sanitize = (text) => sanitizer(text);
