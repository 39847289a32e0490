import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import { applyDefaults } from '../defaults/apply-defaults.ts';
import { type ControllerContext, controllerUser } from './context.ts';
import type { EventRecorder } from './events.ts';
import type { Lister } from './lister.ts';
import { clone } from './meta.ts';

/** What every controller gets: the cluster's context plus the shared event recorder and list cache. */
export interface ControllerEnv extends ControllerContext {
  recorder: EventRecorder;
  /** Read-only cached lists; clone before changing what it returns. */
  lister: Lister;
}

/**
 * Creates an object as the named controller: through the API (admission, name
 * generation) when the cluster offers it, else defaulted and straight into the
 * store with a generated name. Throws the API's StatusError on denial.
 */
export function createAs(env: ControllerEnv, controller: string, resource: GroupResource, obj: KubeObject): KubeObject {
  if (env.createThroughApi)
    return env.createThroughApi(resource, clone(obj), controllerUser(SERVICE_ACCOUNTS[controller] ?? controller));
  // Without the API, do what its defaulting would (Pending phase, QoS class, service account...).
  const defaulted = applyDefaults(obj);
  if (defaulted.metadata.name || !defaulted.metadata.generateName) return env.store.create(resource, defaulted);
  for (let attempt = 0; ; attempt++) {
    const named = clone(defaulted);
    named.metadata.name = `${obj.metadata.generateName}${env.ids.suffix(5)}`;
    try {
      return env.store.create(resource, named);
    } catch (e) {
      // The registry retries generated names that collide; so do we, a few times.
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists') || attempt >= 4) throw e;
    }
  }
}

/** Controllers whose service account name differs from the component name. */
const SERVICE_ACCOUNTS: Record<string, string> = { 'daemonset-controller': 'daemon-set-controller' };

/** The message a StatusError (or anything thrown) carries. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
