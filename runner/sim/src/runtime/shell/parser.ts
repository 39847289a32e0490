import type { AndOr, Command, List, Part, Pipeline, Redir, Word } from './ast.ts';

/**
 * A POSIX-ish shell parser: words with quoting and escapes, $VAR ${VAR:-x} $? $$
 * $(...) `...` $((...)), pipes, && || ; &, redirections, comments, if/for/while/
 * until, { } and ( ). Never throws on bad input: it returns the error text the
 * shell prints (busybox ash wording), and whether more input could complete it.
 */
export type ParseResult = { ok: true; list: List } | { ok: false; error: string; incomplete: boolean };

type Token =
  | { k: 'word'; word: Word; raw: string }
  | { k: 'op'; v: string }
  | { k: 'redir'; fd: number; op: Redir['op'] }
  | { k: 'nl' }
  | { k: 'eof' };

class ShellSyntaxError extends Error {
  constructor(
    message: string,
    readonly incomplete = false,
  ) {
    super(message);
  }
}

const OPS = ['&&', '||', ';;', '|', '&', ';', '(', ')'];
/** The shell's reserved words (if, then, for, ...), recognised only where a command may start. */
const RESERVED = new Set([
  'if',
  'then',
  'elif',
  'else',
  'fi',
  'for',
  'in',
  'do',
  'done',
  'while',
  'until',
  '{',
  '}',
  '!',
]);

function findClosing(src: string, start: number, open: string, close: string): number {
  let depth = 1;
  let i = start;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') i += 2;
    else if (c === "'") {
      const j = src.indexOf("'", i + 1);
      if (j < 0) return -1;
      i = j + 1;
    } else if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      i++;
    } else if (src.startsWith(open, i)) {
      depth++;
      i += open.length;
    } else if (src.startsWith(close, i)) {
      depth--;
      if (depth === 0) return i;
      i += close.length;
    } else i++;
  }
  return -1;
}

/** Splits a shell program into words, operators, redirections and newlines. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      tokens.push({ k: 'nl' });
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const redir = src.slice(i).match(/^(\d?)(>>|>&|<&|<<<|>\||>|<)/);
    if (redir) {
      const op = (redir[2] === '>|' ? '>' : redir[2]) as Redir['op'];
      const fd = redir[1] ? Number(redir[1]) : op.startsWith('<') ? 0 : 1;
      tokens.push({ k: 'redir', fd, op });
      i += redir[0].length;
      continue;
    }
    if (c === '&' && src[i + 1] === '>') {
      // bash's &>file: both streams.
      tokens.push({ k: 'redir', fd: 1, op: '>' });
      i += 2;
      const start = tokens.length;
      i = readWord(src, i, tokens);
      const target = tokens[start];
      if (target?.k === 'word') {
        tokens.push({ k: 'redir', fd: 2, op: '>&' }, { k: 'word', word: [{ t: 'lit', v: '1', q: false }], raw: '1' });
      }
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      tokens.push({ k: 'op', v: op });
      i += op.length;
      continue;
    }
    i = readWord(src, i, tokens);
  }
  tokens.push({ k: 'eof' });
  return tokens;
}

function readWord(src: string, start: number, tokens: Token[]): number {
  const parts: Part[] = [];
  let i = start;
  let lit = '';
  let litQ = false;
  const flush = () => {
    if (lit) parts.push({ t: 'lit', v: lit, q: litQ });
    lit = '';
  };
  const pushLit = (s: string, q: boolean) => {
    if (lit && litQ !== q) flush();
    litQ = q;
    lit += s;
  };
  const dollar = (q: boolean): void => {
    const rest = src.slice(i + 1);
    if (rest.startsWith('((')) {
      const end = findClosing(src, i + 3, '((', '))');
      if (end < 0) throw new ShellSyntaxError('unterminated arithmetic', true);
      flush();
      parts.push({ t: 'arith', src: src.slice(i + 3, end), q });
      i = end + 2;
      return;
    }
    if (rest.startsWith('(')) {
      const end = findClosing(src, i + 2, '(', ')');
      if (end < 0) throw new ShellSyntaxError('unexpected end of file (expecting ")")', true);
      flush();
      parts.push({ t: 'cmd', src: src.slice(i + 2, end), q });
      i = end + 1;
      return;
    }
    if (rest.startsWith('{')) {
      const end = src.indexOf('}', i + 2);
      if (end < 0) throw new ShellSyntaxError('missing }', true);
      const body = src.slice(i + 2, end);
      const m = body.match(/^(#?)([A-Za-z_][A-Za-z0-9_]*|[?$#@*!0-9])(?:(:?[-=+?]|##?|%%?)(.*))?$/s);
      if (!m) throw new ShellSyntaxError(`\${${body}}: bad substitution`);
      flush();
      const arg = m[4] !== undefined ? parseInnerWord(m[4]) : undefined;
      parts.push({
        t: 'var',
        name: m[2]!,
        ...(m[1] ? { op: 'len' } : m[3] ? { op: m[3] } : {}),
        ...(arg ? { arg } : {}),
        q,
      });
      i = end + 1;
      return;
    }
    const m = rest.match(/^([A-Za-z_][A-Za-z0-9_]*|[?$#@*!0-9])/);
    if (!m) {
      pushLit('$', q);
      i++;
      return;
    }
    flush();
    parts.push({ t: 'var', name: m[1]!, q });
    i += 1 + m[1]!.length;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (' \t\n;&|()<>'.includes(c)) break;
    if (c === '\\') {
      if (i + 1 >= src.length) {
        i++;
        break;
      }
      if (src[i + 1] !== '\n') pushLit(src[i + 1]!, true);
      i += 2;
    } else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated quoted string', true);
      pushLit(src.slice(i + 1, end), true);
      if (end === i + 1) parts.push({ t: 'lit', v: '', q: true });
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      let any = false;
      while (i < src.length) {
        const d = src[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && '$`"\\\n'.includes(src[i + 1] ?? '')) {
          if (src[i + 1] !== '\n') pushLit(src[i + 1]!, true);
          i += 2;
        } else if (d === '$') dollar(true);
        else if (d === '`') backtick(true);
        else {
          pushLit(d, true);
          i++;
        }
        any = true;
      }
      if (!closed) throw new ShellSyntaxError('unterminated quoted string', true);
      if (!any) {
        flush();
        parts.push({ t: 'lit', v: '', q: true });
      }
    } else if (c === '$') dollar(false);
    else if (c === '`') backtick(false);
    else {
      pushLit(c, false);
      i++;
    }
  }
  flush();
  tokens.push({ k: 'word', word: parts, raw: src.slice(start, i) });
  return i;

  function backtick(q: boolean) {
    const end = src.indexOf('`', i + 1);
    if (end < 0) throw new ShellSyntaxError('unterminated quoted string', true);
    flush();
    parts.push({ t: 'cmd', src: src.slice(i + 1, end), q });
    i = end + 1;
  }
}

/** The word inside `${x:-word}`: quotes and expansions, no splitting on spaces. */
function parseInnerWord(src: string): Word {
  const toks = tokenize(`"${src.replace(/(["\\])/g, '\\$1').replace(/\\\\\$/g, '$')}"`);
  const t = toks[0];
  return t?.k === 'word' ? t.word : [{ t: 'lit', v: src, q: true }];
}

class Parser {
  private pos = 0;
  constructor(private tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    return this.tokens[this.pos++]!;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.k === 'word' && t.raw === v;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.k === 'op' && t.v === v;
  }
  private skipNewlines() {
    while (this.peek().k === 'nl') this.pos++;
  }
  private unexpected(): never {
    const t = this.peek();
    if (t.k === 'eof') throw new ShellSyntaxError('unexpected end of file', true);
    const text = t.k === 'op' ? t.v : t.k === 'word' ? t.raw : t.k === 'nl' ? 'newline' : t.op;
    throw new ShellSyntaxError(`unexpected "${text}"`);
  }
  private expectWord(v: string) {
    this.skipNewlines();
    if (!this.isWord(v)) {
      if (this.peek().k === 'eof') throw new ShellSyntaxError(`unexpected end of file (expecting "${v}")`, true);
      this.unexpected();
    }
    this.pos++;
  }

  program(): List {
    const list = this.list(new Set());
    if (this.peek().k !== 'eof') this.unexpected();
    return list;
  }

  /** A list up to one of the terminating reserved words (or `)` / EOF). */
  list(stop: Set<string>): List {
    const out: List = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.k === 'eof') break;
      if (t.k === 'op' && (t.v === ')' || t.v === ';;')) break;
      if (t.k === 'word' && stop.has(t.raw)) break;
      if (t.k === 'op' && (t.v === ';' || t.v === '&')) this.unexpected();
      const item = this.andOr();
      const sep = this.peek();
      if (sep.k === 'op' && (sep.v === ';' || sep.v === '&')) {
        this.pos++;
        item.background = sep.v === '&';
      } else if (
        sep.k !== 'nl' &&
        sep.k !== 'eof' &&
        !(sep.k === 'op' && sep.v === ')') &&
        !(sep.k === 'word' && stop.has(sep.raw))
      ) {
        out.push(item);
        this.unexpected();
      }
      out.push(item);
    }
    return out;
  }

  andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    while (this.isOp('&&') || this.isOp('||')) {
      const op = (this.next() as { v: '&&' | '||' }).v;
      this.skipNewlines();
      rest.push({ op, pipeline: this.pipeline() });
    }
    return { first, rest, background: false };
  }

  pipeline(): Pipeline {
    let negate = false;
    if (this.isWord('!')) {
      this.pos++;
      negate = true;
    }
    const commands = [this.command()];
    while (this.isOp('|')) {
      this.pos++;
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negate, commands };
  }

  command(): Command {
    const t = this.peek();
    if (t.k === 'word' && !t.word.some((p) => p.t !== 'lit' || p.q)) {
      switch (t.raw) {
        case 'if':
          return this.withRedirs(this.ifCommand());
        case 'for':
          return this.withRedirs(this.forCommand());
        case 'while':
        case 'until':
          return this.withRedirs(this.whileCommand(t.raw === 'until'));
        case '{': {
          this.pos++;
          const body = this.list(new Set(['}']));
          this.expectWord('}');
          return this.withRedirs({ t: 'group', subshell: false, body, redirs: [] });
        }
        case 'then':
        case 'elif':
        case 'else':
        case 'fi':
        case 'do':
        case 'done':
        case '}':
          this.unexpected();
      }
    }
    if (this.isOp('(')) {
      this.pos++;
      const body = this.list(new Set());
      if (!this.isOp(')')) {
        if (this.peek().k === 'eof') throw new ShellSyntaxError('unexpected end of file (expecting ")")', true);
        this.unexpected();
      }
      this.pos++;
      return this.withRedirs({ t: 'group', subshell: true, body, redirs: [] });
    }
    return this.simple();
  }

  private withRedirs<C extends Command>(c: C): C {
    while (this.peek().k === 'redir') c.redirs.push(this.redir());
    return c;
  }

  private redir(): Redir {
    const r = this.next() as { k: 'redir'; fd: number; op: Redir['op'] };
    const target = this.peek();
    if (target.k !== 'word') {
      if (target.k === 'eof' || target.k === 'nl') throw new ShellSyntaxError('unexpected newline');
      this.unexpected();
    }
    this.pos++;
    return { fd: r.fd, op: r.op, target: target.word };
  }

  simple(): Command {
    const cmd: Command & { t: 'simple' } = { t: 'simple', assigns: [], words: [], redirs: [] };
    for (;;) {
      const t = this.peek();
      if (t.k === 'redir') cmd.redirs.push(this.redir());
      else if (t.k === 'word') {
        const m = cmd.words.length === 0 && t.raw.match(/^([A-Za-z_][A-Za-z0-9_]*)=/);
        if (m) {
          const first = t.word[0];
          const value: Word = [...t.word];
          if (first?.t === 'lit') value[0] = { ...first, v: first.v.slice(m[0].length) };
          cmd.assigns.push({ name: m[1]!, value });
        } else cmd.words.push(t.word);
        this.pos++;
      } else break;
    }
    if (!cmd.words.length && !cmd.assigns.length && !cmd.redirs.length) this.unexpected();
    return cmd;
  }

  ifCommand(): Command {
    this.pos++;
    const clauses: { cond: List; body: List }[] = [];
    const cond = this.list(new Set(['then']));
    this.expectWord('then');
    clauses.push({ cond, body: this.list(new Set(['elif', 'else', 'fi'])) });
    let otherwise: List | undefined;
    for (;;) {
      this.skipNewlines();
      if (this.isWord('elif')) {
        this.pos++;
        const c = this.list(new Set(['then']));
        this.expectWord('then');
        clauses.push({ cond: c, body: this.list(new Set(['elif', 'else', 'fi'])) });
      } else if (this.isWord('else')) {
        this.pos++;
        otherwise = this.list(new Set(['fi']));
      } else break;
    }
    this.expectWord('fi');
    return { t: 'if', clauses, ...(otherwise ? { otherwise } : {}), redirs: [] };
  }

  forCommand(): Command {
    this.pos++;
    const nameTok = this.next();
    if (nameTok.k !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(nameTok.raw)) {
      this.pos--;
      this.unexpected();
    }
    let items: Word[] | undefined;
    this.skipNewlines();
    if (this.isWord('in')) {
      this.pos++;
      items = [];
      while (this.peek().k === 'word') items.push((this.next() as { word: Word }).word);
      if (this.isOp(';')) this.pos++;
    } else if (this.isOp(';')) this.pos++;
    this.expectWord('do');
    const body = this.list(new Set(['done']));
    this.expectWord('done');
    return { t: 'for', name: nameTok.raw, ...(items ? { items } : {}), body, redirs: [] };
  }

  whileCommand(until: boolean): Command {
    this.pos++;
    const cond = this.list(new Set(['do']));
    this.expectWord('do');
    const body = this.list(new Set(['done']));
    this.expectWord('done');
    return { t: 'while', until, cond, body, redirs: [] };
  }
}

/** Parses a shell program into its syntax tree, or the error a shell would print. */
export function parse(src: string): ParseResult {
  try {
    const tokens = tokenize(src);
    return { ok: true, list: new Parser(tokens).program() };
  } catch (e) {
    if (e instanceof ShellSyntaxError)
      return { ok: false, error: `syntax error: ${e.message}`, incomplete: e.incomplete };
    return { ok: false, error: `syntax error: ${(e as Error).message}`, incomplete: false };
  }
}

export { RESERVED };
