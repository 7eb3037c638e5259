/**
 * Citations: what a friction moment says happened, in words that quote nobody. Deterministic
 * citations are written from templates that take only counts and categories; a model judge's
 * citations are free text, so every citation is checked against the session's user text before it
 * may leave: one that repeats four words in a row of what the user wrote, or any file name, path or
 * identifier the user typed, is dropped (and counted).
 *
 * The check works from a fingerprint of the user's text (hashes of its 4-word shingles and of its
 * identifier-like tokens), so it can travel with a session to a later step without the text itself.
 */
import { fnv1a } from '#domain/shared/hash';
import { words } from './text.ts';

export const SHINGLE_WORDS = 4;

export interface UserTextFingerprint {
  /** Hashes of every run of SHINGLE_WORDS words (or of the whole message when it is shorter but has 3 words). */
  readonly shingles: readonly string[];
  /** Hashes of tokens that look like identifiers: paths, file names, snake_case, camelCase, dotted names. */
  readonly identifiers: readonly string[];
}

const IDENTIFIER =
  /[A-Za-z0-9_$-]*(?:[./\\:][A-Za-z0-9_$-]+)+|[A-Za-z]+_[A-Za-z0-9_]+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*/g;

function identifierTokens(text: string): string[] {
  return (text.match(IDENTIFIER) ?? []).filter((t) => t.length >= 4 && /[A-Za-z]/.test(t)).map((t) => t.toLowerCase());
}

function shinglesOf(text: string): string[] {
  const w = words(text);
  if (w.length < 3) return [];
  if (w.length < SHINGLE_WORDS) return [w.join(' ')];
  const out: string[] = [];
  for (let i = 0; i + SHINGLE_WORDS <= w.length; i++) out.push(w.slice(i, i + SHINGLE_WORDS).join(' '));
  return out;
}

/** The fingerprint of everything the user wrote in a session. */
export function fingerprintUserText(texts: readonly string[]): UserTextFingerprint {
  const shingles = new Set<string>();
  const identifiers = new Set<string>();
  for (const text of texts) {
    for (const s of shinglesOf(text)) shingles.add(fnv1a(s));
    for (const t of identifierTokens(text)) identifiers.add(fnv1a(t));
  }
  return { shingles: [...shingles], identifiers: [...identifiers] };
}

export interface LeakCheck {
  readonly shingles: ReadonlySet<string>;
  readonly identifiers: ReadonlySet<string>;
}

export function leakCheck(fp: UserTextFingerprint): LeakCheck {
  return { shingles: new Set(fp.shingles), identifiers: new Set(fp.identifiers) };
}

/** Why a citation may not leave, or undefined when it may. */
export function citationLeak(citation: string, check: LeakCheck): string | undefined {
  const w = words(citation);
  // 4-word runs; 3-word runs only ever match a whole 3-word message, which is hashed as such.
  for (let n = Math.min(SHINGLE_WORDS, w.length); n >= 3; n--) {
    for (let i = 0; i + n <= w.length; i++) {
      if (check.shingles.has(fnv1a(w.slice(i, i + n).join(' ')))) return `repeats ${n} words in a row of what the user wrote`;
    }
  }
  for (const t of identifierTokens(citation)) if (check.identifiers.has(fnv1a(t))) return 'names an identifier the user typed';
  if (
    /`|https?:\/\/|[A-Za-z0-9_-]+\.(py|ts|js|tsx|jsx|java|go|rs|rb|md|json|ya?ml|toml|c|h|cpp|cs|php|sh)\b|[/\\][\w.-]+[/\\]/.test(citation)
  )
    return 'contains code, a path or a file name';
  return undefined;
}

/** "once", "twice", "3 times". */
export function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** "1 failed run", "3 failed runs". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

const TOOL_WORDS: Record<string, string> = {
  shell: 'shell command',
  edit: 'file edit',
  read: 'file read',
  search: 'code search',
  web: 'web lookup',
  plan: 'planning step',
  other: 'tool step',
  file: 'request to add files to its context',
  command: 'shell command',
  url: 'web page fetch',
  fix: 'automatic fix of lint or test errors',
};

export function toolWords(category: string): string {
  return TOOL_WORDS[category] ?? 'tool step';
}
