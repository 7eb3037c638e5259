/**
 * The sanitizer: every piece of outside text (log lines, alarm reasons, anything rendered into an
 * issue, a page or a log line) goes through it first. Secrets are replaced by a bracketed label;
 * tenant and user identifiers by a keyed hash (HMAC-SHA256), so one tenant keeps one pseudonym and
 * breadth can still be counted, while the identifier itself never leaves. Pure apart from the hash.
 *
 * It is pattern-based: it removes what it recognises (the kinds listed in `SECRET_KINDS`, identifiers
 * after a known key or in a known URL segment, and identifiers the caller names), not every possible
 * secret. docs/triage.md lists what it covers and what it does not.
 */
import { createHmac } from 'node:crypto';

export interface SanitizeOptions {
  /** Key of the identifier hashes. Without it a fixed key is used: pseudonyms, not protection against guessing. */
  readonly hashKey?: string;
  /** Keys whose value is a tenant or user identifier (`tenant=acme`, `"userId": "u-1"`), matched without regard to case. */
  readonly identifierKeys?: readonly string[];
  /** Identifier values known to the caller (e.g. the tenants of a per-tenant breakdown), hashed wherever they appear. */
  readonly knownIdentifiers?: readonly { readonly kind: IdentifierKind; readonly value: string }[];
}

export type IdentifierKind = 'tenant' | 'user';

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
  'email',
  'ip',
  'card',
] as const;

export const DEFAULT_IDENTIFIER_KEYS: readonly string[] = [
  'tenant',
  'tenantId',
  'tenant_id',
  'tenant-id',
  'tenantName',
  'customer',
  'customerId',
  'customer_id',
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
  'username',
  'userName',
];

const DEFAULT_HASH_KEY = 'prodloop-default-pseudonym-key';

/** `[tenant:1a2b3c4d5e]`: the pseudonym of an identifier under a key. */
export function pseudonym(kind: IdentifierKind | 'email', value: string, hashKey = DEFAULT_HASH_KEY): string {
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

interface Rule {
  readonly re: RegExp;
  readonly replace: (match: string, ...groups: string[]) => string;
}

/** Strong secret keys: their value is redacted after `=` or `:`. */
const SECRET_KEYS =
  'password|passwd|pwd|pass|passphrase|secret|client_secret|clientSecret|api[_-]?key|apikey|x-api-key|access[_-]?token|refresh[_-]?token|auth[_-]?token|session[_-]?token|id[_-]?token|private[_-]?key|credentials?|sas[_-]?token';
/** Weak keys (`token`, `sig`…): only `key=value` (query strings, connection strings) or a quoted JSON key. */
const WEAK_SECRET_KEYS = 'token|sig|signature|key|auth|code_verifier';
/** A value after a key: quoted, or up to a separator. Values already redacted (`[…]`) are left alone. */
const VALUE = `(?:"(?!\\[)[^"\\r\\n]*"|'(?!\\[)[^'\\r\\n]*'|(?![\\["'])(?:[^\\s;,"'<>)\\]}&]|&(?![\\w.-]+=))+)`;

function secretRules(): Rule[] {
  return [
    {
      re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
      replace: () => '[private-key]',
    },
    { re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, replace: () => '[jwt]' },
    {
      re: /\b(Bearer|Basic|Digest|Token|Negotiate)(\s+)(?!\[)[A-Za-z0-9._~+/=-]{8,}/g,
      replace: (_m, scheme, space) => `${scheme}${space}[bearer-token]`,
    },
    { re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, replace: () => '[github-token]' },
    { re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g, replace: () => '[aws-access-key]' },
    {
      re: /(aws_?secret_?(?:access_?)?key|secret_?access_?key)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
      replace: (_m, key, sep) => `${key}${sep}[aws-secret-key]`,
    },
    { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replace: () => '[slack-token]' },
    { re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g, replace: () => '[api-key]' },
    { re: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: () => '[api-key]' },
    // scheme://user:password@host: the password goes, the user is an identifier (hashed below if known).
    {
      re: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@?#]*):([^\s@/?#]+)@/gi,
      replace: (_m, scheme, user, password) => (password.startsWith('[') ? _m : `${scheme}${user}:[password]@`),
    },
    {
      re: new RegExp(`(["']?)(?<![\\[\\w])(${SECRET_KEYS})\\1(\\s*[:=]\\s*)(${VALUE})`, 'gi'),
      replace: (_m, quote, key, sep, value) => {
        const q = /^["']/.test(value) ? value[0] : '';
        return `${quote}${key}${quote}${sep}${q}${/pass|pwd/i.test(key) ? '[password]' : '[secret]'}${q}`;
      },
    },
    {
      re: new RegExp(`(?:(")(${WEAK_SECRET_KEYS})"(\\s*:\\s*)|(?<![\\[\\w])(${WEAK_SECRET_KEYS})(=))${VALUE}`, 'gi'),
      replace: (_m, q, jsonKey, jsonSep, key, eq) => (q ? `"${jsonKey}"${jsonSep}"[secret]"` : `${key}${eq}[secret]`),
    },
    // A bare 40-character AWS secret key: a run of exactly 40 key characters with upper and lower case
    // letters and a digit (commit SHAs are one-case hex, so they stay).
    {
      re: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
      replace: (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) && /\d/.test(m) ? '[aws-secret-key]' : m),
    },
  ];
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
    text = text.replace(/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g, (m) => {
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
    text = text.replace(/(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g, (m) => {
      if (!isCardNumber(m.replace(/[ -]/g, ''))) return m;
      count('card');
      return '[card]';
    });
    text = text.replace(identifierKey, (_m, quote, key, sep, value: string) => {
      const q = value.startsWith('"') || value.startsWith("'") ? value[0] : '';
      const raw = q ? value.slice(1, -1) : value;
      if (raw.length === 0 || raw.startsWith('[')) return _m;
      const kind = kindOfKey(key);
      count(kind);
      return `${quote}${key}${quote}${sep}${q}${pseudonym(kind, raw, hashKey)}${q}`;
    });
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
