/** The GitHub token from Secrets Manager: a plain string, or JSON with a `token` key. Read once per container. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, TransientError } from '#domain/shared/errors';

const cache = new Map<string, Promise<string>>();

/** Reads the token, cached per container; a failed read is not cached, so the next call tries again. */
export function readGithubToken(client: SecretsManagerClient, secretId: string): Promise<string> {
  let token = cache.get(secretId);
  if (!token) {
    token = fetchToken(client, secretId);
    cache.set(secretId, token);
    token.catch(() => {
      if (cache.get(secretId) === token) cache.delete(secretId);
    });
  }
  return token;
}

/** Forgets cached tokens, e.g. after GitHub rejected one that was rotated. */
export function forgetGithubTokens(): void {
  cache.clear();
}

/** The token in a secret's string: plain, or JSON `{ "token": "..." }`. */
export function tokenFromSecretString(secretString: string, secretId: string): string {
  const text = secretString.trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError(
        `secret ${secretId} looks like JSON but does not parse; store the token as a plain string or as {"token": "..."}`,
      );
    }
    const value = (parsed as { token?: unknown }).token;
    if (typeof value !== 'string' || value.trim().length === 0) {
      throw new ConfigError(
        `secret ${secretId} is JSON without a non-empty "token" key; store it as {"token": "..."} or as a plain string`,
      );
    }
    return value.trim();
  }
  if (text.length === 0) throw new ConfigError(`secret ${secretId} is empty; put the GitHub token in it`);
  return text;
}

async function fetchToken(client: SecretsManagerClient, secretId: string): Promise<string> {
  let secretString: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = out.SecretString;
  } catch (error) {
    const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'ResourceNotFoundException') {
      throw new ConfigError(`secret ${secretId} does not exist; create it with the GitHub token as its value`, { cause: error });
    }
    const status = e.$metadata?.httpStatusCode;
    if (e.$retryable || (status !== undefined && status >= 500) || e.name === 'InternalServiceError') {
      throw new TransientError(`reading secret ${secretId} failed: ${e.name ?? 'error'}`, { cause: error });
    }
    throw error;
  }
  if (secretString === undefined) {
    throw new ConfigError(`secret ${secretId} has no string value (binary secrets are not supported); store the token as a string`);
  }
  return tokenFromSecretString(secretString, secretId);
}
