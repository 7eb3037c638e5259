/**
 * Facets of a session: what it was about and how it went, as categories from fixed vocabularies
 * (never the user's words): languages, frameworks, intent, tool confirmations, outcome.
 */
import type { Session } from './session.ts';
import { humanMessages } from './session.ts';
import { contentWords, extensionOf, proseLines } from './text.ts';

export const LANGUAGES: Record<string, string> = {
  py: 'Python',
  pyi: 'Python',
  ipynb: 'Python',
  ts: 'TypeScript',
  tsx: 'TypeScript',
  mts: 'TypeScript',
  cts: 'TypeScript',
  js: 'JavaScript',
  jsx: 'JavaScript',
  mjs: 'JavaScript',
  cjs: 'JavaScript',
  vue: 'Vue',
  svelte: 'Svelte',
  go: 'Go',
  rs: 'Rust',
  java: 'Java',
  kt: 'Kotlin',
  scala: 'Scala',
  rb: 'Ruby',
  php: 'PHP',
  cs: 'C#',
  c: 'C',
  h: 'C',
  cc: 'C++',
  cpp: 'C++',
  hpp: 'C++',
  swift: 'Swift',
  m: 'Objective-C',
  sh: 'Shell',
  bash: 'Shell',
  zsh: 'Shell',
  sql: 'SQL',
  prisma: 'Prisma schema',
  html: 'HTML',
  css: 'CSS',
  scss: 'CSS',
  md: 'Markdown',
  mdx: 'Markdown',
  json: 'JSON',
  yml: 'YAML',
  yaml: 'YAML',
  toml: 'TOML',
  tf: 'Terraform',
  dart: 'Dart',
  ex: 'Elixir',
  exs: 'Elixir',
  lua: 'Lua',
  r: 'R',
  jl: 'Julia',
  hs: 'Haskell',
  clj: 'Clojure',
  erl: 'Erlang',
  zig: 'Zig',
};

const FENCE_LANGUAGES: Record<string, string> = {
  python: 'Python',
  typescript: 'TypeScript',
  javascript: 'JavaScript',
  ts: 'TypeScript',
  js: 'JavaScript',
  go: 'Go',
  rust: 'Rust',
  java: 'Java',
  ruby: 'Ruby',
  bash: 'Shell',
  sh: 'Shell',
  sql: 'SQL',
  html: 'HTML',
  css: 'CSS',
  vue: 'Vue',
};

/** Extensions that name no language and propose none (data, images, lock files). */
const NOT_LANGUAGES = new Set([
  'txt',
  'lock',
  'log',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'csv',
  'env',
  'ini',
  'cfg',
  'gitignore',
  'pdf',
  'xml',
]);

const FRAMEWORKS: readonly [string, RegExp][] = [
  ['React', /\breact\b|\.jsx\b|\.tsx\b/i],
  ['Vue', /\bvue(js|\.js)?\b|\.vue\b/i],
  ['Angular', /\bangular\b/i],
  ['Svelte', /\bsvelte(kit)?\b/i],
  ['Next.js', /\bnext\.?js\b|next\.config\./i],
  ['Express', /\bexpress\(\)|from ['"]express['"]|require\(['"]express['"]\)/i],
  ['Django', /\bdjango\b|manage\.py\b/i],
  ['Flask', /\bflask\b/i],
  ['FastAPI', /\bfastapi\b/i],
  ['Rails', /\brails\b|Gemfile\b/],
  ['Spring', /\bspring(boot| boot)?\b/i],
  ['pytest', /\bpytest\b/i],
  ['Jest', /\bjest\b/i],
  ['Vitest', /\bvitest\b/i],
  ['Prisma', /\bprisma\b/i],
  ['Tailwind', /\btailwind(css)?\b/i],
  ['NumPy', /\bnumpy\b|\bnp\.array\b/i],
  ['pandas', /\bpandas\b|\bpd\.DataFrame\b/],
  ['Supabase', /\bsupabase\b/i],
  ['zod', /\bzod\b/],
  ['AWS CDK', /\baws-cdk\b|\bcdk (synth|deploy)\b/i],
  ['Terraform', /\bterraform\b|\.tf\b/i],
  ['Docker', /\bdocker(file)?\b|docker-compose/i],
  ['Kubernetes', /\bkubectl\b|\bkubernetes\b|\bhelm\b/i],
  ['LiteLLM', /\blitellm\b/i],
  ['Zustand', /\bzustand\b/i],
];

/** Shell programs a session leans on that the facets already know; others become proposals. */
const KNOWN_TOOLS = new Set(
  'ls cat sed head tail grep rg find cd pwd echo mkdir rm cp mv touch git npm npx pnpm yarn node python python3 pip pip3 pytest bash sh zsh make go cargo rustc java mvn gradle ruby bundle rails docker kubectl terraform curl wget tsc jest vitest eslint prettier biome black flake8 isort ruff mypy uv poetry deno bun apply_patch which env export source chmod diff wc sort uniq xargs awk jq tree open code'.split(
    ' ',
  ),
);

export const INTENTS = ['fix', 'feature', 'refactor', 'test', 'docs', 'question', 'other'] as const;
export type Intent = (typeof INTENTS)[number];

export interface Facets {
  readonly languages: string[];
  readonly frameworks: string[];
  readonly intent: Intent;
  readonly toolConfirmations: { readonly asked: number; readonly approved: number; readonly declined: number };
  /** Proposals for facet values the vocabularies lack: unmapped file extensions, unknown shell programs. */
  readonly unknown: { readonly extensions: string[]; readonly programs: string[] };
}

/** The request in a message, without an IDE preamble (Codex's "My request for Codex:"). */
export function requestPart(text: string): string {
  const marker = /## My request for Codex:\s*/i.exec(text);
  return marker ? text.slice(marker.index + marker[0].length) : text;
}

export function facetsOf(session: Session): Facets {
  const languages = new Map<string, number>();
  const extensions = new Set<string>();
  const programs = new Set<string>();
  const frameworkText: string[] = [];
  let asked = 0;
  let approved = 0;
  let declined = 0;
  const seePath = (path: string) => {
    const ext = extensionOf(path);
    if (!ext) return;
    const lang = LANGUAGES[ext];
    if (lang) languages.set(lang, (languages.get(lang) ?? 0) + 1);
    else if (!NOT_LANGUAGES.has(ext) && /^[a-z0-9]{1,8}$/.test(ext)) extensions.add(ext);
    frameworkText.push(path);
  };
  for (const e of session.events) {
    if (e.type === 'tool-call') {
      for (const p of e.paths) seePath(p);
      if (e.command) {
        frameworkText.push(e.command);
        const program = /^\s*(?:[A-Z_]+=\S+\s+)*([a-z][\w.-]*)/.exec(e.command.replace(/^(bash|sh|zsh) -l?c\s+['"]?/, ''))?.[1];
        if (program && !KNOWN_TOOLS.has(program) && program.length <= 20) programs.add(program);
      }
    } else if (e.type === 'context') seePath(e.path);
    else if (e.type === 'confirm') {
      asked++;
      if (e.answer === 'yes') approved++;
      else declined++;
    } else if (e.type === 'tool-result' && (e.status === 'rejected' || e.status === 'cancelled')) {
      asked++;
      declined++;
    } else if (e.type === 'assistant') {
      for (const m of e.text.matchAll(/^```([a-z]+)/gm)) {
        const lang = FENCE_LANGUAGES[m[1] as string];
        if (lang) languages.set(lang, (languages.get(lang) ?? 0) + 1);
      }
    } else if (e.type === 'user') frameworkText.push(e.text.slice(0, 4000));
  }
  const haystack = frameworkText.join('\n');
  const frameworks = FRAMEWORKS.filter(([, re]) => re.test(haystack)).map(([name]) => name);
  return {
    languages: [...languages.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l),
    frameworks,
    intent: intentOf(session),
    toolConfirmations: { asked, approved, declined },
    unknown: { extensions: [...extensions].sort(), programs: [...programs].sort() },
  };
}

function intentOf(session: Session): Intent {
  const first = humanMessages(session).find((m) => !m.command || /^(ask|code|architect)$/.test(m.command));
  if (!first) return 'other';
  if (first.command === 'ask') return 'question';
  const text = proseLines(requestPart(first.text)).join(' ').toLowerCase();
  const w = contentWords(text);
  const has = (...xs: string[]) => xs.some((x) => w.has(x));
  if (
    has('fix', 'bug', 'broken', 'crash', 'crashes', 'error', 'errors', 'fails', 'failing', 'issue', 'wrong') ||
    /doesn't work|not working/.test(text)
  )
    return 'fix';
  if (
    has('refactor', 'rename', 'simplify', 'cleanup', 'extract', 'reorganize', 'restructure', 'dedupe', 'replace') ||
    /clean up|instead of/.test(text)
  )
    return 'refactor';
  if (has('test', 'tests', 'coverage', 'pytest', 'unittest')) return 'test';
  if (has('readme', 'docs', 'documentation', 'docstring', 'docstrings', 'comment', 'comments', 'changelog')) return 'docs';
  // "Can you add …?" is a request; "how does …?" is a question.
  const asks = /^(how|what|why|where|when|which|is|are|does|do|explain)\b/.test(text);
  if (!asks && has('add', 'implement', 'create', 'build', 'support', 'make', 'use', 'allow', 'introduce', 'new', 'propose', 'plan'))
    return 'feature';
  if (asks || /\?\s*$/.test(text)) return 'question';
  return 'other';
}
