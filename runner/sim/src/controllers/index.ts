import type { ControllerContext } from './context.ts';
import { CronJobController } from './cronjob.ts';
import { DaemonSetController } from './daemonset.ts';
import { DeploymentController } from './deployment.ts';
import { DisruptionController } from './disruption.ts';
import { EndpointSliceController } from './endpoint-slice.ts';
import { EndpointsController } from './endpoints.ts';
import type { ControllerEnv } from './env.ts';
import { EventRecorder } from './events.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { JobController } from './job.ts';
import { Lister } from './lister.ts';
import { LocalPathProvisioner } from './local-path-provisioner.ts';
import { type Controller, ControllerManager } from './manager.ts';
import { NamespaceController } from './namespace.ts';
import { ReplicaSetController } from './replicaset.ts';
import { Scheduler } from './scheduler.ts';
import { ServiceAccountController } from './service-account.ts';
import { StatefulSetController } from './statefulset.ts';
import { TaintEvictionController } from './taint-eviction.ts';

export { type ApiCreatorOptions, apiCreator, type InProcessApi } from './api-creator.ts';
export { CLUSTER_CA_PEM } from './cluster-ca.ts';
export type { ControllerContext, CreateThroughApi } from './context.ts';

/** Builds the controllers kube-controller-manager and kube-scheduler run, in reconcile order. */
export function createControllers(env: ControllerEnv): Controller[] {
  return [
    new NamespaceController(env),
    new ServiceAccountController(env),
    new DeploymentController(env),
    new ReplicaSetController(env),
    new DaemonSetController(env),
    new StatefulSetController(env),
    new CronJobController(env),
    new JobController(env),
    new Scheduler(env),
    new TaintEvictionController(env),
    new LocalPathProvisioner(env),
    new DisruptionController(env),
    new EndpointsController(env),
    new EndpointSliceController(env),
    new GarbageCollector(env),
  ];
}

/**
 * Starts the control plane's controllers and the scheduler on the cluster's
 * store (an `onStart` hook): they react to store events on `ctx.clock` timers,
 * converge, and stop when the returned function is called.
 */
export function startControllers(ctx: ControllerContext): () => void {
  const lister = new Lister(ctx.store);
  const env: ControllerEnv = { ...ctx, recorder: new EventRecorder(ctx.store, ctx.clock, ctx.ids), lister };
  const manager = new ControllerManager(ctx.store, ctx.clock, createControllers(env), lister);
  return manager.start();
}
