/**
 * `prodloop friction PATH [--json] [--min-steps N] [--out DIR]`: the daily friction analysis, run
 * locally over a transcript file or a folder of them. Prints the digest; `--json` prints one line per
 * session instead (format, steps, outcome, friction moments) and one per skipped transcript.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { frictionSettings } from '#friction/domain/config';
import { renderDigest } from '#friction/domain/digest';
import { analyseTranscript, partialsByDay, summaries, type TranscriptResult } from '#friction/domain/pipeline';
import { type Command, type CommandIo, UsageError } from '../command.ts';

/** Transcript files under a path: the file itself, or every file below the folder (hidden ones skipped). */
export function transcriptFiles(path: string): string[] {
  const stat = statSync(path);
  if (stat.isFile()) return [path];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = join(dir, name);
      const s = statSync(full);
      if (s.isDirectory()) walk(full);
      else if (s.isFile()) files.push(full);
    }
  };
  walk(path);
  return files;
}

async function run(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, 'min-steps': { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const target = positionals[0];
  if (!target || positionals.length > 1) throw new UsageError('friction needs one PATH: a transcript file or a folder of transcripts');
  const minSteps = values['min-steps'] === undefined ? undefined : Number(values['min-steps']);
  if (minSteps !== undefined && !(Number.isInteger(minSteps) && minSteps >= 0))
    throw new UsageError('--min-steps must be a whole number, 0 or more');
  const config = frictionSettings(minSteps === undefined ? {} : { minSteps });
  const root = resolve(target);
  let files: string[];
  try {
    files = transcriptFiles(root);
  } catch (error) {
    io.err(`friction: cannot read ${target}: ${(error as Error).message}`);
    return 2;
  }
  const base = statSync(root).isFile() ? resolve(root, '..') : root;
  const results: (TranscriptResult & { fallbackDay: string })[] = [];
  for (const file of files) {
    const name = relative(base, file) || file;
    const fallbackDay = statSync(file).mtime.toISOString().slice(0, 10);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      results.push({ name, ok: false, reason: `unreadable file: ${(error as Error).message}`, sessions: [], fallbackDay });
      continue;
    }
    results.push({ ...analyseTranscript({ name, text }, config), fallbackDay });
  }

  if (values.json) {
    for (const r of results) {
      if (!r.ok) {
        io.out(JSON.stringify({ transcript: r.name, skipped: true, reason: r.reason }));
        continue;
      }
      for (const { analysed } of r.sessions) {
        const a = analysed.analysis;
        io.out(
          JSON.stringify({
            transcript: r.name,
            session: a.id,
            format: a.format,
            day: a.day ?? null,
            steps: a.steps,
            analysed: a.analysed,
            outcome: a.outcome,
            friction: a.moments.map((m) => ({ kind: m.kind, severity: m.severity, citation: m.citation })),
            facets: a.facets,
            delight: a.delight,
          }),
        );
      }
    }
  } else {
    const { days, all } = partialsByDay(results);
    const history = summaries(days, config);
    const [overall] = summaries([all], config);
    if (!overall) return 1;
    const period = days.length > 1 ? `${days[0]?.day} to ${all.day}` : all.day;
    const chartFile = `friction-${all.day}.svg`;
    const { markdown, svg } = renderDigest(overall, history, { period, ...(values.out ? { chartFile } : {}) });
    io.out(markdown);
    if (values.out) {
      const out = resolve(values.out);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `friction-${all.day}.md`), markdown);
      writeFileSync(join(out, chartFile), svg);
      writeFileSync(join(out, `friction-${all.day}.json`), `${JSON.stringify({ overall, days: history }, null, 2)}\n`);
      io.err(`digest, chart and summaries written to ${out}`);
    }
  }
  return results.some((r) => r.ok && r.sessions.length > 0) ? 0 : 1;
}

export const command: Command = {
  name: 'friction',
  order: 6,
  usage: 'friction PATH [--json] [--min-steps N] [--out DIR]',
  summary: 'friction in coding-agent transcripts: the digest, or per session with --json',
  run,
};
