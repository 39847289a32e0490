import { matchesLabelSelector as matchesSelector } from '@paranoid/k8s/label-selector.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { NodeSelector, NodeSelectorTerm } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';

/**
 * Whether labels match a metav1.LabelSelector. An empty selector matches everything;
 * a missing one (undefined) matches nothing, as controllers treat it.
 */
export function matchesLabelSelector(
  selector: LabelSelector | undefined | null,
  labels: Record<string, string> | undefined,
): boolean {
  return selector ? matchesSelector(selector, labels) : false;
}

/** Whether a plain map selector (Service.spec.selector, nodeSelector) matches. */
export function matchesMap(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return Object.entries(selector ?? {}).every(([k, v]) => l[k] === v);
}

function matchTerm(term: NodeSelectorTerm, node: KubeObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // A term with no requirements matches nothing (v1helper.MatchNodeSelectorTerms).
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of exprs) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key] ?? '';
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      case 'Gt':
      case 'Lt': {
        const n = Number.parseInt(value, 10);
        const bound = Number.parseInt(values[0] ?? '', 10);
        if (!has || Number.isNaN(n) || Number.isNaN(bound)) return false;
        if (e.operator === 'Gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
      default:
        return false;
    }
  }
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    const name = node.metadata.name ?? '';
    const values = f.values ?? [];
    if (f.operator === 'In' && !values.includes(name)) return false;
    if (f.operator === 'NotIn' && values.includes(name)) return false;
  }
  return true;
}

/** Whether a node satisfies a required NodeSelector (terms are ORed). */
export function matchesNodeSelector(selector: NodeSelector, node: KubeObject): boolean {
  return (selector.nodeSelectorTerms ?? []).some((t) => matchTerm(t, node));
}
