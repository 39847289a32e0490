import type { Image } from '@paranoid/schema/image.ts';
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1';
import type { Clock } from '../clock.ts';
import type { PreparedVolume } from './container-setup.ts';
import type { ConditionTransition } from './pod-status.ts';
import type { ContainerInstance, NodeHost, RuntimeDeps, RuntimeState } from './types.ts';

/** The first wait of a back-off (image pulls, crashed containers, config errors), as upstream's kubelet. */
export const BACKOFF_START_MS = 10_000;
/** The longest wait of a back-off (upstream MaxContainerBackOff, 300 s). */
export const BACKOFF_MAX_MS = 300_000;

/** What the kubelet keeps about one pod it runs. */
export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  host: NodeHost;
  pod: Pod;
  statuses: Map<string, ContainerStatus>;
  initStatuses: Map<string, ContainerStatus>;
  ephemeralStatuses: Map<string, ContainerStatus>;
  /** Names of ephemeral containers already started. */
  ephemeral: Set<string>;
  volumes?: Map<string, PreparedVolume>;
  startTime: number;
  conditionTimes: Record<string, ConditionTransition>;
  podIP: string;
  terminating: boolean;
  backoff: Map<string, number>;
  cancel: Array<() => void>;
  ready: Set<string>;
  /** The kubelet-owned part of the status this kubelet last wrote; undefined before the first write. */
  written?: string;
}

/** What a started container needs to be created again after it exits. */
export interface ContainerExit {
  isInit: boolean;
  onExit?: (code: number) => void;
  image: Image;
  imageRef: string;
  imageName: string;
}

/**
 * What the kubelet's parts share: its dependencies and the few effects they all use (timers
 * that stop with the kubelet, events, writing a container's status). One per started kubelet.
 */
export interface KubeletContext {
  deps: RuntimeDeps;
  state: RuntimeState;
  clock: Clock;
  /** Logs a bug in one pod's lifecycle without taking the cluster down. */
  report: (e: unknown) => void;
  /** Runs `fn` after `ms` unless the kubelet stopped; returns a cancel function. */
  later: (ms: number, fn: () => void) => () => void;
  /** Records an Event about the pod (counted up when repeated, as the event recorder does). */
  emit: (rec: PodRecord, type: 'Normal' | 'Warning', reason: string, message: string, container?: string) => void;
  /** Sets one container's status and writes the pod's status. */
  setStatus: (rec: PodRecord, c: Container, isInit: boolean, s: ContainerStatus) => void;
  /** Writes the pod's status from what the kubelet knows. */
  render: (rec: PodRecord) => void;
  /** The container's status while it waits with `reason`, carrying over its last one. */
  waiting: (c: Container, rec: PodRecord, reason: string, message?: string) => ContainerStatus;
  /** How to create each started container again. */
  instExit: WeakMap<ContainerInstance, ContainerExit>;
}

/** Ephemeral containers (`kubectl debug`) keep their own status list. */
export function statusMap(rec: PodRecord, name: string, isInit: boolean): Map<string, ContainerStatus> {
  if (rec.ephemeral.has(name)) return rec.ephemeralStatuses;
  return isInit ? rec.initStatuses : rec.statuses;
}

/** The next wait for `key` (a pull or a container): 10 s, doubling, at most 300 s. */
export function backoffFor(rec: PodRecord, key: string): number {
  const cur = rec.backoff.get(key);
  const next = cur === undefined ? BACKOFF_START_MS : Math.min(cur * 2, BACKOFF_MAX_MS);
  rec.backoff.set(key, next);
  return next;
}
