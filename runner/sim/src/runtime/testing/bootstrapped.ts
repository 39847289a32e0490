import { admissionChain } from '../../assemble.ts';
import { bootstrapCluster } from '../../bootstrap/index.ts';
import { ManualClock, SequentialIds } from '../../clock.ts';
import { type Cluster, createCluster } from '../../cluster.ts';
import { apiCreator, startControllers } from '../../controllers/index.ts';
import { createPolicyNetworkPort } from '../../network/runtime-adapter.ts';
import { SCHEMA_ENGINE } from '../../openapi/schema-engine.ts';
import { authorize } from '../../rbac/authorizer.ts';
import { rulesReview } from '../../rbac/rules-review.ts';
import { startRbac } from '../../rbac/start.ts';
import { createRuntime, type RuntimeOptions } from '../create-runtime.ts';

/**
 * The runtime inside a whole simulated cluster (bootstrap, controllers, RBAC,
 * the policy network): the tokens it mounts are real, RBAC decides. With `admission`, the API
 * server's admission chain runs too (LimitRanger, Priority, PodSecurity, ResourceQuota...).
 */
export function setupBootstrapped(options: Pick<RuntimeOptions, 'images'> & { admission?: boolean } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const ids = new SequentialIds();
  const runtime = createRuntime({ images: options.images, network: (store) => createPolicyNetworkPort(store) });
  const cluster: Cluster = createCluster({
    clock,
    ids,
    adminToken: 'admin',
    ...(options.admission ? { admission: admissionChain(ids) } : {}),
    schema: SCHEMA_ENGINE as never,
    authorizer: authorize,
    rulesReview: rulesReview as never,
    onStart: [
      (ctx) => startRbac(ctx),
      (ctx) => {
        bootstrapCluster(ctx);
        return undefined;
      },
      (ctx) =>
        startControllers({
          ...ctx,
          createThroughApi: apiCreator({ callApi: ctx.callApi, adminToken: ctx.adminToken }),
        } as never),
      (ctx) => runtime.onStart(ctx as never),
    ],
    exec: (r, u) => runtime.exec(r, u),
    logs: (a) => runtime.logs(a as never) as never,
    metrics: runtime.metrics,
    internet: (r) => runtime.internet(r),
    cloud: runtime.cloud,
  });
  const settle = async (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      for (let i = 0; i < 50; i++) await Promise.resolve();
      clock.advance(250);
    }
    for (let i = 0; i < 50; i++) await Promise.resolve();
  };
  const run = async (pod: string, command: string[]) => {
    const s = runtime.exec(
      { namespace: 'default', pod, container: '', command, stdin: false, tty: false },
      { username: 'admin', groups: [] },
    );
    let out = '';
    let err = '';
    let code: number | undefined;
    s.onStdout((d) => {
      out += new TextDecoder().decode(d);
    });
    s.onStderr((d) => {
      err += new TextDecoder().decode(d);
    });
    s.onExit((c) => {
      code = c;
    });
    for (let i = 0; i < 200 && code === undefined; i++) {
      for (let j = 0; j < 200 && code === undefined; j++) await Promise.resolve();
      clock.advance(50);
    }
    return { out, err, code };
  };
  return { clock, cluster, runtime, settle, run };
}
