/**
 * Code path globs through the functions that decide with them: which loops a quarantine lock halts,
 * which code path rules a deploy touches (what the deploy watch watches), and which deploys triage
 * blames for changing the service's code. Each with braces, a bracket class, a negation, and the
 * folder a `/**` glob names.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { codePathRule } from '#domain/config/config';
import type { QuarantineLock, RecordedDeploy } from '#domain/lineage/lineage';
import { locksOn, stopReason } from '#domain/lineage/loop';
import { matchesPath } from '#domain/shared/glob';
import { type DeploySignal, deploySignal } from '#domain/signals/signals';
import { attribute } from '#domain/triage/attribution';
import { rulesTouched } from '#domain/validation/deploy-watch';

const AT = '2026-03-02T09:00:00.000Z';
const lock = (path: string): QuarantineLock => ({ path, lineageId: 'lin-andon', reason: 'a deploy made it worse', lockedAt: AT });
const loop = (codePaths: string[]) => ({ codePaths, costUsd: 0, budgetUsd: 50 });

describe('a quarantine lock halts the loops whose code paths it covers', () => {
  test('a lock on two services in braces halts a loop on either, and no other', () => {
    const locks = [lock('services/{checkout,cart}/**')];
    assert.equal(stopReason(loop(['services/cart/**']), locks)?.reason, 'andon');
    assert.equal(stopReason(loop(['services/checkout/payment.ts']), locks)?.reason, 'andon');
    assert.equal(stopReason(loop(['services/search/**']), locks), undefined);
  });

  test('a lock with a bracket class halts the loops of the folders the class names', () => {
    const locks = [lock('services/[ab]pi/**')];
    assert.deepEqual(
      locksOn({ codePaths: ['services/api/**'] }, locks).map((l) => l.path),
      ['services/[ab]pi/**'],
    );
    assert.deepEqual(locksOn({ codePaths: ['services/bpi/handler.ts'] }, locks).length, 1);
    assert.deepEqual(locksOn({ codePaths: ['services/cpi/**'] }, locks), []);
  });

  test('a loop whose code paths leave a folder out is not halted by a lock on that folder alone', () => {
    const codePaths = ['services/checkout/**', '!services/checkout/docs/**'];
    assert.deepEqual(locksOn({ codePaths }, [lock('services/checkout/docs/**')]), []);
    assert.equal(locksOn({ codePaths }, [lock('services/checkout/**')]).length, 1);
    assert.equal(locksOn({ codePaths }, [lock('services/checkout/cart.ts')]).length, 1);
  });

  test('a lock on a negated path locks nothing rather than everything', () => {
    assert.deepEqual(locksOn({ codePaths: ['services/cart/**'] }, [lock('!services/checkout/**')]), []);
    assert.deepEqual(locksOn({ codePaths: ['services/checkout/**'] }, [lock('!services/checkout/**')]), []);
  });

  test('a lock on a folder and everything in it halts a loop on the folder itself', () => {
    assert.equal(stopReason(loop(['services/checkout']), [lock('services/checkout/**')])?.reason, 'andon');
    assert.equal(stopReason(loop(['services/checkout/**']), [lock('services/checkout')])?.reason, 'andon');
    assert.equal(stopReason(loop(['services/*']), [lock('services/*/**')])?.reason, 'andon');
    assert.equal(stopReason(loop(['services/checkout-v2/**']), [lock('services/checkout/**')]), undefined);
  });

  test('a lock never misses a loop that shares a file with it, whatever the patterns', () => {
    const segment = fc.constantFrom(
      'a',
      'b',
      '.x',
      'a.ts',
      '*',
      '**',
      '?',
      '*.ts',
      'a*',
      '{a,b}',
      '{a,b/a}',
      '{a,}',
      '[ab]',
      '!(a)',
      '@(a|b)',
    );
    const pattern = fc
      .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 4 }))
      .map(([negated, parts]) => `${negated ? '!' : ''}${parts.join('/')}`);
    const file = fc.array(fc.constantFrom('a', 'b', '.x', 'a.ts', 'c'), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(
        pattern,
        fc.array(pattern, { minLength: 1, maxLength: 3 }),
        fc.array(file, { maxLength: 20 }),
        (lockPath, codePaths, files) => {
          const shared = files.some((f) => matchesPath([lockPath], f) && matchesPath(codePaths, f));
          return !shared || locksOn({ codePaths }, [lock(lockPath)]).length === 1;
        },
      ),
      { numRuns: 3000, seed: 20260302 },
    );
  });
});

describe('the deploy watch watches the code path rules a deploy touches', () => {
  const deploy = (changedPaths: string[]): DeploySignal =>
    deploySignal.parse({
      kind: 'deploy',
      source: 'custom',
      deployId: 'd-1',
      service: 'checkout',
      status: 'succeeded',
      at: AT,
      changedPaths,
    });
  const touched = (paths: string[], changed: string[], files: string[] = []) =>
    rulesTouched({ codePaths: [codePathRule.parse({ service: 'checkout', paths })] }, deploy(changed), files).map((r) => r.service);

  test('a rule over two folders in braces is touched by a change in either', () => {
    assert.deepEqual(touched(['services/{checkout,cart}/**'], ['services/cart/total.ts']), ['checkout']);
    assert.deepEqual(touched(['services/{checkout,cart}/**'], [], ['services/checkout/pay.ts']), ['checkout']);
    assert.deepEqual(touched(['services/{checkout,cart}/**'], ['services/search/index.ts']), []);
  });

  test('a rule with a bracket class is touched only by the folders the class names', () => {
    assert.deepEqual(touched(['services/[ab]pi/**'], ['services/api/routes.ts']), ['checkout']);
    assert.deepEqual(touched(['services/[ab]pi/**'], ['services/cpi/routes.ts']), []);
  });

  test('a deploy that changes only what a rule leaves out does not touch it', () => {
    const paths = ['services/checkout/**', '!services/checkout/docs/**'];
    assert.deepEqual(touched(paths, ['services/checkout/docs/runbook.md']), []);
    assert.deepEqual(touched(paths, ['services/checkout/docs/runbook.md', 'services/checkout/cart.ts']), ['checkout']);
  });

  test('a deploy that changes the folder itself (a submodule) touches the rule over it, dot files too', () => {
    assert.deepEqual(touched(['services/checkout/**'], ['services/checkout']), ['checkout']);
    assert.deepEqual(touched(['services/checkout/**'], ['services/checkout/.env.defaults']), ['checkout']);
    assert.deepEqual(touched(['services/checkout/**'], ['services/checkoutv2/cart.ts']), []);
  });
});

describe("triage blames a deploy for the service's code only when it changed that code", () => {
  const onsetMs = Date.parse(AT);
  const deploy = (changedPaths: string[]): RecordedDeploy => ({
    kind: 'deploy',
    source: 'custom',
    deployId: 'd-1',
    service: 'checkout',
    status: 'succeeded',
    at: new Date(onsetMs - 10 * 60_000).toISOString(),
    prNumbers: [],
    changedPaths,
    dependencyChanges: [],
    recordedAt: AT,
  });
  /** What triage says the deploy changed. */
  const blame = (codePaths: string[], changed: string[]) => {
    const candidates = attribute({
      onsetMs,
      deploys: [deploy(changed)],
      codePaths,
      signalPaths: [],
      narrowTenants: 2,
      health: [],
      healthServicesConfigured: false,
      otherAlarms: [],
      crossServiceAlarms: 3,
    });
    return candidates.find((c) => c.cause === 'platform-deploy')?.why ?? '';
  };
  const OF_THE_SERVICE = /changed 1 path\(s\) of the service/;
  const OUTSIDE = /changed only paths outside the service's code/;

  test('code paths in braces cover a change in either folder', () => {
    assert.match(blame(['services/{checkout,cart}/**'], ['services/cart/total.ts']), OF_THE_SERVICE);
    assert.match(blame(['services/{checkout,cart}/**'], ['services/search/index.ts']), OUTSIDE);
  });

  test('code paths with a bracket class cover only the folders the class names', () => {
    assert.match(blame(['services/[ab]pi/**'], ['services/bpi/routes.ts']), OF_THE_SERVICE);
    assert.match(blame(['services/[ab]pi/**'], ['services/cpi/routes.ts']), OUTSIDE);
  });

  test('a change only where the code paths leave out is outside the service', () => {
    const codePaths = ['services/checkout/**', '!services/checkout/docs/**'];
    assert.match(blame(codePaths, ['services/checkout/docs/runbook.md']), OUTSIDE);
    assert.match(blame(codePaths, ['services/checkout/docs/runbook.md', 'services/checkout/cart.ts']), OF_THE_SERVICE);
  });

  test('a change to the folder itself is a change of the service', () => {
    assert.match(blame(['services/checkout/**'], ['services/checkout']), OF_THE_SERVICE);
    assert.match(blame(['services/checkout/**'], ['services/checkout-v2/cart.ts']), OUTSIDE);
  });
});
