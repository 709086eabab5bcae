/**
 * The secret scan of one text as it was before matchStarts.ts (and as a reader would write it):
 * each rule's global pattern run over the whole text when the text holds one of its keywords.
 * Tests hold scanText to it (src/core/secrets/matchStarts.test.ts); nothing ships it.
 */
import { type FileRole, looksLikeKubeconfig } from '../core/secrets/fileRoles';
import { ALL_TEXT_RULES, type TextRule } from '../core/secrets/rules';
import { type Located, settleMatches, type TextMatch } from '../core/secrets/textScan';

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
  // what follows the rules' matches is the same in both (textScan's settleMatches)
  return settleMatches(found, text, effectiveRole);
}
