/**
 * `npm run bench -- --only validation`: prodloop's "worse" test as deployed (the same functions
 * validate runs: fitBaseline, bestReference, comparisons, worseComponents, ALPHA, and
 * sinceDeployOrAnyHour over the 24 hours the benchmark looks) against
 *   (a) Wald's SPRT given the true parameters (the optimum no test beats on average), and
 *   (b) a fixed-horizon Mann-Whitney U test at 98% confidence over 60-minute intervals (Kayenta's default judge),
 * in one run on the same series: synthetic ones with known effects (error rate ×1.5, ×2, ×5 over traffic
 * of 10 to 10,000 requests per minute, latency +20%; with and without daily seasonality and a
 * pre-existing trend), real CloudWatch series from NAB (`nab/` of the real data, test/support/real-data.ts) with shifts
 * injected at a deploy time, and regressions that start 6 hours after the deploy (against the
 * comparison since the deploy alone and the SPRT started at the change). Method and figures:
 * docs/validation.md.
 *
 *   npm run bench -- --only validation -- [--quick] [--seed N] [--null N] [--effect N] [--workers W] [--json]
 *
 * Exits 0 once the figures are measured: a missed target is a finding, listed at the end.
 *
 * Here: the options, the jobs and the threads they are shared among. The series are in
 * validation/series.ts, the three tests in validation/tests.ts, the figures and the report in
 * validation/figures.ts (a folder, not files beside this one: every .ts file in bench/suites/ is a suite).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { assertRealData } from '../../test/support/real-data.ts';
import { figures, lateFigures, renderText, summarize } from './validation/figures.ts';
import { LATENCY_EFFECTS, nabSeries, RATE_EFFECTS, type Series, SHAPES, type Shape, synthetic, TRAFFIC } from './validation/series.ts';
import { LATE_EFFECTS, LATE_SHAPES, LATE_START_MINUTES, LATE_TRAFFIC, type LateRun, lateRun, type Run, run } from './validation/tests.ts';

// ---------------------------------------------------------------------------------------------
// Options

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      null: { type: 'string' },
      effect: { type: 'string' },
      'history-days': { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: npm run bench -- --only validation -- [--quick] [--seed N] [--null N] [--effect N] [--history-days D] [--json]',
        '  --quick          fewer series and a 3-day history (a smoke run, not the published figures)',
        '  --seed N         seed of every synthetic series (default 1)',
        '  --null N         synthetic no-change series per condition (default 100)',
        '  --effect N       synthetic series per condition with an effect (default 30)',
        '  --history-days D history before the deploy the baseline is fitted on (default 7, as deployed)',
        '  --workers W      threads the series are shared among (default: the cores; the figures do not depend on it)',
        '  --json           print every figure as JSON',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const int = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
    return n;
  };
  return {
    seed: int('seed', values.seed, 1),
    nullReplicates: int('null', values.null, values.quick ? 30 : 100),
    effectReplicates: int('effect', values.effect, values.quick ? 10 : 30),
    historyDays: int('history-days', values['history-days'], values.quick ? 3 : 7),
    workers: int('workers', values.workers, availableParallelism()),
    json: values.json,
  };
}

// ---------------------------------------------------------------------------------------------
// Jobs: every series is measured on its own, so they are shared among threads (each series is
// generated from its own seed where it is measured: the figures do not depend on the threads).

type Options = ReturnType<typeof options>;
type Job =
  | {
      readonly kind: 'synthetic' | 'late';
      readonly group: 'rate' | 'latency';
      readonly traffic: number;
      readonly effect: number;
      readonly shape: number;
      readonly replicate: number;
    }
  | { readonly kind: 'nab'; readonly index: number };
type Result = { readonly kind: 'run'; readonly run: Run } | { readonly kind: 'late'; readonly run: LateRun };

function jobs(opts: Options): Job[] {
  const out: Job[] = [];
  for (const group of ['rate', 'latency'] as const)
    for (const traffic of TRAFFIC)
      for (const effect of group === 'rate' ? RATE_EFFECTS : LATENCY_EFFECTS)
        for (const [shape] of SHAPES.entries()) {
          const n = effect === 1 ? opts.nullReplicates : opts.effectReplicates;
          for (let replicate = 0; replicate < n; replicate++) out.push({ kind: 'synthetic', group, traffic, effect, shape, replicate });
        }
  let index = 0;
  for (const _ of nabSeries(opts.historyDays)) out.push({ kind: 'nab', index: index++ });
  for (const { group, effect } of LATE_EFFECTS)
    for (const traffic of LATE_TRAFFIC)
      for (const shape of LATE_SHAPES)
        for (let replicate = 0; replicate < opts.effectReplicates; replicate++)
          out.push({ kind: 'late', group, traffic, effect, shape: SHAPES.indexOf(shape), replicate });
  return out;
}

function measurer(opts: Options): (job: Job) => Result {
  let nab: Series[] | undefined;
  return (job) => {
    if (job.kind === 'nab') {
      nab ??= [...nabSeries(opts.historyDays)];
      return { kind: 'run', run: run(nab[job.index] as Series) };
    }
    const shape = SHAPES[job.shape] as Shape;
    if (job.kind === 'synthetic')
      return { kind: 'run', run: run(synthetic(job.group, job.traffic, job.effect, shape, job.replicate, opts.seed, opts.historyDays)) };
    const s = synthetic(job.group, job.traffic, job.effect, shape, job.replicate, opts.seed, opts.historyDays, LATE_START_MINUTES);
    return { kind: 'late', run: lateRun(s, LATE_START_MINUTES) };
  };
}

/** Every job's result, in the jobs' order: job i is measured by thread i mod W. */
async function measureAll(opts: Options, all: readonly Job[], log: (m: string) => void): Promise<Result[]> {
  const threads = Math.max(1, Math.min(opts.workers, all.length));
  if (threads === 1) {
    const measure = measurer(opts);
    return all.map((job, i) => {
      if (i > 0 && i % 1000 === 0) log(`${i} of ${all.length} series`);
      return measure(job);
    });
  }
  const results: Result[] = new Array(all.length);
  let done = 0;
  await Promise.all(
    Array.from({ length: threads }, (_, w) => {
      const mine = all.map((job, i) => ({ job, i })).filter(({ i }) => i % threads === w);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { opts, jobs: mine.map(({ job }) => job) } });
        worker.on('message', ({ k, result }: { k: number; result: Result }) => {
          results[(mine[k] as { i: number }).i] = result;
          if (++done % 1000 === 0) log(`${done} of ${all.length} series`);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${w} exited with ${code}`))));
      });
    }),
  );
  return results;
}

function workerMain() {
  const { opts, jobs: mine } = workerData as { opts: Options; jobs: Job[] };
  const measure = measurer(opts);
  for (const [k, job] of mine.entries()) parentPort?.postMessage({ k, result: measure(job) });
}

async function main() {
  const opts = options();
  assertRealData('nab');
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const results = await measureAll(opts, jobs(opts), (m) => log(`${m}, ${((Date.now() - started) / 1000).toFixed(0)} s`));
  const runs = results.flatMap((r) => (r.kind === 'run' ? [r.run] : []));
  const lateRuns = results.flatMap((r) => (r.kind === 'late' ? [r.run] : []));
  log(
    `${results.length} series in all, ${((Date.now() - started) / 1000).toFixed(0)} s on ${Math.min(opts.workers, results.length)} thread(s)`,
  );
  const late = lateFigures(lateRuns, LATE_START_MINUTES);
  const conditions = figures(runs);
  // NAB conditions per file are small; the table shows them pooled by effect as well.
  const nabPooled = figures(runs.filter((r) => r.group === 'nab').map((r) => ({ ...r, condition: `all NAB series ×${r.effect}` })));
  const all = [...conditions, ...nabPooled];
  const summary = summarize(
    runs,
    all.filter((c) => c.group !== 'nab' || c.condition.startsWith('all NAB')),
  );
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    seed: opts.seed,
    nullPerCondition: opts.nullReplicates,
    effectPerCondition: opts.effectReplicates,
    historyDays: opts.historyDays,
    workers: opts.workers,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify({ meta, summary, conditions: all, lateStarts: late }, null, 2)}\n`);
  else process.stdout.write(`${renderText(all, summary, late, meta)}\n`);
}

if (isMainThread) await main();
else workerMain();
