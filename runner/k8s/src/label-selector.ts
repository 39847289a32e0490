import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1';

/**
 * Whether `labels` satisfy a metav1.LabelSelector, as apimachinery's
 * `LabelSelectorAsSelector` reads it: an empty selector `{}` matches everything and
 * requirements are ANDed. What an ABSENT selector means differs by field (a
 * Deployment's matches nothing, a NetworkPolicy peer's has its own meanings),
 * so that is the caller's business. An unknown operator matches nothing: the
 * apiserver rejects one at validation, and nothing is the safe reading.
 */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  const wanted = selector.matchLabels;
  if (wanted) {
    for (const key in wanted) if (have[key] !== wanted[key]) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const value = have[req.key];
    switch (req.operator) {
      case 'In':
        if (!present || !(req.values ?? []).includes(value!)) return false;
        break;
      case 'NotIn':
        if (present && (req.values ?? []).includes(value!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `app=api,tier in (web,db)`: how kubectl describe writes a selector; `<all>` for `{}`. */
export function formatLabelSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else parts.push(`!${req.key}`);
  }
  return parts.length === 0 ? '<all>' : parts.join(',');
}

/**
 * Reads a selector from untyped JSON (a CEL argument, an object not yet validated)
 * into the typed shape: values are stringified, malformed parts dropped.
 */
export function asLabelSelector(raw: Record<string, unknown>): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const labels = raw.matchLabels;
  if (labels && typeof labels === 'object' && !Array.isArray(labels)) {
    for (const [k, v] of Object.entries(labels)) matchLabels[k] = String(v);
  }
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const e of Array.isArray(raw.matchExpressions) ? raw.matchExpressions : []) {
    if (!e || typeof e !== 'object') continue;
    const r = e as Record<string, unknown>;
    matchExpressions.push({
      key: String(r.key ?? ''),
      operator: String(r.operator ?? ''),
      ...(Array.isArray(r.values) ? { values: r.values.map(String) } : {}),
    });
  }
  return { matchLabels, matchExpressions };
}
