/**
 * The sanitizer: every piece of outside text (log lines, alarm reasons, anything rendered into an
 * issue, a page or a log line) goes through it first. Secrets are replaced by a bracketed label;
 * tenant and user identifiers by a keyed hash (HMAC-SHA256), so one tenant keeps one pseudonym and
 * breadth can still be counted, while the identifier itself never leaves. Pure apart from the hash.
 *
 * It is pattern-based: it removes what it recognises (the kinds listed in `SECRET_KINDS`, values of
 * secret-named keys, random-looking values of weakly named ones, identifiers after a known key, in a
 * known URL segment, in free text (`IDENTIFIER_KINDS`, `DEFAULT_IDENTIFIER_PATTERNS` and configured
 * patterns) and identifiers the caller names), not every possible secret. Every pattern runs in linear
 * time: a literal prefix and one character class, or bounded repetitions. docs/triage.md lists what
 * it covers, what it does not, and the measured figures.
 */
import { createHmac } from 'node:crypto';

export interface SanitizeOptions {
  /** Key of the identifier hashes. Without it a fixed key is used: pseudonyms, not protection against guessing. */
  readonly hashKey?: string;
  /** Keys whose value is a tenant or user identifier (`tenant=acme`, `"userId": "u-1"`), matched without regard to case. */
  readonly identifierKeys?: readonly string[];
  /** Identifier values known to the caller (e.g. the tenants of a per-tenant breakdown), hashed wherever they appear. */
  readonly knownIdentifiers?: readonly { readonly kind: IdentifierKind; readonly value: string }[];
  /**
   * More identifier patterns, besides `DEFAULT_IDENTIFIER_PATTERNS` (`privacy.identifierPatterns`): regular
   * expressions compiled with the flags `g` and `i`. With a capture group, the first group is the
   * identifier and the rest of the match stays; without one, the whole match is. Check them with
   * `identifierPatternError` first: `makeSanitizer` throws on one that does not compile.
   */
  readonly identifierPatterns?: readonly IdentifierPattern[];
}

export type IdentifierKind = 'tenant' | 'user';

/** An identifier pattern: what it finds is replaced by the keyed pseudonym `[kind:…]`. */
export interface IdentifierPattern {
  readonly kind: string;
  readonly pattern: string;
}

/** An identifier in a pattern: a letter or digit, then up to 63 more, holding a digit, `_` or `-` (so `tenant not found` stays). */
const ID = '(?!\\[)(?=[A-Za-z0-9_.-]{0,63}[0-9_-])[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9])?';

/**
 * Identifiers in free text, without a key: `tenant acme-corp-7731`, `customer cus_8812`, `user id usr_8Kq2`,
 * `User 88231`. Phone numbers, national ids and IBANs are recognized in code (they need checks a
 * pattern cannot make).
 */
export const DEFAULT_IDENTIFIER_PATTERNS: readonly IdentifierPattern[] = [
  { kind: 'tenant', pattern: `\\b(?:tenant|customer|org|organization)(?:[ _-]?id)?:?\\s+(${ID})` },
  { kind: 'user', pattern: `\\b(?:user|member)(?:[ _-]?id)?:?\\s+(${ID})` },
];

/** Why an identifier pattern is refused (it does not compile, matches the empty string, or its kind is no slug), or undefined. */
export function identifierPatternError(p: IdentifierPattern): string | undefined {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(p.kind)) return `kind ${JSON.stringify(p.kind)} must be a lower-case slug (a-z, 0-9, -)`;
  let re: RegExp;
  try {
    re = new RegExp(p.pattern, 'gi');
  } catch (error) {
    return `pattern ${JSON.stringify(p.pattern)} does not compile: ${(error as Error).message}`;
  }
  if (re.test('')) return `pattern ${JSON.stringify(p.pattern)} matches the empty string`;
  return undefined;
}

/** Labels of what the sanitizer redacts, as they appear in its output (`[jwt]`, `[email:…]`). */
export const SECRET_KINDS = [
  'private-key',
  'jwt',
  'bearer-token',
  'github-token',
  'aws-access-key',
  'aws-secret-key',
  'slack-token',
  'api-key',
  'password',
  'secret',
  'access-token',
  'webhook-url',
  'session-cookie',
  'email',
  'ip',
  'card',
] as const;

/** Labels of the identifiers the sanitizer recognizes without configuration, replaced by a keyed pseudonym (`[phone:…]`). */
export const IDENTIFIER_KINDS = ['tenant', 'user', 'email', 'phone', 'national-id', 'iban'] as const;

export const DEFAULT_IDENTIFIER_KEYS: readonly string[] = [
  'tenant',
  'tenantId',
  'tenant_id',
  'tenant-id',
  'tenantName',
  'customer',
  'customerId',
  'customer_id',
  'customer-id',
  'x-tenant-id',
  'org',
  'orgId',
  'org_id',
  'organization',
  'organizationId',
  'account_id',
  'accountName',
  'user',
  'userId',
  'user_id',
  'user-id',
  'userid',
  'username',
  'userName',
];

const DEFAULT_HASH_KEY = 'prodloop-default-pseudonym-key';

/** `[tenant:1a2b3c4d5e]`: the pseudonym of an identifier under a key. */
export function pseudonym(kind: string, value: string, hashKey = DEFAULT_HASH_KEY): string {
  const digest = createHmac('sha256', hashKey).update(`${kind}:${value}`, 'utf8').digest('hex').slice(0, 10);
  return `[${kind}:${digest}]`;
}

const kindOfKey = (key: string): IdentifierKind => (/user|login/i.test(key) ? 'user' : 'tenant');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Card numbers: 13 to 19 digits with an issuer prefix that passes the Luhn check. */
function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const issuer =
    /^4/.test(digits) ||
    /^5[1-5]/.test(digits) ||
    /^2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)/.test(digits) ||
    /^3[47]/.test(digits) ||
    /^3(0[0-5]|[68])/.test(digits) ||
    /^35(2[89]|[3-8]\d)/.test(digits) ||
    /^6(011|5|4[4-9]|22)/.test(digits);
  if (!issuer) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBANs: the country's two letters, two check digits, up to 30 more; the ISO 13616 mod-97 check must give 1. */
function isIban(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : ch;
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

interface Rule {
  readonly re: RegExp;
  readonly replace: (match: string, ...groups: string[]) => string;
}

/** A value after a key: quoted, or up to a separator. Values already redacted (`[…]`) are left alone. */
const VALUE = `(?:"(?!\\[)[^"\\r\\n]*"|'(?!\\[)[^'\\r\\n]*'|(?![\\["'])(?:[^\\s;,"'<>)\\]}&]|&(?![\\w.-]+=))+)`;

/**
 * Provider formats. Each pattern names the rule of gitleaks' default configuration
 * (github.com/gitleaks/gitleaks, `config/gitleaks.toml`) it follows, or the vendor's documentation
 * where gitleaks has no rule. Some are looser than the gitleaks rule on the length of the random
 * part, so that a key cut short in a log line still goes. Every pattern is a literal prefix followed
 * by one character class: linear time.
 */
const PROVIDER_RULES: readonly { readonly re: RegExp; readonly label: string }[] = [
  // gitleaks anthropic-api-key, anthropic-admin-api-key (sk-ant-api03-…AA, sk-ant-admin01-…AA)
  { re: /\bsk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{20,}/g, label: 'api-key' },
  // gitleaks openai-api-key: project, service account and admin keys, and the legacy T3BlbkFJ form
  { re: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}/g, label: 'api-key' },
  { re: /\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b/g, label: 'api-key' },
  // OpenAI's older user keys: sk- and 48 characters (no gitleaks rule of their own)
  { re: /\bsk-[A-Za-z0-9]{32,}\b/g, label: 'api-key' },
  // gitleaks stripe-access-token
  { re: /\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}/g, label: 'api-key' },
  // Stripe webhook signing secrets (whsec_, Stripe's webhook documentation; no gitleaks rule)
  { re: /\bwhsec_[A-Za-z0-9+/=]{24,}/g, label: 'secret' },
  // gitleaks gcp-api-key
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/g, label: 'api-key' },
  // Google OAuth client secrets (GOCSPX-, Google's client secret format since 2021; no gitleaks rule)
  { re: /\bGOCSPX-[A-Za-z0-9_-]{20,}/g, label: 'secret' },
  // gitleaks sendgrid-api-token (SG.<22>.<43>)
  { re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, label: 'api-key' },
  // gitleaks npm-access-token
  { re: /\bnpm_[A-Za-z0-9]{36}\b/g, label: 'access-token' },
  // gitleaks gitlab-pat, gitlab-deploy-token, gitlab-runner-authentication-token, gitlab-ptt, gitlab-cicd-job-token, gitlab-oauth-app-secret
  { re: /\b(?:glpat|gldt|glrt|glptt|glcbt|gloas)-[A-Za-z0-9_-]{20,}/g, label: 'access-token' },
  // gitleaks huggingface-access-token
  { re: /\bhf_[A-Za-z]{34}\b/g, label: 'access-token' },
  // gitleaks shopify-access-token, shopify-custom-access-token, shopify-private-app-access-token, shopify-shared-secret
  { re: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g, label: 'access-token' },
  // gitleaks digitalocean-pat, digitalocean-access-token, digitalocean-refresh-token
  { re: /\bdo[opr]_v1_[a-f0-9]{64}\b/g, label: 'access-token' },
  // gitleaks pypi-upload-token
  { re: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g, label: 'access-token' },
  // gitleaks vault-service-token, vault-batch-token (hvs., hvb.)
  { re: /\bhv[sb]\.[A-Za-z0-9_-]{24,}/g, label: 'access-token' },
  // gitleaks slack-webhook-url
  { re: /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{20,}/g, label: 'webhook-url' },
  // gitleaks slack-app-token
  { re: /\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+/g, label: 'slack-token' },
  // gitleaks slack-bot-token, slack-user-token, slack-legacy-* (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-)
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, label: 'slack-token' },
  // gitleaks github-pat, github-oauth, github-app-token, github-refresh-token, github-fine-grained-pat
  { re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, label: 'github-token' },
  // gitleaks aws-access-token
  { re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g, label: 'aws-access-key' },
];

/** Set-Cookie attributes: not secrets, kept readable. */
const COOKIE_ATTRIBUTES = new Set(['path', 'domain', 'expires', 'max-age', 'samesite', 'secure', 'httponly', 'priority', 'partitioned']);
/** Values after a secret-named key that are no secret: flags, placeholders, values already masked. */
const PLACEHOLDER =
  /^(?:yes|no|true|false|null|nil|none|undefined|required|optional|set|unset|empty|\*+|x{3,}|redacted|masked|hidden|<[^>]*>|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%s|\{\{[^}]*\}\})$/i;

function secretRules(): Rule[] {
  return [
    {
      re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
      replace: () => '[private-key]',
    },
    { re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, replace: () => '[jwt]' },
    ...PROVIDER_RULES.map(({ re, label }) => ({ re, replace: () => `[${label}]` })),
    // An Authorization header, any case, with or without a scheme (`authorization: bearer …`, `Authorization: SSWS …`).
    {
      re: /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|digest|token|negotiate|ssws|apikey|hmac)(\s+))?(?!\[)([^\s"',;]+)/gi,
      replace: (m, key, sep, scheme, space, value) =>
        !scheme && /^(?:bearer|basic|digest|token|negotiate|ssws|apikey|hmac)$/i.test(value ?? '')
          ? m
          : `${key}${sep}${scheme ? `${scheme}${space}` : ''}[bearer-token]`,
    },
    // Okta's API tokens travel as `SSWS <token>` (Okta API documentation).
    {
      re: /\b(Bearer|Basic|Digest|Token|Negotiate|SSWS)(\s+)(?!\[)[A-Za-z0-9._~+/=-]{8,}/g,
      replace: (_m, scheme, space) => `${scheme}${space}[bearer-token]`,
    },
    // A lower-case `bearer <token>` in free text: the token must hold a digit, so prose stays.
    {
      re: /\b(bearer)(\s+)(?!\[)(?=[A-Za-z._~+/=-]{0,200}\d)[A-Za-z0-9._~+/=-]{8,}/g,
      replace: (_m, scheme, space) => `${scheme}${space}[bearer-token]`,
    },
    {
      re: /(aws_?secret_?(?:access_?)?key|secret_?access_?key)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
      replace: (_m, key, sep) => `${key}${sep}[aws-secret-key]`,
    },
    // Cookie and Set-Cookie headers: every cookie value goes (cookies carry sessions), attributes stay.
    {
      re: /\b((?:set-)?cookie)(\s*:\s*)([^\r\n]+)/gi,
      replace: (_m, header, sep, value: string) =>
        `${header}${sep}${value.replace(/(^|;\s*)([^=;\s]+)=([^;\r\n]*)/g, (pair, lead, name: string, v: string) =>
          COOKIE_ATTRIBUTES.has(name.toLowerCase()) || v.startsWith('[') || v === '' ? pair : `${lead}${name}=[session-cookie]`,
        )}`,
    },
    // mysql -p<password>, -p'…' (the password glued to -p; `-p` alone prompts).
    {
      re: /\b(mysql(?:dump|admin|sh)?\b[^\n]{0,200}?\s-p)('[^'\n]*'|"[^"\n]*"|(?![\s[])[^\s'"]+)/g,
      replace: (_m, head, value: string) => {
        const q = /^["']/.test(value) ? value[0] : '';
        return `${head}${q}[password]${q}`;
      },
    },
    // scheme://user:password@host: the password goes, the user is an identifier (hashed below if known).
    {
      re: /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s:/@?#]{0,256}):([^\s@/?#]{1,256})@/gi,
      replace: (_m, scheme, user, password) => (password.startsWith('[') ? _m : `${scheme}${user}:[password]@`),
    },
  ];
}

/** The words of a key: `DB_PASSWORD`, `dbPassword`, `x-db-password` → db, password. */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Last words after which a secret word names something else: `password_min_length`, `DB_PASSWORD_FILE`. */
const NOT_A_VALUE = new Set([
  'name',
  'names',
  'arn',
  'path',
  'file',
  'ref',
  'version',
  'type',
  'count',
  'length',
  'size',
  'rotation',
  'manager',
  'provider',
  'policy',
  'reset',
  'expiry',
  'expires',
  'expired',
  'at',
  'age',
  'changed',
  'updated',
  'min',
  'max',
  'required',
  'enabled',
  'strength',
  'hint',
  'endpoint',
  'url',
  'region',
]);
/** Words before `key` that make it a database or cache key, not a credential: redacted only when the value looks random. */
const NOT_A_CREDENTIAL_KEY = new Set([
  'primary',
  'partition',
  'sort',
  'hash',
  'range',
  'foreign',
  'idempotency',
  'cache',
  'object',
  'public',
  'routing',
  'dedup',
  'dedupe',
  'deduplication',
  'row',
  'composite',
  'unique',
  'lookup',
  'map',
  's3',
  'message',
  'group',
  'order',
  'item',
  'index',
  'shard',
  'bucket',
  'file',
  'cursor',
  'page',
  'lock',
  'translation',
  'i18n',
  'config',
  'metric',
  'feature',
  'flag',
  'kms',
  'ssh',
]);

/**
 * What a key's value is, by the key's name: `secret` (always redacted, with its label), `weak` (a bare
 * `token`, `key`, `sig`…, and database keys: redacted after `=` or as a quoted JSON key, else only when
 * the value looks random) or nothing.
 */
interface KeyClass {
  /** `about`: a key that names something about a secret (`DB_PASSWORD_FILE`): its value stays, unread. */
  readonly kind: 'secret' | 'weak' | 'about';
  readonly label: string;
}
function classifyKey(key: string): KeyClass | undefined {
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined) return undefined;
  const prev = words[words.length - 2];
  const prefixed = words.length > 1;
  if (words.includes('private') && words.includes('key')) return { kind: 'secret', label: 'secret' };
  if (/^(?:sid|sessid|session|sessionid|phpsessid|jsessionid|aspsessionid)$/.test(last) || (last === 'id' && prev === 'session')) {
    return prefixed || last !== 'session' ? { kind: 'secret', label: 'session-cookie' } : { kind: 'weak', label: 'session-cookie' };
  }
  if (NOT_A_VALUE.has(last)) {
    return words.some((w) => /pass|pwd|secret|credential|token|key/.test(w)) ? { kind: 'about', label: '' } : undefined;
  }
  if (/^(?:pass|passwd|pwd|passphrase|passcode)$|password|passwd$|pwd$|passphrase$/.test(last))
    return { kind: 'secret', label: 'password' };
  if (words.some((w) => /password|passphrase/.test(w))) return { kind: 'secret', label: 'password' };
  if (words.some((w) => /secret|credential/.test(w) && w !== 'secretsmanager')) return { kind: 'secret', label: 'secret' };
  if (/^(?:api[-_]?key|apikey)$/.test(last) || (last === 'key' && prev === 'api')) return { kind: 'secret', label: 'api-key' };
  if (/(?:auth|access|refresh|session|id|api|bearer|sas|csrf|xsrf|app)token$/.test(last)) return { kind: 'secret', label: 'secret' };
  if (/(?:secret|private|access|account|master|signing|encryption|app|license)key$/.test(last)) return { kind: 'secret', label: 'secret' };
  if (['token', 'key', 'sig', 'signature', 'auth', 'verifier', 'assertion'].includes(last)) {
    if (!prefixed) return { kind: 'weak', label: 'secret' };
    if (last === 'key' && prev !== undefined && NOT_A_CREDENTIAL_KEY.has(prev)) return { kind: 'weak', label: 'secret' };
    return { kind: 'secret', label: 'secret' };
  }
  return undefined;
}

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(value: string): number {
  const freq = new Map<string, number>();
  for (const ch of value) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of freq.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether a value looks random (a generated secret) rather than a word, a path or a count: at least
 * 16 characters with letters and digits, and a Shannon entropy of at least 3.0 bits per character for
 * hexadecimal (its alphabet has 16 symbols, at most 4 bits) or 3.5 for any other alphabet.
 * Words, slugs and paths of log lines stay under these (`new-checkout-flow` 3.1, `orders:page:2` is short).
 */
export const ENTROPY_THRESHOLD = { minLength: 16, hex: 3.0, other: 3.5 } as const;
export function looksRandom(value: string): boolean {
  if (value.length < ENTROPY_THRESHOLD.minLength || !/\d/.test(value) || !/[a-z]/i.test(value)) return false;
  if (/[\s/]/.test(value)) return false;
  const h = shannonEntropy(value);
  return /^[0-9a-f]+$/i.test(value) ? h >= ENTROPY_THRESHOLD.hex : h >= ENTROPY_THRESHOLD.other;
}

/** `key=value`, `key: value`, `"key": "value"`: the key of a pair (its value is read after it). */
const KEY_RE = /(["']?)(?<![\w[])([A-Za-z_][\w.-]{0,63})\1(\s*[:=]\s*)/g;
const VALUE_RE = new RegExp(VALUE, 'y');

/** Redacts the values of secret-named keys, with their prefixes and suffixes, in env, JSON, YAML, query strings and headers. */
function redactSecretKeys(text: string, count: (label: string) => void): string {
  let out = '';
  let last = 0;
  KEY_RE.lastIndex = 0;
  for (let m = KEY_RE.exec(text); m !== null; m = KEY_RE.exec(text)) {
    const [whole, quote = '', key = '', sep = ''] = m;
    const kind = classifyKey(key);
    if (!kind) continue;
    const valueAt = m.index + whole.length;
    VALUE_RE.lastIndex = valueAt;
    const v = VALUE_RE.exec(text);
    if (!v) continue;
    let value = v[0];
    if (kind.kind === 'about') {
      KEY_RE.lastIndex = valueAt + value.length;
      continue;
    }
    const q = /^["']/.test(value) ? value[0] : '';
    // A YAML line `password: correct horse battery staple`: the value runs to the end of the line.
    if (!q && kind.kind === 'secret' && !sep.includes('=')) {
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      if (/^\s*(?:-\s+)?["']?$/.test(text.slice(lineStart, m.index))) {
        const eol = text.indexOf('\n', valueAt);
        value = text.slice(valueAt, eol === -1 ? text.length : eol).replace(/\s+$/, '');
      }
    }
    const raw = q ? value.slice(1, -1) : value;
    if (raw === '' || raw.startsWith('[') || PLACEHOLDER.test(raw)) continue;
    const strong = kind.kind === 'secret' || sep.includes('=') || quote !== '';
    const weakKeyWord = ['token', 'key', 'sig', 'signature', 'auth', 'verifier', 'assertion', 'session', 'sid'].includes(key.toLowerCase());
    if (!(kind.kind === 'secret' || (strong && weakKeyWord) || looksRandom(raw))) continue;
    out += `${text.slice(last, valueAt)}${q}[${kind.label}]${q}`;
    count(kind.label);
    last = valueAt + value.length;
    KEY_RE.lastIndex = last;
  }
  return out + text.slice(last);
}

export interface Sanitizer {
  (text: string): string;
  /** Counts of what was redacted since the sanitizer was made, by label. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Builds a sanitizer; reuse it for many texts (the known-identifier pattern is compiled once). */
export function makeSanitizer(options: SanitizeOptions = {}): Sanitizer {
  const hashKey = options.hashKey ?? DEFAULT_HASH_KEY;
  const counts: Record<string, number> = {};
  const count = (label: string) => {
    counts[label] = (counts[label] ?? 0) + 1;
  };
  const rules = secretRules();
  const patterns = [...DEFAULT_IDENTIFIER_PATTERNS, ...(options.identifierPatterns ?? [])].map((p) => {
    const error = identifierPatternError(p);
    if (error) throw new Error(`identifier pattern refused: ${error}`);
    return { kind: p.kind, re: new RegExp(p.pattern, 'gdi') };
  });
  const keys = [...new Set([...DEFAULT_IDENTIFIER_KEYS, ...(options.identifierKeys ?? [])])].sort((a, b) => b.length - a.length);
  const identifierKey = new RegExp(`(["']?)(?<![\\[\\w])(${keys.map(escapeRe).join('|')})\\1(\\s*[:=]\\s*)(${VALUE})`, 'gi');
  const segment = /\/(tenants|users|customers|accounts|orgs|organizations|members)\/(?!\[)([^/\s?#"'<>]+)/gi;
  const known = (options.knownIdentifiers ?? []).filter((k) => k.value.length >= 2);
  const knownByValue = new Map(known.map((k) => [k.value, k.kind] as const));
  const knownRe =
    known.length > 0
      ? new RegExp(
          `(?<![\\w:.@-])(${[...knownByValue.keys()]
            .sort((a, b) => b.length - a.length)
            .map(escapeRe)
            .join('|')})(?![\\w@-])`,
          'g',
        )
      : undefined;

  const sanitize = (input: string): string => {
    let text = input;
    for (const rule of rules) {
      text = text.replace(rule.re, (...args) => {
        const out = rule.replace(...(args.slice(0, -2) as [string, ...string[]]));
        if (out !== args[0]) count(/\[([a-z0-9-]+)\]/.exec(out)?.[1] ?? 'secret');
        return out;
      });
    }
    text = redactSecretKeys(text, count);
    // A bare 40-character AWS secret key: a run of exactly 40 key characters with upper and lower case
    // letters and a digit (commit SHAs are one-case hex, so they stay).
    text = text.replace(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, (m) => {
      if (!(/[A-Z]/.test(m) && /[a-z]/.test(m) && /\d/.test(m))) return m;
      count('aws-secret-key');
      return '[aws-secret-key]';
    });
    text = text.replace(/\b[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g, (m) => {
      count('email');
      return pseudonym('email', m.toLowerCase(), hashKey);
    });
    text = text.replace(/(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d]|\.\d)/g, () => {
      count('ip');
      return '[ip]';
    });
    text = text.replace(
      /(?<![\w:.])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}(?::[0-9a-f]{1,4}){1,6}|(?:[0-9a-f]{1,4}:){1,7}:|::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})(?![\w:])/gi,
      () => {
        count('ip');
        return '[ip]';
      },
    );
    const identifier = (kind: string, value: string) => {
      count(kind);
      return pseudonym(kind, value, hashKey);
    };
    // IBANs, with or without the groups of four, when the mod-97 check holds.
    text = text.replace(/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, (m) => {
      const compact = m.replace(/ /g, '');
      return isIban(compact) ? identifier('iban', compact) : m;
    });
    text = text.replace(/(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g, (m) => {
      if (!isCardNumber(m.replace(/[ -]/g, ''))) return m;
      count('card');
      return '[card]';
    });
    // Phone numbers: international (+, country code, groups split by a space, dot or dash, or E.164
    // without separators) or North American ((415) 555-0132, 415-555-0132); 8 to 15 digits.
    text = text.replace(
      /(?<![\w+])(?:\+[1-9]\d{0,2}(?:[ .-]\(?\d{1,6}\)?){2,6}|\+[1-9]\d{7,14}|(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4})(?![\w-]|\.\d)/g,
      (m) => {
        const digits = m.replace(/\D/g, '').length;
        return digits < 8 || digits > 15 ? m : identifier('phone', m.replace(/[^\d+]/g, ''));
      },
    );
    // US social security numbers (and national ids written like them): 3-2-4 digits, no all-zero group, no 666 or 9xx area.
    text = text.replace(/(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g, (m) => identifier('national-id', m));
    text = text.replace(identifierKey, (_m, quote, key, sep, value: string) => {
      const q = value.startsWith('"') || value.startsWith("'") ? value[0] : '';
      const raw = q ? value.slice(1, -1) : value;
      if (raw.length === 0 || raw.startsWith('[')) return _m;
      const kind = kindOfKey(key);
      count(kind);
      return `${quote}${key}${quote}${sep}${q}${pseudonym(kind, raw, hashKey)}${q}`;
    });
    for (const { kind, re } of patterns) text = replaceIdentifier(text, re, (value) => identifier(kind, value));
    text = text.replace(segment, (_m, collection: string, value: string) => {
      const kind: IdentifierKind = /user|member/i.test(collection) ? 'user' : 'tenant';
      count(kind);
      return `/${collection}/${pseudonym(kind, decodeSafe(value), hashKey)}`;
    });
    if (knownRe) {
      text = text.replace(knownRe, (m) => {
        const kind = knownByValue.get(m) ?? 'tenant';
        count(kind);
        return pseudonym(kind, m, hashKey);
      });
    }
    return text;
  };
  return Object.assign(sanitize, { counts });
}

/** Replaces what `re` (flags `gd`) finds, or its first group when it has one, by `replace(value)`. */
function replaceIdentifier(text: string, re: RegExp, replace: (value: string) => string): string {
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    const span = m.indices?.[1] ?? m.indices?.[0];
    const value = m[1] ?? m[0];
    if (!span || value.startsWith('[')) continue;
    out += text.slice(last, span[0]) + replace(value);
    last = span[1];
  }
  return out + text.slice(last);
}

function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Sanitizes one text with a throwaway sanitizer. */
export function sanitize(text: string, options: SanitizeOptions = {}): string {
  return makeSanitizer(options)(text);
}

/** Every string inside a JSON-like value, sanitized (keys too); numbers, booleans and null unchanged. */
export function sanitizeDeep<T>(value: T, sanitizer: (text: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return sanitizer(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [sanitizer(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
