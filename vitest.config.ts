/**
 * The tests, in four projects by what they need:
 *   unit         pure cores, use cases and adapters against in-process stand-ins (stubbed AWS clients, a
 *                local GitHub HTTP server): no Java, no DynamoDB Local;
 *   integration  the DynamoDB store and the handlers over it, against DynamoDB Local;
 *   scenarios    the state machines executed by aws-local-stepfunctions (with DynamoDB Local);
 *   cdk          the synthesized stack.
 * A test file is unit unless it is listed below. DynamoDB Local is started once for the run by the global
 * setup of the projects that need it (test/support/dynamodb-local.global.ts).
 */
import { configDefaults, defineConfig } from 'vitest/config';
import { missingRealData, REAL_FILES, type RealFolder } from './test/support/real-data.ts';

const integration = [
  'test/alarm-tags.test.ts',
  'test/handlers.test.ts',
  'test/loop-cost.test.ts',
  'test/loop-deploy-watch.test.ts',
  'test/loop-fix-detection.test.ts',
  'test/loop-human.test.ts',
  'test/store-deploys-locks.test.ts',
  'test/store-lineage.test.ts',
  'test/store-loop.test.ts',
  'test/triage-app.test.ts',
  'test/sns-records.test.ts',
  'test/issue-filing.test.ts',
];
const scenarios = [
  'test/alarm-storm.test.ts',
  'test/cli-local.test.ts',
  'test/friction-workflow.test.ts',
  'test/lineage-loop.test.ts',
  'test/monorepo-deploys.test.ts',
  'test/triage-suite.test.ts',
  'test/validate-scenarios.test.ts',
];
const cdk = ['test/cdk-*.test.ts'];
const dynamoDbLocal = ['test/support/dynamodb-local.global.ts'];
const realDataMissing = missingRealData(...(Object.keys(REAL_FILES) as RealFolder[])) !== undefined;

export default defineConfig({
  test: {
    // Each test file in a fresh worker process, as node's runner did; as many at a time as there are
    // cores (two here: the tests are CPU-bound, and more workers only share the same cores).
    pool: 'forks',
    maxWorkers: '100%',
    // Hooks run in the order they are written (node:test's order), after-hooks included.
    sequence: { hooks: 'list' },
    coverage: {
      provider: 'v8',
      include: ['lambdas/**'],
      reporter: ['text-summary', 'lcov'],
      reportsDirectory: 'coverage',
      // Floors, a few points below what the whole suite measured (domain: lines 96.9, statements 93.7,
      // functions 96.0, branches 79.8; app: 90.9, 87.8, 91.4, 76.2). Not checked when the suites that read
      // the real data are skipped for want of it: they cover the parsers.
      thresholds: realDataMissing
        ? {}
        : {
            'lambdas/domain/**': { lines: 93, statements: 90, functions: 93, branches: 76 },
            'lambdas/app/**': { lines: 87, statements: 84, functions: 88, branches: 73 },
          },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...integration, ...scenarios, ...cdk],
          // The statistical tests simulate thousands of series: seconds each, more under coverage.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: integration,
          globalSetup: dynamoDbLocal,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'scenarios',
          include: scenarios,
          globalSetup: dynamoDbLocal,
          // A scenario replays a day or more of minutes; `prodloop local` starts its own DynamoDB Local.
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'cdk',
          include: cdk,
          // aws-cdk-lib reports a failed synth validation differently when NODE_ENV is 'test' (which vitest
          // sets): the stack is synthesized without it, as under `cdk synth` and as the tests were written.
          env: { NODE_ENV: undefined },
          // Synthesizing the stack (bundling every function with esbuild, cdk-nag) takes seconds per synth.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
