import type { ClusterOptions } from '@paranoid/sim/cluster.ts';

/** A request from the simulated internet into one cluster, as the cluster's probe takes it. */
export type InternetRequest = Parameters<NonNullable<ClusterOptions['internet']>>[0];
/** What the cluster's probe answers. */
export type InternetResponse = Awaited<ReturnType<NonNullable<ClusterOptions['internet']>>>;

/** TCP from outside into one cluster as a byte stream, as the cluster's runtime serves it. */
export type InternetStreams = NonNullable<ClusterOptions['internetStreams']>;
/** A stream opened, or why not (refused, dropped, no route, no such name). */
export type InternetStreamOpened = Awaited<ReturnType<InternetStreams['open']>>;
/** The server's answer to bytes sent on a stream, and whether it closed. */
export type InternetStreamChunk = Awaited<ReturnType<InternetStreams['send']>>;
/** Node addresses and the ports that may answer on them. */
export type InternetListening = Awaited<ReturnType<InternetStreams['listening']>>;

/** What a simulator worker is started with. */
export interface WorkerData {
  /** URL of worker.ts, imported by worker-entry.mjs once a TypeScript loader is in place. */
  entry: string;
  host: string;
  /** The pool's serving certificate, so one CA covers every worker's port. */
  tls: { key: string; cert: string };
  /** A module that makes each new cluster's options (images, simulated internet) from its scenario id. */
  clusterOptions?: { module: string; arg?: unknown };
}

/** The module named by {@link WorkerData.clusterOptions}: loaded inside the worker, since options hold functions. */
export interface ClusterOptionsModule {
  createClusterOptions(
    arg: unknown,
  ): (scenarioId: string | undefined) => Partial<ClusterOptions> | Promise<Partial<ClusterOptions>>;
}

/** What the pool asks a worker to do; `seq` pairs the request with its reply. */
export type WorkerRequest = { seq: number } & (
  | { op: 'add'; scenarioId?: string }
  | { op: 'remove'; clusterId: string }
  | { op: 'internet'; clusterId: string; request: unknown }
  | { op: 'stream-open'; clusterId: string; host: string; port: number }
  | { op: 'stream-send'; clusterId: string; stream: string; data: Uint8Array }
  | { op: 'stream-close'; clusterId: string; stream: string }
  | { op: 'stream-listening'; clusterId: string }
  | { op: 'close' }
);

/** A worker's answer to the request with the same `seq`: a value or an error message. */
export type WorkerReply = { seq: number } & ({ ok: true; value: unknown } | { ok: false; error: string });

/** The first message a worker posts: its host is listening at `url`. */
export interface WorkerReady {
  ready: true;
  url: string;
}
