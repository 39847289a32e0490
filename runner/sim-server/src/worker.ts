/**
 * One simulator worker thread: its own HTTPS host on its own port, serving the
 * clusters the pool places on it. Whatever a cluster's request costs, it costs this
 * thread, never the runner's main event loop (see worker-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ClusterOptions } from '@paranoid/sim/cluster.ts';
import { createSimHost } from './host.ts';
import { randomIds, realClock } from './real-clock.ts';
import type {
  ClusterOptionsModule,
  InternetRequest,
  WorkerData,
  WorkerReply,
  WorkerRequest,
} from './worker-protocol.ts';

const data = workerData as WorkerData;
const port = parentPort;
if (!port) throw new Error('failed to start the simulator worker: not in a worker thread');

const host = await createSimHost({ host: data.host, port: 0, tls: data.tls });
const factory: ReturnType<ClusterOptionsModule['createClusterOptions']> = data.clusterOptions
  ? ((await import(data.clusterOptions.module)) as ClusterOptionsModule).createClusterOptions(data.clusterOptions.arg)
  : () => ({});
const internet = new Map<string, NonNullable<ClusterOptions['internet']>>();
const streams = new Map<string, NonNullable<ClusterOptions['internetStreams']>>();
const noStreams = 'this cluster has no TCP from outside';

async function answer(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'add': {
      const options = await factory(request.scenarioId);
      const hosted = host.addCluster({ clock: realClock, ids: randomIds, ...options });
      if (options.internet) internet.set(hosted.id, options.internet);
      if (options.internetStreams) streams.set(hosted.id, options.internetStreams);
      return { id: hosted.id, token: hosted.token, server: hosted.server };
    }
    case 'remove':
      internet.delete(request.clusterId);
      streams.delete(request.clusterId);
      host.removeCluster(request.clusterId);
      return null;
    case 'internet': {
      const probe = internet.get(request.clusterId);
      return probe
        ? probe(request.request as InternetRequest)
        : { ok: false, error: 'this cluster has no simulated internet' };
    }
    case 'stream-open': {
      const s = streams.get(request.clusterId);
      return s
        ? s.open({ host: request.host, port: request.port })
        : { ok: false, error: 'refused', message: noStreams };
    }
    case 'stream-send':
      return (
        streams.get(request.clusterId)?.send(request.stream, request.data) ?? { data: new Uint8Array(0), end: true }
      );
    case 'stream-close':
      await streams.get(request.clusterId)?.close(request.stream);
      return null;
    case 'stream-listening':
      return streams.get(request.clusterId)?.listening() ?? { addresses: [], ports: [] };
    case 'close':
      await host.close();
      return null;
  }
}

port.on('message', (request: WorkerRequest) => {
  answer(request).then(
    (value) => port.postMessage({ seq: request.seq, ok: true, value } satisfies WorkerReply),
    (error: unknown) =>
      port.postMessage({
        seq: request.seq,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies WorkerReply),
  );
});
port.postMessage({ ready: true, url: host.url });
