/**
 * One text against every rule: the published formats, the role of the file it came from, and
 * high-entropy values assigned to secret names. Matches are in text order with their line, and a
 * value two rules both found is reported once, by the more specific rule.
 */
import { type FileRole, looksLikeKubeconfig, roleMatches } from './fileRoles';
import { closedWithin, matchStarts, TextFacts } from './matchStarts';
import { ALL_TEXT_RULES, type TextRule } from './rules';

export interface TextMatch {
  rule: string;
  title: string;
  /** 1-based line of the secret's first character. */
  line: number;
  secret: string;
}

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

/** Every name an assignment rule looks back for, so that the operators after one are found once. */
const ASSIGNMENT_NAMES: readonly string[] = ALL_TEXT_RULES.flatMap((rule) =>
  rule.starts.kind === 'assignment' ? rule.starts.names : [],
);

/** Each rule's pattern, anchored (sticky) to be tried at one place at a time. */
const anchored = new WeakMap<TextRule, RegExp>();

function anchoredPattern(rule: TextRule): RegExp {
  let pattern = anchored.get(rule);
  if (!pattern) {
    pattern = new RegExp(rule.pattern.source, `${rule.pattern.flags.replace('g', '')}y`);
    anchored.set(rule, pattern);
  }
  return pattern;
}

/**
 * The rule's matches in `text`: those of a global search of its pattern over the whole text (the
 * next one from where the last ended, or from the next character when `accept` refused it), in a
 * text that holds one of its keywords. The pattern is only tried where matchStarts says a match
 * can start, and the keywords are looked for once a match is found.
 */
function ruleMatches(rule: TextRule, facts: TextFacts, rank: number, out: Located[]): void {
  if (!facts.holdsAny(rule.needs)) return;
  const { text } = facts;
  const nextStart = matchStarts(facts, rule.starts);
  const pattern = anchoredPattern(rule);
  const closed = rule.closedBy && closedWithin(text, rule.closedBy.literal, rule.closedBy.within);
  let keywordsChecked = rule.keywords.length === 0;
  for (let from = 0, start = nextStart(0); start >= 0; start = nextStart(from)) {
    if (closed && !closed(start)) {
      from = start + 1;
      continue;
    }
    pattern.lastIndex = start;
    const m = pattern.exec(text);
    if (!m) {
      from = start + 1;
      continue;
    }
    if (!keywordsChecked) {
      if (!rule.keywords.some((k) => facts.holds(k))) return;
      keywordsChecked = true;
    }
    const raw = m.groups?.secret ?? m[0];
    if (rule.accept && !rule.accept(raw, m)) {
      // Retry from the next character: a rejected long match may hide a real one inside it.
      from = m.index + 1;
      continue;
    }
    from = m.index + m[0].length;
    // A PEM body is kept without the line breaks around it.
    const secret = raw.trim();
    const index = m.index + m[0].indexOf(raw) + raw.indexOf(secret);
    out.push({ rule: rule.id, title: rule.title, index, lineAt: m.index, secret, rank });
  }
}

/** One rule's matches in `text` (its place in scanText's order aside), where each starts and its secret. */
export function matchesOfRule(
  rule: TextRule,
  text: string,
): { index: number; lineAt: number; secret: string }[] {
  const out: Located[] = [];
  ruleMatches(rule, new TextFacts(text, ASSIGNMENT_NAMES), 0, out);
  return out.map(({ index, lineAt, secret }) => ({ index, lineAt, secret }));
}

/** Every secret in `text`, in order. `role` is the file's role (fileRoleOf), or null. */
export function scanText(text: string, role: FileRole | null): TextMatch[] {
  const found: Located[] = [];
  const facts = new TextFacts(text, ASSIGNMENT_NAMES);
  ALL_TEXT_RULES.forEach((rule, i) => {
    ruleMatches(rule, facts, rule.id === 'secret-assignment' ? 1000 : i, found);
  });
  const effectiveRole =
    role ?? (facts.holds(':') && text.includes('kind:') && looksLikeKubeconfig(text) ? 'kubeconfig' : null);
  return settleMatches(found, text, effectiveRole);
}

/**
 * The rules' matches made findings: a file role's own joined to them, then one finding per value
 * (of matches that overlap, the best-ranked rule's), each with its line.
 */
export function settleMatches(found: Located[], text: string, effectiveRole: FileRole | null): TextMatch[] {
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
