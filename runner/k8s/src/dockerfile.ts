/**
 * A Dockerfile as plain data, parsed with `dockerfile-ast` (the parser of the Docker language
 * server): the simulated image builder derives an image from it and checks read it through
 * the CEL function `dockerfile(text)`. Both see the same instructions, so what the grader
 * judges is what the builder built from.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

/**
 * Bounds on what a build reads. BuildKit refuses a Dockerfile over 2 MiB; a lab needs far
 * less, and a smaller bound keeps a hostile build from holding a shared simulator's event loop.
 */
export const DOCKERFILE_LIMITS = {
  /** Bytes of Dockerfile text. */
  bytes: 64 * 1024,
  /** Instructions, every stage together. */
  instructions: 200,
} as const;

/** One instruction: its keyword, its arguments with `ARG`/`ENV` variables expanded, and its flags. */
export interface DockerfileInstruction {
  /** Upper case, as written in any case: `FROM`, `RUN`, `USER`, ... */
  keyword: string;
  /**
   * The words after the keyword and its flags, variables expanded (`FROM debian:${V}` with
   * `ARG V=12` is `debian:12`). The exec form (`RUN ["a","b"]`) is its JSON strings.
   */
  args: string[];
  /** The arguments as written, flags removed: the text a shell form runs. */
  text: string;
  /** `--chown=1:1` → `{ chown: "1:1" }`; `--from`, `--platform`, `--mount`, ... */
  flags: Record<string, string>;
  /** 1-based line where the instruction starts. */
  line: number;
  /** Which build stage (0-based, one per `FROM`) it belongs to; instructions before the first FROM are -1. */
  stage: number;
  /** `FROM` only: the stage's name (`AS builder`), or ''. */
  as: string;
}

/** The parse, or the reason the Dockerfile cannot be read. */
export type DockerfileParse = { ok: true; instructions: DockerfileInstruction[] } | { ok: false; error: string };

function flagsOf(i: Instruction): Record<string, string> {
  const getFlags = (i as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags;
  const out: Record<string, string> = {};
  for (const f of getFlags?.call(i) ?? []) out[f.getName()] = f.getValue() ?? '';
  return out;
}

function execForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((s) => typeof s === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Parses Dockerfile text; a text over {@link DOCKERFILE_LIMITS} is refused with the bound it passed. */
export function parseDockerfile(text: string): DockerfileParse {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > DOCKERFILE_LIMITS.bytes) {
    return { ok: false, error: `the Dockerfile is ${bytes} bytes, more than the ${DOCKERFILE_LIMITS.bytes} allowed` };
  }
  const parsed = DockerfileParser.parse(text).getInstructions();
  if (parsed.length > DOCKERFILE_LIMITS.instructions) {
    return {
      ok: false,
      error: `the Dockerfile has ${parsed.length} instructions, more than the ${DOCKERFILE_LIMITS.instructions} allowed`,
    };
  }
  let stage = -1;
  const instructions = parsed.map((i): DockerfileInstruction => {
    const keyword = i.getKeyword().toUpperCase();
    if (keyword === 'FROM') stage++;
    const flags = flagsOf(i);
    const expanded = i.getExpandedArguments().map((a) => a.getValue());
    const words = expanded.filter(
      (w) => !(w.startsWith('--') && Object.keys(flags).some((f) => w.startsWith(`--${f}`))),
    );
    const raw = (i.getArgumentsContent() ?? '').trim();
    const text = raw.replace(/^(--[a-z-]+(=\S*)?\s+)+/, '');
    const exec = execForm(words.join(' '));
    const as = keyword === 'FROM' && words[1]?.toUpperCase() === 'AS' ? (words[2] ?? '') : '';
    return {
      keyword,
      args: exec ?? words,
      text,
      flags,
      line: i.getRange().start.line + 1,
      stage,
      as,
    };
  });
  return { ok: true, instructions };
}
