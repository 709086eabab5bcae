/**
 * Where a rule's matches can start in a text, found with the engine's native substring search
 * (memchr-fast on one-byte strings) instead of running each rule's regular expression over every
 * offset. textScan.ts tries the rule's pattern, anchored, only at these places, in text order, which
 * gives exactly the matches a global search over the whole text gives: a match can start nowhere
 * else (see MatchStarts in rules.ts), and an anchored try at a place matches as the global search
 * would on reaching it.
 */
import type { MatchStarts } from './rules';

/**
 * Whether `\s` of a regular expression matches this UTF-16 code unit: ECMAScript's WhiteSpace and
 * LineTerminator (§22.2.2.9, CharacterClassEscape `s`). Exact, because the look-back from an
 * operator must stop where the pattern's `\s*` would.
 */
export function isRegExpSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The first place at or after `from` where a match can start, or -1; `from` never decreases. */
export type NextStart = (from: number) => number;

/** Starts `offset` characters before each occurrence of one of `literals`. */
function literalStarts(text: string, literals: readonly string[], offset: number): NextStart {
  // The next occurrence of each literal at or after the last bound asked; -1 when there is none left.
  const next = literals.map(() => -2);
  return (from) => {
    let best = -1;
    for (let i = 0; i < literals.length; i++) {
      let at = next[i];
      if (at !== -1 && at < from + offset) {
        at = text.indexOf(literals[i], from + offset);
        next[i] = at;
      }
      if (at >= 0 && (best < 0 || at - offset < best)) best = at - offset;
    }
    return best;
  };
}

/**
 * Whether `name` (lower case) is at `at`, in any ASCII case. A code unit past ASCII passes too,
 * leaving the verdict to the pattern: this only has to keep every place the pattern could match.
 */
function nameAt(text: string, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const t = text.charCodeAt(at + i);
    const w = name.charCodeAt(i);
    if (t === w || t > 0x7f) continue;
    if (w >= 0x61 && w <= 0x7a && (t | 0x20) === w) continue;
    return false;
  }
  return true;
}

/**
 * The three characters before `end`, each folded to lower case by setting bit 5 (which folds some
 * punctuation together too: only more places are tried), or -1 when one is past ASCII.
 */
function suffixKey(text: string, end: number): number {
  const a = text.charCodeAt(end - 3);
  const b = text.charCodeAt(end - 2);
  const c = text.charCodeAt(end - 1);
  if ((a | b | c) > 0x7f) return -1;
  return ((a | 0x20) << 16) | ((b | 0x20) << 8) | (c | 0x20);
}

/** A set of names to look back for, longest first, with the characters they can end with. */
class NameSet {
  readonly longestFirst: readonly string[];
  readonly shortest: number;
  /** Last characters of the names, both cases: most operators are rejected on this one lookup. */
  private readonly endsName = new Uint8Array(128);
  /** The names' last three characters, folded by suffixKey: most of the rest are rejected here. */
  private readonly endings = new Set<number>();
  /** Whether every name has three characters (else the endings are no filter). */
  private readonly filterEndings: boolean;

  constructor(names: readonly string[]) {
    this.longestFirst = [...new Set(names)].sort((a, b) => b.length - a.length);
    this.shortest = this.longestFirst[this.longestFirst.length - 1]?.length ?? 1;
    for (const name of this.longestFirst) {
      const last = name.charCodeAt(name.length - 1);
      this.endsName[last] = 1;
      if (last >= 0x61 && last <= 0x7a) this.endsName[last - 0x20] = 1;
      if (name.length >= 3) this.endings.add(suffixKey(name, name.length));
    }
    this.filterEndings = this.shortest >= 3;
  }

  /** The first place at or after `from` where one of the names starts and ends at `end`, or -1. */
  startBefore(text: string, end: number, from: number): number {
    if (end - this.shortest < from) return -1;
    const last = text.charCodeAt(end - 1);
    if (last < 0x80 && this.endsName[last] === 0) return -1;
    if (this.filterEndings && end >= 3) {
      const key = suffixKey(text, end);
      if (key >= 0 && !this.endings.has(key)) return -1;
    }
    for (const name of this.longestFirst) {
      const start = end - name.length;
      if (start >= from && nameAt(text, start, name)) return start;
    }
    return -1;
  }
}

const nameSets = new WeakMap<readonly string[], NameSet>();

function nameSetOf(names: readonly string[]): NameSet {
  let set = nameSets.get(names);
  if (!set) {
    set = new NameSet(names);
    nameSets.set(names, set);
  }
  return set;
}

/**
 * Where a name assigned with the operator at `op` must end: back over blanks (not past `floor`)
 * and one quote, as `name ["']? \s* op` reads.
 */
function nameEnd(text: string, op: number, floor: number): number {
  let end = op;
  while (end > floor && isRegExpSpace(text.charCodeAt(end - 1))) end--;
  const quote = text.charCodeAt(end - 1);
  return quote === 0x22 || quote === 0x27 ? end - 1 : end;
}

/**
 * What the rules ask of one text, each found once: whether it holds a string, and the `:` and `=`
 * that follow one of the names any assignment rule looks for.
 */
export class TextFacts {
  private readonly seen = new Map<string, boolean>();
  private operators: number[] | null = null;

  /** `assignmentNames`: every name of every assignment rule. */
  constructor(
    readonly text: string,
    private readonly assignmentNames: readonly string[],
  ) {}

  holds(part: string): boolean {
    let found = this.seen.get(part);
    if (found === undefined) {
      found = this.text.includes(part);
      this.seen.set(part, found);
    }
    return found;
  }

  holdsAny(parts: readonly string[]): boolean {
    return parts.some((p) => this.holds(p));
  }

  /** Offsets of the `:` and `=` that come after one of the names, in order. */
  namedOperators(): readonly number[] {
    if (this.operators) return this.operators;
    const { text } = this;
    const names = nameSetOf(this.assignmentNames);
    const found: number[] = [];
    let colon = text.indexOf(':');
    let equals = text.indexOf('=');
    while (colon >= 0 || equals >= 0) {
      let op: number;
      if (equals < 0 || (colon >= 0 && colon < equals)) {
        op = colon;
        colon = text.indexOf(':', op + 1);
      } else {
        op = equals;
        equals = text.indexOf('=', op + 1);
      }
      if (names.startBefore(text, nameEnd(text, op, 0), 0) >= 0) found.push(op);
    }
    this.operators = found;
    return found;
  }
}

/**
 * Starts of `name ["']? \s* (:|=)…`: from each operator, back to where the name must end, then
 * each name that ends there. A match starting before the first operator at or after `from` can
 * only use that operator, since no name, quote or blank is one; so trying the operators in order
 * finds the starts in order.
 */
function assignmentStarts(facts: TextFacts, names: readonly string[]): NextStart {
  const { text } = facts;
  const set = nameSetOf(names);
  const operators = facts.namedOperators();
  let next = 0;
  return (from) => {
    // An operator before `from` has its name before it too.
    while (next < operators.length && operators[next] < from) next++;
    for (let i = next; i < operators.length; i++) {
      const start = set.startBefore(text, nameEnd(text, operators[i], from), from);
      if (start >= 0) return start;
    }
    return -1;
  };
}

/**
 * Whether `literal` begins at or after `start` and fewer than `within` characters after it, for
 * starts that never decrease: one search per occurrence, not per start.
 */
export function closedWithin(text: string, literal: string, within: number): (start: number) => boolean {
  let next = -2;
  return (start) => {
    if (next !== -1 && next < start) next = text.indexOf(literal, start);
    return next >= 0 && next - start < within;
  };
}

/** The places where matches of a rule described by `starts` can begin in the text of `facts`. */
export function matchStarts(facts: TextFacts, starts: MatchStarts): NextStart {
  return starts.kind === 'literal'
    ? literalStarts(facts.text, starts.literals, starts.offset)
    : assignmentStarts(facts, starts.names);
}
