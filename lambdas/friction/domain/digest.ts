/**
 * What people read: the daily digest (Markdown, with the chart beside it), the discovery observation
 * (facet clusters, proposed facets, delight: for humans to curate, never a coding agent's issue),
 * and the evidence comment on a friction issue. Every text passes through the outbound sanitizer.
 */
import { pctFixed } from '#domain/shared/format';
import type { DayPartial, DaySummary, KindSummary } from './aggregate.ts';
import { type ChartInput, dayRange, KIND_LABELS, renderChart } from './chart.ts';
import { FRICTION_KINDS, type FrictionKind } from './config.ts';
import { outbound, type Sanitize } from './outbound.ts';

const SPARK = '▁▂▃▄▅▆▇█';

function sparkline(values: readonly (number | undefined)[], max: number): string {
  return values
    .map((v) => (v === undefined ? '·' : SPARK[Math.min(SPARK.length - 1, Math.round((v / (max || 1)) * (SPARK.length - 1)))]))
    .join('');
}

/** Rates of the last `days` days, oldest first, for the chart and the sparklines. */
export function chartInput(summary: DaySummary, history: readonly DaySummary[], days = 30): ChartInput {
  const range = new Set(dayRange(summary.day, days));
  // The history's own entry for the day wins: a local run summarizes all days at once.
  const all = [...history, ...(history.some((h) => h.day === summary.day) ? [] : [summary])].filter(
    (h) => range.has(h.day) && h.analysed > 0,
  );
  all.sort((a, b) => a.day.localeCompare(b.day));
  const series = Object.fromEntries(
    FRICTION_KINDS.map((kind) => [kind, all.map((h) => ({ day: h.day, rate: h.kinds.find((k) => k.kind === kind)?.rate ?? 0 }))]),
  ) as Record<FrictionKind, { day: string; rate: number }[]>;
  const thresholds = Object.fromEntries(summary.kinds.map((k) => [k.kind, k.threshold])) as Record<FrictionKind, number>;
  return { day: summary.day, days, series, thresholds, overall: all.map((h) => ({ day: h.day, rate: h.frictionRate })) };
}

export interface DigestOptions {
  /** File name of the chart, linked from the digest. */
  readonly chartFile?: string;
  /** What the digest covers, when more than the summary's day (a local run over many days). */
  readonly period?: string;
  readonly sanitize?: Sanitize;
}

/** The daily digest and its chart. */
export function renderDigest(
  summary: DaySummary,
  history: readonly DaySummary[],
  options: DigestOptions = {},
): { markdown: string; svg: string } {
  const sanitize = options.sanitize ?? outbound;
  const input = chartInput(summary, history);
  const days = dayRange(summary.day, input.days ?? 30);
  const lines: string[] = [];
  lines.push(`# Coding-agent friction, ${options.period ?? summary.day}`, '');
  if (summary.analysed === 0) {
    lines.push(
      `No session was analysed: ${summary.sessions} session${summary.sessions === 1 ? '' : 's'} found in ${summary.transcripts} transcript${summary.transcripts === 1 ? '' : 's'}, ${summary.filtered} below the step filter, ${summary.skipped} transcript${summary.skipped === 1 ? '' : 's'} skipped.`,
      '',
    );
  } else {
    const breached = summary.kinds.filter((k) => k.breached);
    lines.push(
      `**${pctFixed(summary.frictionRate)} of sessions had friction** (${summary.withFriction} of ${summary.analysed} analysed); ${pctFixed(summary.abandonedRate)} ended abandoned.` +
        (breached.length > 0
          ? ` **Above threshold: ${breached.map((k) => `${KIND_LABELS[k.kind].toLowerCase()} (${pctFixed(k.rate)})`).join(', ')}**: each is an alarm, and its lineage files one issue.`
          : ' No kind is above its alarm threshold.'),
      '',
    );
  }
  if (options.chartFile) lines.push(`![Friction rate by kind, last 30 days](${options.chartFile})`, '');
  lines.push(
    '| kind | rate | alarm at | sessions | high | medium | low | last 30 days |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const k of summary.kinds) {
    const points = new Map(input.series[k.kind].map((p) => [p.day, p.rate]));
    const values = days.map((d) => points.get(d));
    const max = Math.max(k.threshold, ...values.filter((v): v is number => v !== undefined));
    lines.push(
      `| ${k.breached ? '🔴 ' : ''}${KIND_LABELS[k.kind]} | ${pctFixed(k.rate)} | ${pctFixed(k.threshold)} | ${k.sessions} | ${k.high} | ${k.medium} | ${k.low} | \`${sparkline(values, max)}\` |`,
    );
  }
  lines.push('');
  const withExamples = summary.kinds.filter((k) => k.examples.length > 0);
  if (withExamples.length > 0) {
    lines.push('## What happened', '', 'Abstracted: no quote of a user, no file name, no code.', '');
    for (const k of withExamples) {
      lines.push(`### ${KIND_LABELS[k.kind]}${k.breached ? ' (above threshold)' : ''}`, '');
      for (const e of k.examples) lines.push(`- **${e.severity}**: ${e.citation}`);
      lines.push('');
    }
  }
  lines.push('## The day in numbers', '');
  lines.push(
    `- Transcripts read: ${summary.transcripts}; skipped: ${summary.skipped}${
      Object.keys(summary.skippedByReason).length
        ? ` (${Object.entries(summary.skippedByReason)
            .map(([r, n]) => `${r}: ${n}`)
            .join('; ')})`
        : ''
    }`,
  );
  lines.push(`- Sessions: ${summary.sessions}; below the step filter: ${summary.filtered}; analysed: ${summary.analysed}`);
  lines.push(
    `- By format: ${
      Object.entries(summary.formats)
        .map(([f, n]) => `${f} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  if (summary.judge) {
    lines.push(
      `- Model judge: ${summary.judge.sessions} sessions judged, ${summary.judge.moments} moments kept, ${summary.judge.citationsDropped} citations dropped for repeating user text, ${summary.judge.invalidOutputs} invalid outputs`,
    );
  }
  lines.push('', 'Product discovery (facet clusters, proposed facets, delight) goes to the `discovery` channel, not here.', '');
  return { markdown: sanitize(lines.join('\n')), svg: renderChart(input) };
}

/** The discovery observation of a day: for humans to curate, never a coding agent's issue. */
export function renderDiscovery(
  p: DayPartial,
  options: { sanitize?: Sanitize; minSessions?: number } = {},
): { title: string; body: string } {
  const sanitize = options.sanitize ?? outbound;
  const min = options.minSessions ?? 2;
  const top = (m: Record<string, number>, n = 10) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, n);
  const lines: string[] = [];
  lines.push(
    `Product discovery from ${p.analysed} analysed coding-agent sessions on ${p.day}. For humans to curate: nothing here is handed to a coding agent.`,
    '',
  );
  lines.push(
    '## Session clusters',
    '',
    'intent · main language · main framework · outcome',
    '',
    '| cluster | sessions |',
    '| --- | ---: |',
  );
  for (const [k, n] of top(p.facets.clusters, 15)) lines.push(`| ${k} | ${n} |`);
  lines.push('');
  lines.push('## Facets', '');
  lines.push(
    `- Intents: ${
      top(p.facets.intents)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  lines.push(
    `- Languages: ${
      top(p.facets.languages)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  lines.push(
    `- Frameworks: ${
      top(p.facets.frameworks)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  const c = p.facets.toolConfirmations;
  lines.push(`- Tool confirmations: ${c.asked} asked, ${c.approved} approved, ${c.declined} declined`);
  lines.push('');
  const extensions = top(p.facets.unknownExtensions).filter(([, n]) => n >= min);
  const programs = top(p.facets.unknownPrograms).filter(([, n]) => n >= min);
  lines.push('## Proposed facets', '');
  if (extensions.length === 0 && programs.length === 0) lines.push(`None seen in ${min} or more sessions.`);
  for (const [e, n] of extensions) lines.push(`- A language value for files ending in .${e} (${n} sessions)`);
  for (const [pr, n] of programs) lines.push(`- A tool value for the shell program ${pr} (${n} sessions)`);
  lines.push('');
  lines.push('## Delight', '', `${p.delight.sessions} session${p.delight.sessions === 1 ? '' : 's'} with delight moments.`);
  for (const d of p.delight.examples) lines.push(`- ${d}`);
  lines.push('');
  return { title: sanitize(`[prodloop discovery] coding-agent sessions, ${p.day}`), body: sanitize(lines.join('\n')) };
}

/** The evidence comment on a friction lineage's issue: kind, severity, frequency, abstracted examples. */
export function renderEvidence(
  k: KindSummary,
  summary: DaySummary,
  options: { digestLocation?: string; sanitize?: Sanitize } = {},
): string {
  const sanitize = options.sanitize ?? outbound;
  const lines = [
    `**Friction evidence, ${summary.day}: ${KIND_LABELS[k.kind].toLowerCase()}**`,
    '',
    `- Frequency: ${k.sessions} of ${summary.analysed} analysed sessions (${pctFixed(k.rate)}); alarm threshold ${pctFixed(k.threshold)}`,
    `- Moments by severity: ${k.high} high, ${k.medium} medium, ${k.low} low`,
    '',
    'Examples (abstracted, no user text):',
    '',
    ...k.examples.map((e) => `- **${e.severity}**: ${e.citation}`),
    '',
    'The fix is validated on the same rate: after the fix deploy, prodloop watches the daily friction rate of this kind.',
  ];
  if (options.digestLocation) lines.push('', `Daily digest: ${options.digestLocation}`);
  return sanitize(lines.join('\n'));
}
