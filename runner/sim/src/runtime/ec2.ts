import { nodeHost } from './node-host.ts';
import {
  HOP_LIMIT_MAX,
  HOP_LIMIT_MIN,
  instanceIdOf,
  instanceMetadata,
  type MetadataOptions,
} from './services/metadata.ts';
import type { RuntimeState } from './types.ts';

/**
 * The cloud's control plane for the nodes' instances: what `aws ec2
 * describe-instances` reads and `aws ec2 modify-instance-metadata-options`
 * changes. It lives outside the cluster on purpose: nothing a learner writes
 * into the cluster (an annotation, a label) moves it, so a grader that reads
 * the metadata service's behaviour reads what the cloud really does.
 */

/** One instance as `describe-instances` shows it (the fields the lab uses, in AWS's names). */
export interface InstanceDescription {
  InstanceId: string;
  PrivateIpAddress: string;
  PrivateDnsName: string;
  State: { Name: 'running' };
  Tags: Array<{ Key: string; Value: string }>;
  MetadataOptions: {
    State: 'applied';
    HttpTokens: MetadataOptions['httpTokens'];
    HttpPutResponseHopLimit: number;
    HttpEndpoint: 'enabled';
  };
}

/** An EC2 API error, with AWS's code (the CLI prints `An error occurred (Code) when calling ...`). */
export interface Ec2Error {
  code: 'InvalidInstanceID.Malformed' | 'InvalidInstanceID.NotFound' | 'InvalidParameterValue' | 'MissingParameter';
  message: string;
}

function nodeNames(state: RuntimeState): string[] {
  return state.deps.store
    .list({ group: '', resource: 'nodes' })
    .map((n) => n.metadata?.name ?? '')
    .filter(Boolean)
    .sort();
}

/** Every node's instance, with its metadata options. */
export function describeInstances(state: RuntimeState): InstanceDescription[] {
  return nodeNames(state).map((name) => {
    const host = nodeHost(state, name);
    const { options } = instanceMetadata(host);
    const dns = `ip-${host.ip.replace(/\./g, '-')}.eu-west-1.compute.internal`;
    return {
      InstanceId: instanceIdOf(name),
      PrivateIpAddress: host.ip,
      PrivateDnsName: dns,
      State: { Name: 'running' },
      Tags: [{ Key: 'kubernetes.io/hostname', Value: name }],
      MetadataOptions: {
        State: 'applied',
        HttpTokens: options.httpTokens,
        HttpPutResponseHopLimit: options.httpPutResponseHopLimit,
        HttpEndpoint: 'enabled',
      },
    };
  });
}

/** What `modify-instance-metadata-options` may change; an absent field keeps its value. */
export interface MetadataOptionsChange {
  httpTokens?: string;
  httpPutResponseHopLimit?: number;
}

/**
 * Changes one instance's metadata options, validated as EC2 does; tokens already
 * issued stay valid until they expire, as on AWS.
 */
export function modifyInstanceMetadataOptions(
  state: RuntimeState,
  instanceId: string,
  change: MetadataOptionsChange,
): { ok: true; instance: InstanceDescription } | { ok: false; error: Ec2Error } {
  if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(instanceId)) {
    return {
      ok: false,
      error: { code: 'InvalidInstanceID.Malformed', message: `Invalid id: "${instanceId.slice(0, 64)}"` },
    };
  }
  const name = nodeNames(state).find((n) => instanceIdOf(n) === instanceId);
  if (!name) {
    return {
      ok: false,
      error: { code: 'InvalidInstanceID.NotFound', message: `The instance ID '${instanceId}' does not exist` },
    };
  }
  if (change.httpTokens === undefined && change.httpPutResponseHopLimit === undefined) {
    return {
      ok: false,
      error: { code: 'MissingParameter', message: 'At least one metadata option must be specified.' },
    };
  }
  if (change.httpTokens !== undefined && change.httpTokens !== 'optional' && change.httpTokens !== 'required') {
    return {
      ok: false,
      error: {
        code: 'InvalidParameterValue',
        message: `Value (${change.httpTokens.slice(0, 64)}) for parameter HttpTokens is invalid. Valid values are: optional, required.`,
      },
    };
  }
  const hops = change.httpPutResponseHopLimit;
  if (hops !== undefined && !(Number.isInteger(hops) && hops >= HOP_LIMIT_MIN && hops <= HOP_LIMIT_MAX)) {
    return {
      ok: false,
      error: {
        code: 'InvalidParameterValue',
        message: `Value (${hops}) for parameter HttpPutResponseHopLimit is invalid. Valid values are between ${HOP_LIMIT_MIN} and ${HOP_LIMIT_MAX}.`,
      },
    };
  }
  const imds = instanceMetadata(nodeHost(state, name));
  if (change.httpTokens !== undefined) imds.options.httpTokens = change.httpTokens;
  if (hops !== undefined) imds.options.httpPutResponseHopLimit = hops;
  const instance = describeInstances(state).find((i) => i.InstanceId === instanceId)!;
  return { ok: true, instance };
}
