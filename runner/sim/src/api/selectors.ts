import type { KubeObject } from '@paranoid/k8s/object.ts';
import { badRequest } from '@paranoid/k8s/status.ts';

/** One requirement of a label selector (k8s.io/apimachinery/pkg/labels). */
export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!' | '=' | '!=';
  values: string[];
}

/** Parses `app=web,tier!=db,env in (a,b),!legacy`; throws BadRequest on bad syntax. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  const s = text.trim();
  if (!s) return out;
  let i = 0;
  const skip = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const word = () => {
    skip();
    const start = i;
    while (i < s.length && !' ,=!()'.includes(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skip();
    if (s[i] === '!') {
      i++;
      const key = word();
      if (!key) throw badRequest(`unable to parse requirement: found '${s.slice(i)}', expected: identifier`);
      out.push({ key, op: '!', values: [] });
    } else {
      const key = word();
      if (!key) throw badRequest(`unable to parse requirement: found '${s.slice(i)}', expected: identifier`);
      skip();
      if (s.startsWith('==', i)) {
        i += 2;
        out.push({ key, op: '=', values: [word()] });
      } else if (s.startsWith('!=', i)) {
        i += 2;
        out.push({ key, op: '!=', values: [word()] });
      } else if (s[i] === '=') {
        i++;
        out.push({ key, op: '=', values: [word()] });
      } else if (/^(in|notin)\s*\(/.test(s.slice(i))) {
        const op = s.startsWith('notin', i) ? 'notin' : 'in';
        i = s.indexOf('(', i) + 1;
        const close = s.indexOf(')', i);
        if (close < 0) throw badRequest(`unable to parse requirement: found '', expected: ')'`);
        const values = s
          .slice(i, close)
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '');
        i = close + 1;
        out.push({ key, op, values });
      } else {
        out.push({ key, op: 'exists', values: [] });
      }
    }
    skip();
    if (i < s.length) {
      if (s[i] !== ',') throw badRequest(`unable to parse requirement: found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return out;
}

/** Whether labels satisfy every requirement. */
export function matchesLabels(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case '=':
      case 'in':
        return has && r.values.includes(v!);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(v!);
    }
    return false;
  });
}

/** One term of a field selector (`status.phase!=Running`), as list and watch filter by it. */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses `metadata.name=web,status.phase!=Running`. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    const t = term.trim();
    if (!t) continue;
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(t);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${t}'`);
    out.push({ field: m[1]!.trim(), op: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3]!.trim()) });
  }
  return out;
}

function splitTerms(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unescapeValue = (v: string) => v.replace(/\\(.)/g, '$1');

type FieldGetter = (o: KubeObject) => string;
const at = (o: unknown, path: string): string => {
  let cur: unknown = o;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
};
const paths = (...ps: string[]): Record<string, FieldGetter> =>
  Object.fromEntries(ps.map((p) => [p, (o: KubeObject) => at(o, p)]));

/** The field labels each resource supports beyond metadata.name and metadata.namespace (the registries' GetAttrs). */
const FIELDS: Record<string, Record<string, FieldGetter>> = {
  pods: {
    ...paths(
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ),
    'spec.hostNetwork': (o) => String(Boolean((o.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork)),
  },
  events: {
    ...paths(
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'type',
    ),
    source: (o) => at(o, 'reportingComponent') || at(o, 'source.component'),
  },
  secrets: paths('type'),
  nodes: {
    'spec.unschedulable': (o) => String(Boolean((o.spec as { unschedulable?: boolean } | undefined)?.unschedulable)),
  },
  namespaces: paths('status.phase'),
  replicasets: paths('status.replicas'),
  replicationcontrollers: paths('status.replicas'),
  jobs: paths('status.successful'),
  certificatesigningrequests: paths('spec.signerName'),
  persistentvolumeclaims: {},
};

/**
 * Checks field requirements against an object; throws the apiserver's
 * BadRequest for a label the resource does not support.
 */
export function fieldMatcher(resource: string, requirements: FieldRequirement[]): (o: KubeObject) => boolean {
  const extra = FIELDS[resource] ?? {};
  const getters: [FieldRequirement, FieldGetter][] = requirements.map((r) => {
    let g: FieldGetter | undefined;
    if (r.field === 'metadata.name') g = (o) => o.metadata.name ?? '';
    else if (r.field === 'metadata.namespace') g = (o) => o.metadata.namespace ?? '';
    else g = extra[r.field];
    if (!g) throw badRequest(`field label not supported: ${r.field}`);
    return [r, g];
  });
  return (o) => getters.every(([r, g]) => (r.op === '=' ? g(o) === r.value : g(o) !== r.value));
}
