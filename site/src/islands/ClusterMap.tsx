import { Background, Controls, type Edge, MarkerType, type Node, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import { ApiFailure, api, type ClusterMapData } from '../lib/api.ts';
import type { StoredSession } from '../lib/store.ts';

interface Props {
  session: StoredSession;
  /** Polls only while the tab is visible. */
  visible: boolean;
  onError(error: unknown): void;
}

const REFRESH_MS = 2000;
const COLUMN = { internet: 0, service: 20, workload: 300 };
/** Workloads alternate between two columns so that edges between them stay visible. */
const ZIGZAG = 180;
const ROW = 90;

/**
 * The session's cluster as a picture: namespaces, workloads, services, what is open
 * to the internet, and which workloads reach which according to the network engine.
 * The attack path is red; once fixed, the edge that now blocks it is drawn dashed in green. Images
 * and registries, the nodes a workload reaches, the roles its account is bound to, and Secrets sit
 * to the right. Every mark is in the legend; every node and edge has a name in words.
 */
export default function ClusterMap({ session, visible, onError }: Props) {
  const [data, setData] = useState<ClusterMapData | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!visible) return;
    let stopped = false;
    let timer: number | undefined;
    let last = '';
    const controller = new AbortController();
    const show = (next: ClusterMapData) => {
      const text = JSON.stringify(next);
      // Redraw only when the cluster changed, so the view does not jump.
      if (text !== last && !stopped) {
        last = text;
        setData(next);
      }
      setProblem(null);
    };
    const failed = (error: unknown): boolean => {
      if (error instanceof ApiFailure && error.sessionEnded) {
        onError(error);
        return true;
      }
      if (!stopped) setProblem(error instanceof Error ? error.message : String(error));
      return false;
    };
    // Polling: the fallback when the runner cannot stream the map.
    const poll = async () => {
      try {
        show(await api.map(session.id, session.token));
      } catch (error) {
        if (failed(error)) return;
      }
      if (!stopped) timer = window.setTimeout(poll, REFRESH_MS);
    };
    // The runner watches the cluster and pushes a new map on every change.
    const follow = async () => {
      try {
        await api.followMap(session.id, session.token, show, controller.signal);
        if (!stopped) timer = window.setTimeout(follow, REFRESH_MS);
      } catch (error) {
        if (stopped || (error instanceof DOMException && error.name === 'AbortError')) return;
        if (error instanceof ApiFailure && error.sessionEnded) {
          onError(error);
          return;
        }
        void poll();
      }
    };
    void follow();
    return () => {
      stopped = true;
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [session.id, session.token, visible, onError]);

  const { nodes, edges } = useMemo(() => layout(data), [data]);

  return (
    <div className="map">
      <ul className="map-legend" aria-label="Legend">
        {LEGEND.map((entry) => (
          <li key={entry.kind} className="legend">
            <svg width="26" height="8" aria-hidden="true">
              <line
                x1="1"
                y1="4"
                x2="25"
                y2="4"
                stroke={entry.color}
                strokeWidth={entry.width}
                strokeDasharray={entry.dash}
              />
            </svg>
            {entry.text}
          </li>
        ))}
      </ul>
      {problem && <p className="banner banner-warn">{problem}</p>}
      {!data && !problem && <p className="loading">Reading the cluster…</p>}
      {data && (
        <>
          <div className="map-canvas" data-testid="cluster-map">
            <ReactFlowProvider>
              <ReactFlow
                nodes={nodes}
                edges={edges}
                fitView
                nodesDraggable
                nodesConnectable={false}
                elementsSelectable
                proOptions={{ hideAttribution: true }}
                colorMode="dark"
                minZoom={0.3}
              >
                <Background gap={24} color="#1f2a36" />
                <Controls showInteractive={false} />
              </ReactFlow>
            </ReactFlowProvider>
          </div>
          <MapTable data={data} />
        </>
      )}
    </div>
  );
}

type MapEdgeData = ClusterMapData['edges'][number];
type MapNodeData = ClusterMapData['nodes'][number];

/** How each edge is drawn; the legend lists every one, in the same colours and dashes. */
const STYLE: Record<MapEdgeData['kind'] | 'attack' | 'stopsAttack', { color: string; dash?: string; text: string }> = {
  attack: { color: '#ff6b6b', text: 'attack path (it gets through)' },
  stopsAttack: { color: '#4ade80', dash: '6 4', text: 'blocked on the attack path: the fix holds here' },
  reaches: { color: '#7cb7ff', text: 'reaches (NetworkPolicy allows)' },
  blocked: { color: '#7a8797', dash: '6 4', text: 'blocked (NetworkPolicy, or not exposed)' },
  exposes: { color: '#fbbf24', text: 'open to the internet (NodePort, LoadBalancer, Ingress)' },
  selects: { color: '#5d6b7c', dash: '2 3', text: 'Service sends to its pods' },
  egress: { color: '#67e8f9', dash: '8 3', text: 'may connect out to the internet' },
  escapes: { color: '#d8a4ff', text: 'reaches its node (host namespaces, privileged, host paths)' },
  runs: { color: '#94a3b8', text: 'runs this image, from this registry' },
  bound: { color: '#f0abfc', dash: '4 2', text: 'its service account is bound to this role' },
  reads: { color: '#fb923c', dash: '4 2', text: 'this role may read the Secret' },
  uses: { color: '#fb923c', text: 'its pods take in this Secret' },
};
const LEGEND = (Object.keys(STYLE) as (keyof typeof STYLE)[]).map((kind) => ({
  kind,
  ...STYLE[kind],
  width: kind === 'attack' || kind === 'stopsAttack' ? 2.5 : 1.5,
}));

const VERB: Record<MapEdgeData['kind'], string> = {
  reaches: 'reaches',
  blocked: 'is blocked from',
  exposes: 'opens to the internet',
  selects: 'sends to',
  egress: 'may connect out to',
  escapes: 'reaches its node',
  runs: 'is run by',
  bound: 'is bound to',
  reads: 'may read',
  uses: 'takes in',
};

/** A node in words: its kind, its name with its namespace, and what matters about it. */
function nodeName(n: MapNodeData): string {
  const where = n.namespace ? `${n.label} in namespace ${n.namespace}` : n.label;
  const kind =
    n.kind === 'Workload'
      ? 'Workload'
      : n.kind === 'Node'
        ? 'Node'
        : n.kind === 'Role'
          ? ''
          : n.kind === 'Internet' || n.kind === 'Namespace'
            ? ''
            : n.kind;
  return `${kind ? `${kind} ` : ''}${where}${n.detail ? `, ${n.detail}` : ''}${n.exposed ? ', open to the internet' : ''}`;
}

/** An edge in words, as the list and screen readers give it. */
function edgeName(e: MapEdgeData, name: Map<string, string>): string {
  const source = name.get(e.source) ?? e.source;
  const target = name.get(e.target) ?? e.target;
  const base =
    e.kind === 'exposes'
      ? `The internet reaches ${target}`
      : e.kind === 'runs'
        ? `${target} runs ${source}`
        : e.kind === 'escapes'
          ? `${source} reaches node ${target}`
          : `${source} ${VERB[e.kind]} ${target}`;
  const state = e.attack ? ': attack path' : e.stopsAttack ? ': the attack is stopped here' : '';
  return `${base}${e.label ? ` (${e.label})` : ''}${state}`;
}

/** The same facts as text, for screen readers and for anyone who prefers a list. */
function MapTable({ data }: { data: ClusterMapData }) {
  const name = new Map(data.nodes.map((n) => [n.id, shortName(n)]));
  const flows = data.edges.filter((e) => e.kind !== 'selects');
  return (
    <details className="map-table">
      <summary>The map as a list ({flows.length} connections)</summary>
      <ul>
        {flows.map((e) => (
          <li key={e.id} className={e.attack ? 'outcome-fail' : e.stopsAttack ? 'outcome-ok' : undefined}>
            {edgeName(e, name)}
          </li>
        ))}
      </ul>
    </details>
  );
}

const shortName = (n: MapNodeData) => (n.namespace ? `${n.namespace}/${n.label}` : n.label);

function layout(data: ClusterMapData | null): { nodes: Node[]; edges: Edge[] } {
  if (!data) return { nodes: [], edges: [] };
  const nodes: Node[] = [];
  const namespaces = data.nodes.filter((n) => n.kind === 'Namespace');
  let y = 0;
  const internet = data.nodes.find((n) => n.kind === 'Internet');
  for (const ns of namespaces) {
    const services = data.nodes.filter((n) => n.kind === 'Service' && n.namespace === ns.label);
    const workloads = data.nodes.filter((n) => n.kind === 'Workload' && n.namespace === ns.label);
    const rows = Math.max(1, services.length, workloads.length);
    const height = rows * ROW + 50;
    nodes.push({
      id: ns.id,
      type: 'group',
      position: { x: 200, y },
      data: { label: ns.label },
      ariaLabel: `Namespace ${ns.label}`,
      style: { width: 720, height },
      className: 'map-namespace',
      selectable: false,
    });
    nodes.push({
      id: `${ns.id}-label`,
      parentId: ns.id,
      position: { x: 12, y: 8 },
      data: { label: `namespace ${ns.label}` },
      ariaLabel: `Namespace ${ns.label}`,
      className: 'map-namespace-label',
      draggable: false,
      selectable: false,
      connectable: false,
    });
    services.forEach((s, i) => {
      nodes.push({
        id: s.id,
        parentId: ns.id,
        extent: 'parent',
        position: { x: COLUMN.service, y: 44 + i * ROW },
        data: { label: `${s.label}${s.detail ? ` · ${s.detail}` : ''}` },
        ariaLabel: nodeName(s),
        className: `map-node map-service${s.exposed ? ' map-exposed' : ''}`,
        sourcePosition: 'right' as Node['sourcePosition'],
        targetPosition: 'left' as Node['targetPosition'],
      });
    });
    workloads.forEach((w, i) => {
      nodes.push({
        id: w.id,
        parentId: ns.id,
        extent: 'parent',
        position: { x: COLUMN.workload + (i % 2) * ZIGZAG, y: 44 + i * ROW },
        data: { label: `${w.label}${w.detail ? ` · ${w.detail}` : ''}` },
        ariaLabel: nodeName(w),
        className: 'map-node map-workload',
        sourcePosition: 'right' as Node['sourcePosition'],
        targetPosition: 'left' as Node['targetPosition'],
      });
    });
    y += height + 30;
  }
  if (internet) {
    nodes.push({
      id: internet.id,
      position: { x: COLUMN.internet - 80, y: Math.max(0, y / 2 - 30) },
      data: { label: 'Internet' },
      ariaLabel: 'The internet',
      className: 'map-node map-internet',
      sourcePosition: 'right' as Node['sourcePosition'],
      targetPosition: 'left' as Node['targetPosition'],
    });
  }
  // Right of the namespaces: images and the nodes workloads reach, then roles, then Secrets.
  const columns: [MapNodeData['kind'][], number][] = [
    [['Image', 'Node'], 1000],
    [['Role'], 1300],
    [['Secret'], 1600],
  ];
  for (const [kinds, x] of columns) {
    data.nodes
      .filter((n) => kinds.includes(n.kind))
      .forEach((n, i) => {
        nodes.push({
          id: n.id,
          position: { x, y: i * ROW },
          data: {
            label: `${n.kind === 'Secret' ? `Secret ${shortName(n)}` : n.label}${n.detail ? ` · ${n.detail}` : ''}`,
          },
          ariaLabel: nodeName(n),
          className: `map-node map-${n.kind.toLowerCase()}`,
          sourcePosition: 'left' as Node['sourcePosition'],
          targetPosition: 'left' as Node['targetPosition'],
        });
      });
  }
  const described = new Map(data.nodes.map((n) => [n.id, nodeName(n)]));
  for (const node of nodes) {
    const n = data.nodes.find((d) => d.id === node.id);
    if (n && !node.ariaLabel) node.ariaLabel = nodeName(n);
  }
  const edges: Edge[] = data.edges.map((e) => {
    const look = e.attack ? STYLE.attack : e.stopsAttack ? STYLE.stopsAttack : STYLE[e.kind];
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      ariaLabel: edgeName(e, described),
      // Workload to workload: straight, so edges between neighbours do not loop around.
      type: e.kind === 'reaches' || e.kind === 'blocked' ? 'straight' : 'default',
      // Ports and policies only where they tell the story: the attack, what blocks, what escapes.
      label:
        e.attack || e.stopsAttack || e.kind === 'blocked' || e.kind === 'exposes' || e.kind === 'escapes'
          ? e.label
          : undefined,
      animated: e.attack === true,
      className: `map-edge map-edge-${e.kind}${e.attack ? ' map-edge-attack' : ''}${e.stopsAttack ? ' map-edge-stops-attack' : ''}`,
      style: {
        stroke: look.color,
        strokeWidth: e.attack || e.stopsAttack ? 2.5 : 1.5,
        strokeDasharray: e.attack ? undefined : (STYLE[e.kind].dash ?? look.dash),
      },
      labelStyle: { fill: '#e8eef5', fontSize: 11 },
      labelBgStyle: { fill: '#131a22' },
      markerEnd: { type: MarkerType.ArrowClosed, color: look.color },
    };
  });
  return { nodes, edges };
}
