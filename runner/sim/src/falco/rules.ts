/**
 * Falco rules files: lists, macros and rules, loaded in order, with `append: true`,
 * `override` (append or replace per key), `enabled`, and `exceptions`; compiled into
 * conditions with every macro and list inlined, every field checked, and every size
 * bounded. As Falco does, any error fails the whole load, with the file and the item.
 */
import { parseAllDocuments } from 'yaml';
import {
  type Condition,
  ConditionError,
  type ConditionLimits,
  DEFAULT_CONDITION_LIMITS,
  macroNames,
  parseCondition,
} from './condition.ts';
import { evaluate } from './evaluate.ts';
import type { SyscallEvent } from './event.ts';
import { fieldProblem } from './fields.ts';
import { formatOutput, outputFields } from './output.ts';

/** Falco's priorities, most severe first (the index is the severity's order). */
export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

/** `warning`, `WARNING`, `info` → the canonical name, or undefined. */
export function parsePriority(p: unknown): string | undefined {
  if (typeof p !== 'string') return undefined;
  const lower = p.toLowerCase();
  if (lower === 'info') return 'Informational';
  return PRIORITIES.find((x) => x.toLowerCase() === lower);
}

/** True when `p` is at least as severe as `min`. */
export function atLeast(p: string, min: string): boolean {
  return PRIORITIES.indexOf(p) <= PRIORITIES.indexOf(min);
}

/** A Falco rules file by name, loaded in order as Falco loads its rules files. */
export interface RuleFile {
  name: string;
  content: string;
}

/** Bounds on loading Falco rules: total bytes and counts on top of each condition's limits. */
export interface LoaderLimits extends ConditionLimits {
  /** Bytes of rules over all files. */
  maxBytes: number;
  /** Lists, macros and rules over all files. */
  maxItems: number;
  /** Items in one list after appends. */
  maxListItems: number;
}

/** Bounds on the rule files loaded at once, so a learner's rules cannot exhaust the loader. */
export const DEFAULT_LOADER_LIMITS: LoaderLimits = {
  ...DEFAULT_CONDITION_LIMITS,
  maxBytes: 4 << 20,
  maxItems: 5_000,
  maxListItems: 10_000,
};

/** A Falco rule with macros and lists expanded and its condition parsed, ready to match events. */
export interface CompiledRule {
  name: string;
  desc: string;
  priority: string;
  output: string;
  tags: string[];
  condition: Condition;
  /** Fields named in the output, for the JSON `output_fields`. */
  fields: string[];
}

/** An alert a rule raised, in Falco's output shape. */
export interface Alert {
  rule: string;
  priority: string;
  output: string;
  tags: string[];
  time: number;
  outputFields: Record<string, string | number | boolean | null>;
}

/** A rules file Falco would refuse to load; the message names the file and the problem. */
export class RulesError extends Error {}

interface ListDef {
  items: string[];
}
interface MacroDef {
  condition: string;
}
interface RuleDef {
  name: string;
  file: string;
  desc?: string;
  condition?: string;
  output?: string;
  priority?: string;
  tags: string[];
  enabled: boolean;
  exceptions: unknown[];
  source: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v));

/**
 * Loads rules files in order and compiles the enabled rules of the syscall source.
 * Throws {@link RulesError} with Falco-like wording on the first problem.
 */
export function loadRules(files: RuleFile[], limits: LoaderLimits = DEFAULT_LOADER_LIMITS): CompiledRule[] {
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  if (bytes > limits.maxBytes)
    throw new RulesError(`rules files total ${bytes} bytes, over the limit of ${limits.maxBytes}`);
  const lists = new Map<string, ListDef>();
  const macros = new Map<string, MacroDef>();
  const rules = new Map<string, RuleDef>();
  let items = 0;
  for (const file of files) {
    const where = (what: string) => `${file.name}: ${what}`;
    const docs = parseAllDocuments(file.content);
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length) throw new RulesError(where(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`));
      const body = doc.toJS() as unknown;
      if (body === null || body === undefined) continue;
      if (!Array.isArray(body)) throw new RulesError(where('rules content is not yaml array of objects'));
      for (const item of body) {
        if (++items > limits.maxItems) throw new RulesError(where(`more than ${limits.maxItems} items`));
        if (!isObj(item)) throw new RulesError(where('item is not a YAML object'));
        loadItem(item, file.name, { lists, macros, rules }, limits);
      }
    }
  }
  const compiled: CompiledRule[] = [];
  for (const rule of rules.values()) {
    if (!rule.enabled || rule.source !== 'syscall') continue;
    compiled.push(compileRule(rule, lists, macros, limits));
  }
  return compiled;
}

function overrideKeys(item: Record<string, unknown>, kind: string, name: string): Record<string, 'append' | 'replace'> {
  if (item.override === undefined) return {};
  if (!isObj(item.override)) throw new RulesError(`${kind} ${name}: override must be a map of key: append|replace`);
  const out: Record<string, 'append' | 'replace'> = {};
  for (const [k, v] of Object.entries(item.override)) {
    if (v !== 'append' && v !== 'replace')
      throw new RulesError(`${kind} ${name}: override of ${k} must be append or replace`);
    out[k] = v;
  }
  return out;
}

function loadItem(
  item: Record<string, unknown>,
  file: string,
  state: { lists: Map<string, ListDef>; macros: Map<string, MacroDef>; rules: Map<string, RuleDef> },
  limits: LoaderLimits,
): void {
  const at = (what: string) => `${file}: ${what}`;
  if ('required_engine_version' in item || 'required_plugin_versions' in item) return;
  if ('list' in item) {
    const name = str(item.list)!;
    const ov = overrideKeys(item, 'list', name);
    if (!Array.isArray(item.items)) throw new RulesError(at(`list ${name}: items must be a sequence`));
    const values = item.items.map((v) => String(v));
    const existing = state.lists.get(name);
    if (item.append === true || ov.items === 'append') {
      if (!existing) throw new RulesError(at(`list ${name}: appending to a list that is not defined`));
      existing.items.push(...values);
    } else state.lists.set(name, { items: values });
    if ((state.lists.get(name)?.items.length ?? 0) > limits.maxListItems) {
      throw new RulesError(at(`list ${name}: more than ${limits.maxListItems} items`));
    }
    return;
  }
  if ('macro' in item) {
    const name = str(item.macro)!;
    const ov = overrideKeys(item, 'macro', name);
    const condition = str(item.condition);
    if (condition === undefined) throw new RulesError(at(`macro ${name}: item has no mandatory key 'condition'`));
    const existing = state.macros.get(name);
    if (item.append === true || ov.condition === 'append') {
      if (!existing) throw new RulesError(at(`macro ${name}: appending to a macro that is not defined`));
      existing.condition = `${existing.condition} ${condition}`;
    } else state.macros.set(name, { condition });
    return;
  }
  if ('rule' in item) {
    const name = str(item.rule)!;
    const ov = overrideKeys(item, 'rule', name);
    const existing = state.rules.get(name);
    const keys = Object.keys(item).filter((k) => k !== 'rule' && k !== 'override' && k !== 'append');
    if (item.append === true || Object.keys(ov).length > 0) {
      if (!existing) throw new RulesError(at(`rule ${name}: appending to or overriding a rule that is not defined`));
      for (const key of keys) {
        const mode = item.append === true ? 'append' : ov[key];
        if (!mode) throw new RulesError(at(`rule ${name}: key '${key}' is not in override`));
        applyRuleKey(existing, key, item[key], mode, at(`rule ${name}`));
      }
      return;
    }
    if (existing && keys.length === 1 && keys[0] === 'enabled') {
      // The legacy way to switch a rule off or on: only `rule` and `enabled`.
      existing.enabled = item.enabled !== false;
      return;
    }
    for (const key of ['condition', 'output', 'desc', 'priority']) {
      if (item[key] === undefined) throw new RulesError(at(`rule ${name}: item has no mandatory key '${key}'`));
    }
    const priority = parsePriority(item.priority);
    if (!priority) throw new RulesError(at(`rule ${name}: invalid priority ${String(item.priority)}`));
    state.rules.set(name, {
      name,
      file,
      desc: str(item.desc),
      condition: str(item.condition),
      output: str(item.output)?.trim(),
      priority,
      tags: Array.isArray(item.tags) ? item.tags.map(String) : [],
      enabled: item.enabled !== false,
      exceptions: Array.isArray(item.exceptions) ? item.exceptions : [],
      source: str(item.source) ?? 'syscall',
    });
    return;
  }
  throw new RulesError(at(`unknown top level object: ${JSON.stringify(item).slice(0, 80)}`));
}

function applyRuleKey(rule: RuleDef, key: string, value: unknown, mode: 'append' | 'replace', at: string): void {
  switch (key) {
    case 'condition':
    case 'output':
    case 'desc': {
      const s = str(value) ?? '';
      const prev = rule[key] ?? '';
      rule[key] = mode === 'append' ? `${prev} ${s}` : s;
      return;
    }
    case 'priority': {
      const p = parsePriority(value);
      if (!p || mode !== 'replace') throw new RulesError(`${at}: priority can only be replaced with a valid priority`);
      rule.priority = p;
      return;
    }
    case 'enabled':
      if (mode !== 'replace') throw new RulesError(`${at}: enabled can only be replaced`);
      rule.enabled = value !== false;
      return;
    case 'tags': {
      const tags = Array.isArray(value) ? value.map(String) : [];
      rule.tags = mode === 'append' ? [...rule.tags, ...tags] : tags;
      return;
    }
    case 'exceptions': {
      const ex = Array.isArray(value) ? value : [];
      rule.exceptions = mode === 'append' ? [...rule.exceptions, ...ex] : ex;
      return;
    }
    default:
      throw new RulesError(`${at}: key '${key}' cannot be appended or overridden`);
  }
}

/** Quotes a value for a condition so the parser reads it back as one word. */
const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** `exceptions` as Falco compiles them: `and not ((f1 op v1 and f2 op v2) or ...)`. */
function exceptionsCondition(rule: RuleDef): string {
  const parts: string[] = [];
  for (const ex of rule.exceptions) {
    if (!isObj(ex)) throw new RulesError(`rule ${rule.name}: an exception must be a map`);
    const fields = Array.isArray(ex.fields)
      ? ex.fields.map(String)
      : ex.fields !== undefined
        ? [String(ex.fields)]
        : [];
    if (!fields.length) throw new RulesError(`rule ${rule.name}: exception ${String(ex.name)} has no fields`);
    const comps = Array.isArray(ex.comps) ? ex.comps.map(String) : ex.comps !== undefined ? [String(ex.comps)] : [];
    const values = Array.isArray(ex.values) ? ex.values : [];
    for (const tuple of values) {
      const vs = Array.isArray(tuple) ? tuple : [tuple];
      if (vs.length !== fields.length) {
        throw new RulesError(
          `rule ${rule.name}: exception ${String(ex.name)} has a value with ${vs.length} items for ${fields.length} fields`,
        );
      }
      const conj = fields.map((f, i) => {
        const op = comps[i] ?? (Array.isArray(ex.fields) ? '=' : 'in');
        const v = vs[i];
        const rhs = Array.isArray(v)
          ? `(${v.map((x) => quote(String(x))).join(', ')})`
          : ['in', 'pmatch', 'intersects'].includes(op)
            ? `(${quote(String(v))})`
            : quote(String(v));
        return `${f} ${op} ${rhs}`;
      });
      parts.push(`(${conj.join(' and ')})`);
    }
  }
  return parts.length ? ` and not (${parts.join(' or ')})` : '';
}

function compileRule(
  rule: RuleDef,
  lists: Map<string, ListDef>,
  macros: Map<string, MacroDef>,
  limits: LoaderLimits,
): CompiledRule {
  const at = `${rule.file}: rule ${rule.name}`;
  let tree: Condition;
  try {
    tree = parseCondition(`(${rule.condition ?? ''})${exceptionsCondition(rule)}`, limits);
  } catch (e) {
    throw new RulesError(`${at}: LOAD_ERR_COMPILE_CONDITION: ${(e as Error).message}`);
  }
  const budget = { nodes: 0 };
  const macroTrees = new Map<string, Condition>();
  const expand = (c: Condition, depth: number, stack: string[]): Condition => {
    if (++budget.nodes > limits.maxNodes) {
      throw new RulesError(`${at}: condition has more than ${limits.maxNodes} nodes once macros are expanded`);
    }
    if (depth > limits.maxDepth) throw new RulesError(`${at}: macros nest deeper than ${limits.maxDepth}`);
    switch (c.t) {
      case 'and':
      case 'or':
        return { t: c.t, items: c.items.map((i) => expand(i, depth + 1, stack)) };
      case 'not':
        return { t: 'not', expr: expand(c.expr, depth + 1, stack) };
      case 'macro': {
        const m = macros.get(c.name);
        if (!m) throw new RulesError(`${at}: LOAD_ERR_COMPILE_CONDITION: undefined macro '${c.name}' used in filter`);
        if (stack.includes(c.name))
          throw new RulesError(`${at}: macro ${c.name} refers to itself (${[...stack, c.name].join(' -> ')})`);
        let parsed = macroTrees.get(c.name);
        if (!parsed) {
          try {
            parsed = parseCondition(m.condition, limits);
          } catch (e) {
            throw new RulesError(`${at}: macro ${c.name}: LOAD_ERR_COMPILE_CONDITION: ${(e as Error).message}`);
          }
          macroTrees.set(c.name, parsed);
        }
        return expand(parsed, depth + 1, [...stack, c.name]);
      }
      case 'cmp': {
        const problem = fieldProblem(c.field, c.arg);
        if (problem) throw new RulesError(`${at}: LOAD_ERR_COMPILE_CONDITION: ${problem}`);
        if (!c.list) return c;
        const out: string[] = [];
        const addItems = (names: string[], seen: string[]) => {
          for (const item of names) {
            const l = lists.get(item);
            if (l && !seen.includes(item)) addItems(l.items, [...seen, item]);
            else out.push(item);
            if (out.length > limits.maxListItems)
              throw new RulesError(`${at}: a list expands to more than ${limits.maxListItems} items`);
          }
        };
        addItems(c.list, []);
        budget.nodes += out.length;
        return { ...c, list: out };
      }
    }
  };
  const condition = expand(tree, 0, []);
  const output = rule.output ?? '';
  let fields: string[];
  try {
    fields = outputFields(output);
  } catch (e) {
    throw new RulesError(`${at}: LOAD_ERR_COMPILE_OUTPUT: ${(e as Error).message}`);
  }
  return {
    name: rule.name,
    desc: rule.desc ?? '',
    priority: rule.priority!,
    output,
    tags: rule.tags,
    condition,
    fields,
  };
}

/** The alerts `rules` raise for one event, at or above `minPriority`. */
export function alertsFor(rules: CompiledRule[], ev: SyscallEvent, minPriority = 'Debug'): Alert[] {
  const out: Alert[] = [];
  for (const rule of rules) {
    if (!atLeast(rule.priority, minPriority)) continue;
    if (!evaluate(rule.condition, ev)) continue;
    const { text, values } = formatOutput(rule.output, ev);
    out.push({
      rule: rule.name,
      priority: rule.priority,
      output: text,
      tags: rule.tags,
      time: ev.time,
      outputFields: values,
    });
  }
  return out;
}

export { ConditionError, macroNames };
