/**
 * Outside text (alarm names, reasons, paths, log lines) in the Markdown prodloop writes: on one line,
 * without raw HTML, with nothing that could pass for prodloop's own marker, in code spans that hold any
 * backticks; long lists cut. Pure.
 */

/** A list in a body shows this many items, then how many more there are. */
export const MAX_LIST_ITEMS = 25;

export function capped<T>(items: readonly T[], render: (item: T) => string): string[] {
  const shown = items.slice(0, MAX_LIST_ITEMS).map(render);
  if (items.length > MAX_LIST_ITEMS) shown.push(`… and ${items.length - MAX_LIST_ITEMS} more`);
  return shown;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(max - 1, 0))}…`;
}

/**
 * Text from outside (alarm names, reasons, paths) on one line, with HTML comment delimiters broken up
 * so that nothing but prodloop's own marker can look like a marker.
 */
export function oneLine(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replaceAll('<!--', '<!-\u200b-')
      .replaceAll('-->', '-\u200b->')
      .trim()
  );
}

/** Outside text inside Markdown prose: one line, no raw HTML. */
export function inline(text: string): string {
  return oneLine(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Outside text in a table cell. */
export function cell(text: string): string {
  return inline(text).replaceAll('|', '\\|');
}

/** Outside text as a Markdown code span, with a fence longer than any backtick run inside. */
export function code(text: string): string {
  const clean = oneLine(text);
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}
