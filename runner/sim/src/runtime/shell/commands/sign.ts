import { parsePublicKeyPem, verifyImageSignatures } from '../../../admission/cosign-verify.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { readFile } from './util.ts';

/**
 * `cosign verify --key KEY IMAGE` and `cosign triangulate IMAGE`, as cosign 2.4 prints them,
 * over the registry's data: the signatures an image carries, checked with the same verifier
 * policy-controller's admission uses. A key is a file in the container or `env://VAR`. There
 * is no Rekor in the lab, so verification without `--insecure-ignore-tlog=true` fails as
 * cosign does when it cannot reach the transparency log.
 */

const USAGE =
  'Usage:\n  cosign [command]\n\nAvailable Commands:\n  triangulate Outputs the located cosign image reference.\n  verify      Verify a signature on the supplied container image\n  version     Prints the version\n';

function fail(ctx: CommandCtx, message: string): number {
  ctx.err(`Error: ${message}\nmain.go:74: error during command execution: ${message}\n`);
  return 1;
}

function loadKey(ctx: CommandCtx, key: string): string | undefined {
  if (key.startsWith('env://')) return ctx.env.get(key.slice('env://'.length));
  if (/^[a-z0-9]+:\/\//.test(key)) return undefined;
  const r = readFile(ctx, key);
  return 'content' in r ? r.content : undefined;
}

function verify(ctx: CommandCtx, args: string[]): number {
  let key: string | undefined;
  let ignoreTlog = false;
  let ref: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] = a.startsWith('--') ? (a.split(/=(.*)/s) as [string, string | undefined]) : [a, undefined];
    if (flag === '--key') key = inline ?? args[++i];
    else if (flag === '--insecure-ignore-tlog') ignoreTlog = inline === undefined || inline === 'true';
    else if (a.startsWith('-')) return fail(ctx, `unknown flag: ${flag}`);
    else ref = a;
  }
  if (!ref) return fail(ctx, 'accepts 1 arg(s), received 0');
  if (!key) return fail(ctx, 'no key or identity given: this lab signs with keys, pass --key');
  const pem = loadKey(ctx, key);
  if (pem === undefined) return fail(ctx, `loading public key: reading key ${key}: no such file or variable`);
  const parsed = parsePublicKeyPem(pem);
  if (!parsed.ok) return fail(ctx, `loading public key: ${parsed.reason}`);
  const pulled = ctx.sys.state.deps.registry.pull(ref);
  if (!pulled.ok) return fail(ctx, `image tag not found: ${pulled.message}`);
  if (!ignoreTlog) {
    return fail(
      ctx,
      'no matching signatures: signature not found in transparency log (this lab has no Rekor: add --insecure-ignore-tlog=true)',
    );
  }
  ctx.err(
    'WARNING: Skipping tlog verification is an insecure practice that lacks of transparency and auditability verification for the signature.\n',
  );
  const image = pulled.image;
  const outcome = verifyImageSignatures(image.signatures, image.digest, parsed.point);
  if (!outcome.ok) return fail(ctx, outcome.error);
  ctx.err(
    `\nVerification for ${ref} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n  - The signatures were verified against the specified public key\n`,
  );
  const payloads = image.signatures
    .filter((s) => verifyImageSignatures([s], image.digest, parsed.point).ok)
    .map((s) => JSON.parse(s.payload) as unknown);
  ctx.out(`\n${JSON.stringify(payloads)}\n`);
  return 0;
}

function cosign(ctx: CommandCtx): number {
  const [sub, ...args] = ctx.argv.slice(1);
  if (sub === 'verify') return verify(ctx, args);
  if (sub === 'triangulate') {
    const ref = args.find((a) => !a.startsWith('-'));
    if (!ref) return fail(ctx, 'accepts 1 arg(s), received 0');
    const pulled = ctx.sys.state.deps.registry.pull(ref);
    if (!pulled.ok) return fail(ctx, pulled.message);
    const repository = pulled.imageRef.split('@')[0] ?? '';
    ctx.out(`${repository}:${pulled.image.digest.replace(':', '-')}.sig\n`);
    return 0;
  }
  if (sub === 'version') {
    ctx.out('GitVersion:    v2.4.1\n');
    return 0;
  }
  ctx.err(
    sub === undefined || sub === '--help' || sub === '-h' ? USAGE : `Error: unknown command "${sub}" for "cosign"\n`,
  );
  return 1;
}

/** `cosign verify` and `cosign triangulate` over the images' signatures in the simulated registry. */
export const signCommands: CommandTable = { cosign };
