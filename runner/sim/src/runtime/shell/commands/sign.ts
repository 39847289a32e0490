import type { Image } from '@paranoid/schema/image.ts';
import { PREDICATE_TYPES } from '../../../admission/cluster-image-policy.ts';
import { attestImage, parsePrivateKeyPem, signImage } from '../../../admission/cosign-signing.ts';
import { parsePublicKeyPem, verifyImageAttestations, verifyImageSignatures } from '../../../admission/cosign-verify.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { readFile } from './util.ts';

/**
 * `cosign sign`, `attest`, `verify`, `verify-attestation` and `triangulate`, as cosign 2.4
 * prints them, over the registry's data: signing pushes a signature or attestation beside the
 * image in the simulated registry, verifying checks them with the same verifier
 * policy-controller's admission uses. A key is a file in the container or `env://VAR`. There
 * is no Rekor in the lab: signing without `--tlog-upload=false` and verifying without
 * `--insecure-ignore-tlog=true` fail as cosign does when it cannot reach the transparency log.
 */

const USAGE =
  'Usage:\n  cosign [command]\n\nAvailable Commands:\n  attest             Attest the supplied container image.\n  clean              Remove all signatures from an image.\n  sign               Sign the supplied container image.\n  triangulate        Outputs the located cosign image reference.\n  verify             Verify a signature on the supplied container image\n  verify-attestation Verify an attestation on the supplied container image\n  version            Prints the version\n';

/** A predicate file larger than this is refused: an attestation must fit the registry's limit. */
const MAX_PREDICATE_BYTES = 128 * 1024;
const NO_REKOR = 'this lab has no Rekor: add --tlog-upload=false';

/** Flags of a signing or verifying command: `--flag value`, `--flag=value`, booleans alone. */
interface Parsed {
  values: Map<string, string>;
  bools: Set<string>;
  /** Booleans set to false (`--tlog-upload=false`). */
  falses: Set<string>;
  refs: string[];
  unknown?: string;
}

function parseArgs(args: string[], valued: string[], booleans: string[]): Parsed {
  const out: Parsed = { values: new Map(), bools: new Set(), falses: new Set(), refs: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-')) {
      out.refs.push(a);
      continue;
    }
    const [flag, inline] = a.startsWith('--') ? (a.split(/=(.*)/s) as [string, string | undefined]) : [a, undefined];
    if (valued.includes(flag)) out.values.set(flag, inline ?? args[++i] ?? '');
    else if (booleans.includes(flag)) {
      const on = inline === undefined || inline === 'true';
      if (on) out.bools.add(flag);
      else out.bools.delete(flag);
      if (on) out.falses.delete(flag);
      else out.falses.add(flag);
    } else {
      out.unknown ??= flag;
    }
  }
  return out;
}

function loadSigningKey(ctx: CommandCtx, key: string | undefined): { secret: Uint8Array } | { error: string } {
  if (!key) return { error: 'no key given: this lab signs with keys, pass --key' };
  const pem = loadKey(ctx, key);
  if (pem === undefined) return { error: `reading key: open ${key}: no such file or directory` };
  const parsed = parsePrivateKeyPem(pem);
  return parsed.ok ? { secret: parsed.secret } : { error: `reading key: ${parsed.reason}` };
}

/** `cosign sign --key KEY --tlog-upload=false IMAGE`: pushes a signature of the image's digest. */
function sign(ctx: CommandCtx, args: string[]): number {
  const p = parseArgs(args, ['--key'], ['--tlog-upload', '--yes', '-y', '--recursive']);
  if (p.unknown) return fail(ctx, `unknown flag: ${p.unknown}`);
  if (p.refs.length !== 1) return fail(ctx, `accepts 1 arg(s), received ${p.refs.length}`);
  const ref = p.refs[0] as string;
  const key = loadSigningKey(ctx, p.values.get('--key'));
  if ('error' in key) return fail(ctx, `signing [${ref}]: ${key.error}`);
  const pulled = ctx.sys.state.deps.registry.pull(ref);
  if (!pulled.ok) return fail(ctx, `signing [${ref}]: accessing entity: ${pulled.message}`);
  if (!p.falses.has('--tlog-upload')) return fail(ctx, `signing [${ref}]: ${NO_REKOR}`);
  const repository = pulled.imageRef.split('@')[0] ?? '';
  ctx.sys.state.deps.registry.attach(pulled.image, {
    signature: signImage(key.secret, repository, pulled.image.digest),
  });
  ctx.err(`Pushing signature to: ${repository}\n`);
  return 0;
}

/** `cosign attest --key KEY --type TYPE --predicate FILE --tlog-upload=false IMAGE`. */
function attest(ctx: CommandCtx, args: string[]): number {
  const p = parseArgs(args, ['--key', '--type', '--predicate'], ['--tlog-upload', '--yes', '-y', '--replace']);
  if (p.unknown) return fail(ctx, `unknown flag: ${p.unknown}`);
  if (p.refs.length !== 1) return fail(ctx, `accepts 1 arg(s), received ${p.refs.length}`);
  const ref = p.refs[0] as string;
  const type = p.values.get('--type') ?? 'custom';
  const predicateType = PREDICATE_TYPES[type] ?? (/^https?:\/\//.test(type) ? type : undefined);
  if (!predicateType) return fail(ctx, `invalid predicate type: ${type}`);
  const file = p.values.get('--predicate');
  if (!file) return fail(ctx, 'required flag(s) "predicate" not set');
  const key = loadSigningKey(ctx, p.values.get('--key'));
  if ('error' in key) return fail(ctx, `signing ${ref}: ${key.error}`);
  const read = readFile(ctx, file);
  if (!('content' in read)) return fail(ctx, `open ${file}: no such file or directory`);
  if (read.content.length > MAX_PREDICATE_BYTES) {
    return fail(
      ctx,
      `reading predicate ${file}: larger than ${MAX_PREDICATE_BYTES} bytes, which this lab's registry stores`,
    );
  }
  let predicate: unknown;
  try {
    predicate = JSON.parse(read.content);
  } catch (e) {
    return fail(ctx, `unmarshaling predicate: ${(e as Error).message}`);
  }
  if (predicate === null || typeof predicate !== 'object' || Array.isArray(predicate)) {
    return fail(ctx, 'unmarshaling predicate: json: cannot unmarshal into Go value of type map[string]interface {}');
  }
  const pulled = ctx.sys.state.deps.registry.pull(ref);
  if (!pulled.ok) return fail(ctx, `accessing entity: ${pulled.message}`);
  if (!p.falses.has('--tlog-upload')) return fail(ctx, `signing ${ref}: ${NO_REKOR}`);
  const repository = pulled.imageRef.split('@')[0] ?? '';
  ctx.err(`Using payload from: ${file}\n`);
  ctx.sys.state.deps.registry.attach(pulled.image, {
    attestation: attestImage(key.secret, repository, pulled.image.digest, predicateType, predicate),
    predicateType,
    replace: p.bools.has('--replace'),
  });
  return 0;
}

/**
 * `cosign clean [--type signature|attestation|sbom|all] --force IMAGE`: deletes what cosign
 * pushed beside the image. Without `--force` cosign asks first, and only a `y` on its input goes on.
 */
function clean(ctx: CommandCtx, args: string[]): number {
  const p = parseArgs(args, ['--type'], ['--force', '-f']);
  if (p.unknown) return fail(ctx, `unknown flag: ${p.unknown}`);
  if (p.refs.length !== 1) return fail(ctx, `accepts 1 arg(s), received ${p.refs.length}`);
  const ref = p.refs[0] as string;
  const type = p.values.get('--type') ?? 'all';
  if (!['signature', 'attestation', 'sbom', 'all'].includes(type)) return fail(ctx, `invalid clean type: ${type}`);
  const pulled = ctx.sys.state.deps.registry.pull(ref);
  if (!pulled.ok) return fail(ctx, `getting digest for ${ref}: ${pulled.message}`);
  if (!p.bools.has('--force') && !p.bools.has('-f')) {
    ctx.err(
      `WARNING: this will remove all ${type === 'all' ? 'signatures, attestations and SBOMs' : `${type}s`} from the image, do you want to continue? [Y/n] `,
    );
    if (!/^y(es)?$/i.test(ctx.stdin.split('\n')[0]?.trim() ?? '')) return fail(ctx, 'user declined the prompt');
  }
  // No SBOMs are stored in the lab's registry: `sbom` has nothing to delete.
  if (type !== 'sbom') ctx.sys.state.deps.registry.clean(pulled.image, type as 'signature' | 'attestation' | 'all');
  return 0;
}

/** What `verify` and `verify-attestation` have before they verify: their flags, one image, its public key and its pull. */
interface Verifying {
  p: Parsed;
  ref: string;
  /** The public key's curve point. */
  key: Uint8Array;
  image: Image;
}

/**
 * The preamble `cosign verify` and `cosign verify-attestation` share: flags (`--key` and
 * `--insecure-ignore-tlog`, plus `extra` valued ones), exactly one image, the public key from a
 * file or `env://VAR`, the image pulled, and the refusal to go on without
 * `--insecure-ignore-tlog=true` (no Rekor in the lab), then cosign's warning for skipping it.
 * What the command is after (`signature` or `attestation`) words the texts. Returns the exit
 * code where it failed.
 */
function verifying(
  ctx: CommandCtx,
  args: string[],
  extra: string[],
  what: 'signature' | 'attestation',
): Verifying | number {
  const p = parseArgs(args, ['--key', ...extra], ['--insecure-ignore-tlog']);
  if (p.unknown) return fail(ctx, `unknown flag: ${p.unknown}`);
  if (p.refs.length !== 1) return fail(ctx, `accepts 1 arg(s), received ${p.refs.length}`);
  const ref = p.refs[0] as string;
  const file = p.values.get('--key');
  if (!file) return fail(ctx, 'no key or identity given: this lab signs with keys, pass --key');
  const pem = loadKey(ctx, file);
  if (pem === undefined) return fail(ctx, `loading public key: reading key ${file}: no such file or variable`);
  const parsed = parsePublicKeyPem(pem);
  if (!parsed.ok) return fail(ctx, `loading public key: ${parsed.reason}`);
  const pulled = ctx.sys.state.deps.registry.pull(ref);
  if (!pulled.ok) return fail(ctx, `image tag not found: ${pulled.message}`);
  if (!p.bools.has('--insecure-ignore-tlog')) {
    return fail(
      ctx,
      `no matching ${what}s: signature not found in transparency log (this lab has no Rekor: add --insecure-ignore-tlog=true)`,
    );
  }
  ctx.err(
    `WARNING: Skipping tlog verification is an insecure practice that lacks of transparency and auditability verification for the ${what}.\n`,
  );
  return { p, ref, key: parsed.point, image: pulled.image };
}

/** `cosign verify-attestation --key KEY [--type TYPE] --insecure-ignore-tlog=true IMAGE`. */
function verifyAttestation(ctx: CommandCtx, args: string[]): number {
  const v = verifying(ctx, args, ['--type'], 'attestation');
  if (typeof v === 'number') return v;
  const { p, ref, key, image } = v;
  const outcome = verifyImageAttestations(image.attestations, image.digest, key);
  if (!outcome.ok) return fail(ctx, outcome.error);
  const type = p.values.get('--type') ?? 'custom';
  const wanted = PREDICATE_TYPES[type] ?? type;
  const matching = image.attestations.filter((a) => {
    const one = verifyImageAttestations([a], image.digest, key);
    return one.ok && one.verified.some((v) => v.predicateType === wanted);
  });
  if (matching.length === 0) {
    const found = [...new Set(outcome.verified.map((v) => v.predicateType))].join(', ');
    return fail(ctx, `none of the attestations matched the predicate type: ${type}, found: ${found}`);
  }
  ctx.err(
    `\nVerification for ${ref} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n  - The signatures were verified against the specified public key\n`,
  );
  for (const a of matching) ctx.out(`${JSON.stringify(a)}\n`);
  return 0;
}

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

/** `cosign verify --key KEY --insecure-ignore-tlog=true IMAGE`: the verified signatures' payloads. */
function verify(ctx: CommandCtx, args: string[]): number {
  const v = verifying(ctx, args, [], 'signature');
  if (typeof v === 'number') return v;
  const { ref, key, image } = v;
  const outcome = verifyImageSignatures(image.signatures, image.digest, key);
  if (!outcome.ok) return fail(ctx, outcome.error);
  ctx.err(
    `\nVerification for ${ref} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n  - The signatures were verified against the specified public key\n`,
  );
  const payloads = image.signatures
    .filter((s) => verifyImageSignatures([s], image.digest, key).ok)
    .map((s) => JSON.parse(s.payload) as unknown);
  ctx.out(`\n${JSON.stringify(payloads)}\n`);
  return 0;
}

function cosign(ctx: CommandCtx): number {
  const [sub, ...args] = ctx.argv.slice(1);
  if (sub === 'verify') return verify(ctx, args);
  if (sub === 'verify-attestation') return verifyAttestation(ctx, args);
  if (sub === 'sign') return sign(ctx, args);
  if (sub === 'attest') return attest(ctx, args);
  if (sub === 'clean') return clean(ctx, args);
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

/** `cosign` over the simulated registry: sign, attest, clean, verify, verify-attestation, triangulate. */
export const signCommands: CommandTable = { cosign };
