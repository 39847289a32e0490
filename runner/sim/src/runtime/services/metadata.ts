import { type HttpRequest, type HttpResponse, header } from './http.ts';

/** The role a node's instance profile carries; the credentials are AWS's documented examples. */
export const METADATA_ROLE = 'paranoid-node-role';

/** The role's access key pair the metadata service hands out: AWS's documented example values. */
export const ROLE_KEYS = {
  AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
} as const;

const SESSION_TOKEN_PREFIX = 'IQoJb3JpZ2luX2Vj';
const SESSION_TOKEN_SUFFIX = 'EXAMPLEFakeSessionTokenForTheParanoidLab';

/** The session token of the role's credentials on one instance: the session is the instance's, as on EC2. */
export function sessionTokenFor(instanceId: string): string {
  return `${SESSION_TOKEN_PREFIX}${instanceId}${SESSION_TOKEN_SUFFIX}`;
}

/** The instance whose role session a token belongs to, or undefined for a token no instance issued. */
export function instanceOfSessionToken(token: string): string | undefined {
  if (!token.startsWith(SESSION_TOKEN_PREFIX) || !token.endsWith(SESSION_TOKEN_SUFFIX)) return undefined;
  const id = token.slice(SESSION_TOKEN_PREFIX.length, token.length - SESSION_TOKEN_SUFFIX.length);
  return /^i-0[0-9a-f]{16}$/.test(id) ? id : undefined;
}

/**
 * An instance's metadata options, as `aws ec2 modify-instance-metadata-options` sets them.
 * The defaults are a managed node group's: IMDSv1 still answers, and the token's answer
 * survives the extra hop into a pod's network namespace.
 */
export interface MetadataOptions {
  /** `required`: every GET needs a session token (IMDSv2 only). */
  httpTokens: 'optional' | 'required';
  /** The IP TTL of the PUT's answer: 1 dies at the hop into a pod's network namespace. */
  httpPutResponseHopLimit: number;
}

/**
 * A node's metadata options unless a scenario changes them: tokens optional (IMDSv1 answers) and a hop limit
 * of 2, so pods reach it.
 */
export const DEFAULT_METADATA_OPTIONS: Readonly<MetadataOptions> = {
  httpTokens: 'optional',
  httpPutResponseHopLimit: 2,
};

/** AWS's bounds on a token's lifetime and on the hop limit. */
export const TOKEN_TTL_MIN = 1;
/** The longest lifetime of an IMDSv2 token AWS accepts, in seconds (six hours). */
export const TOKEN_TTL_MAX = 21600;
/** The smallest response hop limit AWS accepts. */
export const HOP_LIMIT_MIN = 1;
/** The largest response hop limit AWS accepts. */
export const HOP_LIMIT_MAX = 64;
/** Live tokens one instance keeps; the oldest goes first, so a client issuing tokens in a loop costs bounded memory. */
export const MAX_TOKENS = 256;

/** One instance's metadata service: its options and the session tokens it has issued. */
export interface InstanceMetadata {
  options: MetadataOptions;
  /** Token → when it expires (ms). Insertion order is issue order. */
  tokens: Map<string, number>;
}

/** A node's instance metadata service, made with the defaults on first use. */
export function instanceMetadata(host: { imds?: InstanceMetadata }): InstanceMetadata {
  host.imds ??= { options: { ...DEFAULT_METADATA_OPTIONS }, tokens: new Map() };
  return host.imds;
}

/** The instance ID AWS would show for a node: stable for its name. */
export function instanceIdOf(nodeName: string): string {
  return `i-0${Array.from(nodeName)
    .reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
    .toString(16)
    .padStart(16, '0')
    .slice(0, 16)}`;
}

function newToken(): string {
  const bytes = new Uint8Array(42);
  globalThis.crypto.getRandomValues(bytes);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Where the request came from: how many IP hops the answer must cross to reach the caller. */
export interface MetadataCaller {
  /** 1 from the node itself (or a hostNetwork pod); 2 from the pod network (the veth is one more hop). */
  hops: number;
}

/**
 * A cloud metadata endpoint (AWS IMDS) as it answers from 169.254.169.254: IMDSv1 GETs,
 * IMDSv2's session token (PUT /latest/api/token, then the token on every GET), and the
 * instance's options: with `httpTokens: required` a GET without a valid token gets 401;
 * the PUT's answer is lost when the caller is more hops away than the hop limit allows.
 * Keys are the fake `...EXAMPLE` values from AWS documentation.
 */
export function metadataResponse(
  req: HttpRequest,
  node: { name: string; ip: string },
  imds: InstanceMetadata,
  caller: MetadataCaller,
  now: number,
): HttpResponse {
  const text = (body: string, status = 200, extra: Record<string, string> = {}): HttpResponse => ({
    status,
    headers: { 'Content-Type': 'text/plain', Server: 'EC2ws', ...extra },
    body,
  });
  const path = req.path.split('?')[0]!.replace(/\/+$/, '') || '/';
  const method = req.method.toUpperCase();
  for (const [t, expires] of imds.tokens) if (expires <= now) imds.tokens.delete(t);
  if (path === '/latest/api/token') {
    if (method !== 'PUT') return text('', 405);
    // IMDS refuses a token request that went through a proxy, as an SSRF through one would.
    if (header(req.headers, 'x-forwarded-for') !== undefined) return text('', 403);
    const raw = header(req.headers, 'x-aws-ec2-metadata-token-ttl-seconds');
    const ttl = raw !== undefined && /^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!(ttl >= TOKEN_TTL_MIN && ttl <= TOKEN_TTL_MAX)) return text('', 400);
    const token = newToken();
    while (imds.tokens.size >= MAX_TOKENS) imds.tokens.delete(imds.tokens.keys().next().value as string);
    imds.tokens.set(token, now + ttl * 1000);
    const res = text(token, 200, { 'X-Aws-Ec2-Metadata-Token-Ttl-Seconds': String(ttl) });
    return caller.hops > imds.options.httpPutResponseHopLimit ? { ...res, lost: true } : res;
  }
  if (method !== 'GET' && method !== 'HEAD') return text('', 405);
  const token = header(req.headers, 'x-aws-ec2-metadata-token');
  if (token !== undefined ? !imds.tokens.has(token) : imds.options.httpTokens === 'required') {
    return text('', 401);
  }
  const expiration = new Date(now + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const updated = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const instanceId = instanceIdOf(node.name);
  const tree: Record<string, string> = {
    '/': 'latest\n',
    '/latest': 'dynamic\nmeta-data\nuser-data',
    '/latest/meta-data':
      'ami-id\nhostname\niam/\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nplacement/\nsecurity-groups',
    '/latest/meta-data/ami-id': 'ami-0abcdef1234567890',
    '/latest/meta-data/hostname': `ip-${node.ip.replace(/\./g, '-')}.eu-west-1.compute.internal`,
    '/latest/meta-data/local-hostname': `ip-${node.ip.replace(/\./g, '-')}.eu-west-1.compute.internal`,
    '/latest/meta-data/local-ipv4': node.ip,
    '/latest/meta-data/instance-id': instanceId,
    '/latest/meta-data/instance-type': 'm5.large',
    '/latest/meta-data/placement': 'availability-zone\nregion',
    '/latest/meta-data/placement/availability-zone': 'eu-west-1a',
    '/latest/meta-data/placement/region': 'eu-west-1',
    '/latest/meta-data/security-groups': 'paranoid-nodes',
    '/latest/meta-data/iam': 'info\nsecurity-credentials/',
    '/latest/meta-data/iam/info': JSON.stringify(
      {
        Code: 'Success',
        LastUpdated: updated,
        InstanceProfileArn: `arn:aws:iam::123456789012:instance-profile/${METADATA_ROLE}`,
        InstanceProfileId: 'AIPAEXAMPLEPROFILEID',
      },
      null,
      2,
    ),
    '/latest/meta-data/iam/security-credentials': METADATA_ROLE,
    [`/latest/meta-data/iam/security-credentials/${METADATA_ROLE}`]: JSON.stringify(
      {
        Code: 'Success',
        LastUpdated: updated,
        Type: 'AWS-HMAC',
        ...ROLE_KEYS,
        Token: sessionTokenFor(instanceId),
        Expiration: expiration,
      },
      null,
      2,
    ),
    '/latest/user-data': `#!/bin/bash\n/etc/eks/bootstrap.sh paranoid --kubelet-extra-args '--node-labels=pool=default'\n`,
    '/latest/dynamic': 'instance-identity/',
  };
  const body = tree[path];
  if (body === undefined) {
    return {
      status: 404,
      headers: { 'Content-Type': 'text/html' },
      body: '<?xml version="1.0" encoding="iso-8859-1"?>\n<title>404 - Not Found</title>\n',
    };
  }
  return text(body);
}
