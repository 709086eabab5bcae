/**
 * Secrets with a published format, each rule written from its vendor's documentation (named in a
 * comment on the rule). A rule names the secret's own characters (`secret`), which is what the
 * preview redacts and what Reveal shows; the text around it (a variable name, a PEM label) is not
 * part of it.
 */

export interface TextRule {
  /** Stable identifier, printed by the command line (`aws-access-key-id`). */
  id: string;
  /** What a person reads in the Secrets view. */
  title: string;
  /**
   * Literal strings one of which any match contains: a text without any is not searched with the
   * pattern at all, which keeps the scan close to a plain substring search.
   */
  keywords: readonly string[];
  /** Global; the secret is the group named `secret`. */
  pattern: RegExp;
  /**
   * Where a match can start, so that the pattern is tried only there (textScan.ts): the scan finds
   * these places with native substring searches instead of running the pattern over every offset.
   * It must name every place a match can start (more is only slower); the differential test in
   * prefilter.test.ts holds each rule to the plain global search over the whole text.
   */
  starts: MatchStarts;
  /**
   * Characters one of which every match holds: a text without any is not searched for this rule
   * (and a text without any rule's is not searched at all).
   */
  needs: readonly string[];
  /**
   * A literal every match holds, beginning fewer than `within` characters after the match's start:
   * a start without one that near is not tried. It bounds the work at each start of a pattern that
   * may search far (a PEM BEGIN line with no END line after it).
   */
  closedBy?: { literal: string; within: number };
  /** Further checks of a match the pattern cannot express (a PEM body's alphabet, entropy). */
  accept?(secret: string, match: RegExpExecArray): boolean;
}

/**
 * Where matches of a rule start.
 * - `literal`: every match holds one of `literals` beginning `offset` characters after its start.
 *   Short literals whose first character is uncommon in text search fastest (V8 looks for the
 *   first character with memchr, then compares): `BEGIN ` rather than `-----BEGIN `.
 * - `assignment`: every match is a name of `names` (any ASCII case), an optional quote, blanks,
 *   then `:` or `=`; the scan finds the operators and looks back from each for a name ending there.
 */
export type MatchStarts =
  | { kind: 'literal'; literals: readonly string[]; offset: number }
  | { kind: 'assignment'; names: readonly string[] };

/** Every spelling of a name whose `_` are optional (`api_key` gives `api_key`, `apikey`). */
export function underscoreSpellings(name: string): string[] {
  const cut = name.indexOf('_');
  if (cut < 0) return [name];
  const rest = underscoreSpellings(name.slice(cut + 1));
  const head = name.slice(0, cut);
  return [...rest.map((r) => `${head}_${r}`), ...rest.map((r) => `${head}${r}`)];
}

const literal = (literals: readonly string[], offset = 0): MatchStarts => ({
  kind: 'literal',
  literals,
  offset,
});

/** Characters of base64 (RFC 4648 §4) and its URL-safe alphabet (§5). */
const PEM_BODY = /^[A-Za-z0-9+/=\s:,.\-_]+$/;

/**
 * Shannon entropy of a string in bits per character: about 4 to 6 for random keys, 2 to 3.5 for
 * words and identifiers.
 */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export const TEXT_RULES: readonly TextRule[] = [
  {
    // RFC 7468 §2 and §10-11 (PKCS #8 "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"); RFC 1421 / OpenSSL's
    // traditional "RSA|DSA|EC PRIVATE KEY" with Proc-Type/DEK-Info headers; OpenSSH's
    // PROTOCOL.key ("OPENSSH PRIVATE KEY"); RFC 4880 §6.2 ("PGP PRIVATE KEY BLOCK"). The END line
    // must carry the BEGIN line's label, and the body must be the armour's alphabet: a string
    // literal in source code that only names the label is not a key.
    id: 'private-key',
    title: 'Private key',
    keywords: ['-----BEGIN '],
    starts: literal(['BEGIN '], 5),
    needs: ['-'],
    // `-----BEGIN ` (11), the longest label (32), `-----` (5), at most 65,536 of body, then END.
    closedBy: { literal: '-----END ', within: 11 + 32 + 5 + 65_536 + 1 },
    pattern:
      /-----BEGIN (?<label>(?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----(?<secret>[\s\S]{1,65536}?)-----END \k<label>-----/g,
    accept: (secret) => secret.trim().length > 0 && PEM_BODY.test(secret),
  },
  {
    // AWS IAM User Guide, "Unique identifier prefixes": AKIA is an access key, ASIA a temporary
    // (STS) one; an access key ID is 20 upper-case letters and digits.
    id: 'aws-access-key-id',
    title: 'AWS access key ID',
    keywords: ['AKIA', 'ASIA'],
    starts: literal(['IA'], 2),
    needs: ['A'],
    pattern: /(?<![A-Z0-9])(?<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])/g,
  },
  {
    // AWS CLI "Configuration and credential file settings": aws_secret_access_key, and the
    // environment variable AWS_SECRET_ACCESS_KEY; the secret access key is 40 characters of
    // base64 (the documented example is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY). SDKs spell
    // it SecretAccessKey in JSON (STS's GetSessionToken answer).
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    keywords: ['ecret', 'ECRET'],
    starts: {
      kind: 'assignment',
      names: [...underscoreSpellings('aws_secret_access_key'), ...underscoreSpellings('secret_access_key')],
    },
    needs: [':', '='],
    pattern:
      /(?:aws_?secret_?access_?key|secret_?access_?key)["']?\s*(?:=|:|=>)\s*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
  },
  {
    // GitHub Docs, "About authentication to GitHub" (token formats) and the GitHub blog "Behind
    // GitHub's new authentication token formats" (2021): ghp_ personal, gho_ OAuth, ghu_
    // user-to-server, ghs_ server-to-server, ghr_ refresh; 36 base62 characters after the prefix.
    id: 'github-token',
    title: 'GitHub token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    starts: literal(['gh']),
    needs: ['_'],
    pattern: /(?<![A-Za-z0-9_])(?<secret>gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9])/g,
  },
  {
    // GitHub Docs, "Managing your personal access tokens": fine-grained tokens start github_pat_
    // (22 + 1 + 59 characters of [A-Za-z0-9_] after it).
    id: 'github-fine-grained-token',
    title: 'GitHub fine-grained token',
    keywords: ['github_pat_'],
    starts: literal(['_pat_'], 6),
    needs: ['_'],
    pattern: /(?<![A-Za-z0-9_])(?<secret>github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])/g,
  },
  {
    // GitLab Docs, "GitLab token overview" → "Token prefixes": glpat- personal/project/group
    // access, gldt- deploy, glrt- runner, glptt- pipeline trigger, gloas- OAuth application
    // secret, glcbt- CI/CD job, glimt- incoming mail, glft- feed, glsoat- SCIM, glagent- agent;
    // 20 characters of [0-9A-Za-z_-] or the longer routable form after them.
    id: 'gitlab-token',
    title: 'GitLab token',
    keywords: [
      'glpat-',
      'gldt-',
      'glrt-',
      'glptt-',
      'gloas-',
      'glcbt-',
      'glimt-',
      'glft-',
      'glsoat-',
      'glagent-',
    ],
    starts: literal(['gl']),
    needs: ['-'],
    pattern:
      /(?<![A-Za-z0-9_-])(?<secret>gl(?:pat|dt|rt|ptt|oas|cbt|imt|ft|soat|agent)-[0-9A-Za-z_-]{20,200}(?:\.[0-9A-Za-z_.-]{2,100})?)(?![0-9A-Za-z_-])/g,
  },
  {
    // Slack API docs, "Token types": xoxb- bot, xoxp- user, xoxa-/xoxr- (app and refresh),
    // xoxs-; numeric workspace and user parts, then the secret part, separated by hyphens.
    id: 'slack-token',
    title: 'Slack token',
    keywords: ['xox'],
    starts: literal(['xox']),
    needs: ['-'],
    pattern: /(?<![A-Za-z0-9])(?<secret>xox[abposr]-[0-9]{5,}-[0-9A-Za-z-]{10,200})(?![0-9A-Za-z-])/g,
  },
  {
    // Slack API docs, "Sending messages using incoming webhooks": the URL itself is the credential.
    id: 'slack-webhook',
    title: 'Slack webhook URL',
    keywords: ['hooks.slack.com'],
    starts: literal(['ks.sl'], 11),
    needs: [':'],
    pattern:
      /(?<secret>https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,})/g,
  },
  {
    // Stripe Docs, "API keys": secret keys sk_live_/sk_test_, restricted keys rk_live_/rk_test_
    // (publishable pk_ keys are public by design and not reported).
    id: 'stripe-secret-key',
    title: 'Stripe secret key',
    keywords: ['k_live_', 'k_test_'],
    starts: literal(['k_'], 1),
    needs: ['_'],
    pattern: /(?<![A-Za-z0-9_])(?<secret>[sr]k_(?:live|test)_[0-9A-Za-z]{16,247})(?![0-9A-Za-z])/g,
  },
  {
    // npm Docs, "About access tokens" and the GitHub blog "npm access tokens" (2021): npm_
    // followed by 36 base62 characters.
    id: 'npm-token',
    title: 'npm access token',
    keywords: ['npm_'],
    starts: literal(['pm_'], 1),
    needs: ['_'],
    pattern: /(?<![A-Za-z0-9_])(?<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])/g,
  },
  {
    // PyPI help, "API tokens": pypi- then a macaroon serialised in base64url, which begins with
    // the bytes 02 01 08 "pypi.org" (AgEIcHlwaS5vcmc); TestPyPI's with "test.pypi.org".
    id: 'pypi-token',
    title: 'PyPI API token',
    keywords: ['pypi-AgE'],
    starts: literal(['AgE'], 5),
    needs: ['-'],
    pattern: /(?<secret>pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})/g,
  },
  {
    // Google Cloud Docs, "Manage API keys": keys are AIza followed by 35 characters of
    // [0-9A-Za-z_-] (39 in all).
    id: 'google-api-key',
    title: 'Google API key',
    keywords: ['AIza'],
    starts: literal(['AIza']),
    needs: ['A'],
    pattern: /(?<![0-9A-Za-z_-])(?<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g,
  },
];

/**
 * Names that say their value is a secret: `*_SECRET`, `*_TOKEN`, `PASSWORD`, `api_key`,
 * `client_secret`… The name must end with the word (it is followed by the assignment), so
 * `TOKEN_URL` or `password_file` is not one. The pattern starts at the word, not the name, so that
 * the regular expression engine can skip ahead to a keyword instead of trying every position.
 */
export const SECRET_NAME =
  /(?:secret_?key|secret|token|password|passwd|passphrase|api_?key|apikey|access_?key|private_?key|auth_?key|credentials?)["']?\s*(?::=|=>|=|:)\s*(?<quote>["']?)(?<secret>[^\s"'`&]{12,256})\k<quote>/gi;

/** SECRET_NAME's words spelled out, where the scan looks back from each `:` and `=` for them. */
export const SECRET_NAME_WORDS: readonly string[] = [
  ...underscoreSpellings('secret_key'),
  'secret',
  'token',
  'password',
  'passwd',
  'passphrase',
  ...underscoreSpellings('api_key'),
  ...underscoreSpellings('access_key'),
  ...underscoreSpellings('private_key'),
  ...underscoreSpellings('auth_key'),
  'credential',
  'credentials',
];

/** Values that stand for a secret instead of being one: references, templates, examples. */
const PLACEHOLDER =
  /^[$%]|\$\{|\$\(|\{\{|%\(|<|example|changeme|change_me|placeholder|xxxx|your[_-]|dummy|sample|redacted|\*\*\*|notreal|not_real|replace/i;

/** Characters a key, token or password is written with: anything else means code or a path. */
const SECRET_CHARS = /^[A-Za-z0-9+/=_\-.~!@#^*]+$/;

/** Bits per character a value assigned to a secret name needs: above words, below random keys. */
export const MIN_ENTROPY = 3.5;

/**
 * Whether a value assigned to a secret-sounding name looks like a secret: long, of a key's
 * alphabet, with letters and digits mixed, random enough, and not a placeholder or a dotted
 * identifier (`self.token`, `os.environ.get`).
 */
export function looksLikeSecretValue(value: string, minEntropy = MIN_ENTROPY): boolean {
  if (value.length < 12 || !SECRET_CHARS.test(value) || PLACEHOLDER.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(value)) return false;
  if (/^(.)\1+$/.test(value)) return false;
  return shannonEntropy(value) >= minEntropy;
}

export const ASSIGNMENT_RULE: TextRule = {
  id: 'secret-assignment',
  title: 'High-entropy value assigned to a secret name',
  keywords: [],
  starts: { kind: 'assignment', names: SECRET_NAME_WORDS },
  needs: [':', '='],
  pattern: SECRET_NAME,
  accept: (secret) => looksLikeSecretValue(secret),
};

/** Every rule that applies to any text, the specific ones first (they win a tie on the same value). */
export const ALL_TEXT_RULES: readonly TextRule[] = [...TEXT_RULES, ASSIGNMENT_RULE];
