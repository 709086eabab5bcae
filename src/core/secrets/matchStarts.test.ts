import { describe, expect, it } from 'vitest';
import { fake, randomChars } from '../../testing/fakeSecrets';
import { referenceRuleMatches, referenceScanText } from '../../testing/referenceSecretScan';
import { xorshift } from '../../testing/xorshift';
import { type FileRole, fileRoleOf } from './fileRoles';
import { isRegExpSpace } from './matchStarts';
import { ALL_TEXT_RULES, SECRET_NAME, SECRET_NAME_WORDS, type TextRule, underscoreSpellings } from './rules';
import { matchesOfRule, scanText } from './textScan';

/** xorshift32: the same texts on every run, so a failure can be replayed. */
function generator(seed: number) {
  const next = xorshift(seed);
  return {
    int: (n: number) => next() % n,
    pick: <T>(items: readonly T[]): T => items[next() % items.length],
  };
}

/** Letters each in a random case (the assignment rules match names in any case). */
function anyCase(word: string, rand: ReturnType<typeof generator>): string {
  return [...word].map((c) => (rand.int(2) ? c.toUpperCase() : c)).join('');
}

const planted = [
  fake.awsKeyIdExample(),
  fake.awsTemporaryKeyId(7),
  fake.githubToken(21),
  fake.githubOauth(22),
  fake.githubFineGrained(23),
  fake.gitlabToken(24),
  fake.slackBotToken(25),
  fake.slackWebhook(26),
  fake.stripeSecret(27),
  fake.stripeRestricted(28),
  fake.npmToken(29),
  fake.pypiToken(30),
  fake.googleApiKey(31),
  fake.pemPrivateKey('RSA ', 32),
  fake.pemPrivateKey('OPENSSH ', 33),
  fake.pemPrivateKey('EC ', 34).replace('-----END EC', '-----END RSA'),
];

/** Near misses and pieces of the formats, where a prefilter that is too narrow or too loose shows. */
const fragments = [
  'gh',
  'ghp_',
  'github_pat_',
  '_pat_',
  'gl',
  'glpat-',
  'glagent-',
  'xox',
  'xoxb-12345-',
  'https://hooks.slack.com/services/T',
  'ks.sl',
  'k_',
  'sk_live_',
  'rk_test_',
  'pm_',
  'npm_',
  'pypi-AgE',
  'AgE',
  'AIza',
  'IA',
  'AKIA',
  'ASIA',
  '-----BEGIN ',
  '-----BEGIN RSA PRIVATE KEY-----',
  '-----END RSA PRIVATE KEY-----',
  'BEGIN ',
  'ecret',
  'ECRET',
  'kind: Config\n',
  'clusters:\n',
  'users:\n',
  'token: ',
];

const operators = ['=', ':', ':=', '=>', ' = ', ': ', '\t=\t', '  :  ', '="', "='", '"="', "':'"];
/** Every code unit `\s` matches, and some that look like blanks but are not. */
const blanks = [
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\v',
  '\f',
  '\u00a0',
  '\u1680',
  '\u2003',
  '\u2028',
  '\u202f',
  '\ufeff',
];
const notBlanks = ['\u180e', '\u200b', '\u0085'];
/** Letters past ASCII, some of which fold to ASCII in other regular expression modes. */
const foreign = ['ſ', '\u212a', 'ı', 'é', 'Ж', '😀', '\ud800'];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const AWS_NAMES = [
  ...underscoreSpellings('aws_secret_access_key'),
  ...underscoreSpellings('secret_access_key'),
];

/** A text of random pieces: words, names, operators, values, blanks, planted secrets and fragments. */
function noisyText(seed: number): string {
  const rand = generator(seed);
  const parts: string[] = [];
  const pieces = 20 + rand.int(200);
  for (let i = 0; i < pieces; i++) {
    switch (rand.int(13)) {
      case 0:
        parts.push(rand.pick(planted));
        break;
      case 1:
        parts.push(rand.pick(fragments));
        break;
      case 2:
        parts.push(anyCase(rand.pick(SECRET_NAME_WORDS), rand));
        break;
      case 3:
        parts.push(anyCase(rand.pick(AWS_NAMES), rand));
        break;
      case 4:
        parts.push(rand.pick(operators));
        break;
      case 5:
        // A value: random enough to pass the entropy bar, or not.
        parts.push(randomChars(4 + rand.int(60), rand.int(2) ? undefined : 'ab01', rand.int(1 << 30)));
        break;
      case 6:
        parts.push(rand.pick(blanks));
        break;
      case 7:
        parts.push(rand.pick(foreign), rand.pick(notBlanks));
        break;
      case 8:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference to the environment, as files write it
        parts.push(rand.pick(['"', "'", '`', '&', '$', '${X}', '<x>', 'changeme', '.', '/', '-', '_']));
        break;
      case 9:
        // A fragment glued to the start or end of a planted secret.
        parts.push(`${rand.pick(fragments)}${rand.pick(planted)}${rand.pick(fragments)}`);
        break;
      case 10: {
        // A whole assignment: a name in any case, an operator with blanks and quotes, a value.
        const aws = rand.int(2) === 0;
        const name = anyCase(rand.pick(aws ? AWS_NAMES : SECRET_NAME_WORDS), rand);
        const value = aws
          ? randomChars(38 + rand.int(4), `${BASE64}`, rand.int(1 << 30))
          : randomChars(8 + rand.int(30), undefined, rand.int(1 << 30));
        const quote = rand.pick(['', '"', "'"]);
        parts.push(
          `${rand.pick(['', 'MY_', 'x.', '"'])}${name}${rand.pick(operators)}${quote}${value}${quote}`,
        );
        break;
      }
      default:
        parts.push(randomChars(1 + rand.int(12), 'abcdefghijklmnopqrstuvwxyz_ ', rand.int(1 << 30)));
    }
  }
  return parts.join(rand.int(3) === 0 ? '' : rand.pick([' ', '', '\n', '_', '-']));
}

function reference(rule: TextRule, text: string) {
  const out: Parameters<typeof referenceRuleMatches>[3] = [];
  referenceRuleMatches(rule, text, 0, out);
  return out.map(({ index, lineAt, secret }) => ({ index, lineAt, secret }));
}

describe('the prefiltered scan against the plain global search', () => {
  const texts = Array.from({ length: 3000 }, (_, i) => noisyText(i + 1));

  it('finds exactly the matches of each rule that its pattern run over the whole text finds', () => {
    const matched = new Map<string, number>();
    for (const [i, text] of texts.entries()) {
      for (const rule of ALL_TEXT_RULES) {
        const expected = reference(rule, text);
        expect(matchesOfRule(rule, text), `text ${i + 1}, rule ${rule.id}`).toEqual(expected);
        matched.set(rule.id, (matched.get(rule.id) ?? 0) + expected.length);
      }
    }
    // Every rule matched in the generated texts, many times: the comparison covers each of them.
    for (const rule of ALL_TEXT_RULES) expect(matched.get(rule.id), rule.id).toBeGreaterThan(20);
    if (process.env.SHOW_COUNTS) console.log(Object.fromEntries(matched));
  });

  it('gives the same findings, lines and ranks for the whole text, with and without a role', () => {
    const roles: (FileRole | null)[] = [null, null, 'dotenv', 'kubeconfig', 'ssh-key-file', 'npmrc'];
    let findings = 0;
    for (const [i, text] of texts.entries()) {
      const role = roles[i % roles.length];
      const expected = referenceScanText(text, role);
      expect(scanText(text, role), `text ${i + 1}`).toEqual(expected);
      findings += expected.length;
    }
    expect(findings).toBeGreaterThan(texts.length);
  });

  it('keeps the AWS rule to texts holding "ecret" or "ECRET", as before, in any case of the name', () => {
    const key = fake.awsSecretExample();
    const rule = ALL_TEXT_RULES.find((r) => r.id === 'aws-secret-access-key')!;
    for (const text of [
      `sEcReT_aCcEsS_kEy = ${key}\n`,
      `aws_SECRET_access_key: "${key}"\n`,
      `AWS_SECRET_ACCESS_KEY=${key}\n`,
      `x = 1\nSecretAccessKey => '${key}'\n`,
    ]) {
      expect(matchesOfRule(rule, text), text).toEqual(reference(rule, text));
    }
    // The first has neither keyword: no match, as the plain search gated on the keywords gives.
    expect(matchesOfRule(rule, `sEcReT_aCcEsS_kEy = ${key}\n`)).toEqual([]);
    expect(matchesOfRule(rule, `AWS_SECRET_ACCESS_KEY=${key}\n`)).toHaveLength(1);
  });

  it("a text holding none of the rules' characters is not searched and finds nothing", () => {
    const words = randomChars(200_000, 'abcdefghijklmnopqrstuvwxyz \n', 5);
    expect(scanText(words, null)).toEqual([]);
    expect(referenceScanText(words, null)).toEqual([]);
    const env = `${words}\nTOKEN=${fake.randomValue(32, 3)}\n`;
    expect(scanText(env, null)).toEqual(referenceScanText(env, null));
    expect(scanText(env, null)).toHaveLength(1);
  });

  it('a PEM BEGIN line is tried only with an END line close enough behind it, so hostile files stay fast', () => {
    const rule = ALL_TEXT_RULES.find((r) => r.id === 'private-key')!;
    const begin = '-----BEGIN RSA PRIVATE KEY-----\n';
    const key = fake.pemPrivateKey('RSA ', 40);
    // The same matches as the plain search: BEGIN lines before a key, a body of 65,536 characters
    // (the longest the rule takes: the BEGIN line's break, A…A, a break) and one a character longer.
    const body = (n: number) => `${'A'.repeat(n - 2)}\n`;
    const cases = [
      `${begin.repeat(3000)}${key}`,
      `${begin}${body(65_536)}-----END RSA PRIVATE KEY-----\n`,
      `${begin}${body(65_537)}-----END RSA PRIVATE KEY-----\n`,
      `${key}${begin.repeat(100)}`,
    ];
    for (const text of cases) expect(matchesOfRule(rule, text)).toEqual(reference(rule, text));
    expect(matchesOfRule(rule, cases[1])).toHaveLength(1);
    expect(matchesOfRule(rule, cases[2])).toHaveLength(0);
    // 8 MiB of BEGIN lines and no END line: the plain search tries 64 KiB after each (minutes).
    const hostile = begin.repeat((8 << 20) / begin.length);
    const started = performance.now();
    expect(scanText(hostile, null)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('real files of this machine (configuration, documentation) give the same findings', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const decoder = new TextDecoder();
    let compared = 0;
    const visit = (dir: string, depth: number) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (compared >= 400) return;
        const path = join(dir, name);
        try {
          const stat = statSync(path);
          if (stat.isDirectory() && depth < 3) visit(path, depth + 1);
          if (!stat.isFile() || stat.size === 0 || stat.size > 1 << 20) continue;
          const bytes = readFileSync(path);
          if (bytes.indexOf(0) >= 0) continue;
          const text = decoder.decode(bytes);
          const role = fileRoleOf(path);
          expect(scanText(text, role), path).toEqual(referenceScanText(text, role));
          compared++;
        } catch (error) {
          if (error instanceof Error && error.name === 'AssertionError') throw error;
        }
      }
    };
    visit('/etc', 0);
    expect(compared).toBeGreaterThan(0);
  });
});

describe('what the prefilter relies on', () => {
  it('isRegExpSpace is the \\s of regular expressions, for every UTF-16 code unit', () => {
    const space = /\s/;
    for (let c = 0; c < 0x10000; c++) {
      if (isRegExpSpace(c) !== space.test(String.fromCharCode(c))) throw new Error(`U+${c.toString(16)}`);
    }
  });

  it('SECRET_NAME_WORDS spells out every word of the SECRET_NAME pattern', () => {
    const group = SECRET_NAME.source.slice(3, SECRET_NAME.source.indexOf(')'));
    const spelled = group.split('|').flatMap((word) => {
      const optional = word.endsWith('s?') ? [word.slice(0, -2), `${word.slice(0, -2)}s`] : [word];
      return optional.flatMap((w) => underscoreSpellings(w.replace(/_\?/g, '_')));
    });
    expect(new Set(SECRET_NAME_WORDS)).toEqual(new Set(spelled));
  });
});
