import { z } from 'zod';
import { ProbeSchema } from './probe.ts';
import { READABLE_RESOURCES } from './resources.ts';

const cel = z.string().min(1, 'a CEL expression');
const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name');

/**
 * An object check: a CEL rule that must hold for every selected object read
 * through the API. Variables: `object` (the object judged) and every list named
 * in `with`. Helpers: see `@paranoid/k8s/cel.ts`.
 */
export const ObjectCheckSchema = z
  .object({
    /** What to read: `pods`, `deployments.apps`, ... or `podspecs` (running Pods and workload templates). */
    resource: z.string().refine((r) => READABLE_RESOURCES.includes(r), {
      message: `one of ${READABLE_RESOURCES.join(', ')}`,
    }),
    /** Only these namespaces (default: all). */
    namespaces: z.array(namespaceName).optional(),
    /** Never these namespaces. */
    excludeNamespaces: z.array(namespaceName).optional(),
    /** More lists, bound as CEL variables by name: `{ policies: networkpolicies.networking.k8s.io }`. */
    with: z
      .record(
        z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a CEL identifier'),
        z.string().refine((r) => READABLE_RESOURCES.includes(r), { message: 'a readable resource' }),
      )
      .optional(),
    /** Judge only objects for which this holds (default: all read). */
    select: cel.optional(),
    /** Must be true for every selected object. */
    rule: cel,
    /** A string naming what is wrong in one failing object (default: `Kind namespace/name`). */
    describe: cel.optional(),
    /** At least this many objects must be selected (so deleting the app does not pass). */
    min: z.number().int().nonnegative().default(0),
  })
  .strict();
/** A CEL check over cluster objects as parsed: the kind it selects and the expression each must satisfy. */
export type ObjectCheck = z.output<typeof ObjectCheckSchema>;

/** Hints accept a single string as shorthand for a list of one. */
const hints = z
  .union([z.string(), z.array(z.string())])
  .transform((h) => (typeof h === 'string' ? [h] : h))
  .default([]);

/**
 * One property of the hardened target state. A scenario passes when every MUST
 * check passes; SHOULD checks are advice.
 */
export const CheckSchema = z
  .object({
    /** Stable id, referred to by steps: `^[a-z0-9-]+$`. */
    id: z.string().regex(/^[a-z0-9-]+$/, 'an id of lower-case letters, digits and -'),
    /** What holds when the check passes, as a short sentence. */
    title: z.string().min(1),
    level: z.enum(['MUST', 'SHOULD']).default('MUST'),
    /** Shown when the check fails: what is still wrong and where, in words a learner can act on. */
    failure: z.string().min(1),
    /** Revealed one by one on request. */
    hints,
    object: ObjectCheckSchema.optional(),
    probe: ProbeSchema.optional(),
    /** For a probe: must it succeed (the app still works) or fail (the attack is stopped)? */
    expect: z.enum(['succeed', 'fail']).optional(),
  })
  .strict()
  .superRefine((check, ctx) => {
    if ((check.object === undefined) === (check.probe === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'exactly one of `object` or `probe`', path: [] });
    }
    if (check.probe !== undefined && check.expect === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: '`expect: succeed` or `expect: fail` on a probe check',
        path: ['expect'],
      });
    }
    if (check.object !== undefined && check.expect !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'no `expect` on an object check', path: ['expect'] });
    }
  });
/** A check as parsed, defaults filled in: what the grader evaluates. */
export type Check = z.output<typeof CheckSchema>;
