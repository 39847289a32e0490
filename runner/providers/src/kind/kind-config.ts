import { parseDocument } from 'yaml';

/** A NodePort published on this machine's loopback, so "from the internet" probes reach it. */
export interface PortMapping {
  /** The NodePort inside the cluster. */
  nodePort: number;
  /** Where it appears on this machine (127.0.0.1 only). */
  hostPort: number;
}

/**
 * Adds the scenario's NodePort mappings to the base kind config. They go on the
 * control-plane node: kube-proxy answers a NodePort on every node, and kind maps
 * ports per node container, so one node is enough.
 * Everything is validated together and reported at once.
 */
export function renderKindConfig(baseYaml: string, ports: PortMapping[]): string {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const p of ports) {
    if (!Number.isInteger(p.nodePort) || p.nodePort < 30000 || p.nodePort > 32767) {
      problems.push(`nodePort ${p.nodePort} is outside the NodePort range 30000-32767`);
    }
    if (!Number.isInteger(p.hostPort) || p.hostPort < 1 || p.hostPort > 65535) {
      problems.push(`host port ${p.hostPort} is not a valid port`);
    }
    if (seen.has(p.nodePort)) problems.push(`nodePort ${p.nodePort} is mapped twice`);
    seen.add(p.nodePort);
  }
  const doc = parseDocument(baseYaml);
  if (doc.errors.length > 0) problems.push(`base kind config does not parse: ${doc.errors[0]?.message}`);
  const config = doc.toJS() as { kind?: string; nodes?: Array<Record<string, unknown>> } | null;
  if (config?.kind !== 'Cluster') problems.push('base kind config is not a kind Cluster');
  const first = config?.nodes?.[0];
  if (first?.role !== 'control-plane') problems.push('base kind config must list the control-plane node first');
  if (problems.length > 0) throw new Error(`failed to render kind config:\n- ${problems.join('\n- ')}`);

  if (!first) throw new Error('unreachable: checked above');
  const existing = (first.extraPortMappings as unknown[] | undefined) ?? [];
  first.extraPortMappings = [
    ...existing,
    ...ports.map((p) => ({
      containerPort: p.nodePort,
      hostPort: p.hostPort,
      listenAddress: '127.0.0.1',
      protocol: 'TCP',
    })),
  ];
  return parseDocument(JSON.stringify(config)).toString();
}
