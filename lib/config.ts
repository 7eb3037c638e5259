/**
 * Synth-time configuration: the whole object under the `prodloop` context key (cdk.json, or
 * `cdk synth -c prodloop='{...}'`), validated with the same schema the functions use at cold start.
 */

import { join } from 'node:path';
import type { Construct } from 'constructs';
import { type ProdloopConfig, parseConfig } from '#domain/config/config';
import { ConfigError } from '#domain/shared/errors';
import { eventsPerLook, HISTORY_EVENT_LIMIT, HISTORY_RESERVE, maxLooks } from './history-budget.ts';

const STATEMACHINES = join(import.meta.dirname, '..', 'statemachines');
/** The loops whose looks run in one execution: the configuration key that counts them, and where each look starts. */
const LOOPS = [
  {
    key: 'validation.maxEvaluations',
    file: 'lineage.asl.json',
    start: 'Wait before evaluating',
    count: (c: ProdloopConfig) => c.validation.maxEvaluations,
  },
  {
    key: 'deployWatch.evaluations',
    file: 'deploy-watch.asl.json',
    start: 'Wait for traffic',
    count: (c: ProdloopConfig) => c.deployWatch.evaluations,
  },
] as const;

/** The context key prodloop reads its configuration from. */
export const CONFIG_CONTEXT_KEY = 'prodloop';

/**
 * Lambda allows 4 KB of environment variables per function, names and values together. The
 * configuration travels as PRODLOOP_CONFIG next to a handful of short variables, so it gets most of it.
 */
export const MAX_CONFIG_BYTES = 3072;

/**
 * Reads the configuration under the context key and validates it.
 *
 * @throws ConfigError listing every problem with its path, so one synth shows them all.
 */
export function configFromContext(scope: Construct, key: string = CONFIG_CONTEXT_KEY): ProdloopConfig {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined) {
    throw new ConfigError(`context key "${key}" is missing: add the prodloop configuration to cdk.json (see the example there)`);
  }
  return validateConfig(typeof raw === 'string' ? parseJson(raw, key) : raw, `context key "${key}"`);
}

/**
 * Validates a configuration object: the schema, then the size it will have in the environment.
 *
 * @throws ConfigError listing every problem with its path.
 */
export function validateConfig(raw: unknown, origin = 'prodloop configuration'): ProdloopConfig {
  const config = parseConfig(raw, origin);
  const problems = LOOPS.flatMap((loop) => {
    const file = join(STATEMACHINES, loop.file);
    const most = maxLooks(file, loop.start);
    if (loop.count(config) <= most) return [];
    const look = eventsPerLook(file, loop.start);
    return [
      `  - ${loop.key}: ${loop.count(config)} looks do not fit one execution: each writes ${look.events} events to its history ` +
        `(statemachines/${loop.file}: ${look.path.join(' → ')}), so at most ${most} fit Step Functions' ${HISTORY_EVENT_LIMIT} ` +
        `events with ${HISTORY_RESERVE} left for the rest of the execution and its retries`,
    ];
  });
  if (problems.length > 0) throw new ConfigError(`${origin} is invalid:\n${problems.join('\n')}`);
  const bytes = Buffer.byteLength(serializeConfig(config), 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      `${origin} is ${bytes} bytes as JSON; it travels in the functions' environment, ` +
        `where it may take at most ${MAX_CONFIG_BYTES} bytes (Lambda allows 4 KB of environment variables in total)`,
    );
  }
  return config;
}

/** The configuration as the functions receive it (PRODLOOP_CONFIG), defaults filled in. */
export function serializeConfig(config: ProdloopConfig): string {
  return JSON.stringify(config);
}

/** `-c key=...` on the command line arrives as a string. */
function parseJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`context key "${key}" is a string but not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
