/** The one environment schema: every name the bindings set is parsed by a handler's schema, and a bad value names its variable. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { ENV, FRICTION_ENV, frictionEnvSchema, parseEnv, requireEnv, runtimeEnvSchema } from '#adapters/env';
import { readEnv } from '#adapters/runtime';
import { ConfigError } from '#domain/shared/errors';
import { ENV as LIB_ENV } from '../lib/function.ts';

const config = JSON.stringify({ githubRepository: 'acme/shop', watchedAlarms: { namePrefixes: ['prod-'] } });

describe('the environment schema', () => {
  test('lib/ sets the names the handlers parse: the same object, every name in a schema', () => {
    assert.equal(LIB_ENV, ENV);
    const parsed = new Set([...Object.keys(runtimeEnvSchema.shape), ...Object.keys(frictionEnvSchema.shape)]);
    for (const name of [...Object.values(ENV), ...Object.values(FRICTION_ENV)]) assert.ok(parsed.has(name), `${name} is parsed`);
  });

  test('the lineage loop needs its table and configuration; the rest only where a function asks', () => {
    const source = { TABLE_NAME: 't', PRODLOOP_CONFIG: config, DEPLOY_WATCH_STATE_MACHINE_ARN: 'arn:aws:states:x' };
    assert.deepEqual(readEnv({ ...source, OTHER: 'x' }), source);
    assert.throws(
      () => readEnv({ PRODLOOP_CONFIG: config }),
      (e: unknown) => e instanceof ConfigError && /TABLE_NAME/.test(e.message),
    );
    assert.throws(() => requireEnv(readEnv(source).EVENT_BUS_NAME, ENV.eventBusName), /environment variable EVENT_BUS_NAME is required/);
  });

  test('the friction functions need their bucket, and a judge role that is an ARN when set', () => {
    assert.throws(() => parseEnv(frictionEnvSchema, { PRODLOOP_CONFIG: config }), /FRICTION_BUCKET/);
    assert.throws(
      () => parseEnv(frictionEnvSchema, { PRODLOOP_CONFIG: config, FRICTION_BUCKET: 'b-1', FRICTION_JUDGE_ROLE_ARN: 'role' }),
      /FRICTION_JUDGE_ROLE_ARN/,
    );
  });
});
