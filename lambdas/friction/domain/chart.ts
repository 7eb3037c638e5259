/**
 * The digest's chart: friction rate by kind over the last 30 days, one small panel per kind with its
 * alarm threshold, so a rising kind and a crossed line are visible at a glance. Plain SVG, no
 * dependency.
 */
import { pctFixed } from '#domain/shared/format';
import { FRICTION_KINDS, type FrictionKind } from './config.ts';

export interface RatePoint {
  readonly day: string;
  readonly rate: number;
}

export interface ChartInput {
  /** The last day shown. */
  readonly day: string;
  readonly days?: number;
  readonly series: Readonly<Record<FrictionKind, readonly RatePoint[]>>;
  readonly thresholds: Readonly<Record<FrictionKind, number>>;
  /** Share of sessions with any friction, drawn in the eighth panel. */
  readonly overall: readonly RatePoint[];
}

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7F6A00', '#444444'];
const W = 960;
const COLS = 2;
const PANEL_W = 450;
const PANEL_H = 150;
const TOP = 64;
const GAP_X = 20;
const GAP_Y = 26;
const PLOT = { left: 44, right: 64, top: 26, bottom: 22 };

export const KIND_LABELS: Record<FrictionKind, string> = {
  'abandoned-tool-flow': 'Abandoned tool flows',
  'repeated-rephrasing': 'Repeated rephrasing',
  'context-churn': 'Context churn',
  'error-events': 'Error events',
  'escalation-tone': 'Escalation tone',
  backtracking: 'Backtracking',
  'platform-confusion': 'Platform confusion',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The `days` days ending at `day`, oldest first. */
export function dayRange(day: string, days: number): string[] {
  const end = Date.parse(`${day}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

function niceMax(x: number): number {
  const steps = [0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1];
  return steps.find((s) => s >= x) ?? 1;
}

function panel(
  index: number,
  title: string,
  points: readonly RatePoint[],
  days: readonly string[],
  threshold: number | undefined,
  color: string,
): string {
  const col = index % COLS;
  const row = Math.floor(index / COLS);
  const x0 = 20 + col * (PANEL_W + GAP_X);
  const y0 = TOP + row * (PANEL_H + GAP_Y);
  const pw = PANEL_W - PLOT.left - PLOT.right;
  const ph = PANEL_H - PLOT.top - PLOT.bottom;
  const byDay = new Map(points.map((p) => [p.day, p.rate]));
  const values = days.map((d) => byDay.get(d));
  const maxValue = Math.max(threshold ?? 0, ...values.filter((v): v is number => v !== undefined));
  const yMax = niceMax(Math.max(0.05, maxValue * 1.15));
  const x = (i: number) => x0 + PLOT.left + (days.length <= 1 ? pw : (i / (days.length - 1)) * pw);
  const y = (v: number) => y0 + PLOT.top + ph - (v / yMax) * ph;
  const out: string[] = [];
  out.push(`<g class="panel">`);
  out.push(`<rect x="${x0}" y="${y0}" width="${PANEL_W}" height="${PANEL_H}" rx="6" fill="#ffffff" stroke="#e3e3e3"/>`);
  const last = [...values].reverse().find((v) => v !== undefined);
  const breached = last !== undefined && threshold !== undefined && last > threshold;
  out.push(`<text x="${x0 + 12}" y="${y0 + 18}" font-size="13" font-weight="600" fill="#222">${esc(title)}</text>`);
  // Grid: 0, half, max.
  for (const v of [0, yMax / 2, yMax]) {
    out.push(`<line x1="${x0 + PLOT.left}" x2="${x0 + PLOT.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eeeeee"/>`);
    out.push(
      `<text x="${x0 + PLOT.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="10" fill="#888" text-anchor="end">${pctFixed(v)}</text>`,
    );
  }
  // Dates at both ends.
  out.push(`<text x="${x0 + PLOT.left}" y="${y0 + PANEL_H - 6}" font-size="10" fill="#888">${esc(days[0]?.slice(5) ?? '')}</text>`);
  out.push(
    `<text x="${x0 + PLOT.left + pw}" y="${y0 + PANEL_H - 6}" font-size="10" fill="#888" text-anchor="end">${esc(days[days.length - 1]?.slice(5) ?? '')}</text>`,
  );
  if (threshold !== undefined) {
    out.push(
      `<line x1="${x0 + PLOT.left}" x2="${x0 + PLOT.left + pw}" y1="${y(threshold).toFixed(1)}" y2="${y(threshold).toFixed(1)}" stroke="#c0392b" stroke-dasharray="5 4" stroke-width="1.2"/>`,
    );
    out.push(
      `<text x="${x0 + PLOT.left + pw + 4}" y="${(y(threshold) + 4).toFixed(1)}" font-size="10" fill="#c0392b">alarm ${pctFixed(threshold)}</text>`,
    );
  }
  // The series, broken where a day has no data.
  const segments: string[][] = [];
  let current: string[] = [];
  values.forEach((v, i) => {
    if (v === undefined) {
      if (current.length) segments.push(current);
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (current.length) segments.push(current);
  for (const seg of segments) {
    if (seg.length === 1) {
      const [px, py] = (seg[0] as string).split(',');
      out.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`);
      continue;
    }
    const first = (seg[0] as string).split(',')[0];
    const lastX = (seg[seg.length - 1] as string).split(',')[0];
    const base = y(0).toFixed(1);
    out.push(`<polygon points="${first},${base} ${seg.join(' ')} ${lastX},${base}" fill="${color}" fill-opacity="0.12"/>`);
    out.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`);
  }
  if (last !== undefined) {
    const i = values.lastIndexOf(last);
    out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(last).toFixed(1)}" r="3.5" fill="${breached ? '#c0392b' : color}"/>`);
    out.push(
      `<text x="${x0 + PANEL_W - 12}" y="${y0 + 20}" font-size="16" font-weight="700" text-anchor="end" fill="${breached ? '#c0392b' : '#222'}">${pctFixed(last)}${breached ? ' ▲' : ''}</text>`,
    );
  } else out.push(`<text x="${x0 + PANEL_W - 12}" y="${y0 + 20}" font-size="12" text-anchor="end" fill="#888">no data</text>`);
  out.push('</g>');
  return out.join('\n');
}

/** The chart as an SVG document. */
export function renderChart(input: ChartInput): string {
  const days = dayRange(input.day, input.days ?? 30);
  const panels = FRICTION_KINDS.map((kind, i) =>
    panel(i, KIND_LABELS[kind], input.series[kind], days, input.thresholds[kind], COLORS[i] as string),
  );
  panels.push(panel(FRICTION_KINDS.length, 'Any friction', input.overall, days, undefined, COLORS[7] as string));
  const rows = Math.ceil(panels.length / COLS);
  const height = TOP + rows * (PANEL_H + GAP_Y) + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" role="img">`,
    `<title>${esc(`Coding-agent friction by kind, share of sessions, ${days[0]} to ${days[days.length - 1]}`)}</title>`,
    `<rect width="${W}" height="${height}" fill="#f7f7f8"/>`,
    `<text x="20" y="30" font-size="18" font-weight="700" fill="#111">${esc('Coding-agent friction by kind')}</text>`,
    `<text x="20" y="50" font-size="12" fill="#555">${esc(`Share of analysed sessions with at least one moment of the kind, ${days[0]} to ${days[days.length - 1]}. Dashed: the alarm threshold; red: above it.`)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
