import { parseAllDocuments, stringify } from 'yaml';
import type { ContainerInstance } from '../../types.ts';
import { execTarget } from '../exec-target.ts';
import { type CommandCtx, type CommandTable, Shell } from '../interpreter.ts';
import { sysForContainer } from '../sys.ts';
import { dialAs, parseUrl } from './net.ts';
import { readFile } from './util.ts';

/**
 * kubectl as installed in a pod or on a node: in-cluster config from the mounted
 * service account token (or --token, --kubeconfig, $KUBECONFIG), talking to the
 * simulated API through callApi, so RBAC decides. Subset: get (-o
 * yaml|json|name|wide|jsonpath, -n, -A, -l), auth can-i (--list), auth whoami,
 * create token, create/apply -f, delete, run, logs, version.
 */

interface ResourceInfo {
  prefix: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  names: string[];
}

const R = (prefix: string, plural: string, kind: string, namespaced: boolean, ...names: string[]): ResourceInfo => ({
  prefix,
  plural,
  kind,
  namespaced,
  names: [plural, kind.toLowerCase(), ...names],
});

const RESOURCES: ResourceInfo[] = [
  R('/api/v1', 'pods', 'Pod', true, 'po'),
  R('/api/v1', 'services', 'Service', true, 'svc'),
  R('/api/v1', 'secrets', 'Secret', true),
  R('/api/v1', 'configmaps', 'ConfigMap', true, 'cm'),
  R('/api/v1', 'serviceaccounts', 'ServiceAccount', true, 'sa'),
  R('/api/v1', 'namespaces', 'Namespace', false, 'ns'),
  R('/api/v1', 'nodes', 'Node', false, 'no'),
  R('/api/v1', 'endpoints', 'Endpoints', true, 'ep'),
  R('/api/v1', 'events', 'Event', true, 'ev'),
  R('/api/v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, 'pvc'),
  R('/apis/apps/v1', 'deployments', 'Deployment', true, 'deploy'),
  R('/apis/apps/v1', 'daemonsets', 'DaemonSet', true, 'ds'),
  R('/apis/apps/v1', 'replicasets', 'ReplicaSet', true, 'rs'),
  R('/apis/apps/v1', 'statefulsets', 'StatefulSet', true, 'sts'),
  R('/apis/batch/v1', 'jobs', 'Job', true),
  R('/apis/batch/v1', 'cronjobs', 'CronJob', true, 'cj'),
  R('/apis/networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy', true, 'netpol'),
  R('/apis/networking.k8s.io/v1', 'ingresses', 'Ingress', true, 'ing'),
  R('/apis/rbac.authorization.k8s.io/v1', 'roles', 'Role', true),
  R('/apis/rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', true),
  R('/apis/rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', false),
  R('/apis/rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
];

const findResource = (name: string) => {
  const n = name.toLowerCase().split('.')[0]!;
  return RESOURCES.find((r) => r.names.includes(n) || `${r.kind.toLowerCase()}s` === n);
};
const byKind = (kind: string) => RESOURCES.find((r) => r.kind === kind);

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

function age(now: number, ts?: string): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n')}\n`;
}

function columns(r: ResourceInfo, o: Obj, now: number, wide: boolean): { head: string[]; row: string[] } {
  const name = o.metadata?.name ?? '';
  const a = age(now, o.metadata?.creationTimestamp);
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  const status = (o.status ?? {}) as Record<string, unknown>;
  switch (r.kind) {
    case 'Pod': {
      const cs =
        (status.containerStatuses as Array<{
          ready?: boolean;
          restartCount?: number;
          state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
        }>) ?? [];
      const total = ((spec.containers as unknown[]) ?? []).length;
      const ready = cs.filter((c) => c.ready).length;
      const restarts = cs.reduce((s, c) => s + (c.restartCount ?? 0), 0);
      const reason = cs.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
      const phase = (o.metadata as { deletionTimestamp?: string })?.deletionTimestamp
        ? 'Terminating'
        : reason && reason !== 'Completed'
          ? reason
          : (status.phase as string) === 'Succeeded'
            ? 'Completed'
            : ((status.phase as string) ?? 'Pending');
      const head = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
      const row = [name, `${ready}/${total}`, phase, String(restarts), a];
      if (wide) {
        head.push('IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES');
        row.push((status.podIP as string) ?? '<none>', (spec.nodeName as string) ?? '<none>', '<none>', '<none>');
      }
      return { head, row };
    }
    case 'Secret':
      return {
        head: ['NAME', 'TYPE', 'DATA', 'AGE'],
        row: [name, (o.type as string) ?? 'Opaque', String(Object.keys((o.data as object) ?? {}).length), a],
      };
    case 'ConfigMap':
      return { head: ['NAME', 'DATA', 'AGE'], row: [name, String(Object.keys((o.data as object) ?? {}).length), a] };
    case 'Service': {
      const ports = ((spec.ports as Array<{ port: number; nodePort?: number; protocol?: string }>) ?? [])
        .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
        .join(',');
      return {
        head: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
        row: [
          name,
          (spec.type as string) ?? 'ClusterIP',
          (spec.clusterIP as string) ?? '<none>',
          '<none>',
          ports || '<none>',
          a,
        ],
      };
    }
    case 'Deployment': {
      const replicas = (spec.replicas as number) ?? 1;
      return {
        head: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
        row: [
          name,
          `${(status.readyReplicas as number) ?? 0}/${replicas}`,
          String((status.updatedReplicas as number) ?? 0),
          String((status.availableReplicas as number) ?? 0),
          a,
        ],
      };
    }
    case 'Namespace':
      return { head: ['NAME', 'STATUS', 'AGE'], row: [name, (status.phase as string) ?? 'Active', a] };
    case 'Node': {
      const ready =
        ((status.conditions as Array<{ type: string; status: string }>) ?? []).find((c) => c.type === 'Ready')
          ?.status === 'True';
      const roles =
        Object.keys(o.metadata?.labels ?? {})
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.split('/')[1])
          .join(',') || '<none>';
      return {
        head: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
        row: [
          name,
          ready ? 'Ready' : 'NotReady',
          roles,
          a,
          (status.nodeInfo as { kubeletVersion?: string })?.kubeletVersion ?? 'v1.32.2',
        ],
      };
    }
    case 'ServiceAccount':
      return { head: ['NAME', 'SECRETS', 'AGE'], row: [name, String(((o.secrets as unknown[]) ?? []).length), a] };
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return {
        head: ['NAME', 'ROLE', 'AGE'],
        row: [name, `${(o.roleRef as { kind?: string })?.kind}/${(o.roleRef as { name?: string })?.name}`, a],
      };
    case 'ClusterRole':
    case 'Role':
      return { head: ['NAME', 'CREATED AT'], row: [name, o.metadata?.creationTimestamp ?? ''] };
    default:
      return { head: ['NAME', 'AGE'], row: [name, a] };
  }
}

/** A kubectl JSONPath subset: `{.a.b}`, `{.items[*].metadata.name}`, `{.data.x}`, literal text around. */
function jsonPath(template: string, obj: unknown): string {
  return template.replace(/\{([^}]*)\}/g, (_, expr: string) => {
    if (expr === '"\\n"' || expr === "'\\n'") return '\n';
    const path = expr
      .replace(/^\./, '')
      .replace(/\[(\d+|\*)\]/g, '.$1')
      // A dot escaped with a backslash is part of the key (`{.data.release\.sh}`), as in kubectl.
      .split(/(?<!\\)\./)
      .filter(Boolean);
    let values: unknown[] = [obj];
    for (const p of path) {
      const key = p.replace(/\\\./g, '.');
      values = values.flatMap((v) => {
        if (v === null || typeof v !== 'object') return [];
        if (key === '*') return Array.isArray(v) ? v : Object.values(v);
        const x = Array.isArray(v) && /^\d+$/.test(key) ? v[Number(key)] : (v as Record<string, unknown>)[key];
        return x === undefined ? [] : [x];
      });
    }
    return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' ');
  });
}

async function kubectl(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1);
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  const pos: string[] = [];
  const withValue = new Set([
    'n',
    'namespace',
    'o',
    'output',
    'token',
    's',
    'server',
    'kubeconfig',
    'l',
    'selector',
    'f',
    'filename',
    'image',
    'restart',
    'overrides',
    'duration',
    'c',
    'container',
    'tail',
    'as',
    'context',
    'field-selector',
    'labels',
    'audience',
  ]);
  let afterDash: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      afterDash = args.slice(i + 1);
      break;
    }
    const long = a.match(/^--([^=]+)(?:=(.*))?$/);
    const short = a.match(/^-([a-zA-Z])(.*)$/);
    if (long) {
      if (long[2] !== undefined) opts.set(long[1]!, long[2]);
      else if (withValue.has(long[1]!)) opts.set(long[1]!, args[++i] ?? '');
      else flags.add(long[1]!);
    } else if (short) {
      if (withValue.has(short[1]!)) opts.set(short[1]!, short[2] ? short[2].replace(/^=/, '') : (args[++i] ?? ''));
      else for (const f of a.slice(1)) flags.add(f);
    } else pos.push(a);
  }
  const opt = (...names: string[]) => names.map((n) => opts.get(n)).find((v) => v !== undefined);
  const verb = pos.shift();
  if (!verb || flags.has('help') || flags.has('h')) {
    ctx.out(
      'kubectl controls the Kubernetes cluster manager.\n\n Find more information at: https://kubernetes.io/docs/reference/kubectl/\n',
    );
    return 0;
  }
  if (verb === 'version' && flags.has('client')) {
    ctx.out('Client Version: v1.32.2\nKustomize Version: v5.5.0\n');
    return 0;
  }

  // Credentials: --token, kubeconfig, or in-cluster.
  let token = opt('token');
  let server = opt('s', 'server');
  let namespace: string | undefined;
  const kubeconfigPath =
    opt('kubeconfig') ?? ctx.env.get('KUBECONFIG') ?? `${ctx.env.get('HOME') ?? '/root'}/.kube/config`;
  const kc = readFile(ctx, kubeconfigPath);
  if ('content' in kc) {
    server ??= kc.content.match(/server:\s*(\S+)/)?.[1];
    token ??= kc.content.match(/^\s+token:\s*(\S+)/m)?.[1] ?? '';
    namespace = kc.content.match(/^\s+namespace:\s*(\S+)/m)?.[1];
  } else if ((opt('kubeconfig') ?? ctx.env.get('KUBECONFIG')) !== undefined) {
    ctx.err(`error: stat ${kubeconfigPath}: no such file or directory\n`);
    return 1;
  }
  const saDir = '/var/run/secrets/kubernetes.io/serviceaccount';
  if (!server && ctx.env.get('KUBERNETES_SERVICE_HOST')) {
    const t = readFile(ctx, `${saDir}/token`);
    if ('content' in t || token) {
      server = `https://${ctx.env.get('KUBERNETES_SERVICE_HOST')}:${ctx.env.get('KUBERNETES_SERVICE_PORT') ?? '443'}`;
      if (token === undefined && 'content' in t) token = t.content.trim();
      const ns = readFile(ctx, `${saDir}/namespace`);
      if ('content' in ns) namespace ??= ns.content.trim();
    }
  }
  if (!server) {
    ctx.err('The connection to the server localhost:8080 was refused - did you specify the right host or port?\n');
    return 1;
  }
  const url = parseUrl(server);
  const reach = url ? dialAs(ctx, url.host, url.port) : undefined;
  if (!reach?.ok || reach.kind !== 'apiserver') {
    const ip = reach && 'ip' in reach ? reach.ip : url?.host;
    const why =
      !reach || (!reach.ok && reach.error === 'timeout')
        ? 'i/o timeout'
        : !reach.ok && reach.error === 'nxdomain'
          ? `lookup ${url?.host}: no such host`
          : 'connect: connection refused';
    ctx.err(`Unable to connect to the server: dial tcp ${ip}:${url?.port ?? 443}: ${why}\n`);
    return 1;
  }
  const callApi = ctx.sys.state.deps.callApi;
  if (!callApi) {
    ctx.err('Unable to connect to the server: the simulated API is not wired into the runtime\n');
    return 1;
  }
  const ns = opt('n', 'namespace') ?? namespace ?? 'default';
  const all = flags.has('A') || flags.has('all-namespaces');
  const now = ctx.sh.clock.now();
  const api = (method: string, path: string, body?: unknown) => {
    ctx.sh.step();
    return callApi(token ?? '', method, path, body);
  };
  const fail = (status: number, body: unknown): number => {
    const b = body as { message?: string; reason?: string };
    if (status === 401) ctx.err('error: You must be logged in to the server (Unauthorized)\n');
    else
      ctx.err(
        `Error from server${b?.reason ? ` (${b.reason})` : ''}: ${b?.message ?? `the server responded with status ${status}`}\n`,
      );
    return 1;
  };
  const output = opt('o', 'output');
  const print = (o: unknown) => {
    if (output === 'json') ctx.out(`${JSON.stringify(o, null, 4)}\n`);
    else if (output === 'yaml') ctx.out(stringify(o));
    else if (output?.startsWith('jsonpath=')) ctx.out(jsonPath(output.slice(9).replace(/^'|'$/g, ''), o));
  };
  const pathFor = (r: ResourceInfo, namespaced: string | undefined, name?: string) =>
    `${r.prefix}${r.namespaced && namespaced ? `/namespaces/${namespaced}` : ''}/${r.plural}${name ? `/${name}` : ''}`;

  switch (verb) {
    case 'version': {
      const res = await api('GET', '/version');
      const v = (res.body as { gitVersion?: string })?.gitVersion ?? 'v1.32.2';
      ctx.out(`Client Version: v1.32.2\nKustomize Version: v5.5.0\nServer Version: ${v}\n`);
      return 0;
    }
    case 'get': {
      const what = pos.shift();
      if (!what) {
        ctx.err(
          'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\n',
        );
        return 1;
      }
      const [typeName, slashName] = what.split('/');
      let status = 0;
      for (const t of typeName!.split(',')) {
        const r = findResource(t);
        if (!r) {
          ctx.err(`error: the server doesn't have a resource type "${t}"\n`);
          return 1;
        }
        const names = slashName ? [slashName] : pos;
        if (names.length) {
          const rows: string[][] = [];
          for (const name of names) {
            const res = await api('GET', pathFor(r, ns, name));
            if (res.status >= 300) {
              status = fail(res.status, res.body);
              continue;
            }
            const o = res.body as Obj;
            if (output === 'name') ctx.out(`${r.kind.toLowerCase()}/${name}\n`);
            else if (output && output !== 'wide') print(o);
            else {
              const c = columns(r, o, now, output === 'wide');
              if (!rows.length) rows.push(c.head);
              rows.push(c.row);
            }
          }
          if (rows.length > 1) ctx.out(table(rows));
          continue;
        }
        const selector = opt('l', 'selector');
        const res = await api(
          'GET',
          `${pathFor(r, all ? undefined : ns)}${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`,
        );
        if (res.status >= 300) {
          status = fail(res.status, res.body);
          continue;
        }
        const list = res.body as { items?: Obj[] };
        const items = list.items ?? [];
        if (output === 'name') for (const o of items) ctx.out(`${r.kind.toLowerCase()}/${o.metadata?.name}\n`);
        else if (output && output !== 'wide')
          print({
            apiVersion: 'v1',
            kind: 'List',
            items: items.map((o) => ({ apiVersion: r.prefix.replace(/^\/apis?\//, ''), kind: r.kind, ...o })),
            metadata: { resourceVersion: '' },
          });
        else if (!items.length)
          ctx.err(r.namespaced && !all ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
        else {
          const rows: string[][] = [];
          for (const o of items) {
            const c = columns(r, o, now, output === 'wide');
            if (!rows.length) rows.push(all && r.namespaced ? ['NAMESPACE', ...c.head] : c.head);
            rows.push(all && r.namespaced ? [o.metadata?.namespace ?? '', ...c.row] : c.row);
          }
          ctx.out(table(rows));
        }
      }
      return status;
    }
    case 'auth': {
      const sub = pos.shift();
      if (sub === 'whoami') {
        const res = await api('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        });
        if (res.status >= 300) return fail(res.status, res.body);
        const u =
          (res.body as { status?: { userInfo?: { username?: string; uid?: string; groups?: string[] } } }).status
            ?.userInfo ?? {};
        const rows = [
          ['ATTRIBUTE', 'VALUE'],
          ['Username', u.username ?? ''],
        ];
        if (u.uid) rows.push(['UID', u.uid]);
        rows.push(['Groups', `[${(u.groups ?? []).join(' ')}]`]);
        ctx.out(table(rows));
        return 0;
      }
      if (sub !== 'can-i') {
        ctx.err(`error: unknown command "${sub}" for "kubectl auth"\n`);
        return 1;
      }
      if (flags.has('list')) {
        const res = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectRulesReview',
          spec: { namespace: ns },
        });
        if (res.status >= 300) return fail(res.status, res.body);
        const st =
          (
            res.body as {
              status?: {
                resourceRules?: Array<{
                  verbs: string[];
                  apiGroups?: string[];
                  resources?: string[];
                  resourceNames?: string[];
                }>;
                nonResourceRules?: Array<{ verbs: string[]; nonResourceURLs?: string[] }>;
              };
            }
          ).status ?? {};
        const rows = [['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']];
        for (const rule of st.resourceRules ?? []) {
          for (const res of rule.resources ?? []) {
            for (const g of rule.apiGroups ?? [''])
              rows.push([
                g ? `${res}.${g}` : res,
                '[]',
                `[${(rule.resourceNames ?? []).join(' ')}]`,
                `[${rule.verbs.join(' ')}]`,
              ]);
          }
        }
        for (const rule of st.nonResourceRules ?? [])
          rows.push(['', `[${(rule.nonResourceURLs ?? []).join(' ')}]`, '[]', `[${rule.verbs.join(' ')}]`]);
        ctx.out(table(rows));
        return 0;
      }
      const [verbArg, resArg] = pos;
      if (!verbArg || !resArg) {
        ctx.err('error: you must specify two arguments: verb resource or verb resource/resourceName.\n');
        return 1;
      }
      const [resName, objName] = resArg.split('/');
      const [resPart, ...groupParts] = resName!.split('.');
      const info = findResource(resPart!);
      const group = groupParts.length
        ? groupParts.join('.')
        : info
          ? info.prefix
              .replace(/^\/api\/v1$/, '')
              .replace(/^\/apis\//, '')
              .split('/')[0]!
          : '';
      const [resource, subresource] = (info?.plural ?? resPart!).split('/');
      const spec = resArg.startsWith('/')
        ? { nonResourceAttributes: { verb: verbArg, path: resArg } }
        : {
            resourceAttributes: {
              verb: verbArg,
              resource,
              ...(subresource ? { subresource } : {}),
              group,
              ...(objName ? { name: objName } : {}),
              ...(info?.namespaced === false || all ? {} : { namespace: ns }),
            },
          };
      const res = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec,
      });
      if (res.status >= 300) return fail(res.status, res.body);
      const allowed = (res.body as { status?: { allowed?: boolean } }).status?.allowed === true;
      ctx.out(allowed ? 'yes\n' : 'no\n');
      return allowed ? 0 : 1;
    }
    case 'create':
    case 'apply': {
      if (verb === 'create' && pos[0] === 'token') {
        const sa = pos[1];
        if (!sa) {
          ctx.err('error: exactly one argument (service account name) is required\n');
          return 1;
        }
        const duration = opt('duration');
        const res = await api('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: opt('audience') ? [opt('audience')] : [],
            ...(duration
              ? {
                  expirationSeconds:
                    Number.parseInt(duration, 10) * (duration.endsWith('h') ? 3600 : duration.endsWith('m') ? 60 : 1),
                }
              : {}),
          },
        });
        if (res.status >= 300) return fail(res.status, res.body);
        ctx.out(`${(res.body as { status?: { token?: string } }).status?.token ?? ''}\n`);
        return 0;
      }
      const file = opt('f', 'filename');
      if (!file) {
        ctx.err(verb === 'apply' ? 'error: must specify one of -f and -k\n' : 'error: must specify one of -f and -k\n');
        return 1;
      }
      const src = readFile(ctx, file);
      if ('error' in src) {
        ctx.err(`error: the path "${file}" does not exist\n`);
        return 1;
      }
      let docs: Obj[];
      try {
        docs = parseAllDocuments(src.content)
          .map((d) => d.toJSON() as Obj)
          .filter(Boolean);
      } catch (e) {
        ctx.err(`error: error parsing ${file}: ${(e as Error).message}\n`);
        return 1;
      }
      let status = 0;
      for (const doc of docs) {
        const r = byKind(doc.kind ?? '');
        if (!r) {
          ctx.err(
            `error: resource mapping not found for name: "${doc.metadata?.name}" namespace: "" from "${file}": no matches for kind "${doc.kind}" in version "${doc.apiVersion}"\n`,
          );
          status = 1;
          continue;
        }
        const target = r.namespaced ? (doc.metadata?.namespace ?? ns) : undefined;
        const res = await api('POST', pathFor(r, target), doc);
        if (res.status === 409 && verb === 'apply') {
          const cur = await api('GET', pathFor(r, target, doc.metadata?.name));
          const rv = (cur.body as Obj).metadata as { resourceVersion?: string } | undefined;
          const put = await api('PUT', pathFor(r, target, doc.metadata?.name), {
            ...doc,
            metadata: { ...doc.metadata, resourceVersion: rv?.resourceVersion },
          });
          if (put.status >= 300) status = fail(put.status, put.body);
          else ctx.out(`${r.kind.toLowerCase()}/${doc.metadata?.name} configured\n`);
        } else if (res.status >= 300) status = fail(res.status, res.body);
        else ctx.out(`${r.kind.toLowerCase()}/${doc.metadata?.name} created\n`);
      }
      return status;
    }
    case 'set': {
      // `kubectl set image TYPE/NAME CONTAINER=IMAGE...`: what a pipeline's deploy step runs.
      const [sub, what, ...pairs] = pos;
      if (sub !== 'image') {
        ctx.err(`error: unknown command "${sub ?? ''}" for "kubectl set"\n`);
        return 1;
      }
      const [typeName, name] = (what ?? '').split('/');
      const r = findResource(typeName ?? '');
      if (!r || !name) {
        ctx.err(
          `error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form\n`,
        );
        return 1;
      }
      // kubectl sends a strategic merge patch, which no concurrent status write conflicts with;
      // a read-modify-write retried on 409 Conflict ends the same way.
      for (let attempt = 0; ; attempt++) {
        const got = await api('GET', pathFor(r, ns, name));
        if (got.status >= 300) return fail(got.status, got.body);
        const obj = got.body as {
          spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } };
        };
        const containers = obj.spec?.template?.spec?.containers ?? [];
        for (const pair of pairs) {
          const [cname, image] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
          const targets = cname === '*' ? containers : containers.filter((c) => c.name === cname);
          if (!targets.length) {
            ctx.err(`error: unable to find container named "${cname}"\n`);
            return 1;
          }
          for (const c of targets) c.image = image;
        }
        const put = await api('PUT', pathFor(r, ns, name), obj);
        if (put.status === 409 && attempt < 5) continue;
        if (put.status >= 300) return fail(put.status, put.body);
        break;
      }
      ctx.out(
        `${r.kind.toLowerCase()}.${r.prefix.startsWith('/apis/') ? r.prefix.split('/')[2] : ''}/${name} image updated\n`.replace(
          './',
          '/',
        ),
      );
      return 0;
    }
    case 'delete': {
      const [what, ...names] = pos;
      const [typeName, slashName] = (what ?? '').split('/');
      const r = findResource(typeName ?? '');
      if (!r) {
        ctx.err(`error: the server doesn't have a resource type "${typeName}"\n`);
        return 1;
      }
      let status = 0;
      for (const name of slashName ? [slashName] : names) {
        const res = await api('DELETE', pathFor(r, ns, name));
        if (res.status >= 300) status = fail(res.status, res.body);
        else ctx.out(`${r.kind.toLowerCase()} "${name}" deleted${r.namespaced ? ` from ${ns} namespace` : ''}\n`);
      }
      return status;
    }
    case 'run': {
      const name = pos[0];
      const image = opt('image');
      if (!name || !image) {
        ctx.err('error: required flag(s) "image" not set\n');
        return 1;
      }
      const command = flags.has('command') ? afterDash : undefined;
      let pod: Obj = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: { run: name } },
        spec: {
          containers: [{ name, image, ...(command ? { command } : afterDash.length ? { args: afterDash } : {}) }],
          restartPolicy: opt('restart') ?? 'Always',
        },
      };
      const overrides = opt('overrides');
      if (overrides) {
        try {
          const o = JSON.parse(overrides) as Obj;
          pod = {
            ...pod,
            ...o,
            metadata: { ...pod.metadata, ...(o.metadata ?? {}) },
            spec: { ...(pod.spec as object), ...((o.spec as object) ?? {}) },
          };
        } catch {
          ctx.err('error: Invalid JSON Patch\n');
          return 1;
        }
      }
      const res = await api('POST', `/api/v1/namespaces/${ns}/pods`, pod);
      if (res.status >= 300) return fail(res.status, res.body);
      ctx.out(`pod/${name} created\n`);
      return 0;
    }
    case 'exec': {
      // Lateral movement: exec into another pod if RBAC grants pods/exec to this identity.
      const podName = (pos[0] ?? '').replace(/^pods?\//, '');
      if (!podName || !afterDash.length) {
        ctx.err('error: you must specify at least one command for the container\n');
        return 1;
      }
      const review = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: { verb: 'create', resource: 'pods', subresource: 'exec', namespace: ns, name: podName },
        },
      });
      if (review.status >= 300) return fail(review.status, review.body);
      if ((review.body as { status?: { allowed?: boolean } }).status?.allowed !== true) {
        const who = await api('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        });
        const user =
          (who.body as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username ??
          'system:anonymous';
        ctx.err(
          `Error from server (Forbidden): pods "${podName}" is forbidden: User "${user}" cannot create resource "pods/exec" in API group "" in the namespace "${ns}"\n`,
        );
        return 1;
      }
      const podRes = await api('GET', `/api/v1/namespaces/${ns}/pods/${podName}`);
      if (podRes.status >= 300) return fail(podRes.status, podRes.body);
      let inst: ContainerInstance;
      try {
        inst = execTarget(ctx.sys.state, { namespace: ns, pod: podName, container: opt('c', 'container') ?? '' });
      } catch (e) {
        ctx.err(`error: ${(e as Error).message}\n`);
        return 1;
      }
      const main = inst.procs[0] ?? ctx.sys.self;
      const sys = {
        ...sysForContainer(ctx.sys.state, inst, { ...main, argv: afterDash, transient: true }, ctx.sys.tty),
      };
      const exe = afterDash[0]!.split('/').pop()!;
      const child = new Shell({
        sys,
        env: inst.env,
        cwd: inst.workingDir,
        clock: ctx.sh.clock,
        limits: ctx.sh.limits,
        name: exe === 'bash' || exe === 'zsh' ? 'bash' : 'sh',
      });
      child.counter = ctx.sh.counter;
      child.session = ctx.sh.session;
      child.stderrSink = ctx.sh.stderrSink;
      const interactive =
        (flags.has('i') || flags.has('stdin')) &&
        ['sh', 'bash', 'ash', 'zsh', 'dash'].includes(exe) &&
        afterDash.length === 1;
      if (interactive && ctx.stdinIsTerminal && ctx.sh.session) {
        ctx.sh.session.push(child);
        return 0;
      }
      const found = child.lookup(afterDash[0]!, child.exportedEnv());
      if (!found.ok) {
        ctx.err(
          `error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${afterDash[0]}": executable file not found in $PATH: unknown\n`,
        );
        return 1;
      }
      const code = await child.runCommand(
        afterDash,
        { ...ctx, stdin: flags.has('i') ? ctx.stdin : '' },
        child.exportedEnv(),
      );
      if (code !== 0) ctx.err(`command terminated with exit code ${code}\n`);
      return code;
    }
    case 'logs': {
      const name = (pos[0] ?? '').replace(/^pods?\//, '');
      const c = opt('c', 'container');
      const tail = opt('tail');
      const q = [
        c ? `container=${c}` : '',
        tail ? `tailLines=${tail}` : '',
        flags.has('previous') || flags.has('p') ? 'previous=true' : '',
      ]
        .filter(Boolean)
        .join('&');
      const res = await api('GET', `/api/v1/namespaces/${ns}/pods/${name}/log${q ? `?${q}` : ''}`);
      if (res.status >= 300) return fail(res.status, res.body);
      ctx.out(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
      return 0;
    }
    default:
      ctx.err(
        `error: the simulated in-pod kubectl supports get, auth can-i, auth whoami, create token, create/apply -f, delete, run, logs and version; "${verb}" is not simulated\n`,
      );
      return 1;
  }
}

/** `kubectl` in a pod or on a node, talking to the cluster's API with the credentials it finds, so RBAC decides. */
export const kubectlCommands: CommandTable = { kubectl };
