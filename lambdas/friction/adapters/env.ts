/**
 * The friction functions' environment, parsed once at cold start with the schema of
 * lambdas/adapters/env.ts: a bad value fails the cold start with a clear message. Handlers pass
 * `process.env`.
 */
import { configJson, ENV, FRICTION_ENV, frictionEnvSchema, parseEnv } from '#adapters/env';
import { type ProdloopConfig, parseConfig } from '#domain/config/config';
import { type FrictionConfig, frictionSettings } from '#friction/domain/config';

export interface FrictionEnv {
  readonly config: ProdloopConfig;
  readonly friction: FrictionConfig;
  readonly bucket: string;
  readonly judgeRoleArn?: string;
}

export function frictionEnv(source: Record<string, string | undefined>): FrictionEnv {
  const env = parseEnv(frictionEnvSchema, source);
  const config = parseConfig(configJson(env[ENV.config]), ENV.config);
  const judgeRoleArn = env[FRICTION_ENV.judgeRoleArn];
  return {
    config,
    friction: frictionSettings(config.friction),
    bucket: env[FRICTION_ENV.bucket],
    ...(judgeRoleArn ? { judgeRoleArn } : {}),
  };
}
