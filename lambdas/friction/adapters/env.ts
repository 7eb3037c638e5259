/**
 * The friction functions' environment, parsed once at cold start: a bad value fails the cold start with
 * a clear message. Handlers pass `process.env`.
 */
import * as z from 'zod';
import { type ProdloopConfig, parseConfig } from '#domain/config/config';
import { ConfigError } from '#domain/shared/errors';
import { type FrictionConfig, frictionSettings } from '#friction/domain/config';

export const FRICTION_ENV = {
  bucket: 'FRICTION_BUCKET',
  judgeRoleArn: 'FRICTION_JUDGE_ROLE_ARN',
} as const;

const schema = z.object({
  PRODLOOP_CONFIG: z.string().min(2),
  FRICTION_BUCKET: z.string().min(3),
  FRICTION_JUDGE_ROLE_ARN: z.string().startsWith('arn:').optional(),
});

export interface FrictionEnv {
  readonly config: ProdloopConfig;
  readonly friction: FrictionConfig;
  readonly bucket: string;
  readonly judgeRoleArn?: string;
}

export function frictionEnv(source: Record<string, string | undefined>): FrictionEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success)
    throw new ConfigError(`environment is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  let raw: unknown;
  try {
    raw = JSON.parse(parsed.data.PRODLOOP_CONFIG);
  } catch (error) {
    throw new ConfigError(`PRODLOOP_CONFIG is not JSON: ${(error as Error).message}`);
  }
  const config = parseConfig(raw, 'PRODLOOP_CONFIG');
  return {
    config,
    friction: frictionSettings(config.friction),
    bucket: parsed.data.FRICTION_BUCKET,
    ...(parsed.data.FRICTION_JUDGE_ROLE_ARN ? { judgeRoleArn: parsed.data.FRICTION_JUDGE_ROLE_ARN } : {}),
  };
}
