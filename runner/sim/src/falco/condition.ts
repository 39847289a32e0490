/**
 * Falco's condition language (libsinsp's filter grammar), parsed into a tree.
 *
 * `not` binds tightest, then `and`, then `or`; parentheses group. A comparison is a
 * field (`proc.name`, `proc.aname[2]`, `k8s.pod.label[app]`), an operator and a value: a
 * bare word (`/etc/shadow`, `runc:[0:PARENT]`), a quoted string, or a parenthesised list
 * whose items may name a `list`. A bare identifier standing alone is a macro. `exists`
 * takes no value.
 *
 * A learner writes these, so every size is bounded: the text, the nesting depth and the
 * number of nodes; going over one is a parse error with a clear message, never a stall.
 */

/** Comparison operators Falco's syscall source accepts. */
export const OPERATORS = [
  '=',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'icontains',
  'bcontains',
  'startswith',
  'bstartswith',
  'endswith',
  'glob',
  'iglob',
  'pmatch',
  'in',
  'intersects',
  'exists',
] as const;
/** The comparison operators Falco conditions may use. */
export type Operator = (typeof OPERATORS)[number];

/** Operators whose value is a parenthesised list. */
export const LIST_OPERATORS: ReadonlySet<Operator> = new Set(['in', 'intersects', 'pmatch']);

/** A parsed Falco rule condition, a tree of boolean operators and field comparisons. */
export type Condition =
  | { t: 'and' | 'or'; items: Condition[] }
  | { t: 'not'; expr: Condition }
  /** A bare identifier: a macro, resolved when rules are compiled. */
  | { t: 'macro'; name: string }
  | { t: 'cmp'; field: string; arg?: string; op: Operator; value?: string; list?: string[] };

/** Bounds on one condition, shared by the rules loader's expansion of macros. */
export interface ConditionLimits {
  /** Characters in one condition. */
  maxLength: number;
  /** Nesting of parentheses and `not`. */
  maxDepth: number;
  /** Nodes in the tree (comparisons, operators, list items). */
  maxNodes: number;
}

/** Bounds on one condition's size, depth and nodes, so a learner's rule cannot exhaust the parser. */
export const DEFAULT_CONDITION_LIMITS: ConditionLimits = { maxLength: 32_768, maxDepth: 64, maxNodes: 20_000 };

/** A Falco condition that does not parse or exceeds its limits; the message says where. */
export class ConditionError extends Error {}

const FIELD = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)+/;
const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*/;
/** The operators spelled as words (the rest are symbols): matched as identifiers when parsing. */
const WORD_OPS = new Set<string>(OPERATORS.filter((op) => /^[a-z]+$/.test(op)));

/** Parses a condition; throws {@link ConditionError} with the position of the problem. */
export function parseCondition(src: string, limits: ConditionLimits = DEFAULT_CONDITION_LIMITS): Condition {
  if (src.length > limits.maxLength) {
    throw new ConditionError(`condition is ${src.length} characters long, over the limit of ${limits.maxLength}`);
  }
  const p = new Parser(src, limits);
  const tree = p.orExpr(0);
  p.skipSpace();
  if (!p.done()) p.fail('unexpected text');
  return tree;
}

class Parser {
  private pos = 0;
  private nodes = 0;
  constructor(
    private readonly src: string,
    private readonly limits: ConditionLimits,
  ) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  fail(what: string): never {
    const near = this.src.slice(this.pos, this.pos + 20);
    throw new ConditionError(`${what} at position ${this.pos}${near ? ` near '${near}'` : ' (end of condition)'}`);
  }

  private count(n = 1): void {
    this.nodes += n;
    if (this.nodes > this.limits.maxNodes) {
      throw new ConditionError(`condition has more than ${this.limits.maxNodes} nodes`);
    }
  }

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  /** The keyword `word` next, followed by a non-identifier character. */
  private keyword(word: string): boolean {
    this.skipSpace();
    const rest = this.src.slice(this.pos, this.pos + word.length + 1);
    if (rest.startsWith(word) && (rest.length === word.length || !/[a-zA-Z0-9_.]/.test(rest[word.length]!))) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  orExpr(depth: number): Condition {
    const items = [this.andExpr(depth)];
    while (this.keyword('or')) items.push(this.andExpr(depth));
    if (items.length === 1) return items[0]!;
    this.count();
    return { t: 'or', items };
  }

  private andExpr(depth: number): Condition {
    const items = [this.notExpr(depth)];
    while (this.keyword('and')) items.push(this.notExpr(depth));
    if (items.length === 1) return items[0]!;
    this.count();
    return { t: 'and', items };
  }

  private notExpr(depth: number): Condition {
    if (depth > this.limits.maxDepth) this.fail(`condition nests deeper than ${this.limits.maxDepth}`);
    if (this.keyword('not')) {
      this.count();
      return { t: 'not', expr: this.notExpr(depth + 1) };
    }
    return this.primary(depth);
  }

  private primary(depth: number): Condition {
    this.skipSpace();
    if (this.src[this.pos] === '(') {
      this.pos++;
      const inner = this.orExpr(depth + 1);
      this.skipSpace();
      if (this.src[this.pos] !== ')') this.fail("missing ')'");
      this.pos++;
      return inner;
    }
    const rest = this.src.slice(this.pos);
    const field = FIELD.exec(rest)?.[0];
    if (field) {
      this.pos += field.length;
      return this.comparison(field);
    }
    const ident = IDENT.exec(rest)?.[0];
    if (ident && !['and', 'or', 'not'].includes(ident)) {
      this.pos += ident.length;
      this.count();
      return { t: 'macro', name: ident };
    }
    this.fail(this.done() ? 'expected a field, a macro or (' : 'unexpected token');
  }

  private comparison(field: string): Condition {
    let arg: string | undefined;
    if (this.src[this.pos] === '[') {
      const end = this.src.indexOf(']', this.pos);
      if (end < 0) this.fail("missing ']' after field argument");
      arg = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    }
    this.skipSpace();
    const op = this.operator();
    this.count();
    if (op === 'exists') return { t: 'cmp', field, arg, op };
    this.skipSpace();
    if (this.src[this.pos] === '(') {
      const list = this.list();
      if (!LIST_OPERATORS.has(op)) {
        // `proc.name = (a)` is an error upstream too: only list operators take a list.
        this.fail(`operator '${op}' does not take a list`);
      }
      return { t: 'cmp', field, arg, op, list };
    }
    if (LIST_OPERATORS.has(op)) {
      // Upstream accepts a single value after `in` only in parentheses.
      this.fail(`operator '${op}' needs a list in parentheses`);
    }
    return { t: 'cmp', field, arg, op, value: this.value() };
  }

  private operator(): Operator {
    const two = this.src.slice(this.pos, this.pos + 2);
    for (const sym of ['==', '!=', '<=', '>=']) {
      if (two === sym) {
        this.pos += 2;
        return sym as Operator;
      }
    }
    const one = this.src[this.pos];
    if (one === '=' || one === '<' || one === '>') {
      this.pos++;
      return one as Operator;
    }
    const word = IDENT.exec(this.src.slice(this.pos))?.[0];
    if (word && WORD_OPS.has(word)) {
      this.pos += word.length;
      return word as Operator;
    }
    this.fail('expected a comparison operator');
  }

  private list(): string[] {
    this.pos++; // (
    const items: string[] = [];
    this.skipSpace();
    if (this.src[this.pos] === ')') {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.count();
      this.skipSpace();
      const c = this.src[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ')') {
        this.pos++;
        return items;
      }
      this.fail("expected ',' or ')' in a list");
    }
  }

  /** A quoted string or a bare word (up to space, `,` or a `)` that closes nothing in the word). */
  private value(): string {
    this.skipSpace();
    const q = this.src[this.pos];
    if (q === '"' || q === "'") {
      let out = '';
      let i = this.pos + 1;
      for (; i < this.src.length && this.src[i] !== q; i++) {
        if (this.src[i] === '\\' && i + 1 < this.src.length) i++;
        out += this.src[i];
      }
      if (i >= this.src.length) this.fail('unterminated string');
      this.pos = i + 1;
      return out;
    }
    const start = this.pos;
    let brackets = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (/\s/.test(c) || c === ',') break;
      if (c === '(' || c === '[') brackets++;
      if (c === ')' || c === ']') {
        if (brackets === 0) break;
        brackets--;
      }
      this.pos++;
    }
    if (this.pos === start) this.fail('expected a value');
    return this.src.slice(start, this.pos);
  }
}

/** Every macro name the tree refers to. */
export function macroNames(c: Condition, out = new Set<string>()): Set<string> {
  if (c.t === 'macro') out.add(c.name);
  else if (c.t === 'and' || c.t === 'or') for (const i of c.items) macroNames(i, out);
  else if (c.t === 'not') macroNames(c.expr, out);
  return out;
}
