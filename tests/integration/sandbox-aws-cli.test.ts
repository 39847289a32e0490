/**
 * The learner terminal's `aws` (runner/server/src/sandbox.ts, the shell's rc) against a
 * whole simulated cluster through the HTTPS host, with the real kubectl carrying the
 * learner's kubeconfig: describe the nodes' instances, require IMDSv2 with hop limit 1,
 * and see bad arguments refused before anything changes.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bashrc } from '@paranoid/server/sandbox.ts';
import { ROLE_KEYS, sessionTokenFor } from '@paranoid/sim/runtime/services/metadata.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, type StartedSim, startSim } from '../support/sim.ts';

let sim: StartedSim;
let rc: string;

beforeAll(async () => {
  sim = await startSim({ full: true });
  rc = join(sim.dir, 'bashrc');
  writeFileSync(rc, bashrc('metadata-ssrf'));
});
afterAll(async () => {
  await sim?.close();
});

function aws(
  args: string,
  credentials: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      '/bin/bash',
      ['-c', `source ${rc}; aws ${args}`],
      {
        env: {
          PATH: `${dirname(KUBECTL)}:/usr/bin:/bin`,
          HOME: sim.dir,
          KUBECONFIG: sim.kubeconfigPath,
          ...credentials,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 });
      },
    );
  });
}

interface Described {
  Reservations: [{ Instances: Array<{ InstanceId: string; MetadataOptions: Record<string, unknown> }> }];
}

describe('aws in the learner terminal', () => {
  it('describes the instances and requires IMDSv2 with hop limit 1 on one', async () => {
    const first = await aws('ec2 describe-instances');
    expect(first.code, first.stderr).toBe(0);
    const instances = (JSON.parse(first.stdout) as Described).Reservations[0].Instances;
    expect(instances.length).toBeGreaterThan(0);
    const id = instances[0]!.InstanceId;
    expect(instances[0]!.MetadataOptions).toMatchObject({ HttpTokens: 'optional', HttpPutResponseHopLimit: 2 });
    const r = await aws(
      `ec2 modify-instance-metadata-options --instance-id ${id} --http-tokens required --http-put-response-hop-limit 1`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ InstanceId: id, InstanceMetadataOptions: { HttpTokens: 'required' } });
    const after = (JSON.parse((await aws('ec2 describe-instances')).stdout) as Described).Reservations[0].Instances;
    expect(after.find((i) => i.InstanceId === id)?.MetadataOptions).toMatchObject({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 1,
    });
  });

  it('refuses bad arguments with a clear error and changes nothing', async () => {
    const id = (JSON.parse((await aws('ec2 describe-instances')).stdout) as Described).Reservations[0].Instances[1]
      ?.InstanceId;
    expect(id).toBeDefined();
    const injected = await aws(`ec2 modify-instance-metadata-options --instance-id ${id} --http-tokens 'x","a":"b'`);
    expect(injected.code).toBe(2);
    expect(injected.stderr).toContain('Invalid choice');
    const server = await aws(
      `ec2 modify-instance-metadata-options --instance-id ${id} --http-put-response-hop-limit 0`,
    );
    expect(server.code).not.toBe(0);
    expect(server.stderr).toContain('InvalidParameterValue');
    expect((await aws('ec2 modify-instance-metadata-options --http-tokens required')).stderr).toContain(
      '--instance-id',
    );
    expect((await aws('s3 ls')).code).toBe(2);
    const after = (JSON.parse((await aws('ec2 describe-instances')).stdout) as Described).Reservations[0].Instances;
    expect(after.find((i) => i.InstanceId === id)?.MetadataOptions).toMatchObject({
      HttpTokens: 'optional',
      HttpPutResponseHopLimit: 2,
    });
  });

  it("answers sts get-caller-identity as the node role's session for the keys the metadata service hands out, and refuses others", async () => {
    const described = JSON.parse((await aws('ec2 describe-instances')).stdout) as Described;
    const id = described.Reservations[0].Instances[0]!.InstanceId;
    const stolen = {
      AWS_ACCESS_KEY_ID: ROLE_KEYS.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: ROLE_KEYS.SecretAccessKey,
      AWS_SESSION_TOKEN: sessionTokenFor(id),
    };
    const me = await aws('sts get-caller-identity', stolen);
    expect(me.code, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout)).toEqual({
      UserId: `AROAEXAMPLEPARANOIDNODE:${id}`,
      Account: '123456789012',
      Arn: `arn:aws:sts::123456789012:assumed-role/paranoid-node-role/${id}`,
    });
    const none = await aws('sts get-caller-identity');
    expect([none.code, none.stderr]).toEqual([
      253,
      'Unable to locate credentials. You can configure credentials by running "aws configure".\n',
    ]);
    const wrongSecret = await aws('sts get-caller-identity', { ...stolen, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) });
    expect(wrongSecret.code).toBe(254);
    expect(wrongSecret.stderr).toContain(
      'An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: The request signature we calculated',
    );
    const noToken = await aws('sts get-caller-identity', { ...stolen, AWS_SESSION_TOKEN: '' });
    expect(noToken.stderr).toBe(
      'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.\n',
    );
    const gone = await aws('sts get-caller-identity', {
      ...stolen,
      AWS_SESSION_TOKEN: sessionTokenFor('i-0ffffffffffffffff'),
    });
    expect(gone.stderr).toContain('(ExpiredToken)');
    const injected = await aws('sts get-caller-identity', { ...stolen, AWS_ACCESS_KEY_ID: 'AKIA","x":"' });
    expect(injected.code).toBe(254);
    expect(injected.stderr).toContain('(InvalidClientTokenId)');
  });
});
