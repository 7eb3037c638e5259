/**
 * `npm run bench`: bundle size and cold import time of every Lambda handler, beside an empty handler
 * bundled and imported the same way in the same run. See docs/benchmarks.md.
 *
 *   npm run bench -- [--runs N] [--warmup N] [--source-maps] [--json]
 *
 * Always exits 0 once the figures are measured: a missed target is a finding, not a failure.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BundleResult, bundle, cdkExternals, EMPTY_HANDLER_SOURCE, settingsDrift, writeExternalsOnly } from './bundle.ts';
import { coldImport, type ImportSample } from './cold-import.ts';
import { compared, measured, missedTargets, type Report, renderText, TARGETS } from './report.ts';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const outRoot = join(projectRoot, 'bench', '.out');
const EMPTY = 'empty-handler';
const externalsKey = (name: string) => `${name} (externals only)`;

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '7' },
      warmup: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      'source-maps': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: npm run bench -- [--runs N] [--warmup N] [--source-maps] [--json]',
        '  --runs N        cold imports per bundle, the median is reported (default 7)',
        '  --warmup N      rounds run first and not counted (default 1)',
        '  --source-maps   import with --enable-source-maps, as the deployed functions run (NODE_OPTIONS)',
        '  --json          print the figures as JSON instead of the table',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const count = (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer ≥ ${min}, got "${text}"`);
    return n;
  };
  return {
    runs: count('runs', values.runs, 1),
    warmup: count('warmup', values.warmup, 0),
    json: values.json,
    nodeOptions: values['source-maps'] ? ['--enable-source-maps'] : [],
  };
}

/** Every `lambdas/<name>/handler.ts`, by name. */
function discoverHandlers(): { name: string; file: string }[] {
  const lambdas = join(projectRoot, 'lambdas');
  return readdirSync(lambdas)
    .filter((name) => {
      try {
        return statSync(join(lambdas, name, 'handler.ts')).isFile();
      } catch {
        return false;
      }
    })
    .sort()
    .map((name) => ({ name, file: join(lambdas, name, 'handler.ts') }));
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const log = (message: string) => process.stderr.write(`${message}\n`);

async function main() {
  const opts = options();
  const loadBefore = loadavg()[0] ?? 0;
  const handlers = discoverHandlers();
  if (handlers.length === 0) throw new Error('no lambdas/*/handler.ts found');
  const drift = settingsDrift(projectRoot);
  for (const d of drift) log(`warning: ${d}`);

  rmSync(outRoot, { recursive: true, force: true });
  log(`bundling ${handlers.length} handlers and the empty handler with esbuild…`);
  const bundles = await Promise.all([
    bundle({ name: EMPTY, source: EMPTY_HANDLER_SOURCE }, projectRoot, outRoot),
    ...handlers.map((h) => bundle(h, projectRoot, outRoot)),
  ]);

  // What is imported: every bundle, and for each handler a module importing only its external packages.
  const subjects = bundles.flatMap((b) => {
    const externalsOnly = b.name === EMPTY ? undefined : writeExternalsOnly(b);
    return [
      { key: b.name, file: b.outfile, functionName: b.name },
      ...(externalsOnly ? [{ key: externalsKey(b.name), file: externalsOnly, functionName: b.name }] : []),
    ];
  });

  // One fresh process per import, one at a time (the machine has few cores). Each round imports every
  // subject once, starting one place further along the list, so drift and noise spread over all alike.
  const samples = new Map<string, ImportSample[]>(subjects.map((s) => [s.key, []]));
  const rounds = opts.warmup + opts.runs;
  for (let round = 0; round < rounds; round++) {
    const counted = round >= opts.warmup;
    log(`${counted ? 'run' : 'warm-up'} ${counted ? round - opts.warmup + 1 : round + 1}/${counted ? opts.runs : opts.warmup}`);
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(round + i) % subjects.length] as (typeof subjects)[number];
      const sample = await coldImport(subject.file, subject.functionName, opts.nodeOptions);
      if (counted) samples.get(subject.key)?.push(sample);
    }
  }

  const empty = bundles[0] as BundleResult;
  const report: Report = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'}`,
    loadAverage: { before: round2(loadBefore), after: round2(loadavg()[0] ?? 0) },
    runs: opts.runs,
    warmup: opts.warmup,
    nodeOptions: opts.nodeOptions,
    externals: cdkExternals(projectRoot),
    drift,
    targets: TARGETS,
    empty: measured(empty, samples.get(EMPTY) ?? []),
    functions: bundles
      .slice(1)
      .map((b) =>
        compared(
          b,
          samples.get(b.name) ?? [],
          { bundle: empty, samples: samples.get(EMPTY) ?? [] },
          samples.get(externalsKey(b.name)) ?? [],
        ),
      ),
  };
  process.stdout.write(opts.json ? `${JSON.stringify({ ...report, missed: missedTargets(report) }, null, 2)}\n` : renderText(report));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
