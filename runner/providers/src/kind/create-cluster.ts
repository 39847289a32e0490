import type { ProgressUpdate } from '../provider.ts';
import type { DockerEngine } from './docker-engine.ts';
import type { KindCli } from './kind-cli.ts';
import { KIND_CLUSTER_LABEL, labelsFor, type SessionLabels } from './labels.ts';
import { anchorName } from './names.ts';
import { startToolbox } from './toolbox.ts';
import { fenceToolbox, unfenceToolbox } from './toolbox-fence.ts';

/** What creation has made so far; each action's undo reads it. */
export interface CreationState {
  anchorId?: string;
  kubeconfig?: string;
  internalKubeconfig?: string;
  toolboxId?: string;
}

/** What every creation step works with: the Docker engine, the kind CLI, the session's labels and the state so far. */
export interface CreationContext {
  docker: DockerEngine;
  kind: KindCli;
  labels: SessionLabels;
  /** The rendered kind config (see kind-config.ts). */
  kindConfig: string;
  toolboxImage: string;
  /** Images to load into the nodes; `archive` builds one (once per runner) and returns its archive's path. */
  images: Array<{ name: string; archive: () => Promise<string> }>;
  /**
   * The cluster's own Docker network: kind puts the nodes on it and the toolbox joins
   * it alone, so no learner's terminal or pod can reach another session's nodes (a
   * dashboard NodePort with skip-login is a takeover). `none` in tests.
   */
  network: string;
  waitSeconds: number;
  state: CreationState;
}

/** One named step of cluster creation, kind-style, with how to take it back. */
export interface Action {
  name: string;
  /** Share of the whole creation time, for the progress bar. */
  weight: number;
  run(ctx: CreationContext): Promise<void>;
  /** Removes what `run` made; runs even when `run` failed part-way, so it must tolerate a half-made state. */
  undo?(ctx: CreationContext): Promise<void>;
}

/**
 * The steps that make a kind cluster for a session, in order, each weighted for the progress bar and each
 * with its undo.
 */
export const ACTIONS: readonly Action[] = [
  {
    name: 'recording session',
    weight: 0.02,
    async run(ctx) {
      ctx.state.anchorId = await recordSession(ctx.docker, ctx.toolboxImage, ctx.labels);
    },
    async undo(ctx) {
      if (ctx.state.anchorId) await ctx.docker.remove(ctx.state.anchorId);
    },
  },
  {
    name: 'creating nodes',
    weight: 0.7,
    async run(ctx) {
      await ctx.kind.createCluster({
        name: ctx.labels.cluster,
        config: ctx.kindConfig,
        waitSeconds: ctx.waitSeconds,
        ...(ctx.network !== 'none' ? { network: ctx.network } : {}),
      });
    },
    async undo(ctx) {
      await deleteKindCluster(ctx.docker, ctx.kind, ctx.labels.cluster);
      // The toolbox, begun later, was taken back first: the network is empty now.
      if (ctx.labels.network) await ctx.docker.removeNetwork(ctx.labels.network);
    },
  },
  {
    name: 'reading kubeconfig',
    weight: 0.02,
    async run(ctx) {
      ctx.state.kubeconfig = await ctx.kind.kubeconfig(ctx.labels.cluster);
      ctx.state.internalKubeconfig = await ctx.kind.kubeconfig(ctx.labels.cluster, { internal: true });
    },
  },
  {
    name: 'loading images',
    weight: 0.2,
    async run(ctx) {
      for (const image of ctx.images) await ctx.kind.loadImageArchive(ctx.labels.cluster, await image.archive());
    },
  },
  {
    name: 'starting terminal',
    weight: 0.06,
    async run(ctx) {
      ctx.state.toolboxId = await startToolbox(ctx.docker, {
        image: ctx.toolboxImage,
        labels: ctx.labels,
        kubeconfig: ctx.state.internalKubeconfig ?? '',
        network: ctx.network,
      });
      // On its session's network the toolbox reaches its own nodes and nothing of the host's.
      if (ctx.network !== 'none') await fenceToolbox(ctx.docker, ctx.state.toolboxId, ctx.network);
    },
    async undo(ctx) {
      if (!ctx.state.toolboxId) return;
      await unfenceToolbox(ctx.state.toolboxId).catch(() => undefined);
      await ctx.docker.remove(ctx.state.toolboxId);
    },
  },
];

/**
 * Runs the actions in order, reporting progress. A failure part-way takes back
 * every step begun so far, newest first, unless `retain` is set (for debugging,
 * like `kind create cluster --retain`); the first error is what the caller sees.
 */
export async function runActions(
  ctx: CreationContext,
  options: {
    actions?: readonly Action[];
    onProgress?: (u: ProgressUpdate) => void;
    retain?: boolean;
    signal?: { readonly aborted: boolean };
  } = {},
): Promise<CreationState> {
  const actions = options.actions ?? ACTIONS;
  const begun: Action[] = [];
  let done = 0;
  try {
    for (const action of actions) {
      if (options.signal?.aborted) throw new Error(`failed to create cluster ${ctx.labels.cluster}: cancelled`);
      options.onProgress?.({ step: action.name, fraction: done });
      begun.push(action);
      await action.run(ctx);
      done += action.weight;
    }
    options.onProgress?.({ step: 'ready', fraction: 1 });
    return ctx.state;
  } catch (error) {
    const failedAt = begun.at(-1)?.name ?? 'start';
    if (!options.retain) {
      for (const action of [...begun].reverse()) await action.undo?.(ctx).catch(() => {});
    }
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`failed to create cluster ${ctx.labels.cluster} at "${failedAt}": ${cause}`, {
      cause: error,
    });
  }
}

/**
 * Deletes a kind cluster through the kind CLI, then removes any node container
 * still labelled with it (kind gone, or a creation killed half-way). Its network
 * goes last, by the caller, once the toolbox is gone too.
 */
export async function deleteKindCluster(docker: DockerEngine, kind: KindCli, cluster: string): Promise<void> {
  await kind.deleteCluster(cluster).catch(() => {});
  for (const node of await docker.listByLabels({ [KIND_CLUSTER_LABEL]: cluster })) await docker.remove(node.id);
}

/**
 * A created, never-started container whose labels record who a cluster belongs to.
 * It is made before anything else exists, so the reaper finds a half-made cluster
 * through it; a pooled cluster handed to a learner gets a new one with their session.
 */
export function recordSession(
  docker: DockerEngine,
  image: string,
  labels: SessionLabels,
  suffix = '',
): Promise<string> {
  return docker.create({
    name: `${anchorName(labels.cluster)}${suffix}`,
    Image: image,
    Labels: labelsFor('anchor', labels),
    HostConfig: { NetworkMode: 'none' },
  });
}
