/**
 * Image references normalised as containerd and the kubelet do
 * (github.com/distribution/reference ParseNormalizedNamed):
 * `nginx` → `docker.io/library/nginx:latest`; a first component with a dot,
 * a colon or `localhost` is a registry host.
 */
export interface ImageReference {
  /** `docker.io/library/nginx` */
  repository: string;
  /** `registry.lab.local` */
  domain: string;
  /** Undefined when only a digest was given. */
  tag?: string;
  digest?: string;
  /** The fully qualified reference: `docker.io/library/nginx:latest` or `...@sha256:...`. */
  full: string;
}

/**
 * Splits an image reference into registry, repository, tag and digest, as containerd reads it; undefined if
 * invalid.
 */
export function parseImageReference(ref: string): ImageReference | undefined {
  const s = ref.trim();
  if (!s || /[A-Z\s]/.test(s.split('@')[0] ?? '')) return undefined;
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (!rest) return undefined;
  const first = rest.split('/')[0] ?? '';
  let domain = 'docker.io';
  let path = rest;
  if (rest.includes('/') && isDomain(first)) {
    domain = first === 'index.docker.io' ? 'docker.io' : first;
    path = rest.slice(first.length + 1);
  }
  if (!/^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$/.test(path)) return undefined;
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const repository = `${domain}/${path}`;
  if (!tag && !digest) tag = 'latest';
  const full = `${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { repository, domain, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), full };
}

function isDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}
