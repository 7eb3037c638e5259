/**
 * Cold-start wiring shared by the handlers: the environment parsed once with the schema of
 * lambdas/adapters/env.ts (a bad value fails the cold start with a clear message), the logger, the
 * table. Each handler builds only the clients it uses, so its bundle carries only those.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { configJson, ENV, parseEnv, type RuntimeEnv, runtimeEnvSchema } from '#adapters/env';
import { parseConfig } from '#domain/config/config';
import { systemClock } from '#ports/clock';
import type { LoggerLike } from '#ports/deps';

/** The lineage loop's environment (lambdas/adapters/env.ts); a bad value fails the cold start with a ConfigError naming it. */
export function readEnv(source: Record<string, string | undefined> = process.env): RuntimeEnv {
  return parseEnv(runtimeEnvSchema, source);
}

export function runtime() {
  const e = readEnv();
  const config = parseConfig(configJson(e[ENV.config]), ENV.config);
  const logger = powertoolsLogger(new Logger({ serviceName: 'prodloop' }));
  const store = new DynamoDbLineageStore({ client: new DynamoDBClient({}), tableName: e[ENV.tableName] });
  return { env: e, config, logger, store, clock: systemClock };
}

/** Powertools Logger behind the core's LoggerLike: structured JSON with the extra keys merged in. */
export function powertoolsLogger(logger: Logger): LoggerLike {
  const at = (level: 'info' | 'warn' | 'error') => (message: string, extra?: Record<string, unknown>) =>
    extra ? logger[level](message, extra as Record<string, never>) : logger[level](message);
  return { info: at('info'), warn: at('warn'), error: at('error') };
}
