import type { HttpRequest, HttpResponse } from './http.ts';

/** The role a node's instance profile carries; the credentials are AWS's documented examples. */
export const METADATA_ROLE = 'paranoid-node-role';

/**
 * A cloud metadata endpoint (AWS IMDS, v1 and v2 token flow) as it answers from
 * 169.254.169.254: enough for the classic "steal the node's cloud credentials"
 * step. Keys are the fake `...EXAMPLE` values from AWS documentation.
 */
export function metadataResponse(req: HttpRequest, node: { name: string; ip: string }, now: number): HttpResponse {
  const text = (body: string, status = 200): HttpResponse => ({
    status,
    headers: { 'Content-Type': 'text/plain', Server: 'EC2ws' },
    body,
  });
  const path = req.path.split('?')[0]!.replace(/\/+$/, '') || '/';
  if (req.method === 'PUT' && path === '/latest/api/token') return text('AQAEAFakeImdsV2TokenForTheParanoidLab==');
  const expiration = new Date(now + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const updated = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const instanceId = `i-0${Array.from(node.name)
    .reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
    .toString(16)
    .padStart(16, '0')
    .slice(0, 16)}`;
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
        AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        Token: 'IQoJb3JpZ2luX2VjEXAMPLEFakeSessionTokenForTheParanoidLab',
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
