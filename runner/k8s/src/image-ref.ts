/** An image reference split and normalised as the kubelet (containerd) does. */
export interface ImageRef {
  /** `docker.io`, `registry.lab.local`, `localhost:5000`. */
  registry: string;
  /** Path inside the registry: `library/nginx`, `approved/resizer`. */
  path: string;
  /** `registry/path`: `docker.io/library/nginx`. */
  repository: string;
  /** '' when none was given (the runtime then pulls `latest`, unless a digest is given). */
  tag: string;
  /** `sha256:...` or ''. */
  digest: string;
}

/**
 * Parses `nginx`, `cryptoworker/x:latest`, `registry.lab.local/a/b:1@sha256:...`.
 * The first path component is a registry only if it has a `.` or `:` or is
 * `localhost`, as in the distribution reference grammar; so
 * `registry.lab.local.evil.io/approved/resizer` is a different registry, not a
 * sub-path of `registry.lab.local`.
 */
export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let registry = 'docker.io';
  let path = rest;
  if (first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    path = rest.slice(slash + 1);
  }
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  return { registry, path, repository: `${registry}/${path}`, tag, digest };
}
