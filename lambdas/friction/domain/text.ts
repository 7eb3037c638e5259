/** Small text tools the adapters and detectors share. Pure and fast: they run on every line of a day's transcripts. */

const STOP_WORDS = new Set(
  'a an the and or but if then else of to in on at by for with from into onto as is are was were be been being it its this that these those i me my we our you your he she they them their there here so do does did done can could should would will shall may might must not no yes please just also too very more most some any all each every what which who whom whose when where why how than about over under again up down out off only own same such both few other'.split(
    ' ',
  ),
);

/** Lower-case words of a text (letters and digits, apostrophes kept inside words). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
}

/** The content words of a text, as a set (stop words dropped). */
export function contentWords(text: string): Set<string> {
  const set = new Set<string>();
  for (const w of words(text)) if (w.length > 1 && !STOP_WORDS.has(w)) set.add(w);
  return set;
}

/** Jaccard similarity of two word sets, 0 when both are empty. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Whitespace collapsed, trimmed. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Lines a person typed, without what they pasted: code, logs, tracebacks, diffs and quoted output
 * are dropped, so tone and intent are read from prose only.
 */
export function proseLines(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced || line.trim() === '') continue;
    if (/^(\s{4,}|\t|>|[-+]{1,3}\s|@@|\$ )/.test(line)) continue;
    if (/(Traceback \(most recent call last\)|^\s*File "|^[A-Z]\s{3,}|Error:|Exception:|^\s*at \S+ \(|^E\s|={5,}|_{5,}|-{5,})/.test(line))
      continue;
    if (/[{};=]\s*$/.test(line) && !/[.!?]\s*$/.test(line)) continue;
    out.push(line);
  }
  return out;
}

/** Timestamps as milliseconds, undefined when absent or unreadable. */
export function millis(at: string | undefined): number | undefined {
  if (at === undefined) return undefined;
  const t = Date.parse(at);
  return Number.isNaN(t) ? undefined : t;
}

/** File extension, lower case, without the dot ('' when none). */
export function extensionOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** Whether two spellings name the same file (an absolute path and a repository-relative one, say). */
export function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  return long.endsWith(`/${short.replace(/^\.\//, '')}`);
}
