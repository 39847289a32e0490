/**
 * Signs simulated images as `cosign sign --key` and `cosign attest --key` would, writing the
 * signature (or attestation) into each image's YAML (`signatures:` / `attestations:`). The
 * private key is the signer's and never belongs in the repository: pass it from where it is kept.
 *
 *     pnpm exec tsx runner/sim/scripts/cosign-sign.ts --key /path/cosign.key IMAGE.yaml...
 *     pnpm exec tsx runner/sim/scripts/cosign-sign.ts --key K --attest vuln --predicate P.json IMAGE.yaml...
 *
 * The key is a PEM ECDSA P-256 private key (`openssl ecparam -name prime256v1 -genkey -noout`,
 * or PKCS#8). Signing is the same operation cosign performs; only where the bytes are stored
 * differs (the YAML instead of an OCI `.sig`/`.att` tag).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { PREDICATE_TYPES } from '../src/admission/cluster-image-policy.ts';
import { preAuthEncoding } from '../src/admission/cosign-verify.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const keyPath = arg('--key');
const attest = arg('--attest');
const predicatePath = arg('--predicate');
const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (!keyPath || files.length === 0 || (attest && !predicatePath)) {
  console.error('usage: cosign-sign.ts --key KEY.pem [--attest TYPE --predicate P.json] IMAGE.yaml...');
  process.exit(2);
}
const key = createPrivateKey(readFileSync(keyPath));

for (const file of files) {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const repository = String(doc.get('repository'));
  const digest = String(doc.get('digest'));
  if (!attest) {
    const payload = JSON.stringify({
      critical: {
        identity: { 'docker-reference': repository },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    });
    const signature = sign('sha256', Buffer.from(payload), key).toString('base64');
    const list = (doc.get('signatures') as { items?: unknown[] } | undefined)?.items
      ? doc.get('signatures')
      : undefined;
    if (list) (list as { add(v: unknown): void }).add(doc.createNode({ payload, signature }));
    else doc.set('signatures', doc.createNode([{ payload, signature }]));
  } else {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: PREDICATE_TYPES[attest] ?? attest,
      subject: [{ name: repository, digest: { sha256: digest.replace(/^sha256:/, '') } }],
      predicate: JSON.parse(readFileSync(predicatePath as string, 'utf8')),
    };
    const payloadType = 'application/vnd.in-toto+json';
    const body = Buffer.from(JSON.stringify(statement));
    const sig = sign('sha256', Buffer.from(preAuthEncoding(payloadType, body)), key).toString('base64');
    const entry = { payloadType, payload: body.toString('base64'), signatures: [{ keyid: '', sig }] };
    const list = doc.get('attestations') as { add?(v: unknown): void } | undefined;
    if (list?.add) list.add(doc.createNode(entry));
    else doc.set('attestations', doc.createNode([entry]));
  }
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
  console.log(`signed ${repository}@${digest} in ${file}`);
}
