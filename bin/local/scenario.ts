/**
 * Scenario files (docs/scenarios.md): a metric series (given or generated), tenants, deploys with
 * their changed paths, the fixes that ship and what each does to the signal, and the expected outcome.
 * Here: their schema, loading, and the local run's default configuration; a scenario is replayed
 * through the sources of replay.ts.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { ProdloopConfigInput } from '#domain/config/config';

/**
 * A pull request a deploy ships, as the code host would return it. `{issue}` and `{lineage}` in the
 * body stand for the lineage's issue number and id when the deploy ships.
 */
const pullRequest = z.object({
  number: z.number().int().positive(),
  title: z.string().optional(),
  body: z.string().default(''),
});

const deploy = z.object({
  id: z.string().min(1),
  /** Minutes after the series start. */
  minute: z.number().min(0),
  service: z.string().min(1),
  changedPaths: z.array(z.string()).default([]),
  prNumbers: z.array(z.number().int().positive()).default([]),
  commitSha: z.string().optional(),
  dependencyChanges: z.array(z.object({ name: z.string(), from: z.string().optional(), to: z.string().optional() })).default([]),
  /** The pull requests it ships, with their bodies (default: its prNumbers with empty bodies). */
  prs: z.array(pullRequest).optional(),
});

const fix = z.object({
  id: z.string().min(1),
  /** Minutes after the previous step (the alarm, or the previous fix's last evaluation). */
  afterMinutes: z.number().min(0).default(60),
  service: z.string().min(1).optional(),
  changedPaths: z.array(z.string()).default([]),
  prNumbers: z.array(z.number().int().positive()).default([]),
  /** The signal's level after this deploy, as a multiple of the baseline: 1 = back to baseline. */
  level: z.number().min(0),
  /** The pull requests it ships (default: each of prNumbers with the body "Fixes #{issue}"). */
  prs: z.array(pullRequest).optional(),
  /** Times the same "Deploy Finished" event is delivered (EventBridge delivers at least once). */
  deliveries: z.number().int().min(1).max(5).default(1),
  /** After it, an older deploy that references the issue too arrives late (finished this many minutes earlier). */
  lateOlder: z.object({ id: z.string().min(1), minutesEarlier: z.number().positive() }).optional(),
  /** Reported by CI or the coding agent for this attempt, as a "Cost Reported" event before the deploy ships. */
  reportedCostUsd: z.number().min(0).optional(),
});

/** A human's word while the loop waits for one. */
const human = z.object({
  /** Minutes after the loop started waiting for a human. */
  afterMinutes: z.number().min(0).default(30),
  action: z.enum(['budget-reset', 'quarantine-lift']),
  /** For quarantine-lift: the locked path (default: every lock). */
  path: z.string().optional(),
  /** For budget-reset: a new budget in USD. */
  budgetUsd: z.number().positive().optional(),
  reason: z.string().min(1).default('scenario: a human decided to go on'),
  by: z.string().min(1).default('oncall@example.com'),
});

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
    description: z.string(),
    alarm: z.object({
      name: z.string().min(1),
      namespace: z.string().min(1),
      metricName: z.string().min(1),
      dimensions: z.record(z.string(), z.string()).default({}),
      stat: z.string().default('Sum'),
      periodSeconds: z.number().int().positive().default(60),
      /** Minutes between the onset and the alarm firing. */
      delayMinutes: z.number().min(0).default(15),
      /** The kind of alarm that fires; its event has that shape. */
      variant: z.enum(['single-metric', 'metric-math', 'anomaly-band', 'composite']).default('single-metric'),
      /** Composite alarms: the child alarms its rule names, the first in ALARM. Empty: CloudWatch knows none of them. */
      children: z.array(z.string().min(1)).default([]),
    }),
    series: z.object({
      /** Series start (minute 0). */
      start: z.string().datetime().default('2026-03-02T06:00:00Z'),
      baseline: z.number().positive(),
      /** Relative noise: standard deviation as a fraction of the level. */
      noise: z.number().min(0).default(0.05),
      /** Relative change of the baseline per hour (pre-existing trend). */
      trendPerHour: z.number().default(0),
      onsetMinute: z.number().min(0),
      /** The incident's level, as a multiple of the baseline. */
      level: z.number().min(0),
      seed: z.number().int().default(7),
      /** Given points instead of generated ones (minute, value); fixes still scale them after their deploy. */
      points: z.array(z.object({ minute: z.number(), value: z.number() })).optional(),
      /** `poisson` draws counts (low traffic looks like low traffic); `gaussian` adds relative noise. */
      distribution: z.enum(['gaussian', 'poisson']).default('gaussian'),
      /** Minutes the incident takes to reach its level (a ramp instead of a step). */
      rampMinutes: z.number().min(0).default(0),
      /** The incident ends here: the level goes back to the baseline (a blip). */
      endMinute: z.number().min(0).optional(),
      /** A daily ramp of the baseline (every day, also in previous weeks): from 1 at `rampFromMinute` to 1 + `amplitude` at `rampToMinute`, minutes of the day counted from `start`. */
      seasonality: z
        .object({ amplitude: z.number(), rampFromMinute: z.number().min(0).max(1440), rampToMinute: z.number().min(0).max(1440) })
        .optional(),
      /** Previous weeks the replay serves (for weekly seasonality); 0 serves nothing before minute 0. */
      historyWeeks: z.number().int().min(0).max(8).default(0),
    }),
    tenants: z
      .object({
        active: z.number().int().min(0),
        affected: z.number().int().min(0),
        /** Serve one series per tenant (the affected ones shift at the onset) so triage tests each tenant itself. */
        perTenant: z.boolean().optional(),
        /** Tenant names (dimension values); default `tenant-1`, `tenant-2`… The first `affected` ones are affected. */
        names: z.array(z.string().min(1)).optional(),
      })
      .default({ active: 0, affected: 0 }),
    deploys: z.array(deploy).default([]),
    fixes: z.array(fix).default([]),
    /** What humans do, in order, each time the loop waits for one. */
    humans: z.array(human).default([]),
    /** All operations (requests) per period, the rule's traffic metric, for depth. */
    traffic: z.object({ metricName: z.string().min(1), baseline: z.number().positive(), level: z.number().min(0).default(1) }).optional(),
    /** AWS Health events, sent through record-deploy as real `AWS Health Event`s at their minute. */
    health: z
      .array(
        z.object({
          minute: z.number(),
          service: z.string().min(1),
          eventTypeCode: z.string().min(1),
          status: z.string().default('open'),
          region: z.string().default('us-east-1'),
        }),
      )
      .default([]),
    /** Log lines the Logs Insights replay returns (raw: triage sanitizes them); `count` repeats a line. */
    logs: z.array(z.object({ message: z.string(), count: z.number().int().min(1).default(1), minute: z.number().optional() })).default([]),
    /** Alarms of other services in ALARM (the account's picture during an outage). */
    otherAlarms: z.array(z.object({ name: z.string().min(1), namespace: z.string().optional(), sinceMinute: z.number() })).default([]),
    /** Quarantine locks already in place when the scenario starts. */
    locks: z.array(z.object({ path: z.string().min(1), reason: z.string().default('an earlier andon') })).default([]),
    /** A storm: the alarm (and these other alarms of the problem) fire for every one of `tenants` tenants at once. */
    storm: z
      .object({
        tenants: z.number().int().min(1),
        alarms: z.array(z.object({ name: z.string().min(1), metricName: z.string().min(1) })).default([]),
      })
      .optional(),
    /** Overrides of the embedded default configuration. */
    config: z.record(z.string(), z.unknown()).default({}),
    expect: z
      .object({
        decision: z.enum(['actionable', 'observation', 'ignore']).optional(),
        verdicts: z.array(z.enum(['recovered', 'unchanged', 'worse', 'inconclusive'])).optional(),
        andon: z.boolean().optional(),
        escalations: z.array(z.string()).optional(),
        issues: z.number().int().min(0).optional(),
        /** What a careful SRE concludes the cause is (the label the triage bench scores against). */
        attribution: z.enum(['platform-deploy', 'dependency-change', 'external-dependency', 'user-configuration', 'unknown']).optional(),
        tier: z.union([z.literal(1), z.literal(2)]).optional(),
        priority: z.enum(['P0', 'P1', 'P2', 'P3']).optional(),
        /** Revert pull requests proposed. */
        reverts: z.number().int().min(0).optional(),
        /** Quarantine locks left at the end. */
        locks: z.array(z.string()).optional(),
        /** The lineage's status at the end, e.g. resolved or halted. */
        finalStatus: z.string().optional(),
      })
      .default({}),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema>;

export function loadScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON: ${(error as Error).message}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: not a valid scenario:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  return parsed.data;
}

/** The embedded default configuration local runs use; a scenario's `config` overrides its keys. */
export const localDefaultConfig: ProdloopConfigInput = {
  githubRepository: 'acme/shop',
  watchedAlarms: { namePrefixes: ['prod-'] },
  // A small shop: checkout (the bundled scenarios), and neighbours for cross-service and storm scenarios.
  codePaths: [
    {
      service: 'checkout',
      alarmNamePrefixes: ['prod-checkout-'],
      paths: ['services/checkout/**'],
      logGroups: ['/shop/checkout'],
      awsServices: ['DYNAMODB', 'SQS'],
      trafficMetric: { namespace: 'Shop/Checkout', metricName: 'Requests' },
    },
    {
      service: 'payments',
      alarmNamePrefixes: ['prod-payments-'],
      paths: ['services/payments/**'],
      highBlastRadius: true,
      logGroups: ['/shop/payments'],
      awsServices: ['DYNAMODB'],
    },
    {
      service: 'search',
      alarmNamePrefixes: ['prod-search-'],
      paths: ['services/search/**'],
      logGroups: ['/shop/search'],
      awsServices: ['ES'],
    },
    {
      service: 'catalog',
      alarmNamePrefixes: ['prod-catalog-'],
      paths: ['services/catalog/**'],
      logGroups: ['/shop/catalog'],
      awsServices: ['S3'],
    },
  ],
  triage: {
    errorCodes: [
      { code: 'E_CART_TOTAL', origin: 'platform', codePaths: ['services/checkout/cart/**'] },
      { code: 'E_INVENTORY_LOCK', origin: 'platform', codePaths: ['services/checkout/inventory/**'] },
      { code: 'E_DB_DRIVER', origin: 'dependency', codePaths: ['services/checkout/db/**'] },
      { code: 'E_WEBHOOK_CONFIG', origin: 'user', codePaths: ['services/checkout/webhooks/**'] },
      { code: 'E_PAYMENT_DECLINED', origin: 'user', codePaths: ['services/payments/**'] },
      { code: 'E_UPSTREAM_TIMEOUT', origin: 'external', codePaths: [] },
    ],
  },
  shadowMode: true,
  iterationCap: 3,
  defaultBudgetUsd: 50,
  iterationCostUsd: 5,
  // Local runs shorten the recovery span (production: a daily cycle) and the settle period so a scenario ends in a few looks.
  validation: {
    intervalSeconds: 300,
    recoveredEvaluations: 3,
    maxEvaluations: 24,
    recoveryMinutes: 15,
    recoveryMargin: 0.5,
    settleMinutes: 0,
  },
  // And the deploy watch to half an hour (production: two hours), so a clear deploy ends in six looks.
  deployWatch: { intervalSeconds: 300, evaluations: 6 },
};
