/**
 * `npm run bench -- --only friction`: throughput of the friction analysis on one core, on the Aider
 * chat history of the real data (2.3 MB, several hundred sessions; read in place, test/support/real-data.ts):
 * parsing, the seven detectors, facets, citation checks and folding into the day's numbers, exactly what
 * one batch of the daily map and `prodloop friction` do. Every session is analysed (no step filter), the
 * worst case.
 *
 *   npm run bench -- --only friction -- [--runs N] [--warmup N] [--json]
 *
 * Target: the whole file in under 2 seconds. Exits 0 once measured: a missed target is a finding.
 */
import { readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { emptyPartial, summarize } from '#friction/domain/aggregate';
import { frictionSettings } from '#friction/domain/config';
import { analyseTranscript, foldInto } from '#friction/domain/pipeline';
import { assertRealData, realPath } from '../../test/support/real-data.ts';

const NAME = 'aider_chat-history.part1.md';
assertRealData('agent-sessions');
const FILE = realPath('agent-sessions', NAME);
const TARGET_MS = 2000;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '9' }, warmup: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } },
  strict: true,
});
const runs = Math.max(1, Number(values.runs));
const warmup = Math.max(0, Number(values.warmup));

const text = readFileSync(FILE, 'utf8');
const bytes = statSync(FILE).size;
const config = frictionSettings({ minSteps: 0 });

function once() {
  const t0 = performance.now();
  const result = analyseTranscript({ name: NAME, text }, config);
  const partial = emptyPartial('2024-08-13');
  foldInto(partial, result);
  const summary = summarize(partial, config);
  return {
    ms: performance.now() - t0,
    sessions: result.sessions.length,
    moments: summary.kinds.reduce((n, k) => n + k.high + k.medium + k.low, 0),
  };
}

// The first run in a fresh process (what a cold Lambda batch pays), then warm-up runs not counted.
const first = once();
for (let i = 1; i < warmup; i++) once();
const samples = Array.from({ length: runs }, once);
const times = samples.map((s) => s.ms).sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] as number;
const { sessions, moments } = samples[0] as { sessions: number; moments: number };
const mb = bytes / (1024 * 1024);
const figures = {
  file: `agent-sessions/${NAME} of the real data`,
  bytes,
  sessions,
  moments,
  runs,
  firstRunMs: Number(first.ms.toFixed(1)),
  medianMs: Number(median.toFixed(1)),
  minMs: Number((times[0] as number).toFixed(1)),
  maxMs: Number((times[times.length - 1] as number).toFixed(1)),
  sessionsPerSecond: Math.round(sessions / (median / 1000)),
  mbPerSecond: Number((mb / (median / 1000)).toFixed(2)),
  targetMs: TARGET_MS,
  targetMet: median < TARGET_MS,
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
};

if (values.json) {
  process.stdout.write(`${JSON.stringify({ ...figures, samplesMs: samples.map((s) => Number(s.ms.toFixed(1))) }, null, 2)}\n`);
} else {
  const lines = [
    `friction analysis of ${figures.file}`,
    `  ${mb.toFixed(2)} MB, ${sessions} sessions, ${moments} friction moments; one core (${figures.cpu}), Node ${figures.node}`,
    `  median ${figures.medianMs} ms over ${runs} runs (min ${figures.minMs}, max ${figures.maxMs}), after ${warmup} warm-up runs; first run in the process ${figures.firstRunMs} ms`,
    `  ${figures.sessionsPerSecond} sessions (transcripts of one session each) per second, ${figures.mbPerSecond} MB/s`,
    `  target: the whole file in under ${TARGET_MS} ms: ${figures.targetMet ? 'met' : 'MISSED'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
