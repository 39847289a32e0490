/**
 * CEL cost limits, as kube-apiserver applies them to admission policies
 * (k8s.io/apiserver/pkg/apis/cel/config.go, StrictCostEnforcementForVAP, GA in 1.32):
 * every expression is metered while it runs, one call and one policy evaluation each
 * with a budget, so no policy a learner writes can hold the simulator's thread.
 *
 * Upstream refuses a rule at write time by its *estimated* cost only for CRD validation
 * rules (x-kubernetes-validations), where the schema bounds each list; an admission
 * policy is written against a type with no such bounds and is stored, then bounded as it
 * runs. The simulator does the same: refusing nested comprehensions over a pod's
 * containers at write time would refuse policies real clusters accept.
 *
 * cel-js has no cost tracking of its own. The runtime meter counts the evaluator's steps
 * (each AST node evaluated, each comprehension iteration), which is what cel-go's actual
 * cost mostly counts.
 */
import type { Environment } from '@marcbachmann/cel-js';

/** `celconfig.PerCallLimit`: the actual cost one evaluation of one expression may reach. */
export const PER_CALL_LIMIT = 1_000_000;
/** `celconfig.RuntimeCELCostBudget`: all expressions of one policy evaluation together. */
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
/** Upstream's error when one CEL expression runs past its per-call cost limit. */
export const ACTUAL_COST_EXCEEDED = 'operation cancelled: actual cost limit exceeded';
/** Upstream's error when a policy's CEL rules together spend its whole cost budget. */
export const BUDGET_EXCEEDED =
  'validation failed due to running out of cost budget, no further validation rules will be run';

/** What one policy evaluation has spent; shared by its expressions. */
export interface CostBudget {
  remaining: number;
}

/** A fresh runtime cost budget for one policy evaluation, as upstream gives each. */
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
