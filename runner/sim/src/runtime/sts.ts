import { describeInstances } from './ec2.ts';
import { instanceOfSessionToken, METADATA_ROLE, ROLE_KEYS } from './services/metadata.ts';
import type { RuntimeState } from './types.ts';

/** The lab's AWS account: the one every instance and role belongs to. */
export const ACCOUNT_ID = '123456789012';

/** The credentials a caller signs with, as the CLI reads them from its environment. */
export interface CallerCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
}

/** Who the credentials are, in STS's words (`aws sts get-caller-identity`). */
export interface CallerIdentity {
  UserId: string;
  Account: string;
  Arn: string;
}

/** An STS error, with AWS's code. */
export interface StsError {
  code: 'InvalidClientTokenId' | 'SignatureDoesNotMatch' | 'ExpiredToken';
  message: string;
}

/**
 * `sts:GetCallerIdentity` for the credentials the instances' metadata service hands out: the
 * node role's session on one instance (the session token says which), as STS answers it. Any
 * other key, a wrong secret, or a token no running instance issued is refused with STS's code,
 * so only keys really taken from 169.254.169.254 act as the role.
 */
export function getCallerIdentity(
  state: RuntimeState,
  credentials: CallerCredentials,
): { ok: true; identity: CallerIdentity } | { ok: false; error: StsError } {
  const invalid: StsError = {
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
  };
  if (credentials.AccessKeyId !== ROLE_KEYS.AccessKeyId) return { ok: false, error: invalid };
  if (credentials.SecretAccessKey !== ROLE_KEYS.SecretAccessKey) {
    return {
      ok: false,
      error: {
        code: 'SignatureDoesNotMatch',
        message:
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      },
    };
  }
  const instanceId = instanceOfSessionToken(credentials.SessionToken ?? '');
  if (!instanceId) return { ok: false, error: invalid };
  if (!describeInstances(state).some((i) => i.InstanceId === instanceId)) {
    return {
      ok: false,
      error: { code: 'ExpiredToken', message: 'The security token included in the request is expired' },
    };
  }
  return {
    ok: true,
    identity: {
      UserId: `AROAEXAMPLEPARANOIDNODE:${instanceId}`,
      Account: ACCOUNT_ID,
      Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${METADATA_ROLE}/${instanceId}`,
    },
  };
}
