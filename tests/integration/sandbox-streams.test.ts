/**
 * Long-lived requests from the learner's terminal through its API relay (issue #11): watches,
 * waits, rollouts, followed logs, exec and port-forward (the simulator's SPDY, see tests/kubectl/port-forward.test.ts). The real runner as `paranoid serve
 * --provider sim` runs it, the real bubblewrap sandbox with its own network, the bundled kubectl.
 *
 * Each command is bounded by its own `--timeout`/`timeout`, so a stream that never arrives
 * fails with the command's own message rather than hanging the test.
 */
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal, startLab, type TerminalClient } from '../support/sandbox-terminal.ts';

let lab: LabServer;
let base: string;
let shell: TerminalClient;

beforeAll(async () => {
  ({ lab, base } = await startLab());
  if (lab.terminals.kind !== 'sandbox') {
    throw new Error(
      `the sandbox is required here, and terminals are ${lab.terminals.kind}: ${'reason' in lab.terminals ? lab.terminals.reason : ''}`,
    );
  }
  shell = await openTerminal(base, 'exposed-dashboard');
}, 120_000);

afterAll(async () => {
  shell?.close();
  await lab?.close();
});

const NS = '-n kubernetes-dashboard';

describe('watches through the terminal relay', () => {
  // Every command carries its own deadline and a `timeout` around it: before the fix, client-go
  // could not stop a watch still waiting for its head, and ran past its own --timeout.
  it('kubectl wait returns once the Deployment is Available', async () => {
    const out = await shell.run(
      `timeout 45 kubectl wait ${NS} deploy/kubernetes-dashboard --for=condition=Available --timeout=30s; echo "rc=$?"`,
      60_000,
    );
    expect(out).toMatch(/condition met/);
    expect(out).toMatch(/rc=0/);
  });

  it('kubectl wait and rollout status return for a condition already met, with no event to come', {
    timeout: 120_000,
  }, async () => {
    const out = await shell.run(
      `timeout 30 kubectl wait deploy --all -A --for=condition=Available --timeout=20s; echo "wait=$?"; timeout 30 kubectl rollout status ${NS} deploy/kubernetes-dashboard --timeout=20s; echo "rollout=$?"`,
      90_000,
    );
    expect(out).toMatch(/deployment.apps\/kubernetes-dashboard condition met/);
    expect(out).toMatch(/wait=0/);
    expect(out).toMatch(/successfully rolled out/);
    expect(out).toMatch(/rollout=0/);
  });

  it('kubectl wait sees an object created after it started watching', async () => {
    const out = await shell.run(
      `(sleep 2; kubectl ${NS} create configmap late --from-literal=a=b >/dev/null) & timeout 45 kubectl wait ${NS} --for=create configmap/late --timeout=30s; echo "rc=$?"; wait`,
      60_000,
    );
    expect(out).toMatch(/configmap\/late condition met/);
    expect(out).toMatch(/rc=0/);
  });

  it('kubectl get -w prints events as they happen', async () => {
    // The object is created once the list is printed, so it can only come as a watch event.
    // Waits on the file's content, bounded, rather than on a fixed sleep.
    const out = await shell.run(
      `timeout 30 kubectl get ${NS} configmaps -w --output-watch-events > /tmp/w 2>&1 & for i in $(seq 200); do [ -s /tmp/w ] && break; sleep 0.1; done; kubectl ${NS} create configmap watched --from-literal=a=b >/dev/null; for i in $(seq 200); do grep -q watched /tmp/w && break; sleep 0.1; done; cat /tmp/w; kill %1 2>/dev/null; wait`,
      60_000,
    );
    expect(out).toMatch(/^ADDED\s+watched\s/m);
  });
});

describe('streams and upgrades through the terminal relay', () => {
  it('kubectl logs -f prints the log and keeps following, and exec runs a command', { timeout: 120_000 }, async () => {
    const ready = await shell.run(
      `timeout 45 kubectl wait ${NS} pod -l k8s-app=kubernetes-dashboard --for=condition=Ready --timeout=30s; echo "rc=$?"`,
      60_000,
    );
    expect(ready).toMatch(/rc=0/);
    const logs = await shell.run(
      `P=$(kubectl get pods ${NS} -l k8s-app=kubernetes-dashboard -o name | head -n 1); timeout 5 kubectl logs -f ${NS} $P; echo "rc=$?"`,
      30_000,
    );
    expect(logs).toMatch(/Serving securely on HTTPS port: 8443/);
    // 124: still following when `timeout` ended it, as against the real API server.
    expect(logs).toMatch(/rc=124/);
    const exec = await shell.run(`kubectl exec ${NS} $P -- echo from-the-pod; echo "rc=$?"`, 30_000);
    expect(exec).toMatch(/^from-the-pod$/m);
    expect(exec).toMatch(/rc=0/);
  });

  it('forwards a local port in the terminal to a pod with kubectl port-forward, plain and TLS', async () => {
    // The upgrade (a WebSocket carrying SPDY) goes through the relay to the cluster and back.
    await shell.run('kubectl run pf-web --image=nginx:1.27 --port=80 >/dev/null');
    await shell.run('kubectl wait --for=condition=Ready pod/pf-web --timeout=60s', 90_000);
    const out = await shell.run(
      "kubectl port-forward pod/pf-web 18080:80 >/tmp/pf.log 2>&1 & sleep 2; curl -s --max-time 5 http://127.0.0.1:18080/ | grep -o 'Welcome to nginx' | head -1; kill %1; cat /tmp/pf.log",
      60_000,
    );
    expect(out).toMatch(/^Welcome to nginx$/m);
    expect(out).toContain('Forwarding from 127.0.0.1:18080 -> 80');
    // The operator's way in once the dashboard is no longer published (exposed-dashboard, step 3).
    const tls = await shell.run(
      `kubectl port-forward ${NS} svc/kubernetes-dashboard 18443:443 >/tmp/pf-tls.log 2>&1 & sleep 2; curl -sk --max-time 5 https://127.0.0.1:18443/api/v1/secret/telemetry; echo " curl=$?"; kill %1; cat /tmp/pf-tls.log`,
      60_000,
    );
    expect(tls).toContain('"name": "s3-creds"');
    expect(tls).toContain('curl=0');
    expect(tls).toContain('Forwarding from 127.0.0.1:18443 -> 8443');
  });
});
