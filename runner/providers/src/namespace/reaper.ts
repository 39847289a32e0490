import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeClient } from '@paranoid/kube/client.ts';
import { readNamespaceRecord, selectorFor } from './labels.ts';
import { deleteSessionNamespace } from './namespace-provider.ts';

/**
 * What the namespace reaper needs: a client, the time now, this runner, the live sessions and whether another
 * owner may still be alive.
 */
export interface NamespaceReapOptions {
  client: KubeClient;
  now: number;
  /** This runner instance. */
  owner: string;
  /** Whether this runner still serves the session. At start-up nothing is active. */
  isActive(session: string): boolean;
  /** Whether another owner may still run (kind/reaper.ts `ownerOnThisHostMayBeAlive`). */
  ownerMayBeAlive(owner: string): boolean;
}

/**
 * Deletes session namespaces found by label whose expiry has passed, whoever made them
 * (the expiry is a promise to the learner and to the host: no session outlives it,
 * however many runners there are), and those whose runner is gone or no longer serves
 * them. A namespace without the provider's label is never looked at; one whose record
 * is malformed is left alone and reported, since it cannot be told apart from a
 * stranger's.
 */
export async function reapNamespaces(options: NamespaceReapOptions): Promise<{ deleted: string[]; skipped: string[] }> {
  const list = (await options.client.send(
    'GET',
    `/api/v1/namespaces?labelSelector=${encodeURIComponent(selectorFor())}`,
  )) as { items?: KubeObject[] };
  const deleted: string[] = [];
  const skipped: string[] = [];
  for (const object of list.items ?? []) {
    const record = readNamespaceRecord(object);
    if (!record) {
      skipped.push(object.metadata?.name ?? '');
      continue;
    }
    if (object.metadata?.deletionTimestamp) continue;
    const expired = record.expiresAt <= options.now;
    const mine = record.owner === options.owner;
    const orphan = mine ? !options.isActive(record.session) : !options.ownerMayBeAlive(record.owner);
    if (!expired && !orphan) continue;
    await deleteSessionNamespace(options.client, record.namespace);
    deleted.push(record.namespace);
  }
  return { deleted, skipped };
}

/** Runs the reaper now and every `intervalMs`; returns a stop function. Errors go to `onError`, never crash. */
export function startNamespaceReaper(
  options: Omit<NamespaceReapOptions, 'now'> & {
    intervalMs: number;
    onError(error: unknown): void;
    now?: () => number;
  },
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await reapNamespaces({ ...options, now: (options.now ?? Date.now)() });
    } catch (error) {
      options.onError(error);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
