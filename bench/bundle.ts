/**
 * Bundles a handler the way `ProdloopFunction` (lib/function.ts) has CDK's NodejsFunction bundle it:
 * esbuild, platform node, ESM, target node22, minified, main fields module then main, the
 * `createRequire` banner, an external source map without sources content, and the AWS SDK left out
 * as CDK does by default for Node 18+ runtimes (the Lambda runtime provides it).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { build, type Metafile } from 'esbuild';

/** Same literal as lib/function.ts: bundled CommonJS dependencies call require(), ESM has none. */
export const BANNER = "const require = (await import('node:module')).createRequire(import.meta.url);";
export const TARGET = 'node22';
export const MAIN_FIELDS = ['module', 'main'];

/** The handler every figure is compared with. */
export const EMPTY_HANDLER_SOURCE = 'export const handler = async () => ({})\n';

/** What to bundle: a handler file, or inline source (the empty handler). */
export type BundleEntry = { readonly name: string; readonly file: string } | { readonly name: string; readonly source: string };

export interface InputShare {
  /** Path relative to the project root, as esbuild names it. */
  readonly path: string;
  readonly bytes: number;
}

export interface BundleResult {
  readonly name: string;
  /** The bundle esbuild wrote (index.mjs); the source map next to it is not counted. */
  readonly outfile: string;
  readonly bytes: number;
  /** Inputs by bytes they contribute to the minified output, largest first. */
  readonly inputs: readonly InputShare[];
  /** The same, summed per npm package (`node_modules/<pkg>`) or per project folder. */
  readonly packages: readonly InputShare[];
  /** The same, summed per folder: shows a block of many small files (a package's locales, say). */
  readonly folders: readonly InputShare[];
  /** Packages left to the runtime and imported at cold start (the AWS SDK clients). */
  readonly externalImports: readonly string[];
  /** Packages left to the runtime that the bundle imports only on first use (`import()`), not at cold start. */
  readonly lazyExternalImports: readonly string[];
}

/**
 * CDK externalizes `@aws-sdk/*` for Node 18+ runtimes, and `@smithy/*` as well when the
 * `@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages` feature flag is on in cdk.json.
 */
export function cdkExternals(projectRoot: string): string[] {
  const externals = ['@aws-sdk/*'];
  try {
    const cdk = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
    if (cdk.context?.['@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages'] === true) externals.push('@smithy/*');
  } catch {
    // No readable cdk.json: CDK's default without the flag.
  }
  return externals;
}

/**
 * The settings above are copied, not imported (lib/function.ts builds them inside a construct). This
 * names the ones lib/function.ts no longer shows, so a drift between the two is printed, not hidden.
 */
export function settingsDrift(projectRoot: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(projectRoot, 'lib', 'function.ts'), 'utf8');
  } catch {
    return ['lib/function.ts not found; bundling with the settings documented in docs/benchmarks.md'];
  }
  const expected: [string, string][] = [
    ['banner', BANNER],
    ['target', `target: '${TARGET}'`],
    ['mainFields', `mainFields: ['module', 'main']`],
    ['format', 'OutputFormat.ESM'],
    ['minify', 'minify: true'],
    ['sourcesContent', 'sourcesContent: false'],
  ];
  const drift = expected.filter(([, literal]) => !text.includes(literal)).map(([setting]) => `lib/function.ts no longer shows ${setting}`);
  if (/externalModules|bundleAwsSDK/.test(text))
    drift.push('lib/function.ts sets externalModules or bundleAwsSDK; the bench keeps CDK defaults');
  return drift;
}

export async function bundle(entry: BundleEntry, projectRoot: string, outRoot: string): Promise<BundleResult> {
  const outfile = join(outRoot, entry.name, 'index.mjs');
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, loader: 'ts', resolveDir: projectRoot, sourcefile: `${entry.name}.ts` } }),
    absWorkingDir: projectRoot,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: MAIN_FIELDS,
    banner: { js: BANNER },
    external: cdkExternals(projectRoot),
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = statSync(outfile).size;
  const output = result.metafile.outputs[relative(projectRoot, outfile)];
  if (!output) throw new Error(`esbuild's metafile has no entry for ${outfile}`);
  return { name: entry.name, outfile, bytes, ...contributions(output) };
}

function contributions(output: Metafile['outputs'][string]) {
  const inputs = Object.entries(output.inputs)
    .map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput }))
    .filter((i) => i.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  const external = (dynamic: boolean) =>
    [
      ...new Set(
        output.imports
          .filter((i) => i.external && !i.path.startsWith('node:') && (i.kind === 'dynamic-import') === dynamic)
          .map((i) => i.path),
      ),
    ].sort();
  const externalImports = external(false);
  const lazyExternalImports = external(true).filter((p) => !externalImports.includes(p));
  return {
    inputs,
    packages: sumBy(inputs, packageOf),
    folders: sumBy(inputs, (p) => posix.dirname(p)),
    externalImports,
    lazyExternalImports,
  };
}

function sumBy(inputs: readonly InputShare[], key: (path: string) => string): InputShare[] {
  const sums = new Map<string, number>();
  for (const i of inputs) sums.set(key(i.path), (sums.get(key(i.path)) ?? 0) + i.bytes);
  return [...sums].map(([path, bytes]) => ({ path, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * A module that imports only what the bundle leaves to the runtime (the AWS SDK packages), written
 * next to the bundle: its cold import is the part of the handler's that the bundle's own code does
 * not decide. Packages the bundle loads only with `import()` are left out: a cold start does not load
 * them. Undefined when the bundle imports nothing external at cold start.
 */
export function writeExternalsOnly(b: BundleResult): string | undefined {
  if (b.externalImports.length === 0) return undefined;
  const file = join(dirname(b.outfile), 'externals-only.mjs');
  writeFileSync(file, b.externalImports.map((p) => `import ${JSON.stringify(p)};\n`).join(''));
  return file;
}

/** `node_modules/@scope/name/...` → `@scope/name`; `node_modules/name/...` → `name`; project files → their folder. */
export function packageOf(path: string): string {
  const parts = path.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const first = parts[at + 1] ?? path;
    return first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
  }
  return parts.length > 1 ? `${parts.slice(0, -1).join('/')}/` : path;
}
