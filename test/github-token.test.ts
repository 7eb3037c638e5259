/** The GitHub token from Secrets Manager, at the SDK boundary. */
import assert from 'node:assert/strict';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeEach, test } from 'vitest';
import { forgetGithubTokens, readGithubToken } from '#adapters/github/token';
import { ConfigError, TransientError } from '#domain/shared/errors';

beforeEach(() => forgetGithubTokens());

function clientAnswering(...answers: Array<() => Promise<unknown>>): { client: SecretsManagerClient; sent: unknown[] } {
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  const sent: unknown[] = [];
  client.send = (async (command: unknown) => {
    sent.push(command);
    const answer = answers[Math.min(sent.length, answers.length) - 1];
    if (!answer) throw new Error('no answer configured');
    return answer();
  }) as SecretsManagerClient['send'];
  return { client, sent };
}

test('a plain-string secret is the token', async () => {
  const { client, sent } = clientAnswering(async () => ({ SecretString: 'ghp_plain\n' }));
  assert.equal(await readGithubToken(client, 'prodloop/github-token'), 'ghp_plain');
  assert.ok(sent[0] instanceof GetSecretValueCommand);
  assert.deepEqual((sent[0] as GetSecretValueCommand).input, { SecretId: 'prodloop/github-token' });
});

test("a JSON secret's token key is the token", async () => {
  const { client } = clientAnswering(async () => ({ SecretString: '{"token":"ghp_json","note":"rotated monthly"}' }));
  assert.equal(await readGithubToken(client, 'prodloop/github-token'), 'ghp_json');
});

test('the token is read once per container', async () => {
  const { client, sent } = clientAnswering(async () => ({ SecretString: 'ghp_once' }));
  const tokens = await Promise.all([readGithubToken(client, 's'), readGithubToken(client, 's'), readGithubToken(client, 's')]);
  assert.deepEqual(tokens, ['ghp_once', 'ghp_once', 'ghp_once']);
  assert.equal(sent.length, 1);
});

test('a failed read is tried again on the next call', async () => {
  const { client, sent } = clientAnswering(
    async () => {
      throw Object.assign(new Error('Service unavailable'), { name: 'InternalServiceError', $metadata: { httpStatusCode: 500 } });
    },
    async () => ({ SecretString: 'ghp_second' }),
  );
  await assert.rejects(readGithubToken(client, 's'), TransientError);
  assert.equal(await readGithubToken(client, 's'), 'ghp_second');
  assert.equal(sent.length, 2);
});

test('a JSON secret without a token is a configuration error that says how to fix it', async () => {
  const { client } = clientAnswering(async () => ({ SecretString: '{"pat":"ghp_wrong_key"}' }));
  await assert.rejects(readGithubToken(client, 'prodloop/github-token'), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /"token"/);
    assert.ok(!error.message.includes('ghp_wrong_key'), 'the message never carries the secret');
    return true;
  });
});

test('a missing secret is a configuration error naming it', async () => {
  const { client } = clientAnswering(async () => {
    throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
  });
  await assert.rejects(readGithubToken(client, 'prodloop/github-token'), /secret prodloop\/github-token does not exist/);
});
