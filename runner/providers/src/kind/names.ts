/**
 * The one namer. kind cluster names become Docker container names
 * (`<name>-control-plane`) and kubeconfig contexts (`kind-<name>`), so they must be
 * short DNS labels; session ids are validated before they reach here.
 */
const SESSION_ID = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

/** Throws unless a session id is a short DNS label, since it ends up in container names and contexts. */
export function assertSessionId(id: string): void {
  if (!SESSION_ID.test(id)) {
    throw new Error(`invalid session id ${JSON.stringify(id)}: expected 1-32 lowercase letters, digits or '-'`);
  }
}

/** The kind cluster name of a session, after checking the session id. */
export function clusterName(sessionId: string): string {
  assertSessionId(sessionId);
  return `paranoid-${sessionId}`;
}

/** The name of the container that records which session a cluster belongs to. */
export function anchorName(cluster: string): string {
  return `${cluster}-anchor`;
}

/** The name of a cluster's toolbox container (the learner's shell). */
export function toolboxName(cluster: string): string {
  return `${cluster}-toolbox`;
}
