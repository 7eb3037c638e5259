/**
 * Code path patterns: which files a list of globs covers, and whether two lists can cover a file in
 * common. Matching is picomatch's (braces, brackets, extglobs, `**`), with these options:
 *
 * - `picomatch/posix`: repository paths use `/` on every machine (a synth or test on Windows too);
 * - `dot: true`: `services/checkout/**` covers `services/checkout/.env` and `.github/…`, since dot
 *   files are code a deploy changes like any other;
 * - case-sensitive, as git paths are;
 * - a trailing `/**` also covers the folder it names: `services/checkout/**` covers
 *   `services/checkout` (a submodule, say). picomatch does so after a literal folder but not after a
 *   star (`services/*` then `/**` misses `services/checkout`), so the folder is compiled in beside
 *   the pattern and the rule holds for every pattern.
 *
 * A list is a set of paths: those that match one of its patterns and none of its negations (`!`
 * before a pattern, not `!(…)`, which is an extglob). A negation only takes paths away: a list of
 * negations alone covers nothing, so a lock on `!docs/**` locks nothing rather than everything.
 */
import picomatch from 'picomatch/posix.js';

const OPTIONS: picomatch.PicomatchOptions = { dot: true };

type Matcher = (path: string) => boolean;
const compiled = new Map<string, Matcher>();
/** Patterns come from configuration, so there are few; the cap only bounds a pathological caller. */
const MAX_COMPILED = 1000;

function matcher(pattern: string): Matcher {
  let m = compiled.get(pattern);
  if (!m) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    const folder = pattern.endsWith('/**') ? pattern.slice(0, -3) : undefined;
    m = picomatch(folder ? [pattern, folder] : pattern, OPTIONS);
    compiled.set(pattern, m);
  }
  return m;
}

interface PatternList {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

function isNegation(pattern: string): boolean {
  return pattern.startsWith('!') && !pattern.startsWith('!(');
}

function listOf(patterns: readonly string[]): PatternList {
  return {
    include: patterns.filter((p) => !isNegation(p)),
    exclude: patterns.filter(isNegation).map((p) => p.slice(1)),
  };
}

function covers(list: PatternList, file: string): boolean {
  return list.include.some((p) => matcher(p)(file)) && !list.exclude.some((p) => matcher(p)(file));
}

/** True when the file (a concrete repository path, taken literally) is in the pattern list. */
export function matchesPath(patterns: readonly string[], file: string): boolean {
  return covers(listOf(patterns), file);
}

/** True when any of the files is in the pattern list. */
export function matchesAnyPath(patterns: readonly string[], files: readonly string[]): boolean {
  const list = listOf(patterns);
  return files.some((f) => covers(list, f));
}

/**
 * True when two pattern lists may share a file (a quarantine lock and a lineage's code paths, say).
 * Conservative: two wildcards facing each other in the same folder level count as overlapping, so
 * this may say yes for lists that share nothing, never no for lists that share a file. A negation
 * rules a pair out only when it covers one side of the pair entirely.
 */
export function patternsOverlap(a: readonly string[], b: readonly string[]): boolean {
  const la = listOf(a);
  const lb = listOf(b);
  const excluded = [...la.exclude, ...lb.exclude];
  return la.include.some((pa) => lb.include.some((pb) => mayOverlap(pa, pb) && !excluded.some((n) => within(pa, n) || within(pb, n))));
}

// ---------------------------------------------------------------------------------------------
// Two patterns compared folder level by folder level.

const GLOBSTAR = '**';

function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** Folder levels of a pattern; a `/` inside braces, brackets or parentheses does not split (it stays in its segment). */
function segments(pattern: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      current += c + (pattern[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    else if ((c === '}' || c === ']' || c === ')') && depth > 0) depth--;
    if (c === '/' && depth === 0) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

/** A segment that may stand for any number of folder levels: `**`, or braces with a `/` inside. */
function spansLevels(segment: string): boolean {
  return segment === GLOBSTAR || segment.includes('/');
}

/** Whether some path matches both patterns (true when unsure). */
function mayOverlap(a: string, b: string): boolean {
  if (!isGlob(a)) return matcher(b)(a);
  if (!isGlob(b)) return matcher(a)(b);
  const sa = segments(a);
  const sb = segments(b);
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const x = sa[i] as string;
    const y = sb[i] as string;
    if (spansLevels(x) || spansLevels(y)) return true;
    if (x === y) continue;
    const gx = isGlob(x);
    const gy = isGlob(y);
    if (gx && gy) continue;
    if (gx ? !matcher(x)(y) : gy ? !matcher(y)(x) : true) return false;
  }
  // One ran out of levels: the other's rest must be able to match none, which only a globstar can
  // (`a/**` covers `a`, and so may `a/**/!(b)`, as picomatch reads it).
  const rest = (sa.length > n ? sa : sb).slice(n);
  return rest.length === 0 || rest[0] === GLOBSTAR;
}

/** Whether every path `p` matches also matches `n` (false when unsure). */
function within(p: string, n: string): boolean {
  if (!isGlob(p)) return matcher(n)(p);
  const sp = segments(p);
  const sn = segments(n);
  for (let i = 0; i < sn.length; i++) {
    const y = sn[i] as string;
    if (y === GLOBSTAR) return i === sn.length - 1 || sp.slice(i).join('/') === sn.slice(i).join('/');
    const x = sp[i];
    if (x === undefined || spansLevels(x) || y.includes('/')) return false;
    if (x === y) continue;
    if (isGlob(x) || !isGlob(y) || !matcher(y)(x)) return false;
  }
  return sp.length === sn.length;
}
