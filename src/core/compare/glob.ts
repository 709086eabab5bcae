/**
 * Exclude globs, as `diff -x` and .gitignore read them: a pattern without `/` is matched
 * against every name along a path (`*.pyc`, `__pycache__`), one with `/` against the whole
 * absolute path from the root (`/var/cache/**`, `usr/share/doc/*`). `*` and `?` stay inside a
 * name, `**` crosses names, `[abc]`, `[a-z]` and `[!x]` are classes, `\` quotes the next
 * character. A directory that matches takes everything below it out too.
 */
export interface PathMatcher {
  /** True when the path (absolute, cleaned) or one of its directories matches. */
  excludes(path: string): boolean;
}

export function compileGlobs(globs: readonly string[]): PathMatcher {
  const names: RegExp[] = [];
  const paths: RegExp[] = [];
  for (const glob of globs) {
    const trimmed = glob.replace(/\/+$/, '');
    if (trimmed === '') continue;
    if (trimmed.includes('/')) paths.push(new RegExp(`^${globSource(trimmed.replace(/^\/+/, ''))}(?:/|$)`));
    else names.push(new RegExp(`^${globSource(trimmed)}$`));
  }
  return {
    excludes(path: string): boolean {
      if (names.length === 0 && paths.length === 0) return false;
      const relative = path.replace(/^\/+/, '');
      if (paths.some((re) => re.test(relative))) return true;
      if (names.length === 0) return false;
      return relative.split('/').some((name) => names.some((re) => re.test(name)));
    },
  };
}

/** The regular expression source of one glob; throws SyntaxError for an unclosed class. */
export function globSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) {
      out += escapeRegExp(glob[++i]);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        // `**/` matches no directory or any number of them.
        if (glob[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) throw new SyntaxError(`unclosed [ in glob ${JSON.stringify(glob)}`);
      let body = glob.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
