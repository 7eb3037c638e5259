/** The sanitizer on a corpus with planted secrets, and `prodloop sanitize` as a user runs it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import {
  identifierPatternError,
  looksRandom,
  makeSanitizer,
  pseudonym,
  sanitize,
  sanitizeDeep,
  shannonEntropy,
} from '#domain/privacy/sanitize';
import { main } from '../bin/cli.ts';

const root = join(import.meta.dirname, '..');
const corpusDir = join(root, 'test', 'fixtures', 'sanitizer');
const corpus = readFileSync(join(corpusDir, 'corpus.txt'), 'utf8').trimEnd().split('\n');
const planted = JSON.parse(readFileSync(join(corpusDir, 'planted.json'), 'utf8')) as { kind: string; secret: string }[];
const ordinary = readFileSync(join(corpusDir, 'ordinary.txt'), 'utf8').trimEnd().split('\n');

describe('sanitizer on the planted corpus', () => {
  test('measured: no planted form leaks, no ordinary line changes (the figures docs/triage.md quotes)', () => {
    assert.ok(corpus.length >= 150, `at least 150 planted forms (${corpus.length})`);
    assert.ok(ordinary.length >= 60, `at least 60 ordinary lines (${ordinary.length})`);
    const s = makeSanitizer();
    const leaked = corpus.filter((line, i) => s(line).includes((planted[i] as { secret: string }).secret));
    const changed = ordinary.filter((line) => makeSanitizer()(line) !== line);
    console.info(
      `sanitizer: ${leaked.length} of ${corpus.length} planted forms leaked; ${changed.length} of ${ordinary.length} ordinary lines changed`,
    );
    assert.deepEqual(leaked, [], 'leaks');
    assert.deepEqual(changed, [], 'false positives');
  });

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

describe('secret-named keys, provider formats and the entropy check', () => {
  test('a key with a prefix or suffix is still a secret key, in env, JSON, YAML, query strings and headers', () => {
    assert.equal(sanitize('DB_PASSWORD=hunter22 next'), 'DB_PASSWORD=[password] next');
    assert.equal(sanitize('{"db_password": "hunter22"}'), '{"db_password": "[password]"}');
    assert.equal(sanitize('  stripe_secret: abc123'), '  stripe_secret: [secret]');
    assert.equal(sanitize('GET /x?client_secret=abc123&y=1'), 'GET /x?client_secret=[secret]&y=1');
    assert.equal(sanitize('DD-API-KEY: 0123abcd'), 'DD-API-KEY: [api-key]');
    assert.equal(sanitize('//registry.npmjs.org/:_authToken=abcd1234'), '//registry.npmjs.org/:_authToken=[secret]');
  });

  test('a key that names something about the secret, not the secret, keeps its value', () => {
    for (const line of [
      'DB_PASSWORD_FILE=/run/secrets/db',
      'password_min_length=12',
      'secret_arn=arn:aws:secretsmanager:x',
      'max_tokens=1024',
    ]) {
      assert.equal(sanitize(line), line);
    }
  });

  test('placeholders and flags after a secret key stay: they are not secrets', () => {
    for (const line of ['password: ${DB_PASSWORD}', 'using password: YES', 'api_key=<your key>', 'token=***']) {
      assert.equal(sanitize(line), line);
    }
  });

  test('a YAML secret runs to the end of its line, not to the first space', () => {
    assert.equal(sanitize('password: correct horse battery staple'), 'password: [password]');
    assert.equal(sanitize('log: password: hunter22 for bob'), 'log: password: [password] for bob');
  });

  test('bare `token:` and database keys are redacted only when the value looks random (Shannon entropy)', () => {
    assert.equal(sanitize('token: expired'), 'token: expired');
    assert.equal(sanitize('token: 9fQ2xLr7Vb3kWm8TzP1c'), 'token: [secret]');
    assert.equal(sanitize('cache_key=orders:page:2'), 'cache_key=orders:page:2');
    assert.equal(sanitize('idempotency_key=Zq81Lm2Xv7Rt4Yb9Kc3W'), 'idempotency_key=[secret]');
    assert.equal(sanitize('token=expired'), 'token=[secret]', 'after `=` a bare token is redacted whatever it looks like');
  });

  test('the entropy threshold: 3.5 bits per character (3.0 for hexadecimal), at least 16 characters with letters and digits', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.ok(looksRandom('9fQ2xLr7Vb3kWm8TzP1c'));
    assert.ok(looksRandom('3f9a2b7c1d4e5f6a7b8c'));
    assert.ok(!looksRandom('new-checkout-flow'));
    assert.ok(!looksRandom('reports/2026/03/summary.csv'));
    assert.ok(!looksRandom('aaaaaaaaaaaaaaaa1111'));
  });

  test('an Authorization header in any case keeps its scheme and loses its credentials', () => {
    assert.equal(sanitize('authorization: bearer abc.def-123'), 'authorization: bearer [bearer-token]');
    assert.equal(sanitize('Authorization: SSWS 00abcdefghijklmnop'), 'Authorization: SSWS [bearer-token]');
    assert.equal(sanitize('bearer authentication failed'), 'bearer authentication failed', 'lower-case prose stays');
  });

  test('cookie values go, Set-Cookie attributes stay', () => {
    assert.equal(
      sanitize('Set-Cookie: sid=abc123; Path=/; Max-Age=3600; HttpOnly'),
      'Set-Cookie: sid=[session-cookie]; Path=/; Max-Age=3600; HttpOnly',
    );
  });

  test('mysql -p<password> goes; -p alone (a prompt) and -P <port> stay', () => {
    assert.equal(sanitize('mysql -u app -pS3cret shop'), 'mysql -u app -p[password] shop');
    assert.equal(sanitize('mysql -u app -p -P 3306 shop'), 'mysql -u app -p -P 3306 shop');
  });

  test('every pattern runs in linear time: 100 000 characters of near-matches take well under a second', () => {
    for (const text of [
      'a-'.repeat(50_000),
      'password='.repeat(11_000),
      '+1 '.repeat(33_000),
      'tenant '.repeat(14_000),
      'mysql '.repeat(16_000),
      'x@'.repeat(50_000),
      'ab:/'.repeat(25_000),
    ]) {
      const start = performance.now();
      sanitize(text);
      assert.ok(performance.now() - start < 1500, `${text.slice(0, 12)}… took ${Math.round(performance.now() - start)} ms`);
    }
  });
});

describe('identifiers in free text', () => {
  test('phone numbers, SSNs and IBANs become pseudonyms; one number keeps one pseudonym whatever its spacing', () => {
    const s = makeSanitizer({ hashKey: 'k1' });
    assert.equal(s('call +1 415 555 0132'), `call ${pseudonym('phone', '+14155550132', 'k1')}`);
    assert.equal(s('call +1-415-555-0132'), `call ${pseudonym('phone', '+14155550132', 'k1')}`);
    assert.equal(s('ssn 123-45-6789'), `ssn ${pseudonym('national-id', '123-45-6789', 'k1')}`);
    assert.equal(s('to DE89 3704 0044 0532 0130 00.'), `to ${pseudonym('iban', 'DE89370400440532013000', 'k1')}.`);
  });

  test('an IBAN that fails the mod-97 check, an impossible SSN and a short number stay', () => {
    for (const line of ['to GB82 WEST 1234 5698 7654 33', 'id 000-12-3456 and 666-12-3456', 'delta +12 34 ms', 'build 2026-03-02']) {
      assert.equal(sanitize(line), line);
    }
  });

  test('`tenant <id>` and `user id <id>` forms are hashed like `tenant=<id>`; words after them stay', () => {
    const s = makeSanitizer({ hashKey: 'k1' });
    assert.equal(s('quota for tenant acme-corp-7731'), `quota for tenant ${pseudonym('tenant', 'acme-corp-7731', 'k1')}`);
    assert.equal(s('user id usr_8Kq2 not found'), `user id ${pseudonym('user', 'usr_8Kq2', 'k1')} not found`);
    assert.equal(s('tenant not found for user session'), 'tenant not found for user session');
  });

  test('configured identifier patterns: the first group is the identifier, or the whole match without one', () => {
    const s = makeSanitizer({
      hashKey: 'k1',
      identifierPatterns: [
        { kind: 'account', pattern: '\\bacct#(\\d{6})\\b' },
        { kind: 'patient', pattern: '\\bPAT-\\d{5}\\b' },
      ],
    });
    assert.equal(s('billing acct#123456 overdue'), `billing acct#${pseudonym('account', '123456', 'k1')} overdue`);
    assert.equal(s('record PAT-00042 opened'), `record ${pseudonym('patient', 'PAT-00042', 'k1')} opened`);
    assert.equal(s.counts.account, 1);
  });

  test('an identifier pattern that does not compile, matches nothing but the empty string, or has no slug kind is refused', () => {
    assert.match(identifierPatternError({ kind: 'x', pattern: '(unclosed' }) ?? '', /does not compile/);
    assert.match(identifierPatternError({ kind: 'x', pattern: 'a*' }) ?? '', /matches the empty string/);
    assert.match(identifierPatternError({ kind: 'Bad Kind', pattern: 'a' }) ?? '', /lower-case slug/);
    assert.equal(identifierPatternError({ kind: 'x', pattern: 'a+' }), undefined);
    assert.throws(() => makeSanitizer({ identifierPatterns: [{ kind: 'x', pattern: '[' }] }), /identifier pattern refused/);
  });

  test('an e-mail address with an apostrophe goes whole', () => {
    assert.equal(sanitize("to o'brien@example.com"), `to ${pseudonym('email', "o'brien@example.com")}`);
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

  test('--identifier-pattern KIND=REGEX adds a pattern; one that does not compile is a usage error', async () => {
    const file = join(corpusDir, 'README.md');
    const out: string[] = [];
    const code = await main(['sanitize', file, '--identifier-pattern', 'doc=\\bcorpus\\b'], (s) => out.push(s));
    assert.equal(code, 0);
    assert.match(out.join('\n'), /\[doc:[0-9a-f]{10}\]/);
    const errors: string[] = [];
    const bad = await main(
      ['sanitize', file, '--identifier-pattern', 'doc=(x'],
      () => {},
      (s) => errors.push(s),
    );
    assert.equal(bad, 2);
    assert.match(errors.join('\n'), /--identifier-pattern doc=\(x: pattern "\(x" does not compile/);
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
