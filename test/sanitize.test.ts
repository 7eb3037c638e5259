/** The sanitizer on a corpus with planted secrets, and `prodloop sanitize` as a user runs it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { makeSanitizer, pseudonym, sanitize, sanitizeDeep } from '#domain/privacy/sanitize';
import { main } from '../bin/cli.ts';

const root = join(import.meta.dirname, '..');
const corpusDir = join(root, 'test', 'fixtures', 'sanitizer');
const corpus = readFileSync(join(corpusDir, 'corpus.txt'), 'utf8').trimEnd().split('\n');
const planted = JSON.parse(readFileSync(join(corpusDir, 'planted.json'), 'utf8')) as { kind: string; secret: string }[];
const ordinary = readFileSync(join(corpusDir, 'ordinary.txt'), 'utf8').trimEnd().split('\n');

describe('sanitizer on the planted corpus', () => {
  test('every planted secret and identifier is gone from the output, each replaced by its label', () => {
    assert.equal(corpus.length, planted.length, 'one planted secret per corpus line');
    const s = makeSanitizer();
    corpus.forEach((line, i) => {
      const { kind, secret } = planted[i] as { kind: string; secret: string };
      assert.ok(line.includes(secret), `line ${i + 1} carries its planted ${kind}`);
      const out = s(line);
      assert.ok(!out.includes(secret), `line ${i + 1}: the ${kind} survived: ${out}`);
      assert.match(out, new RegExp(`\\[${kind}[\\]:]`), `line ${i + 1} names what it redacted (${kind}): ${out}`);
    });
    const whole = sanitize(corpus.join('\n'));
    for (const { secret } of planted) assert.ok(!whole.includes(secret), `survived in the whole text: ${secret}`);
  });

  test('ordinary log lines (errors, paths, versions, commit SHAs, UUIDs, epoch times) come out unchanged', () => {
    const s = makeSanitizer();
    for (const line of ordinary) assert.equal(s(line), line);
    assert.deepEqual(s.counts, {});
  });

  test('the text around a redaction stays readable', () => {
    assert.equal(
      sanitize('dial postgres://app_user:S3cr3t!Pass@db.internal:5432/shop: connection refused'),
      'dial postgres://app_user:[password]@db.internal:5432/shop: connection refused',
    );
    assert.equal(sanitize('charge failed for card 4111 1111 1111 1111 exp 12/29'), 'charge failed for card [card] exp 12/29');
  });

  test('sanitizing an already sanitized text changes nothing', () => {
    const once = sanitize(corpus.join('\n'));
    assert.equal(sanitize(once), once);
  });

  test('a number that fails the Luhn check or has no card issuer prefix is not a card', () => {
    assert.equal(sanitize('order 4111 1111 1111 1112 retried'), 'order 4111 1111 1111 1112 retried');
    assert.equal(sanitize('trace 9111111111111111 done'), 'trace 9111111111111111 done');
  });
});

describe('identifiers become keyed hashes', () => {
  test('one tenant keeps one pseudonym and two tenants get two, so affected tenants can still be counted', () => {
    const s = makeSanitizer({ hashKey: 'k1' });
    const lines = ['tenant=acme 500', 'tenant=acme 502', 'tenant=globex 500', '{"tenantId":"acme"}'].map(s);
    const pseudonyms = lines.map((l) => /\[tenant:[0-9a-f]{10}\]/.exec(l)?.[0]);
    assert.equal(new Set(pseudonyms).size, 2);
    assert.equal(pseudonyms[0], pseudonyms[1]);
    assert.equal(pseudonyms[0], pseudonyms[3]);
    assert.notEqual(pseudonyms[0], pseudonyms[2]);
  });

  test('the pseudonym depends on the key: without the key it cannot be recomputed', () => {
    assert.notEqual(pseudonym('tenant', 'acme', 'k1'), pseudonym('tenant', 'acme', 'k2'));
    assert.equal(pseudonym('tenant', 'acme', 'k1'), pseudonym('tenant', 'acme', 'k1'));
  });

  test('identifiers the caller names are hashed wherever they appear, but not inside longer words', () => {
    const s = makeSanitizer({ knownIdentifiers: [{ kind: 'tenant', value: 'acme' }] });
    const out = s('webhook for acme failed; acmeville is a different word');
    assert.ok(!/\bacme\b/.test(out), out);
    assert.match(out, /acmeville/);
  });

  test('a JSON value is sanitized string by string, keys included', () => {
    const out = sanitizeDeep({ msg: 'from 10.0.0.1', n: 3, nested: [{ 'jane@example.com': true }] }, makeSanitizer());
    assert.deepEqual(Object.keys(out.nested[0] as object)[0]?.startsWith('[email:'), true);
    assert.equal(out.msg, 'from [ip]');
    assert.equal(out.n, 3);
  });
});

describe('prodloop sanitize', () => {
  test('prints a file as the sanitizer lets it through', async () => {
    const out: string[] = [];
    const code = await main(['sanitize', join(corpusDir, 'corpus.txt')], (s) => out.push(s));
    assert.equal(code, 0);
    const text = out.join('\n');
    assert.equal(text.split('\n').length, corpus.length);
    for (const { secret } of planted) assert.ok(!text.includes(secret), secret);
  });

  test('reads standard input when no file is given, and --stats counts what it redacted', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'prodloop.mjs'), 'sanitize', '--stats'], {
      input: 'login from 198.51.100.7 by jane@example.com\n',
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^login from \[ip\] by \[email:[0-9a-f]{10}\]\n$/);
    assert.match(r.stderr, /email 1, ip 1/);
  });
});
