/**
 * What the log samples say: the error codes in them (mapped to code paths through the registry in
 * configuration), and where each sample points, our code, a dependency, something external, or the
 * tenant. Samples arrive sanitized. Pure.
 */
import type { LogSample } from '#domain/signals/series';
import type { ErrorCodeRule } from './config.ts';
import type { ErrorCodeCount, LogEvidence, LogOrigin } from './evidence.ts';

/** Codes as they usually look: `E_PAYMENT_DECLINED`, `ECONNRESET`, `ThrottlingException`, `TypeError`. */
const GENERIC_CODE = /\b(?:E[A-Z]{3,}[A-Z0-9]*|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][A-Za-z0-9]*(?:Exception|Error)|HTTP_[0-9]{3})\b/g;
/** Words the generic pattern would take for codes but that are not. */
const NOT_CODES = new Set(['ERROR', 'ERRORS', 'EXCEPTION', 'Error', 'Exception', 'ESM', 'ETAG', 'EOF', 'EST', 'EDT']);

/** Heuristics for samples without a registered code: the first that matches decides. */
const HEURISTICS: readonly { origin: Exclude<LogOrigin, 'unknown'>; re: RegExp }[] = [
  {
    origin: 'dependency',
    re: /Cannot find module|ERR_REQUIRE_ESM|ERR_PACKAGE_PATH_NOT_EXPORTED|is not a function.*node_modules|node_modules[/\\].*(?:Error|at )|NoSuchMethodError|ClassNotFoundException|ModuleNotFoundError|ImportError|incompatible (?:version|driver)|version mismatch|unsupported (?:protocol|driver) version/i,
  },
  {
    origin: 'external',
    re: /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|ThrottlingException|ProvisionedThroughputExceeded|RequestLimitExceeded|SlowDown|ServiceUnavailable|Service Unavailable|\b50[234]\b.*(?:upstream|from|gateway)|upstream|timed? ?out|gateway timeout|circuit breaker|InternalServerError.*(?:aws|amazon)|AWS.*(?:unavailable|degraded)|rate exceeded/i,
  },
  {
    origin: 'user',
    re: /not configured|misconfigur|invalid (?:config|configuration|setting|webhook|api key|credentials|redirect|url|callback)|quota exceeded|plan limit|unauthori[sz]ed|forbidden|\b40[13]\b|ValidationException|validation failed|tenant setting|customer setting|webhook (?:url|endpoint)/i,
  },
  {
    origin: 'platform',
    re: /TypeError|ReferenceError|RangeError|SyntaxError|NullPointerException|IndexOutOfBounds|ArrayIndexOutOfBounds|KeyError|AttributeError|AssertionError|panic:|segmentation fault|undefined is not|Cannot read propert|is not defined|unhandled (?:rejection|exception)|stack overflow|deadlock|\bat [\w$.<>]+ \(.*:\d+:\d+\)|Traceback \(most recent call last\)/i,
  },
];

export interface LogEvidenceInput {
  readonly query: string;
  readonly logGroups: readonly string[];
  /** Already sanitized. */
  readonly samples: readonly LogSample[];
  readonly registry: readonly ErrorCodeRule[];
  /** How many samples to keep in the evidence. */
  readonly keep: number;
  /** Names of dependencies a suspect deploy bumped: a sample naming one points at the dependency. */
  readonly bumpedDependencies?: readonly string[];
}

/** Classifies the samples and counts their codes. */
export function logEvidence(input: LogEvidenceInput): LogEvidence {
  const codes = new Map<string, ErrorCodeCount>();
  const origins: Record<string, number> = {};
  const compiled = input.registry.map((r) => ({ rule: r, re: r.pattern ? safeRegExp(r.pattern) : wordRegExp(r.code) }));
  const bumped = (input.bumpedDependencies ?? []).filter((d) => d.length >= 2).map((d) => wordRegExp(d));
  for (const s of input.samples) {
    let origin: LogOrigin | undefined;
    const seen = new Set<string>();
    for (const { rule, re } of compiled) {
      if (!re?.test(s.message)) continue;
      seen.add(rule.code);
      bump(codes, rule.code, rule.origin, rule.codePaths, true);
      origin ??= rule.origin;
    }
    for (const m of s.message.matchAll(GENERIC_CODE)) {
      const code = m[0];
      if (NOT_CODES.has(code) || seen.has(code)) continue;
      seen.add(code);
      bump(codes, code, classify(code) ?? 'unknown', [], false);
    }
    if (bumped.some((re) => re.test(s.message))) origin ??= 'dependency';
    origin ??= classify(s.message) ?? 'unknown';
    origins[origin] = (origins[origin] ?? 0) + 1;
  }
  const classified = Object.entries(origins).filter(([o]) => o !== 'unknown');
  const total = classified.reduce((sum, [, n]) => sum + n, 0);
  const [topOrigin, topCount] = classified.sort((a, b) => b[1] - a[1])[0] ?? ['unknown', 0];
  const dominant = (total > 0 && topCount / total >= 0.5 ? topOrigin : 'unknown') as LogOrigin;
  const outside = (origins.external ?? 0) + (origins.user ?? 0);
  return {
    query: input.query,
    logGroups: [...input.logGroups],
    samples: input.samples.slice(0, input.keep).map((s) => ({ at: s.at, message: s.message.slice(0, 500) })),
    codes: [...codes.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)).slice(0, 20),
    origins,
    dominant,
    consistentWithPlatform: total === 0 || outside / total < 0.6,
  };
}

function classify(text: string): Exclude<LogOrigin, 'unknown'> | undefined {
  return HEURISTICS.find((h) => h.re.test(text))?.origin;
}

function bump(codes: Map<string, ErrorCodeCount>, code: string, origin: LogOrigin, codePaths: readonly string[], registered: boolean) {
  const c = codes.get(code);
  if (c) codes.set(code, { ...c, count: c.count + 1 });
  else codes.set(code, { code, count: 1, origin, codePaths: [...codePaths], registered });
}

function wordRegExp(word: string): RegExp {
  return new RegExp(`(?<![\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/** The code paths the logged errors point at (registered codes only), most frequent first. */
export function signalPathsOf(evidence: LogEvidence | undefined): string[] {
  if (!evidence) return [];
  return [
    ...new Set(evidence.codes.filter((c) => c.registered && c.origin !== 'external' && c.origin !== 'user').flatMap((c) => c.codePaths)),
  ];
}
