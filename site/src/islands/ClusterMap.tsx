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
 * The attack path is red; once fixed, the edge that now blocks it is drawn dashed.
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
      <div className="map-legend" aria-hidden="true">
        <span className="legend legend-attack">attack path</span>
        <span className="legend legend-reach">reaches</span>
        <span className="legend legend-blocked">blocked</span>
        <span className="legend legend-exposed">open to the internet</span>
      </div>
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

/** The same facts as text, for screen readers and for anyone who prefers a list. */
function MapTable({ data }: { data: ClusterMapData }) {
  const name = new Map(data.nodes.map((n) => [n.id, n.namespace ? `${n.namespace}/${n.label}` : n.label]));
  const flows = data.edges.filter((e) => e.kind === 'reaches' || e.kind === 'blocked' || e.kind === 'exposes');
  return (
    <details className="map-table">
      <summary>The map as a list ({flows.length} connections)</summary>
      <ul>
        {flows.map((e) => (
          <li key={e.id} className={e.attack ? 'outcome-fail' : undefined}>
            {name.get(e.source)} {e.kind === 'blocked' ? 'is blocked from' : e.kind === 'exposes' ? 'opens' : 'reaches'}{' '}
            {name.get(e.target)}
            {e.label ? ` (${e.label})` : ''}
            {e.attack ? ' — attack path' : ''}
          </li>
        ))}
      </ul>
    </details>
  );
}

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
      style: { width: 720, height },
      className: 'map-namespace',
      selectable: false,
    });
    nodes.push({
      id: `${ns.id}-label`,
      parentId: ns.id,
      position: { x: 12, y: 8 },
      data: { label: `namespace ${ns.label}` },
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
      className: 'map-node map-internet',
      sourcePosition: 'right' as Node['sourcePosition'],
      targetPosition: 'left' as Node['targetPosition'],
    });
  }
  const edges: Edge[] = data.edges.map((e) => {
    const color = e.attack
      ? e.kind === 'blocked'
        ? '#4ade80'
        : '#ff6b6b'
      : e.kind === 'blocked'
        ? '#7a8797'
        : e.kind === 'selects'
          ? '#5d6b7c'
          : e.kind === 'exposes'
            ? '#fbbf24'
            : '#7cb7ff';
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      // Workload to workload: straight, so edges between neighbours do not loop around.
      type: e.kind === 'reaches' || e.kind === 'blocked' ? 'straight' : 'default',
      // Ports and policies only where they tell the story: the attack and what blocks.
      label: e.attack || e.kind === 'blocked' || e.kind === 'exposes' ? e.label : undefined,
      animated: e.attack === true && e.kind !== 'blocked',
      className: `map-edge map-edge-${e.kind}${e.attack ? ' map-edge-attack' : ''}`,
      style: {
        stroke: color,
        strokeWidth: e.attack ? 2.5 : 1.5,
        strokeDasharray: e.kind === 'blocked' ? '6 4' : e.kind === 'selects' ? '2 3' : undefined,
      },
      labelStyle: { fill: '#e8eef5', fontSize: 11 },
      labelBgStyle: { fill: '#131a22' },
      markerEnd: { type: MarkerType.ArrowClosed, color },
    };
  });
  return { nodes, edges };
}
