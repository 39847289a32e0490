/**
 * Rewrites a check's CEL (@paranoid/k8s/cel.ts celEnvironment) into the CEL a Kubernetes API server runs
 * in a ValidatingAdmissionPolicy: the lab helpers that have an exact equivalent in
 * Kubernetes' string library (`imageRef`, `boolFlag`) are expanded in place, and
 * `object.<field>` can be mapped to another expression. Text inside string
 * literals is never touched.
 */
import { CHECK_ONLY_FUNCTIONS } from '@paranoid/k8s/cel.ts';

/** The check-only functions {@link expandHelpers} rewrites into the admission language. */
export const TRANSLATED_HELPERS = ['imageRef', 'boolFlag'] as const;

/** Check-only functions with no Kubernetes equivalent: a check calling one cannot be exported. */
export const UNTRANSLATABLE_HELPERS: readonly string[] = CHECK_ONLY_FUNCTIONS.filter(
  (f) => !(TRANSLATED_HELPERS as readonly string[]).includes(f),
);

interface Segment {
  code: boolean;
  text: string;
}

/** Splits an expression into code and string literals (with r/b prefixes and triple quotes). */
export function segments(expression: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  let i = 0;
  while (i < expression.length) {
    const start = literalStart(expression, i);
    if (start === undefined) {
      code += expression[i];
      i++;
      continue;
    }
    if (code !== '') out.push({ code: true, text: code });
    code = '';
    const end = literalEnd(expression, i, start);
    out.push({ code: false, text: expression.slice(i, end) });
    i = end;
  }
  if (code !== '') out.push({ code: true, text: code });
  return out;
}

function literalStart(text: string, i: number): { quote: string; raw: boolean; prefix: number } | undefined {
  let prefix = 0;
  const before = i > 0 ? text[i - 1]! : ' ';
  // A prefix letter counts only where it starts a token, not at the end of an identifier.
  if (/[rRbB]/.test(text[i]!) && !/\w/.test(before)) {
    if (text[i + 1] === "'" || text[i + 1] === '"') prefix = 1;
    else if (/[rRbB]/.test(text[i + 1] ?? '') && (text[i + 2] === "'" || text[i + 2] === '"')) prefix = 2;
  }
  const q = text[i + prefix];
  if (q !== "'" && q !== '"') return undefined;
  if (prefix === 0 && /\w/.test(before)) return undefined;
  const raw = /[rR]/.test(text.slice(i, i + prefix));
  const triple = text.slice(i + prefix, i + prefix + 3) === q.repeat(3);
  return { quote: triple ? q.repeat(3) : q, raw, prefix };
}

function literalEnd(text: string, i: number, start: { quote: string; raw: boolean; prefix: number }): number {
  let j = i + start.prefix + start.quote.length;
  while (j < text.length) {
    if (!start.raw && text[j] === '\\') {
      j += 2;
      continue;
    }
    if (text.startsWith(start.quote, j)) return j + start.quote.length;
    j++;
  }
  return text.length;
}

/** Only the code of an expression (literals blanked), for questions like "does it read status?". */
export function codeOf(expression: string): string {
  return segments(expression)
    .map((s) => (s.code ? s.text : "''"))
    .join('');
}

/** A CEL string literal holding `text`. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/**
 * Replaces `object.<field>` and `object.?<field>` where `object` is the variable (not a
 * field of something else) and `fields` names the field.
 */
export function rewriteObjectFields(expression: string, fields: Record<string, string>): string {
  return segments(expression)
    .map((s) =>
      s.code
        ? s.text.replace(
            /(?<![.\w])object\s*\.\s*(\??)\s*([A-Za-z_]\w*)\b/g,
            (whole, optional: string, field: string) => {
              const replacement = fields[field];
              if (replacement === undefined) return whole;
              // `object.?f` yields an optional; keep that shape.
              return optional ? `optional.of(${replacement})` : replacement;
            },
          )
        : s.text,
    )
    .join('');
}

/** Where each character of an expression is code (true) or inside a literal (false). */
function codeMask(expression: string): boolean[] {
  return segments(expression).flatMap((s) => Array.from(s.text, () => s.code));
}

/** The top-level arguments of the call whose `(` is at `open`, and the index after its `)`. */
function callArguments(expression: string, open: number, mask: boolean[]): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open; i < expression.length; i++) {
    if (!mask[i]) continue;
    const ch = expression[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) {
        args.push(expression.slice(from, i).trim());
        return { args, end: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(expression.slice(from, i).trim());
      from = i + 1;
    }
  }
  throw new Error(`failed to translate CEL: unbalanced parentheses after ${expression.slice(0, open)}`);
}

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
const list = (items: string[]) => `[${items.map(celString).join(', ')}]`;

/**
 * `imageRef(x)` as a CEL map, with grader/image-ref.ts's rules: digest after the first
 * `@`; a tag after the last `:` that follows the last `/`; the first component is a
 * registry only if it has `.` or `:` or is `localhost`; `index.docker.io` is
 * `docker.io`; a one-part Docker Hub path gets `library/`.
 */
function imageRefExpansion(arg: string, n: number): string {
  const v = (k: string) => `pimg${n}${k}`;
  const rest = v('rest');
  const [full, bare, name, parts, hasRegistry, registry, path, tagged] = [
    v('full'),
    v('bare'),
    v('name'),
    v('parts'),
    v('hasreg'),
    v('registry'),
    v('path'),
    v('tagged'),
  ];
  return [
    `cel.bind(${full}, (${arg}).trim(),`,
    ` cel.bind(${bare}, ${full}.indexOf('@') >= 0 ? ${full}.substring(0, ${full}.indexOf('@')) : ${full},`,
    ` cel.bind(${tagged}, ${bare}.lastIndexOf(':') > ${bare}.lastIndexOf('/'),`,
    ` cel.bind(${name}, ${tagged} ? ${bare}.substring(0, ${bare}.lastIndexOf(':')) : ${bare},`,
    ` cel.bind(${parts}, ${name}.split('/'),`,
    ` cel.bind(${hasRegistry}, ${parts}.size() > 1 && (${parts}[0].contains('.') || ${parts}[0].contains(':') || ${parts}[0] == 'localhost'),`,
    ` cel.bind(${registry}, ${hasRegistry} && ${parts}[0] != 'index.docker.io' ? ${parts}[0] : 'docker.io',`,
    ` cel.bind(${path}, cel.bind(${rest}, ${hasRegistry} ? ${name}.substring(${parts}[0].size() + 1) : ${name},`,
    `   ${registry} == 'docker.io' && !${rest}.contains('/') ? 'library/' + ${rest} : ${rest}),`,
    ` {'registry': ${registry}, 'path': ${path}, 'repository': ${registry} + '/' + ${path},`,
    `  'tag': ${tagged} ? ${bare}.substring(${bare}.lastIndexOf(':') + 1) : '',`,
    `  'digest': ${full}.indexOf('@') >= 0 ? ${full}.substring(${full}.indexOf('@') + 1) : ''}))))))))`,
  ].join('');
}

/** `boolFlag(args, 'name', default)`: the last valid `--name`, `-name`, `--name=v` or `-name=v` wins. */
function boolFlagExpansion(args: string, name: string, fallback: string, n: number): string {
  const m = name.match(/^'([^'\\]*)'$|^"([^"\\]*)"$/);
  if (!m) throw new Error('failed to translate boolFlag(): its name must be a string literal');
  const flag = m[1] ?? m[2]!;
  const found = `pflag${n}`;
  const value = (x: string) => `${x}.substring(${x}.indexOf('=') + 1)`;
  const last = `${found}[${found}.size() - 1]`;
  return [
    `cel.bind(${found}, (${args}).filter(a, a == ${celString(`--${flag}`)} || a == ${celString(`-${flag}`)} ||`,
    ` ((a.startsWith(${celString(`--${flag}=`)}) || a.startsWith(${celString(`-${flag}=`)})) && ${value('a')} in ${list([...TRUE, ...FALSE])})),`,
    ` ${found}.size() == 0 ? (${fallback}) : (${last}.indexOf('=') < 0 || ${value(last)} in ${list(TRUE)}))`,
  ].join('');
}

/** Expands every `imageRef(...)` and `boolFlag(...)` call, innermost arguments first. */
export function expandHelpers(expression: string): string {
  let n = 0;
  const expand = (text: string): string => {
    const mask = codeMask(text);
    const re = /(?<![.\w])(imageRef|boolFlag)\s*\(/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (!mask[m.index]) continue;
      const open = m.index + m[0].length - 1;
      const { args, end } = callArguments(text, open, mask);
      const inner = args.map(expand);
      let replacement: string;
      if (m[1] === 'imageRef') {
        if (inner.length !== 1) throw new Error('failed to translate imageRef(): it takes one argument');
        replacement = imageRefExpansion(inner[0]!, n++);
      } else {
        if (inner.length !== 3) throw new Error('failed to translate boolFlag(): it takes three arguments');
        replacement = boolFlagExpansion(inner[0]!, inner[1]!, inner[2]!, n++);
      }
      return text.slice(0, m.index) + replacement + expand(text.slice(end));
    }
    return text;
  };
  return expand(expression);
}
