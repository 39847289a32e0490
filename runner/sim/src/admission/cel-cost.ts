/**
 * CEL cost limits, as kube-apiserver applies them to admission policies
 * (k8s.io/apiserver/pkg/apis/cel/config.go): every expression is estimated before a
 * policy is stored, and metered while it runs, so no policy a learner writes can hold
 * the simulator's thread.
 *
 * cel-js has no cost tracking of its own. The runtime meter counts the evaluator's steps
 * (each AST node evaluated, each comprehension iteration), which is what cel-go's actual
 * cost mostly counts; the static estimate walks the AST with upstream's rule for
 * comprehensions (range size times the cost of one iteration), an unbounded list being
 * taken at {@link UNBOUNDED_LIST_SIZE} elements.
 */
import type { Environment } from '@marcbachmann/cel-js';

/** `celconfig.PerCallLimit`: the actual cost one evaluation of one expression may reach. */
export const PER_CALL_LIMIT = 1_000_000;
/** `celconfig.RuntimeCELCostBudget`: all expressions of one policy evaluation together. */
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
/** The estimated cost an expression may have when its policy is written. */
export const STATIC_COST_LIMIT = 10_000_000;
/**
 * Elements assumed for a list whose size the expression does not bound (a field of the
 * object, say). Upstream derives it from the schema and the 3 MiB request limit; this is
 * the simulator's simplification: one comprehension over such a list fits the limit, a
 * comprehension nested in another does not.
 */
export const UNBOUNDED_LIST_SIZE = 100_000;

export const ACTUAL_COST_EXCEEDED = 'operation cancelled: actual cost limit exceeded';
export const BUDGET_EXCEEDED =
  'validation failed due to running out of cost budget, no further validation rules will be run';

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

interface AstNode {
  op: string;
  args: unknown;
}

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string';

/** The worst-case cost of an expression, with the size of the list it yields when known. */
export function estimateCost(node: unknown): { cost: number; size?: number } {
  if (!isNode(node)) return { cost: 0 };
  const args = Array.isArray(node.args) ? (node.args as unknown[]) : [];
  if (node.op === 'list') {
    return { cost: 1 + args.reduce<number>((sum, a) => sum + estimateCost(a).cost, 0), size: args.length };
  }
  if (node.op === 'rcall' && typeof args[0] === 'string' && MACROS.has(args[0]) && Array.isArray(args[2])) {
    const range = estimateCost(args[1]);
    const n = range.size ?? UNBOUNDED_LIST_SIZE;
    const body = (args[2] as unknown[]).reduce<number>((sum, a) => sum + estimateCost(a).cost, 0);
    const cost = range.cost + n * (body + 1);
    return args[0] === 'map' || args[0] === 'filter' ? { cost, size: n } : { cost };
  }
  let cost = 1;
  for (const a of args) {
    if (Array.isArray(a)) for (const b of a) cost += estimateCost(b).cost;
    else cost += estimateCost(a).cost;
  }
  return { cost };
}

/**
 * Upstream's refusal of an expression estimated over the limit, or null:
 * `estimated rule cost exceeds budget by factor of 2.5x (try simplifying the rule, ...)`.
 */
export function costRefusal(ast: unknown, limit = STATIC_COST_LIMIT): string | null {
  const { cost } = estimateCost(ast);
  if (cost <= limit) return null;
  const factor = cost / limit;
  const text = factor > 100 ? 'more than 100x' : `${factor.toFixed(1)}x`;
  return `estimated rule cost exceeds budget by factor of ${text} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

/** What one policy evaluation has spent; shared by its expressions. */
export interface CostBudget {
  remaining: number;
}

export const newBudget = (): CostBudget => ({ remaining: RUNTIME_CEL_COST_BUDGET });

class CostLimitExceeded extends Error {}

/**
 * Runs parsed expressions of `env` under a meter: each evaluation stops with
 * {@link ACTUAL_COST_EXCEEDED} past {@link PER_CALL_LIMIT} steps, and draws its steps
 * from the budget it is given, failing with {@link BUDGET_EXCEEDED} once that is spent.
 */
export function meteredRunner(env: Environment) {
  // The evaluator is private to the environment; every node evaluation goes through its
  // `run`, and the root node is handed it. Catch it once, and count its steps from then on.
  const probe = env.parse('true') as unknown as ((ctx?: unknown) => unknown) & {
    ast: { evaluate: (this: unknown, ...args: unknown[]) => unknown };
  };
  let evaluator: { run(node: unknown, ctx: unknown): unknown } | undefined;
  const evaluateRoot = probe.ast.evaluate;
  probe.ast.evaluate = function (this: unknown, ...args: unknown[]) {
    const [ev, ...rest] = args;
    evaluator = ev as typeof evaluator;
    return evaluateRoot.call(this, ev, ...rest);
  };
  probe({});
  if (!evaluator) throw new Error('failed to meter CEL: the evaluator was not reached');
  const run = evaluator.run;
  let steps = 0;
  let limit = Number.POSITIVE_INFINITY;
  evaluator.run = function (this: unknown, node: unknown, ctx: unknown) {
    if (++steps > limit) throw new CostLimitExceeded(ACTUAL_COST_EXCEEDED);
    return run.call(this, node, ctx);
  };

  return function evaluate<T>(
    parsed: (ctx: Record<string, unknown>) => T,
    ctx: Record<string, unknown>,
    budget?: CostBudget,
  ): T {
    if (budget && budget.remaining <= 0) throw new Error(BUDGET_EXCEEDED);
    const cap = Math.min(PER_CALL_LIMIT, budget?.remaining ?? PER_CALL_LIMIT);
    steps = 0;
    limit = cap;
    try {
      const value = parsed(ctx);
      // `a || b` absorbs an error of one side: a stopped evaluation still fails as a whole.
      if (steps > cap) throw new CostLimitExceeded(ACTUAL_COST_EXCEEDED);
      return value;
    } catch (error) {
      if (steps > cap) {
        throw new Error(budget && cap < PER_CALL_LIMIT ? BUDGET_EXCEEDED : ACTUAL_COST_EXCEEDED);
      }
      throw error;
    } finally {
      if (budget) budget.remaining -= Math.min(steps, cap);
      limit = Number.POSITIVE_INFINITY;
    }
  };
}
