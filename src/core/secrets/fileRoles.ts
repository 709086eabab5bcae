/**
 * Files whose role is to hold credentials, recognised by where they live (the name a tool reads
 * them from), and what in each of them is the credential. The formats are the tools' own.
 */
import { looksLikeSecretValue } from './rules';

export type FileRole =
  | 'dotenv'
  | 'npmrc'
  | 'docker-config'
  | 'git-credentials'
  | 'ssh-key-file'
  | 'kubeconfig'
  | 'netrc';

export interface RoleMatch {
  rule: string;
  title: string;
  /** Offset of the secret in the text. */
  index: number;
  secret: string;
}

/** `.env.example`, `.env.sample`… document the variables; they are not the environment. */
const DOTENV_EXAMPLE = /\.(example|sample|template|dist|defaults?|schema)$/i;
const SSH_KEY_NAME = /^id_(rsa|dsa|ecdsa|ed25519|ecdsa_sk|ed25519_sk|xmss)$/;

/** The role of a file at an absolute path, or null for an ordinary file. */
export function fileRoleOf(path: string): FileRole | null {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = path.slice(0, Math.max(0, slash));
  // dotenv (github.com/motdotla/dotenv, and docker compose's env_file): .env, .env.production…
  if ((base === '.env' || base.startsWith('.env.')) && !DOTENV_EXAMPLE.test(base)) return 'dotenv';
  // npm Docs, "npmrc": per-user ~/.npmrc, per-project .npmrc, global $PREFIX/etc/npmrc.
  if (base === '.npmrc' || (base === 'npmrc' && dir.endsWith('/etc'))) return 'npmrc';
  // Docker Docs, "docker login" → credentials store: ~/.docker/config.json (kaniko reads
  // /kaniko/.docker/config.json); the older ~/.dockercfg.
  if ((base === 'config.json' && dir.endsWith('/.docker')) || base === '.dockercfg') return 'docker-config';
  // git-credential-store(1): ~/.git-credentials and $XDG_CONFIG_HOME/git/credentials.
  if (base === '.git-credentials' || (base === 'credentials' && dir.endsWith('/git')))
    return 'git-credentials';
  // ssh-keygen(1): the default private key files in ~/.ssh (the public halves end in .pub).
  if (SSH_KEY_NAME.test(base)) return 'ssh-key-file';
  // Kubernetes Docs, "Organizing cluster access using kubeconfig files": ~/.kube/config.
  if (base === 'config' && dir.endsWith('/.kube')) return 'kubeconfig';
  // netrc(5): ~/.netrc (curl, ftp, git over HTTP).
  if (base === '.netrc' || base === '_netrc') return 'netrc';
  return null;
}

/** A kubeconfig under any name: `kind: Config` with clusters and users (kubectl's --kubeconfig). */
export function looksLikeKubeconfig(text: string): boolean {
  return /^kind:\s*["']?Config["']?\s*$/m.test(text) && /^clusters:/m.test(text) && /^users:/m.test(text);
}

/** A value that points at a secret elsewhere instead of holding one (`${NPM_TOKEN}`, `$(cat f)`). */
function isReference(value: string): boolean {
  return value === '' || /^\$|\$\{|\$\(/.test(value);
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) return v.slice(1, -1);
  return v;
}

/** Every match of `pattern` (global) whose `secret` group passes `keep`, as RoleMatches. */
function collect(
  text: string,
  pattern: RegExp,
  rule: string,
  title: string,
  keep: (secret: string) => boolean = (secret) => !isReference(secret),
): RoleMatch[] {
  const out: RoleMatch[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const raw = m.groups?.secret ?? '';
    const secret = unquote(raw);
    if (!keep(secret)) continue;
    out.push({ rule, title, index: m.index + m[0].lastIndexOf(raw), secret });
  }
  return out;
}

/**
 * Names in a .env file that say they hold a credential. A role file lowers the bar: there any
 * value of such a name counts, random-looking or not, since the file exists to hold them.
 */
const DOTENV_SECRET_NAME =
  /(KEY|SECRET|TOKEN|PASS|PASSWD|PASSWORD|PWD|AUTH|CREDENTIALS?|PRIVATE|DSN)(_ID)?$/i;

/** What in a role file is a credential. */
export function roleMatches(role: FileRole, text: string): RoleMatch[] {
  switch (role) {
    case 'dotenv': {
      // dotenv's grammar: [export] NAME=value, the value quoted or not, # comments.
      const out: RoleMatch[] = [];
      const line =
        /^[ \t]*(?:export[ \t]+)?(?<name>[A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*(?<secret>[^\r\n]*)$/gm;
      for (let m = line.exec(text); m; m = line.exec(text)) {
        const name = m.groups!.name;
        const raw = m.groups!.secret;
        const value = unquote(raw.replace(/[ \t]+#.*$/, ''));
        if (isReference(value) || value.length < 4) continue;
        if (!DOTENV_SECRET_NAME.test(name) && !looksLikeSecretValue(value)) continue;
        out.push({
          rule: 'dotenv-value',
          title: `Credential in a .env file (${name})`,
          index: m.index + m[0].indexOf(raw),
          secret: value,
        });
      }
      return out;
    }
    case 'npmrc':
      // npm Docs, "npmrc" → "Auth related configuration": //registry/:_authToken, _auth
      // (base64 user:password), _password.
      return collect(
        text,
        /(?:^|:)_(?:authToken|auth|password)[ \t]*=[ \t]*(?<secret>[^\r\n]+)/gm,
        'npmrc-auth-token',
        'npm registry credential in .npmrc',
      );
    case 'docker-config':
      // Docker's config file: "auths": {"<registry>": {"auth": base64(user:password),
      // "identitytoken": …}}; ~/.dockercfg has the same objects at the top.
      return collect(
        text,
        /"(?:auth|identitytoken|password)"\s*:\s*"(?<secret>[^"]{4,})"/g,
        'docker-config-auth',
        'Registry credential in Docker config',
      );
    case 'git-credentials':
      // git-credential-store(1): one URL per line, https://user:password@host.
      return collect(
        text,
        /^[ \t]*[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:(?<secret>[^@\s]+)@/gim,
        'git-credentials',
        'Password in .git-credentials',
      );
    case 'kubeconfig':
      // kubeconfig's users[].user: token, password, client-key-data (a base64 private key).
      return collect(
        text,
        /^[ \t]*(?:token|password|client-key-data):[ \t]*(?<secret>[^\s#]+)/gm,
        'kubeconfig-credential',
        'Credential in a kubeconfig',
      );
    case 'netrc':
      // netrc(5): "machine host login name password secret", tokens separated by blanks.
      return collect(text, /(?:^|\s)password\s+(?<secret>\S+)/g, 'netrc-password', 'Password in .netrc');
    case 'ssh-key-file': {
      // The key itself, whatever its encoding: the private-key rule finds PEM/OpenSSH armour;
      // this covers keys it does not (a body it cannot read, PuTTY's format).
      const secret = text.trim();
      if (secret.length === 0) return [];
      return [
        {
          rule: 'ssh-private-key-file',
          title: 'SSH private key file',
          index: text.indexOf(secret[0]),
          secret: secret.slice(0, 16384),
        },
      ];
    }
  }
}
