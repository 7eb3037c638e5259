/** The configuration as a platform team writes it: what is refused at synth, and why. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parseConfig } from '#domain/config/config';
import { ConfigError } from '#domain/shared/errors';

const base = { githubRepository: 'acme/shop', watchedAlarms: { namePrefixes: ['prod-'] } };

describe('the GitHub API URL', () => {
  test('a GitHub Enterprise Server over https is accepted', () => {
    assert.equal(
      parseConfig({ ...base, githubApiUrl: 'https://github.acme.example/api/v3' }).githubApiUrl,
      'https://github.acme.example/api/v3',
    );
  });

  test('plain http to another host is refused: the token would travel in clear text', () => {
    assert.throws(
      () => parseConfig({ ...base, githubApiUrl: 'http://github.acme.example/api/v3' }),
      (error: unknown) => error instanceof ConfigError && /githubApiUrl: must be an https:\/\/ URL/.test(error.message),
    );
  });

  test('plain http to this machine itself (a local stand-in for GitHub) is accepted', () => {
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:3000/api', 'http://[::1]:9000']) {
      assert.equal(parseConfig({ ...base, githubApiUrl: url }).githubApiUrl, url);
    }
  });
});
