/**
 * One text against every rule: the published formats, the role of the file it came from, and
 * high-entropy values assigned to secret names. Matches are in text order with their line, and a
 * value two rules both found is reported once, by the more specific rule.
 */
import { type FileRole, looksLikeKubeconfig, roleMatches } from './fileRoles';
import { ALL_TEXT_RULES, type TextRule } from './rules';

export interface TextMatch {
  rule: string;
  title: string;
  /** 1-based line of the secret's first character. */
  line: number;
  secret: string;
}

interface Located {
  rule: string;
  title: string;
  index: number;
  secret: string;
  /** Lower wins a tie on the same value: vendor formats, then file roles, then entropy. */
  rank: number;
}

function ruleMatches(rule: TextRule, text: string, rank: number, out: Located[]): void {
  if (rule.keywords.length > 0 && !rule.keywords.some((k) => text.includes(k))) return;
  const pattern = rule.pattern;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const secret = m.groups?.secret ?? m[0];
    if (rule.accept && !rule.accept(secret, m)) {
      // Retry from the next character: a rejected long match may hide a real one inside it.
      pattern.lastIndex = m.index + 1;
      continue;
    }
    out.push({ rule: rule.id, title: rule.title, index: m.index + m[0].indexOf(secret), secret, rank });
  }
}

/** Every secret in `text`, in order. `role` is the file's role (fileRoleOf), or null. */
export function scanText(text: string, role: FileRole | null): TextMatch[] {
  const found: Located[] = [];
  ALL_TEXT_RULES.forEach((rule, i) => {
    ruleMatches(rule, text, rule.id === 'secret-assignment' ? 1000 : i, found);
  });
  const effectiveRole = role ?? (text.includes('kind:') && looksLikeKubeconfig(text) ? 'kubeconfig' : null);
  if (effectiveRole) {
    const hasKey = found.some((f) => f.rule === 'private-key');
    for (const m of roleMatches(effectiveRole, text)) {
      if (m.rule === 'ssh-private-key-file' && hasKey) continue;
      found.push({ ...m, rank: 500 });
    }
  }
  found.sort((a, b) => a.index - b.index || a.rank - b.rank);
  const kept: (Located & { line: number })[] = [];
  let line = 1;
  let counted = 0;
  for (const f of found) {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < f.index; i = text.indexOf('\n', i + 1)) {
      line++;
      counted = i + 1;
    }
    // One value, one finding: of matches that overlap, the best-ranked rule's stays. Sorted by
    // start, so only the last few kept can overlap this one.
    let overlap = -1;
    for (let j = kept.length - 1; j >= 0 && j >= kept.length - 16; j--) {
      if (kept[j].index + kept[j].secret.length > f.index) {
        overlap = j;
        break;
      }
    }
    if (overlap < 0) kept.push({ ...f, line });
    else if (f.rank < kept[overlap].rank) kept[overlap] = { ...f, line };
  }
  return kept.map((k) => ({ rule: k.rule, title: k.title, line: k.line, secret: k.secret }));
}
