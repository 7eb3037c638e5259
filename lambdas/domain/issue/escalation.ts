/**
 * The page on-call gets when prodloop hands a lineage to a human: short, numeric, and ending with the
 * exact commands to run next. Plain text, readable on a phone. Pure.
 */
import type { ProdloopConfig } from '#domain/config/config';
import type { Decision, Lineage, Verdict } from '#domain/lineage/lineage';
import { pct } from '#domain/shared/format';
import { issueSanitizer } from './issue-body.ts';
import type { EscalationMessage } from './messages.ts';
import { num, ratio, utc } from './words.ts';

/** SNS wants subjects under 100 characters, on one line, without control characters. */
export const MAX_SUBJECT_CHARS = 99;
/** SNS refuses messages over 256 KB; stay well clear of it. */
export const MAX_MESSAGE_BYTES = 200 * 1024;
const MAX_LIST_ITEMS = 30;

export interface RenderEscalationInput {
  readonly lineage: Lineage;
  readonly reason: EscalationMessage['reason'];
  readonly verdict?: Verdict;
  readonly decision?: Decision;
  /** What prodloop did, one line each, e.g. "Quarantined services/checkout/**". */
  readonly actionsTaken: readonly string[];
  /** Code paths locked against coding-agent work. */
  readonly locks?: readonly string[];
  /** The sanitizer's settings (pseudonym key, identifier keys); without them the defaults apply. */
  readonly config?: Partial<Pick<ProdloopConfig, 'privacy' | 'tenantDimension'>>;
}

const headline: Record<EscalationMessage['reason'], string> = {
  'iteration-cap': 'fixes not working',
  'budget-spent': 'budget spent',
  inconclusive: 'fix unverified',
  andon: 'ANDON, fix made it worse',
  failure: 'loop failed',
};

export function renderEscalation(input: RenderEscalationInput): EscalationMessage {
  const { lineage, reason } = input;
  const subject = toSnsSubject(`[prodloop] ${headline[reason] ?? reason}: ${lineage.alarmName}`);
  const sections = [
    ['WHAT HAPPENED', whatHappened(input)],
    ['EVIDENCE', bullets(evidence(input))],
    ['WHAT PRODLOOP DID', bullets(input.actionsTaken.length > 0 ? [...input.actionsTaken] : ['Nothing beyond this page.'])],
    ['NEXT', bullets(next(input), false)],
  ];
  const text = sections.map(([title, body]) => `${title}\n${body}`).join('\n\n');
  // A page is outside text too: it goes through the sanitizer like an issue.
  const clean = issueSanitizer(input.config ?? {}, lineage);
  return {
    lineageId: lineage.lineageId,
    reason,
    subject: toSnsSubject(clean(subject)),
    text: fitBytes(`${clean(text)}\n`, MAX_MESSAGE_BYTES),
  };
}

/** One line of printable text under SNS's subject limit. */
export function toSnsSubject(text: string): string {
  const clean = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...clean];
  if (chars.length <= MAX_SUBJECT_CHARS) return clean;
  return `${chars
    .slice(0, MAX_SUBJECT_CHARS - 3)
    .join('')
    .trimEnd()}...`;
}

function whatHappened({ lineage, reason, verdict }: RenderEscalationInput): string {
  const alarm = alarmText(lineage);
  const iterations = `${lineage.iterations} fix attempt${lineage.iterations === 1 ? '' : 's'}`;
  switch (reason) {
    case 'iteration-cap':
      return `${iterations} in a row did not improve ${alarm}; prodloop stopped asking a coding agent for more.`;
    case 'budget-spent':
      return `Lineage ${lineage.lineageId} (${alarm}) spent its budget ($${money(lineage.costUsd)} of $${money(lineage.budgetUsd)}) before the signal recovered.`;
    case 'inconclusive':
      return `prodloop could not tell whether the fix deploy for ${alarm} worked before the validation deadline; the fix is not declared done.`;
    case 'andon':
      return `${alarm} got worse after a fix deploy${verdict ? ` (${num(verdict.signalToNoise)} sd from baseline)` : ''}; prodloop pulled the andon cord and locked the code paths.`;
    case 'failure':
      return `prodloop's loop for ${alarm} stopped: a step failed after its retries, or no fix arrived in time.`;
    default:
      return `prodloop handed lineage ${lineage.lineageId} (${alarm}) to a human: ${String(reason)}.`;
  }
}

function evidence({ lineage, verdict, decision }: RenderEscalationInput): string[] {
  const lines: string[] = [`Alarm: ${alarmText(lineage)} (lineage ${lineage.lineageId}, generation ${lineage.generation})`];
  if (decision) {
    const e = decision.evidence;
    lines.push(
      `Signal: ${ratio(e.ratio).replace('×', 'x')} baseline, mean ${num(e.current.mean)} vs ${num(e.baseline.mean)} +/- ${num(e.baseline.stddev)}, ${num(e.signalToNoise)} sd`,
    );
    lines.push(`Since: ${utc(e.onset)} (${Math.round(e.durationMinutes)} min at triage)`);
    if (e.tenantsActive > 0) lines.push(`Tenants: ${e.tenantsAffected} of ${e.tenantsActive} affected (${pct(e.breadth)})`);
    lines.push(`Decision: ${decision.priority}, tier ${decision.tier}, ${decision.attribution} (${pct(decision.confidence)} confidence)`);
  } else {
    lines.push(`Since: ${utc(lineage.openedAt)} (lineage opened)`);
  }
  if (verdict) {
    lines.push(
      `Last check: ${verdict.kind}, mean ${num(verdict.currentMean)} vs baseline ${num(verdict.baselineMean)}, ${num(verdict.signalToNoise)} sd, ${verdict.points} points, ${utc(verdict.at)}`,
    );
    if (verdict.reason.trim()) lines.push(`Why: ${truncate(oneLine(verdict.reason), 300)}`);
  }
  lines.push(`Attempts without improvement: ${lineage.iterations}`);
  lines.push(`Spent: $${money(lineage.costUsd)} of $${money(lineage.budgetUsd)}`);
  if (lineage.issue) lines.push(`Issue: #${lineage.issue.number}${lineage.issue.shadow ? ' (shadow mode, outbox only)' : ''}`);
  return lines;
}

function next({ lineage, reason, locks = [] }: RenderEscalationInput): string[] {
  const id = shellQuote(lineage.lineageId);
  const lines = [`Status: npx prodloop status --lineage ${id}`];
  if (lineage.issue) lines.push(`Issue: ${lineage.issue.url}`);
  if (reason === 'iteration-cap' || reason === 'budget-spent') {
    lines.push(`To let the loop continue: npx prodloop budget reset ${id} --reason "..."`);
  }
  const shown = locks.slice(0, MAX_LIST_ITEMS);
  for (const path of shown) {
    lines.push(`When the path is safe again: npx prodloop quarantine lift '${path.replaceAll("'", `'\\''`)}' --reason "..."`);
  }
  if (locks.length > shown.length) lines.push(`${locks.length - shown.length} more locked paths: see the status command.`);
  return lines;
}

function bullets(items: readonly string[], cap = true): string {
  const max = cap ? MAX_LIST_ITEMS : items.length;
  const shown = items.slice(0, max).map((item) => `- ${truncate(oneLine(item), 1000)}`);
  if (items.length > max) shown.push(`- ... and ${items.length - max} more`);
  return shown.join('\n');
}

/** CloudWatch alarm names are at most 255 characters; anything longer is cut. */
function alarmText(lineage: Lineage): string {
  return truncate(oneLine(lineage.alarmName), 255);
}

function money(value: number): string {
  return value.toFixed(2);
}

/** Single-quotes a shell word when it needs it. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const note = '\n[truncated to fit the notification size limit]\n';
  let cut = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes - Buffer.byteLength(note, 'utf8'))
    .toString('utf8');
  // A cut inside a multi-byte character leaves a replacement character: drop it.
  cut = cut.replace(/\uFFFD$/, '');
  return `${cut}${note}`;
}
