/**
 * Cold import: a fresh Node process per measurement, with the environment a prodloop function has at
 * cold start (fake but well-formed values), timing `await import(bundle)` and nothing else.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENV, LAMBDA_SETTINGS } from '#adapters/env';
import { parseConfig } from '#domain/config/config';
import { localDefaultConfig } from '../bin/local/scenario.ts';

const probe = fileURLToPath(new URL('./import-probe.mjs', import.meta.url));
const MARKER = '@@import-probe ';

/**
 * What a Lambda process sees: the variables the bindings in lib/ set (named in
 * lambdas/adapters/env.ts), the Powertools settings, the region and (fake) credentials the runtime
 * injects. Nothing is inherited from the shell, so NODE_OPTIONS or a proxy setting cannot change
 * the figures. No value points anywhere reachable, and IMDS is disabled, so even a client that did
 * call out at import could not succeed.
 */
export function coldStartEnv(functionName: string): Record<string, string> {
  const region = 'us-east-1';
  const account = '123456789012';
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'bench-access-key-id',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: `prodloop-${functionName}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    [LAMBDA_SETTINGS.serviceName]: 'prodloop',
    [LAMBDA_SETTINGS.logLevel]: 'INFO',
    [ENV.tableName]: 't',
    [ENV.config]: JSON.stringify(parseConfig(localDefaultConfig, 'bench configuration')),
    [ENV.stateMachineArn]: `arn:aws:states:${region}:${account}:stateMachine:prodloop-lineage`,
    [ENV.deployWatchStateMachineArn]: `arn:aws:states:${region}:${account}:stateMachine:prodloop-deploy-watch`,
    [ENV.eventBusName]: 'prodloop',
    [ENV.topicArn]: `arn:aws:sns:${region}:${account}:prodloop-escalations`,
    [ENV.githubTokenSecretId]: 'prodloop/github-token',
    [ENV.parkingQueueUrl]: `https://sqs.${region}.amazonaws.com/${account}/prodloop-parking`,
  };
}

export interface ImportSample {
  readonly ms: number;
  /** Network handles the import left open (sockets, DNS requests); should be empty. */
  readonly network: readonly string[];
}

/**
 * Imports `bundle` once in a fresh process; rejects if the import throws or the process fails.
 * `nodeOptions` go to that process's command line (e.g. --enable-source-maps).
 */
export function coldImport(bundle: string, functionName: string, nodeOptions: readonly string[] = []): Promise<ImportSample> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeOptions, probe, bundle],
      { env: coldStartEnv(functionName), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout
          .split('\n')
          .reverse()
          .find((l) => l.startsWith(MARKER));
        if (error || !line) {
          reject(new Error(`cold import of ${functionName} failed: ${error?.message ?? 'no result'}\n${stderr.trim()}`));
          return;
        }
        const result = JSON.parse(line.slice(MARKER.length)) as { ms?: number; error?: string; network: string[] };
        if (result.error !== undefined || result.ms === undefined) {
          reject(new Error(`importing ${functionName} threw at cold start: ${result.error ?? 'no timing'}\n${stderr.trim()}`));
          return;
        }
        resolve({ ms: result.ms, network: result.network });
      },
    );
  });
}
