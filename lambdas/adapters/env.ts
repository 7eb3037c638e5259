/**
 * Every environment variable prodloop's functions read, named once: the CDK bindings (lib/) set them
 * by these names, and the handlers parse them with these schemas. Names and zod only, no AWS SDK, so
 * lib/ and the bench import it cheaply.
 */
import * as z from 'zod';
import { ConfigError } from '#domain/shared/errors';

/** Variables the bindings set (lib/function.ts, lib/github-access.ts, lib/friction.ts); nothing else sets them. */
export const ENV = {
  tableName: 'TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  deployWatchStateMachineArn: 'DEPLOY_WATCH_STATE_MACHINE_ARN',
  eventBusName: 'EVENT_BUS_NAME',
  topicArn: 'TOPIC_ARN',
  githubTokenSecretId: 'GITHUB_TOKEN_SECRET_ID',
  parkingQueueUrl: 'PARKING_QUEUE_URL',
  config: 'PRODLOOP_CONFIG',
} as const;

/** Variables the friction construct (lib/friction.ts) sets on the friction functions. */
export const FRICTION_ENV = {
  bucket: 'FRICTION_BUCKET',
  judgeRoleArn: 'FRICTION_JUDGE_ROLE_ARN',
} as const;

/** Set on every function for Node and Powertools, which read them themselves (lib/function.ts). */
export const LAMBDA_SETTINGS = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  nodeOptions: 'NODE_OPTIONS',
} as const;

/** Set by the Lambda runtime itself. */
export const LAMBDA_RUNTIME = {
  region: 'AWS_REGION',
} as const;

/**
 * The lineage loop's functions. TABLE_NAME and PRODLOOP_CONFIG are on every one of them; the others
 * only where a binding set them, so a handler that needs one asks with `requireEnv`.
 */
export const runtimeEnvSchema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.config]: z.string().min(2),
  [ENV.stateMachineArn]: z.string().optional(),
  [ENV.deployWatchStateMachineArn]: z.string().optional(),
  [ENV.eventBusName]: z.string().optional(),
  [ENV.topicArn]: z.string().optional(),
  [ENV.githubTokenSecretId]: z.string().optional(),
  [ENV.parkingQueueUrl]: z.string().optional(),
  [LAMBDA_RUNTIME.region]: z.string().optional(),
});
export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

/** The friction functions: the configuration and the transcript bucket, and the judge's batch role where it runs. */
export const frictionEnvSchema = z.object({
  [ENV.config]: z.string().min(2),
  [FRICTION_ENV.bucket]: z.string().min(3),
  [FRICTION_ENV.judgeRoleArn]: z.string().startsWith('arn:').optional(),
});
export type FrictionEnvVariables = z.infer<typeof frictionEnvSchema>;

/** Parses the environment with one of the schemas above; a bad value is a ConfigError naming the variable. */
export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success)
    throw new ConfigError(`environment is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The JSON of PRODLOOP_CONFIG, for parseConfig; text that is not JSON is a ConfigError naming the variable. */
export function configJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${ENV.config} is not JSON: ${(error as Error).message}`);
  }
}

/** A variable only some functions get, required by the one asking. */
export function requireEnv(value: string | undefined, name: string): string {
  if (!value) throw new ConfigError(`environment variable ${name} is required by this function`);
  return value;
}
