/**
 * Label selectors (k8s.io/apimachinery/pkg/labels): the string syntax `a=b,c!=d,e in (x,y),!f`
 * parsed by a port of upstream's lexer and parser, so error messages match a real apiserver, and the
 * structured LabelSelector of workload specs. Field selectors live in field-selectors.ts and are
 * re-exported here so callers have one module for both.
 */
import type { LabelSelector } from './objects.ts';
import { isLabelKey, isLabelValue } from './names.ts';
import { formatBadValue } from './field-errors.ts';

export * from './field-selectors.ts';

/** selection.Operator values, spelled as upstream spells them. */
export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A parsed label selector: the AND of its requirements. `nothing` is labels.Nothing() (a nil LabelSelector). */
export interface Selector {
  readonly requirements: readonly Requirement[];
  readonly nothing?: boolean;
}

export type SelectorResult = { ok: true; selector: Selector } | { ok: false; error: string };

export const EVERYTHING: Selector = Object.freeze({ requirements: Object.freeze([]) as readonly Requirement[] });
export const NOTHING: Selector = Object.freeze({ requirements: Object.freeze([]) as readonly Requirement[], nothing: true });

// Upstream lists the binary operators in this order in its "expected:" message.
const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

// Token kinds of labels.Lexer; a plain object rather than an enum so type-stripping runners accept it.
const Tok = {
  Error: 0, End: 1, ClosedPar: 2, Comma: 3, DoesNotExist: 4, DoubleEquals: 5, Equals: 6,
  GreaterThan: 7, Identifier: 8, In: 9, LessThan: 10, NotEquals: 11, NotIn: 12, OpenPar: 13,
} as const;
type Tok = (typeof Tok)[keyof typeof Tok];

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': Tok.ClosedPar, ',': Tok.Comma, '!': Tok.DoesNotExist, '==': Tok.DoubleEquals, '=': Tok.Equals,
  '>': Tok.GreaterThan, 'in': Tok.In, '<': Tok.LessThan, '!=': Tok.NotEquals, 'notin': Tok.NotIn, '(': Tok.OpenPar,
};

interface Item { tok: Tok; lit: string }

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string) => '=!(),><'.includes(ch) && ch !== '';

/** Tokenizes a selector exactly as labels.Lexer does (greedy special symbols, keywords `in`/`notin`). */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const read = () => (pos < s.length ? s[pos++]! : '');
  for (;;) {
    let ch = read();
    while (ch !== '' && isWhitespace(ch)) ch = read();
    if (ch === '') {
      items.push({ tok: Tok.End, lit: '' });
      return items;
    }
    pos--;
    if (isSpecial(ch)) {
      let buffer = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '') break;
        if (!isSpecial(c)) { pos--; break; }
        buffer += c;
        const t = STRING_TO_TOKEN[buffer];
        if (t !== undefined) last = { tok: t, lit: buffer };
        else if (last) { pos--; break; }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecial(c) || isWhitespace(c)) { pos--; break; }
        buffer += c;
      }
      const t = STRING_TO_TOKEN[buffer];
      items.push({ tok: t ?? Tok.Identifier, lit: buffer });
    }
  }
}

class ParseError extends Error {}

/** The recursive-descent parser of labels.Parser; throws ParseError with upstream's message. */
class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  // In a values context the keywords `in` and `notin` are ordinary identifiers ("x in (in)").
  private look(values: boolean): Item {
    const it = this.items[this.pos]!;
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: it.lit } : it;
  }
  private next(values: boolean): Item {
    const it = this.look(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.look(true);
      if (tok === Tok.Identifier || tok === Tok.DoesNotExist) {
        reqs.push(this.requirementOrThrow());
        const t = this.next(true);
        if (t.tok === Tok.End) return reqs;
        if (t.tok === Tok.Comma) {
          const t2 = this.look(true);
          if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist) throw new ParseError(`found '${t2.lit}', expected: identifier after ','`);
        } else {
          throw new ParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
        }
      } else if (tok === Tok.End) {
        return reqs;
      } else {
        throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private requirementOrThrow(): Requirement {
    try {
      return this.requirement();
    } catch (e) {
      throw new ParseError(`unable to parse requirement: ${(e as Error).message}`);
    }
  }

  private requirement(): Requirement {
    let negated = false;
    let t = this.next(true);
    if (t.tok === Tok.DoesNotExist) {
      negated = true;
      t = this.next(true);
    }
    if (t.tok !== Tok.Identifier) throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = isLabelKey(key);
    // Upstream validates the key with a nil field path, which Go prints as "<nil>".
    if (keyErrs.length > 0) throw new Error(`<nil>: Invalid value: ${formatBadValue(key)}: ${keyErrs.join('; ')}`);
    const after = this.look(true).tok;
    if (after === Tok.End || after === Tok.Comma) return checked(key, negated ? '!' : 'exists', []);
    if (negated) return checked(key, '!', []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
    return checked(key, op, [...new Set(values)].sort());
  }

  private operator(): Operator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case Tok.In: return 'in';
      case Tok.Equals: return '=';
      case Tok.DoubleEquals: return '==';
      case Tok.GreaterThan: return 'gt';
      case Tok.LessThan: return 'lt';
      case Tok.NotIn: return 'notin';
      case Tok.NotEquals: return '!=';
      default: throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private setValues(): string[] {
    const open = this.next(true);
    if (open.tok !== Tok.OpenPar) throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.look(true);
    if (tok === Tok.ClosedPar) {
      this.next(true);
      return [''];
    }
    if (tok !== Tok.Identifier && tok !== Tok.Comma) throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    if (this.next(true).tok !== Tok.ClosedPar) throw new Error(`found '${lit}', expected: ')'`);
    return values;
  }

  // Empty entries are allowed and mean the empty value: "(a,,b)", "(,a)" and "(a,)".
  private identifierList(): string[] {
    const s: string[] = [];
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === Tok.Identifier) {
        s.push(lit);
        const t2 = this.look(true);
        if (t2.tok === Tok.Comma) continue;
        if (t2.tok === Tok.ClosedPar) return s;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        if (s.length === 0) s.push('');
        const t2 = this.look(true).tok;
        if (t2 === Tok.ClosedPar) { s.push(''); return s; }
        if (t2 === Tok.Comma) s.push('');
      } else {
        throw new Error(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const { tok } = this.look(true);
    if (tok === Tok.End || tok === Tok.Comma) return [''];
    const t = this.next(true);
    if (t.tok === Tok.Identifier) return [t.lit];
    throw new Error(`found '${t.lit}', expected: identifier`);
  }
}

/**
 * labels.NewRequirement: checks operator arity and every value, throwing the field errors joined
 * as an apimachinery aggregate ("[a, b]" when there is more than one).
 */
function checked(key: string, operator: Operator, values: string[]): Requirement {
  const errs = requirementErrors(key, operator, values, false);
  if (errs.length > 0) throw new Error(aggregate(errs));
  return { key, operator, values };
}

function requirementErrors(key: string, operator: Operator, values: readonly string[], checkKey: boolean): string[] {
  const errs: string[] = [];
  if (checkKey) {
    const keyErrs = isLabelKey(key);
    if (keyErrs.length > 0) errs.push(`key: Invalid value: ${formatBadValue(key)}: ${keyErrs.join('; ')}`);
  }
  const vals = `[]string{${values.map((v) => formatBadValue(v)).join(', ')}}`;
  if ((operator === 'in' || operator === 'notin') && values.length === 0) errs.push(`values: Invalid value: ${vals}: for 'in', 'notin' operators, values set can't be empty`);
  if ((operator === '=' || operator === '==' || operator === '!=') && values.length !== 1) errs.push(`values: Invalid value: ${vals}: exact-match compatibility requires one single value`);
  if ((operator === 'exists' || operator === '!') && values.length !== 0) errs.push(`values: Invalid value: ${vals}: values set must be empty for exists and does not exist`);
  if (operator === 'gt' || operator === 'lt') {
    if (values.length !== 1) errs.push(`values: Invalid value: ${vals}: for 'Gt', 'Lt' operators, exactly one value is required`);
    values.forEach((v, i) => {
      if (!/^[+-]?\d+$/.test(v)) errs.push(`values[${i}]: Invalid value: ${formatBadValue(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
    });
  }
  values.forEach((v, i) => {
    const vErrs = isLabelValue(v);
    if (vErrs.length > 0) errs.push(`values[${i}][${key}]: Invalid value: ${formatBadValue(v)}: ${vErrs.join('; ')}`);
  });
  return [...new Set(errs)];
}

/** utilerrors.NewAggregate(...).Error(). */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
}

function sortByKey(reqs: Requirement[]): Requirement[] {
  // Upstream sorts by key so parsing is deterministic; a stable sort keeps equal keys in input order.
  return reqs.map((r, i) => [r, i] as const).sort((a, b) => (a[0].key < b[0].key ? -1 : a[0].key > b[0].key ? 1 : a[1] - b[1])).map(([r]) => r);
}

/** labels.Parse: the string form used in `?labelSelector=` and `kubectl -l`. The empty string selects everything. */
export function parseLabelSelector(s: string): SelectorResult {
  try {
    const reqs = new Parser(lex(s)).parse();
    return { ok: true, selector: { requirements: sortByKey(reqs) } };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.message };
    throw e;
  }
}

const EXPRESSION_OPERATORS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: matchLabels AND matchExpressions. A missing selector selects
 * nothing while an empty one selects everything, as upstream (controllers rely on the difference).
 */
export function labelSelectorFromObject(sel: LabelSelector | null | undefined): SelectorResult {
  if (sel === null || sel === undefined) return { ok: true, selector: NOTHING };
  const reqs: Requirement[] = [];
  const matchLabels = sel.matchLabels ?? {};
  for (const key of Object.keys(matchLabels)) {
    const errs = requirementErrors(key, '=', [matchLabels[key]!], true);
    if (errs.length > 0) return { ok: false, error: aggregate(errs) };
    reqs.push({ key, operator: '=', values: [matchLabels[key]!] });
  }
  for (const expr of sel.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[expr.operator];
    if (!op) return { ok: false, error: `${formatBadValue(expr.operator)} is not a valid label selector operator` };
    const values = [...(expr.values ?? [])];
    const errs = requirementErrors(expr.key, op, values, true);
    if (errs.length > 0) return { ok: false, error: aggregate(errs) };
    reqs.push({ key: expr.key, operator: op, values });
  }
  return { ok: true, selector: { requirements: sortByKey(reqs) } };
}

/** labels.SelectorFromSet: every label must be present with that value (Service selectors, node selectors). */
export function labelSelectorFromSet(set: Record<string, string>): Selector {
  return { requirements: sortByKey(Object.keys(set).map((key) => ({ key, operator: '=' as const, values: [set[key]!] }))) };
}

function matchesRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case 'in': case '=': case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin': case '!=':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      if (value === undefined || !/^[+-]?\d+$/.test(value) || r.values.length !== 1) return false;
      const lhs = BigInt(value);
      const rhs = BigInt(r.values[0]!);
      return r.operator === 'gt' ? lhs > rhs : lhs < rhs;
    }
  }
}

/** Selector.Matches: every requirement holds. The empty selector matches everything; NOTHING matches nothing. */
export function matchesLabels(selector: Selector, labels: Record<string, string> | undefined): boolean {
  if (selector.nothing) return false;
  const ls = labels ?? {};
  return selector.requirements.every((r) => matchesRequirement(r, ls));
}

/** True for a selector that does not restrict anything. */
export function isEverything(selector: Selector): boolean {
  return !selector.nothing && selector.requirements.length === 0;
}

/** Selector.String(): the canonical string form, e.g. "app=web,tier in (a,b),!legacy". */
export function formatLabelSelector(selector: Selector): string {
  return selector.requirements.map((r) => {
    const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(',');
    switch (r.operator) {
      case 'exists': return r.key;
      case '!': return `!${r.key}`;
      case 'in': return `${r.key} in (${values})`;
      case 'notin': return `${r.key} notin (${values})`;
      case 'gt': return `${r.key}>${values}`;
      case 'lt': return `${r.key}<${values}`;
      default: return `${r.key}${r.operator}${values}`;
    }
  }).join(',');
}
