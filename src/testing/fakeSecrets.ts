/**
 * Fake secrets in the vendors' formats, assembled at run time from a seeded generator, so that no
 * file of the repository holds a string a secret scanner (or a push protection) would take for a
 * live credential. None of them was ever issued by anyone.
 */

import { xorshift } from './xorshift';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A deterministic stream of characters from `alphabet` (xorshift32, seeded). */
export function randomChars(length: number, alphabet = BASE62, seed = 12345): string {
  const next = xorshift(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[next() % alphabet.length];
  return out;
}

const join = (...parts: string[]) => parts.join('');

export const fake = {
  /** AWS's own documented example access key ID (IAM User Guide). */
  awsKeyIdExample: () => join('AKIA', 'IOSFODNN7', 'EXAMPLE'),
  /** AWS's own documented example secret access key. */
  awsSecretExample: () => join('wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'),
  awsTemporaryKeyId: (seed = 1) => join('AS', 'IA', randomChars(16, UPPER_DIGITS, seed)),
  githubToken: (seed = 2) => join('gh', 'p_', randomChars(36, BASE62, seed)),
  githubOauth: (seed = 3) => join('gh', 'o_', randomChars(36, BASE62, seed)),
  githubFineGrained: (seed = 4) =>
    join('github', '_pat_', randomChars(22, BASE62, seed), '_', randomChars(59, BASE62, seed + 1)),
  gitlabToken: (seed = 5) => join('gl', 'pat-', randomChars(20, BASE62, seed)),
  slackBotToken: (seed = 6) =>
    join('xo', 'xb-', '123456789012', '-', '1234567890123', '-', randomChars(24, BASE62, seed)),
  slackWebhook: (seed = 7) =>
    join(
      'https://hooks.',
      'slack.com/services/T',
      randomChars(8, UPPER_DIGITS, seed),
      '/B',
      randomChars(8, UPPER_DIGITS, seed + 1),
      '/',
      randomChars(24, BASE62, seed + 2),
    ),
  stripeSecret: (seed = 8) => join('sk', '_live_', randomChars(24, BASE62, seed)),
  stripeRestricted: (seed = 9) => join('rk', '_test_', randomChars(24, BASE62, seed)),
  npmToken: (seed = 10) => join('np', 'm_', randomChars(36, BASE62, seed)),
  pypiToken: (seed = 11) => join('py', 'pi-', 'AgEIcHlwaS5vcmc', randomChars(60, `${BASE62}-_`, seed)),
  googleApiKey: (seed = 12) => join('AI', 'za', randomChars(35, `${BASE62}-_`, seed)),
  /** A random alphanumeric value with the entropy of a generated password or token. */
  randomValue: (length = 32, seed = 13) => randomChars(length, BASE62, seed),
  /** A PEM block with an RSA label and a random base64 body (not a key: random bytes). */
  pemPrivateKey: (label = 'RSA ', seed = 14) => {
    const name = join(label, 'PRIVATE', ' KEY');
    const body = randomChars(64 * 6, `${BASE62}+/`, seed)
      .match(/.{64}/g)!
      .join('\n');
    return `-----BEGIN ${name}-----\n${body}\n-----END ${name}-----\n`;
  },
};
