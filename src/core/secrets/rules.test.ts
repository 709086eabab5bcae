import { describe, expect, it } from 'vitest';
import { fake, randomChars } from '../../testing/fakeSecrets';
import { fileRoleOf, roleMatches } from './fileRoles';
import { looksLikeSecretValue, shannonEntropy, TEXT_RULES } from './rules';
import { redact } from './scan';
import { scanText } from './textScan';

const rules = (text: string, role = fileRoleOf('/x/plain.txt')) => scanText(text, role).map((m) => m.rule);
const secrets = (text: string) => scanText(text, null).map((m) => m.secret);

describe('vendor formats', () => {
  // Each rule: a value in the vendor's format is found (and exactly that value is the secret);
  // near misses (wrong length, wrong prefix, part of a longer word) are not.
  const cases: { rule: string; good: string[]; bad: string[] }[] = [
    {
      rule: 'aws-access-key-id',
      good: [fake.awsKeyIdExample(), fake.awsTemporaryKeyId()],
      bad: [`${fake.awsKeyIdExample()}X`, 'AKIA1234', `X${fake.awsKeyIdExample()}`, 'AKIAiosfodnn7example'],
    },
    {
      rule: 'github-token',
      good: [fake.githubToken(), fake.githubOauth()],
      bad: [fake.githubToken().slice(0, 39), `${fake.githubToken()}a`, `ghx_${randomChars(36)}`],
    },
    {
      rule: 'github-fine-grained-token',
      good: [fake.githubFineGrained()],
      bad: [fake.githubFineGrained().slice(0, 60)],
    },
    {
      rule: 'gitlab-token',
      good: [fake.gitlabToken()],
      bad: [`glpat-${randomChars(10)}`, `glxyz-${randomChars(20)}`],
    },
    {
      rule: 'slack-token',
      good: [fake.slackBotToken()],
      bad: ['xoxb-12-ab', `xoxz-123456789012-${randomChars(24)}`],
    },
    { rule: 'slack-webhook', good: [fake.slackWebhook()], bad: ['https://hooks.slack.com/services/'] },
    {
      rule: 'stripe-secret-key',
      good: [fake.stripeSecret(), fake.stripeRestricted()],
      bad: [`pk_live_${randomChars(24)}`, `sk_live_${randomChars(8)}`],
    },
    {
      rule: 'npm-token',
      good: [fake.npmToken()],
      bad: [`npm_${randomChars(20)}`, `npm_install_${randomChars(36)}`],
    },
    { rule: 'pypi-token', good: [fake.pypiToken()], bad: [`pypi-${randomChars(80)}`] },
    {
      rule: 'google-api-key',
      good: [fake.googleApiKey()],
      bad: [fake.googleApiKey().slice(0, 30), `${fake.googleApiKey()}x`],
    },
  ];
  for (const c of cases) {
    it(`${c.rule}: finds the format, not near misses`, () => {
      expect(TEXT_RULES.some((r) => r.id === c.rule)).toBe(true);
      for (const good of c.good) {
        const found = scanText(`value: ${good}\n`, null);
        expect(found.map((m) => m.rule)).toEqual([c.rule]);
        expect(found[0].secret).toBe(good);
        expect(found[0].line).toBe(1);
      }
      for (const bad of c.bad) expect(rules(`x ${bad} y`)).not.toContain(c.rule);
    });
  }

  it('AWS secret access keys by their documented names, not any 40 characters', () => {
    const secret = fake.awsSecretExample();
    expect(secrets(`aws_secret_access_key = ${secret}\n`)).toEqual([secret]);
    expect(secrets(`AWS_SECRET_ACCESS_KEY="${secret}"`)).toEqual([secret]);
    expect(secrets(`{"SecretAccessKey": "${secret}"}`)).toEqual([secret]);
    expect(rules(`checksum ${secret}`)).toEqual([]);
    expect(rules(`aws_secret_access_key = ${secret.slice(0, 30)}`)).not.toContain('aws-secret-access-key');
  });

  it('private keys: a PEM or OpenSSH block with a body of its alphabet, on the line of BEGIN', () => {
    const pem = fake.pemPrivateKey();
    const found = scanText(`# key\n\n${pem}`, null);
    expect(found.map((m) => [m.rule, m.line])).toEqual([['private-key', 3]]);
    expect(pem).toContain(found[0].secret.trim().slice(0, 64));
    for (const label of ['', 'EC ', 'OPENSSH ', 'ENCRYPTED ', 'DSA '])
      expect(rules(fake.pemPrivateKey(label))).toEqual(['private-key']);
    // Code that names the armour without a body, or with code between, is not a key.
    const begin = `-----BEGIN ${['PRIVATE', 'KEY'].join(' ')}-----`;
    const end = `-----END ${['PRIVATE', 'KEY'].join(' ')}-----`;
    expect(rules(`if line == "${begin}":\n    start()\nelif line == "${end}":`)).toEqual([]);
    expect(rules(`pem = b"${begin}\\n" + body + b"\\n${end}"`)).toEqual([]);
    // Mismatched labels and public keys are not private keys.
    expect(rules(pem.replace('END RSA', 'END EC'))).toEqual([]);
    expect(rules(pem.replaceAll('PRIVATE', 'PUBLIC'))).toEqual([]);
  });
});

describe('high-entropy values assigned to secret names', () => {
  it('finds *_SECRET, *_TOKEN, PASSWORD and api keys with random values', () => {
    const value = fake.randomValue();
    for (const line of [
      `CLIENT_SECRET=${value}`,
      `export GITHUB_TOKEN="${value}"`,
      `password: '${value}'`,
      `DB_PASSWORD := ${value}`,
      `"api_key": "${value}"`,
      `SECRET_KEY = '${value}'`,
    ]) {
      expect(scanText(line, null).map((m) => [m.rule, m.secret])).toEqual([['secret-assignment', value]]);
    }
  });

  it('leaves words, references, placeholders, identifiers and other names alone', () => {
    const value = fake.randomValue();
    for (const line of [
      'PASSWORD=correcthorsebattery', // no digit, words
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference to the environment, as the file writes it
      'TOKEN=${GITHUB_TOKEN}',
      'password = os.environ.get_token',
      'api_key: <your-api-key-here>',
      'SECRET=changeme1234567',
      'SECRET=example12345678A',
      `TOKEN_URL=${value}`, // the name does not end with the word
      `password_file=/run/secrets/${value}`,
      `description: ${value}`,
      'TOKEN=aaaaaaaaaaaaaaaaaaaa1',
      `token = get_token(${value})`,
    ]) {
      expect(scanText(line, null), line).toEqual([]);
    }
  });

  it('entropy is measured in bits per character', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy(randomChars(64))).toBeGreaterThan(4.5);
    expect(looksLikeSecretValue(randomChars(32))).toBe(true);
    expect(looksLikeSecretValue('aaaabbbb1111')).toBe(false);
    expect(looksLikeSecretValue('abcabcabc123')).toBe(false);
  });
});

describe('credential files by role', () => {
  it('knows the files by where tools read them', () => {
    expect(fileRoleOf('/app/.env')).toBe('dotenv');
    expect(fileRoleOf('/app/.env.production')).toBe('dotenv');
    expect(fileRoleOf('/app/.env.example')).toBeNull();
    expect(fileRoleOf('/root/.npmrc')).toBe('npmrc');
    expect(fileRoleOf('/root/.docker/config.json')).toBe('docker-config');
    expect(fileRoleOf('/app/config.json')).toBeNull();
    expect(fileRoleOf('/root/.git-credentials')).toBe('git-credentials');
    expect(fileRoleOf('/root/.ssh/id_rsa')).toBe('ssh-key-file');
    expect(fileRoleOf('/root/.ssh/id_ed25519')).toBe('ssh-key-file');
    expect(fileRoleOf('/root/.ssh/id_rsa.pub')).toBeNull();
    expect(fileRoleOf('/root/.kube/config')).toBe('kubeconfig');
    expect(fileRoleOf('/root/.netrc')).toBe('netrc');
    expect(fileRoleOf('/etc/passwd')).toBeNull();
  });

  it('.env: values of secret names, whatever their entropy; not references or plain settings', () => {
    const text = [
      'NODE_ENV=production',
      'DB_PASSWORD=hunter2hunter2',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference to the environment, as the file writes it
      'API_TOKEN=${TOKEN}',
      '# SECRET=x',
      '',
    ].join('\n');
    expect(scanText(text, 'dotenv').map((m) => [m.rule, m.line, m.secret])).toEqual([
      ['dotenv-value', 2, 'hunter2hunter2'],
    ]);
    // Outside a .env file the same low-entropy password is not reported.
    expect(scanText(text, null)).toEqual([]);
  });

  it('.npmrc _authToken, not a reference to the environment', () => {
    const token = randomChars(24);
    const text = `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${token}\n//x/:_authToken=\${NPM_TOKEN}\n`;
    expect(scanText(text, 'npmrc').map((m) => [m.rule, m.line, m.secret])).toEqual([
      ['npmrc-auth-token', 2, token],
    ]);
  });

  it('Docker config auths, git credentials, kubeconfig tokens, netrc passwords', () => {
    const auth = btoa(`user:${randomChars(12)}`);
    const docker = `{\n  "auths": {\n    "registry.example.com": {\n      "auth": "${auth}"\n    }\n  }\n}\n`;
    expect(scanText(docker, 'docker-config').map((m) => [m.rule, m.line, m.secret])).toEqual([
      ['docker-config-auth', 4, auth],
    ]);
    expect(scanText('{"auths": {}, "credsStore": "desktop"}', 'docker-config')).toEqual([]);
    const password = randomChars(14);
    expect(
      scanText(`https://alice:${password}@git.example.com\n`, 'git-credentials').map((m) => [
        m.rule,
        m.secret,
      ]),
    ).toEqual([['git-credentials', password]]);
    const token = randomChars(40);
    const kube = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      'users:',
      '- name: u',
      '  user:',
      `    token: ${token}`,
      '',
    ].join('\n');
    expect(scanText(kube, 'kubeconfig').map((m) => [m.rule, m.line, m.secret])).toEqual([
      ['kubeconfig-credential', 8, token],
    ]);
    // A kubeconfig under another name is still recognised by its content.
    expect(scanText(kube, null).map((m) => m.rule)).toEqual(['kubeconfig-credential']);
    expect(
      scanText(`machine example.com login bob password ${password}\n`, 'netrc').map((m) => m.secret),
    ).toEqual([password]);
  });

  it('an id_rsa is a key even when its body is not armour this scanner reads; a PEM one is found once', () => {
    expect(
      scanText('PuTTY-User-Key-File-3: ssh-rsa\nPrivate-Lines: 14\n', 'ssh-key-file').map((m) => m.rule),
    ).toEqual(['ssh-private-key-file']);
    expect(scanText(fake.pemPrivateKey('OPENSSH '), 'ssh-key-file').map((m) => m.rule)).toEqual([
      'private-key',
    ]);
    expect(roleMatches('ssh-key-file', '\n\n')).toEqual([]);
  });

  it('one value found by two rules is reported once, by the specific one', () => {
    const text = `AWS_ACCESS_KEY_ID=${fake.awsKeyIdExample()}\nAWS_SECRET_ACCESS_KEY=${fake.awsSecretExample()}\n`;
    expect(scanText(text, 'dotenv').map((m) => [m.rule, m.line])).toEqual([
      ['aws-access-key-id', 1],
      ['aws-secret-access-key', 2],
    ]);
  });
});

describe('redact', () => {
  it('keeps only the first and last characters, never the whole secret', () => {
    expect(redact(fake.awsKeyIdExample())).toBe('AK…LE');
    expect(redact('abcdefghijklmnopqrstuvwxyz')).toBe('abcd…wxyz');
    expect(redact('abcdef')).toBe('a…f');
    expect(redact('abc')).toBe('…');
    for (let n = 1; n < 80; n++) {
      const secret = randomChars(n, undefined, n);
      const preview = redact(secret);
      expect(preview.replace('…', '').length).toBeLessThanOrEqual(Math.floor(n / 2));
      if (n > 1) expect(preview).not.toContain(secret);
    }
  });
});
