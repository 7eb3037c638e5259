/** The figures of one run, and how they are printed: a Markdown table, the top contributors, the missed targets. */
import { median } from '#domain/shared/stats';
import type { BundleResult, InputShare } from './bundle.ts';
import type { ImportSample } from './cold-import.ts';

export const KB = 1024;
const TOP = 3;

/**
 * A bundle under 300 KB minified, under 350 KB for the functions that talk to GitHub (Octokit with
 * its typed REST methods is about 130 KB of theirs); a cold import at most twice the empty handler's.
 */
export const TARGETS = {
  maxBundleKB: 300,
  maxGitHubBundleKB: 350,
  githubFunctions: ['github', 'record-deploy', 'friction-report'],
  maxColdImportRatio: 2,
} as const;

/** The bundle target of a function, in KB: the GitHub functions' or everyone else's. */
export function bundleTargetKB(name: string): number {
  return (TARGETS.githubFunctions as readonly string[]).includes(name) ? TARGETS.maxGitHubBundleKB : TARGETS.maxBundleKB;
}

/** The targets as the table header states them. */
const targetsLabel = (t: typeof TARGETS) =>
  `< ${t.maxBundleKB} KB, < ${t.maxGitHubBundleKB} KB for ${t.githubFunctions.join(', ')}; ≤ ${t.maxColdImportRatio}× import`;

export interface Measured {
  readonly name: string;
  readonly bytes: number;
  readonly kb: number;
  readonly coldImport: { readonly medianMs: number; readonly minMs: number; readonly maxMs: number; readonly samplesMs: readonly number[] };
  /** Network calls any import tried (and the probe refused); empty when importing makes none. */
  readonly networkCalls: readonly string[];
}

export interface FunctionFigures extends Measured {
  readonly kbRatio: number;
  readonly coldImportRatio: number;
  /** This function's bundle target (bundleTargetKB). */
  readonly bundleTargetKB: number;
  readonly bundleTargetMet: boolean;
  readonly coldImportTargetMet: boolean;
  readonly topInputs: readonly InputShare[];
  readonly topPackages: readonly InputShare[];
  readonly topFolders: readonly InputShare[];
  /** Packages left out of the bundle (CDK's AWS SDK externals), loaded from node_modules at import. */
  readonly externalImports: readonly string[];
  /** Packages left out of the bundle that it loads only on first use (`import()`): not part of the cold import. */
  readonly lazyExternalImports: readonly string[];
  /** Median cold import of a module importing only those packages; undefined when there are none. */
  readonly externalsOnlyMedianMs: number | undefined;
}

export interface Report {
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpu: string;
  /** One-minute load average when the run started and when it ended: other work on the machine. */
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly runs: number;
  readonly warmup: number;
  /** Node options of the importing processes (none, or --enable-source-maps). */
  readonly nodeOptions: readonly string[];
  readonly externals: readonly string[];
  readonly drift: readonly string[];
  readonly targets: typeof TARGETS;
  readonly empty: Measured;
  readonly functions: readonly FunctionFigures[];
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

export function measured(b: BundleResult, samples: readonly ImportSample[]): Measured {
  const ms = samples.map((s) => s.ms);
  return {
    name: b.name,
    bytes: b.bytes,
    kb: round(b.bytes / KB, 1),
    coldImport: {
      medianMs: round(median(ms), 2),
      minMs: round(Math.min(...ms), 2),
      maxMs: round(Math.max(...ms), 2),
      samplesMs: ms.map((m) => round(m, 2)),
    },
    networkCalls: [...new Set(samples.flatMap((s) => s.network))],
  };
}

/** A handler's figures beside the empty handler's, and whether it meets the targets. */
export function compared(
  b: BundleResult,
  samples: readonly ImportSample[],
  empty: { readonly bundle: BundleResult; readonly samples: readonly ImportSample[] },
  externalsOnly: readonly ImportSample[],
): FunctionFigures {
  const m = measured(b, samples);
  const emptyMedian = median(empty.samples.map((s) => s.ms));
  const coldImportRatio = median(samples.map((s) => s.ms)) / emptyMedian;
  const targetKB = bundleTargetKB(b.name);
  return {
    ...m,
    kbRatio: round(b.bytes / empty.bundle.bytes, 1),
    coldImportRatio: round(coldImportRatio, 2),
    bundleTargetKB: targetKB,
    bundleTargetMet: b.bytes < targetKB * KB,
    coldImportTargetMet: coldImportRatio <= TARGETS.maxColdImportRatio,
    topInputs: b.inputs.slice(0, TOP),
    topPackages: b.packages.slice(0, TOP),
    topFolders: b.folders.slice(0, TOP),
    externalImports: b.externalImports,
    lazyExternalImports: b.lazyExternalImports,
    externalsOnlyMedianMs: externalsOnly.length > 0 ? round(median(externalsOnly.map((s) => s.ms)), 2) : undefined,
  };
}

/** Human-readable bytes for the contributor lists. */
const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
const ratio = (n: number) => `${n >= 100 ? n.toFixed(0) : n.toFixed(2)}×`;

export function missedTargets(report: Report): string[] {
  const { maxColdImportRatio } = report.targets;
  const missed: string[] = [];
  for (const f of report.functions) {
    if (!f.bundleTargetMet) missed.push(`${f.name}: bundle ${f.kb.toFixed(1)} KB, target < ${f.bundleTargetKB} KB`);
    if (!f.coldImportTargetMet)
      missed.push(
        `${f.name}: cold import ${f.coldImport.medianMs.toFixed(1)} ms = ${ratio(f.coldImportRatio)} the empty handler, target ≤ ${maxColdImportRatio}×`,
      );
  }
  return missed;
}

export function renderText(report: Report): string {
  const lines: string[] = [];
  lines.push(
    `prodloop Lambda bundles — ${report.date} — Node ${report.node}, ${report.platform}, ${report.cpu}`,
    `cold import: median of ${report.runs} fresh processes per bundle (after ${report.warmup} warm-up round${report.warmup === 1 ? '' : 's'}), interleaved` +
      `${report.nodeOptions.length > 0 ? `, node ${report.nodeOptions.join(' ')}` : ''}; load average ${report.loadAverage.before} → ${report.loadAverage.after}`,
    `externals (not in the bundle, loaded from node_modules at import): ${report.externals.join(', ')}`,
    '',
    `| function | KB minified | ratio to empty | cold import ms (median) | ratio to empty | target met (${targetsLabel(report.targets)}) |`,
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| (empty handler) | ${report.empty.kb.toFixed(1)} | 1× | ${report.empty.coldImport.medianMs.toFixed(1)} | 1× | — |`,
  );
  for (const f of report.functions) {
    const misses = [f.bundleTargetMet ? '' : 'size', f.coldImportTargetMet ? '' : 'import'].filter(Boolean);
    const met = misses.length === 0 ? 'yes' : `no (${misses.join(', ')})`;
    lines.push(
      `| ${f.name} | ${f.kb.toFixed(1)} | ${ratio(f.kbRatio)} | ${f.coldImport.medianMs.toFixed(1)} | ${ratio(f.coldImportRatio)} | ${met} |`,
    );
  }

  lines.push(
    '',
    'cold import in detail (ms): median, min–max, and the median of importing only the external packages',
    '(the AWS SDK clients the runtime provides); the rest is the bundle itself: its dependencies, its code, its cold-start work.',
  );
  const all = [report.empty, ...report.functions];
  lines.push(
    `  ${'bundle'.padEnd(14)} ${'median'.padStart(7)} ${'min–max'.padStart(13)} ${'externals'.padStart(10)} ${'rest'.padStart(7)}`,
  );
  for (const m of all) {
    const ext = (m as Partial<FunctionFigures>).externalsOnlyMedianMs;
    const range = `${m.coldImport.minMs.toFixed(1)}–${m.coldImport.maxMs.toFixed(1)}`;
    lines.push(
      `  ${m.name.padEnd(14)} ${m.coldImport.medianMs.toFixed(1).padStart(7)} ${range.padStart(13)} ${(ext?.toFixed(1) ?? '—').padStart(10)} ${(ext === undefined ? '—' : (m.coldImport.medianMs - ext).toFixed(1)).padStart(7)}`,
    );
  }

  lines.push('', `top ${TOP} inputs per bundle, by bytes in the minified output (esbuild metafile):`);
  for (const f of report.functions) {
    lines.push(`  ${f.name} (${f.kb.toFixed(1)} KB)`);
    for (const i of f.topInputs) lines.push(`    ${kb(i.bytes).padStart(9)}  ${i.path}`);
    lines.push(`    by package: ${f.topPackages.map((p) => `${p.path} ${kb(p.bytes)}`).join(', ')}`);
    lines.push(`    by folder:  ${f.topFolders.map((p) => `${p.path} ${kb(p.bytes)}`).join(', ')}`);
    lines.push(`    external at runtime: ${f.externalImports.join(', ') || 'none'}`);
    if (f.lazyExternalImports.length > 0) lines.push(`    external, loaded on first use: ${f.lazyExternalImports.join(', ')}`);
  }

  const network = all.filter((m) => m.networkCalls.length > 0);
  lines.push('');
  if (network.length === 0) lines.push('network: no import tried to open a socket, look up a name or fetch.');
  else for (const m of network) lines.push(`network: importing ${m.name} tried ${m.networkCalls.join(', ')} (refused)`);
  for (const d of report.drift) lines.push(`warning: ${d}`);

  const missed = missedTargets(report);
  lines.push('');
  if (missed.length === 0) lines.push('all targets met.');
  else lines.push(`targets missed (${missed.length}):`, ...missed.map((m) => `  - ${m}`));
  return `${lines.join('\n')}\n`;
}
