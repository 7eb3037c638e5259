/**
 * prodloop's configuration: `cdk.json` context key `prodloop`, validated at synth time, handed to every
 * function as the PRODLOOP_CONFIG environment variable and validated again at cold start.
 */
import * as z from 'zod';
import { ConfigError } from '#domain/shared/errors';
import { DEFAULT_STACK_COMMIT_KEYS } from '#domain/signals/deploy-version';
import { metricRef } from '#domain/signals/signals';
import { codePathTriageFields, privacySettings, triageSettings } from '#domain/triage/config';
import { frictionKey } from '#friction/domain/config';
import { signalRule, worseWhen } from './signal-schema.ts';

const repository = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be "owner/name", e.g. "acme/shop"');

export const codePathRule = z.object({
  /** The service the code paths belong to (deploy events name it). */
  service: z.string().min(1),
  /** Alarms whose name starts with one of these map to this service. */
  alarmNamePrefixes: z.array(z.string().min(1)).default([]),
  /** Alarms on metrics with one of these namespaces map to this service. */
  namespaces: z.array(z.string().min(1)).default([]),
  /** Glob patterns of the code the service is built from. */
  paths: z.array(z.string().min(1)).min(1),
  /** Historically high blast radius: issues on these paths are Tier 2. */
  highBlastRadius: z.boolean().default(false),
  ...codePathTriageFields,
  /**
   * Signals a deploy touching these paths is watched on (besides the alarms of the service's lineages).
   * `worseWhen: 'lower'` marks one whose fall is the regression (throughput, successful orders); default `higher`.
   */
  metrics: z.array(metricRef.extend({ worseWhen: worseWhen.optional() })).default([]),
});
export type CodePathRule = z.infer<typeof codePathRule>;

export const prodloopConfig = z
  .object({
    /** The repository issues are filed in. */
    githubRepository: repository,
    /** Secrets Manager secret holding the GitHub token (plain string, or JSON with a `token` key). */
    githubTokenSecretName: z.string().min(1).default('prodloop/github-token'),
    /** Base URL of the GitHub REST API (GitHub Enterprise Server users change it). */
    /**
     * The token travels with every request: https only. Plain http is accepted for a loopback host
     * alone (a GitHub stand-in on the same machine), where nothing crosses a network.
     */
    githubApiUrl: z
      .string()
      .url()
      .refine(secureOrLoopback, 'must be an https:// URL (the token is sent with every request); http:// only for localhost or 127.0.0.1')
      .default('https://api.github.com'),
    watchedAlarms: z
      .object({
        namePrefixes: z.array(z.string().min(1)).default([]),
        /** Alarms carrying one of these tags (key and value) are watched too. */
        tags: z.array(z.object({ key: z.string().min(1), value: z.string() })).default([]),
      })
      .refine((w) => w.namePrefixes.length > 0 || w.tags.length > 0, {
        message: 'name at least one alarm name prefix or tag to watch',
      }),
    codePaths: z.array(codePathRule).default([]),
    /** Dimension that carries the tenant id; alarms differing only in it are one lineage. */
    tenantDimension: z.string().min(1).default('TenantId'),
    thresholds: z
      .object({
        /** The shift must last this long before prodloop acts. */
        minDurationMinutes: z.number().positive().default(10),
        /** Fraction of active tenants affected before an issue is actionable. */
        minBreadth: z.number().min(0).max(1).default(0.05),
        /** Shift size over baseline noise (z-score) before the signal counts at all. */
        minSignalToNoise: z.number().positive().default(3),
        /** Minutes before the onset in which a deploy counts as a suspect. */
        deployLookbackMinutes: z.number().positive().default(120),
      })
      .default({ minDurationMinutes: 10, minBreadth: 0.05, minSignalToNoise: 3, deployLookbackMinutes: 120 }),
    /** Signal-driven triage: the shift test, evidence sources, error codes, caps (docs/triage.md). */
    triage: triageSettings.prefault({}),
    /** The sanitizer's identifier pseudonyms. */
    privacy: privacySettings.prefault({}),
    /** Consecutive iterations without improvement before escalating. */
    iterationCap: z.number().int().min(1).max(20).default(3),
    /** Default cost budget per lineage, USD. */
    defaultBudgetUsd: z.number().positive().default(50),
    /** prodloop's own estimate of one iteration's cost (agent run, CI, state transitions), USD. */
    iterationCostUsd: z.number().min(0).default(5),
    validation: z
      .object({
        /** Seconds between two evaluations after a fix deploy. */
        intervalSeconds: z.number().int().min(1).default(300),
        /** Looks before "recovered" or "unchanged" may be declared ("worse" may come on the first). */
        recoveredEvaluations: z.number().int().min(1).default(3),
        /** Evaluations after which an undecided validation escalates as inconclusive (432 × 300 s = 36 h, past the recovery span). */
        maxEvaluations: z.number().int().min(1).default(432),
        /** Minutes the signal must stay back at its baseline, after the settle period, before the issue closes: a daily cycle. */
        recoveryMinutes: z.number().min(0).default(1440),
        /** "Back at baseline" means below (1 + margin) × the trend-adjusted baseline (at most half the incident's excess). */
        recoveryMargin: z.number().positive().max(10).default(0.25),
        /** Minutes after a fix deploy left out of "recovered" and "unchanged" while it rolls out. */
        settleMinutes: z.number().min(0).default(15),
        /** Days of history before the onset the healthy baseline (trend, daily cycle) is fitted on; CloudWatch keeps 1-minute data 15 days. */
        historyDays: z.number().min(0).max(15).default(7),
        /** At most this many minutes before a deploy (after the onset) stand for its pre-deploy level. */
        preDeployMinutes: z.number().int().min(1).default(60),
        /** How alarms' signals are read: rate over a traffic metric, count or level (docs/validation.md). */
        signals: z.array(signalRule).default([]),
      })
      .default({
        intervalSeconds: 300,
        recoveredEvaluations: 3,
        maxEvaluations: 432,
        recoveryMinutes: 1440,
        recoveryMargin: 0.25,
        settleMinutes: 15,
        historyDays: 7,
        preDeployMinutes: 60,
        signals: [],
      }),
    /**
     * How a deploy is recognised as a lineage's fix: `pull-requests` (a PR it ships references the
     * issue with a closing keyword, or the lineage with a `Prodloop-Lineage:` trailer), or `service`
     * (any successful deploy of the lineage's service).
     */
    fixDetection: z.enum(['pull-requests', 'service']).default('pull-requests'),
    /** Branch revert pull requests are opened against. */
    githubBaseBranch: z.string().min(1).default('main'),
    /** Keys of a stack tag, parameter or output that carry the commit a CloudFormation deploy shipped, in order of preference. */
    stackCommitKeys: z
      .array(z.string().min(1))
      .min(1)
      .default([...DEFAULT_STACK_COMMIT_KEYS]),
    /**
     * Every deploy touching watched code paths is watched for regressions against the trend-adjusted
     * level before it (`validation.historyDays` of history). A `preDeployMinutes` left from older
     * configurations is ignored.
     */
    deployWatch: z
      .object({
        /** Seconds between two looks after a deploy. */
        intervalSeconds: z.number().int().min(1).default(300),
        /**
         * Looks without a regression before the deploy counts as clear: 24 looks of 5 minutes watch a
         * deploy for two hours, long enough for a regression that starts after the first hour (a leak,
         * a filling cache) to be caught on the hour it started.
         */
        evaluations: z.number().int().min(1).max(100).default(24),
      })
      .default({ intervalSeconds: 300, evaluations: 24 }),
    /** Progressive deploys naming a cohort are judged new cohort against the baseline cohort, on this dimension. */
    cohorts: z
      .object({ dimension: z.string().min(1).default('Cohort'), baseline: z.string().min(1).default('stable') })
      .default({ dimension: 'Cohort', baseline: 'stable' }),
    /** Prices behind prodloop's estimate of its own cost per iteration, USD. */
    costModel: z
      .object({
        stateTransitionUsd: z.number().min(0).default(0.000025),
        lambdaGbSecondUsd: z.number().min(0).default(0.0000133334),
      })
      .default({ stateTransitionUsd: 0.000025, lambdaGbSecondUsd: 0.0000133334 }),
    /** Dry run: issues and pages go to the audit trail and the outbox only. On until a human turns it off. */
    shadowMode: z.boolean().default(true),
    escalationEmails: z.array(z.string().email()).default([]),
    handoff: z
      .object({
        labels: z.array(z.string().min(1)).default(['prodloop', 'agent-ready']),
        assignees: z.array(z.string().min(1)).default([]),
      })
      .default({ labels: ['prodloop', 'agent-ready'], assignees: [] }),
    /** Friction signals from coding-agent transcripts (docs/friction.md); deployed when present. */
    friction: frictionKey.optional(),
  })
  .strict();
export type ProdloopConfig = z.infer<typeof prodloopConfig>;
export type ProdloopConfigInput = z.input<typeof prodloopConfig>;

/** Parses configuration, or throws a ConfigError listing every problem with its path. */
export function parseConfig(raw: unknown, origin = 'prodloop configuration'): ProdloopConfig {
  const result = prodloopConfig.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
  throw new ConfigError(`${origin} is invalid:\n${problems}`);
}

/** The service and code paths an alarm maps to, by name prefix first, then by metric namespace. */
export function codePathsFor(
  config: ProdloopConfig,
  alarm: { alarmName: string; namespaces: readonly string[] },
): CodePathRule | undefined {
  return (
    config.codePaths.find((r) => r.alarmNamePrefixes.some((p) => alarm.alarmName.startsWith(p))) ??
    config.codePaths.find((r) => r.namespaces.some((n) => alarm.namespaces.includes(n)))
  );
}

/** https, or http to this machine itself. */
function secureOrLoopback(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
}
