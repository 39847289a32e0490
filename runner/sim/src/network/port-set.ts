/**
 * Sets of (protocol, port) pairs: what a NetworkPolicy rule allows, and what
 * a pair of peers can exchange. Each protocol holds sorted, disjoint,
 * non-adjacent inclusive port intervals within 1–65535.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** In the analyzer's output order. */
export const PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];

/** The lowest port number a connection can use. */
export const MIN_PORT = 1;
/** The highest port number. */
export const MAX_PORT = 65535;

/** An inclusive range of ports. */
export type PortInterval = readonly [number, number];

/** Sets of ports per protocol, as disjoint sorted intervals. */
export type PortSet = Record<Protocol, PortInterval[]>;

/** No port of any protocol: where a union of allowed ports starts. */
export const emptyPortSet = (): PortSet => ({ SCTP: [], TCP: [], UDP: [] });

/** Every port of every protocol: what a rule without `ports` allows. */
export const allPortSet = (): PortSet => ({
  SCTP: [[MIN_PORT, MAX_PORT]],
  TCP: [[MIN_PORT, MAX_PORT]],
  UDP: [[MIN_PORT, MAX_PORT]],
});

/** One protocol, ports `from`–`to` (both inclusive). */
export function portRange(protocol: Protocol, from: number, to: number = from): PortSet {
  const set = emptyPortSet();
  const lo = Math.max(MIN_PORT, from);
  const hi = Math.min(MAX_PORT, to);
  if (lo <= hi) set[protocol] = [[lo, hi]];
  return set;
}

function normalise(intervals: PortInterval[]): PortInterval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Ports allowed by either set, intervals merged. */
export function union(a: PortSet, b: PortSet): PortSet {
  const out = emptyPortSet();
  for (const p of PROTOCOLS) out[p] = normalise([...a[p], ...b[p]]);
  return out;
}

/** Ports allowed by both sets: how an ingress rule and an egress rule combine on one connection. */
export function intersect(a: PortSet, b: PortSet): PortSet {
  const out = emptyPortSet();
  for (const p of PROTOCOLS) {
    const result: PortInterval[] = [];
    let i = 0;
    let j = 0;
    const x = a[p];
    const y = b[p];
    while (i < x.length && j < y.length) {
      const lo = Math.max(x[i]![0], y[j]![0]);
      const hi = Math.min(x[i]![1], y[j]![1]);
      if (lo <= hi) result.push([lo, hi]);
      if (x[i]![1] < y[j]![1]) i++;
      else j++;
    }
    out[p] = result;
  }
  return out;
}

/** Whether one protocol/port is in the set. */
export function contains(set: PortSet, protocol: Protocol, port: number): boolean {
  return set[protocol].some(([lo, hi]) => port >= lo && port <= hi);
}

/** Whether the set allows no port at all. */
export function isEmpty(set: PortSet): boolean {
  return PROTOCOLS.every((p) => set[p].length === 0);
}

/** Whether the set allows every port of every protocol. */
export function isAll(set: PortSet): boolean {
  return PROTOCOLS.every((p) => {
    const only = set[p][0];
    return set[p].length === 1 && only![0] === MIN_PORT && only![1] === MAX_PORT;
  });
}

/**
 * The analyzer's text: `All Connections`, or `SCTP 7070,TCP 8080-8081,UDP 9090`
 * (protocols in SCTP, TCP, UDP order; a protocol left out is blocked); `No Connections` when empty.
 */
export function formatPortSet(set: PortSet): string {
  if (isAll(set)) return 'All Connections';
  if (isEmpty(set)) return 'No Connections';
  return PROTOCOLS.filter((p) => set[p].length > 0)
    .map((p) => `${p} ${set[p].map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(',')}`)
    .join(',');
}
