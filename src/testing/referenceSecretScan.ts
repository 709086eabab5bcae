/**
 * The secret scan of one text as it was before matchStarts.ts (and as a reader would write it):
 * each rule's global pattern run over the whole text when the text holds one of its keywords.
 * Tests hold scanText to it (src/core/secrets/matchStarts.test.ts); nothing ships it.
 */
import { type FileRole, looksLikeKubeconfig, roleMatches } from '../core/secrets/fileRoles';
import { ALL_TEXT_RULES, type TextRule } from '../core/secrets/rules';
import type { TextMatch } from '../core/secrets/textScan';

export interface Located {
  rule: string;
  title: string;
  index: number;
  /** Where the match starts (a PEM block's BEGIN line): the line reported. */
  lineAt: number;
  secret: string;
  /** Lower wins a tie on the same value: vendor formats, then file roles, then entropy. */
  rank: number;
}

/** Every match of one rule: its global pattern from the start, keywords first. */
export function referenceRuleMatches(rule: TextRule, text: string, rank: number, out: Located[]): void {
  if (rule.keywords.length > 0 && !rule.keywords.some((k) => text.includes(k))) return;
  const pattern = rule.pattern;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const raw = m.groups?.secret ?? m[0];
    if (rule.accept && !rule.accept(raw, m)) {
      // Retry from the next character: a rejected long match may hide a real one inside it.
      pattern.lastIndex = m.index + 1;
      continue;
    }
    // A PEM body is kept without the line breaks around it.
    const secret = raw.trim();
    const index = m.index + m[0].indexOf(raw) + raw.indexOf(secret);
    out.push({ rule: rule.id, title: rule.title, index, lineAt: m.index, secret, rank });
  }
}

/** Every secret in `text`, in order, as scanText gives them. */
export function referenceScanText(text: string, role: FileRole | null): TextMatch[] {
  const found: Located[] = [];
  ALL_TEXT_RULES.forEach((rule, i) => {
    referenceRuleMatches(rule, text, rule.id === 'secret-assignment' ? 1000 : i, found);
  });
  const effectiveRole = role ?? (text.includes('kind:') && looksLikeKubeconfig(text) ? 'kubeconfig' : null);
  if (effectiveRole) {
    const hasKey = found.some((f) => f.rule === 'private-key');
    for (const m of roleMatches(effectiveRole, text)) {
      if (m.rule === 'ssh-private-key-file' && hasKey) continue;
      found.push({ ...m, lineAt: m.index, rank: 500 });
    }
  }
  found.sort((a, b) => a.index - b.index || a.rank - b.rank);
  const kept: Located[] = [];
  for (const f of found) {
    // One value, one finding: of matches that overlap, the best-ranked rule's stays. Sorted by
    // start, so only the last few kept can overlap this one.
    let overlap = -1;
    for (let j = kept.length - 1; j >= 0 && j >= kept.length - 16; j--) {
      if (kept[j].index + kept[j].secret.length > f.index) {
        overlap = j;
        break;
      }
    }
    if (overlap < 0) kept.push(f);
    else if (f.rank < kept[overlap].rank) kept[overlap] = f;
  }
  // Lines, counted once through the text in the order the matches start.
  const order = kept.map((_, i) => i).sort((a, b) => kept[a].lineAt - kept[b].lineAt);
  const lines = new Array<number>(kept.length);
  let line = 1;
  let counted = 0;
  for (const i of order) {
    for (
      let nl = text.indexOf('\n', counted);
      nl >= 0 && nl < kept[i].lineAt;
      nl = text.indexOf('\n', nl + 1)
    ) {
      line++;
      counted = nl + 1;
    }
    lines[i] = line;
  }
  return kept.map((k, i) => ({ rule: k.rule, title: k.title, line: lines[i], secret: k.secret }));
}
