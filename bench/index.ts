/**
 * `npm run bench`: every benchmark suite, each in its own Node process, one after the other:
 * bench/run.ts (Lambda bundles and cold import) and every bench/suites/*.ts.
 *
 *   npm run bench                    all suites
 *   npm run bench -- --only NAME     one suite (`lambdas`, or a file name in bench/suites/ without .ts)
 *   npm run bench -- --only NAME -- ARGS   ARGS go to that suite
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const own = split >= 0 ? argv.slice(0, split) : argv;
const passThrough = split >= 0 ? argv.slice(split + 1) : [];
const onlyAt = own.indexOf('--only');
const only = onlyAt >= 0 ? own[onlyAt + 1] : undefined;
const legacy = onlyAt >= 0 ? [] : own; // flags without --only go to the Lambda suite, as before

const suitesDir = join(here, 'suites');
const suites: { name: string; file: string }[] = [{ name: 'lambdas', file: join(here, 'run.ts') }];
if (existsSync(suitesDir)) {
  for (const f of readdirSync(suitesDir)
    .filter((x) => x.endsWith('.ts'))
    .sort())
    suites.push({ name: f.replace(/\.ts$/, ''), file: join(suitesDir, f) });
}
const chosen = only ? suites.filter((s) => s.name === only) : suites;
if (chosen.length === 0) {
  console.error(`no bench suite named ${only}; suites: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const s of chosen) {
  console.log(`\n=== bench: ${s.name} ===`);
  const args = only ? passThrough : s.name === 'lambdas' ? legacy : [];
  const r = spawnSync(process.execPath, ['--import', 'tsx', s.file, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench suite ${s.name} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
