/** The syntax tree of a shell program (a POSIX subset: what lab attacks and fixes type). */

export type Part =
  | { t: 'lit'; v: string; q: boolean }
  | { t: 'var'; name: string; op?: string; arg?: Word; q: boolean }
  | { t: 'cmd'; src: string; q: boolean }
  | { t: 'arith'; src: string; q: boolean };

/** A shell word as its parts, expanded and joined when the command runs. */
export type Word = Part[];

/** A redirection of a file descriptor to or from a file, another descriptor or a here-document. */
export interface Redir {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&' | '<<<';
  target: Word;
}

/** One command: a simple command, a compound one (if, for, while, case, group, subshell) or a function definition. */
export type Command =
  | { t: 'simple'; assigns: { name: string; value: Word }[]; words: Word[]; redirs: Redir[] }
  | { t: 'if'; clauses: { cond: List; body: List }[]; otherwise?: List; redirs: Redir[] }
  | { t: 'for'; name: string; items?: Word[]; body: List; redirs: Redir[] }
  | { t: 'while'; until: boolean; cond: List; body: List; redirs: Redir[] }
  | { t: 'group'; subshell: boolean; body: List; redirs: Redir[] };

/** Commands joined by `|`, optionally negated with `!`. */
export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

/** Pipelines joined by `&&` and `||`, run left to right by exit status. */
export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
  background: boolean;
}

/** A sequence of and-or lists, separated by `;`, `&` or newlines. */
export type List = AndOr[];
