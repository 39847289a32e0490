import { describe, expect, it } from 'vitest';
import { ManifestError, parseEditorText, parseManifests } from './manifests.ts';

const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: shop}
spec: {podSelector: {}, policyTypes: [Egress]}
`;
const CLOUD = `# what the fix changes in the cloud
- httpTokens: required
  httpPutResponseHopLimit: 1
`;

function failure(run: () => unknown): ManifestError {
  try {
    run();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe("the editor's text", () => {
  it('reads a cloud.yaml list beside Kubernetes objects, each in its own document', () => {
    expect(parseEditorText(`${CLOUD}---\n${POLICY}`)).toEqual({
      cloud: [{ httpTokens: 'required', httpPutResponseHopLimit: 1 }],
      objects: [expect.objectContaining({ kind: 'NetworkPolicy', metadata: { name: 'egress', namespace: 'shop' } })],
    });
    expect(parseEditorText(CLOUD)).toEqual({
      cloud: [{ httpTokens: 'required', httpPutResponseHopLimit: 1 }],
      objects: [],
    });
  });

  it('refuses a list that is not a cloud change, naming the item and the field, at the list', () => {
    const e = failure(() => parseEditorText(`${POLICY}---\n- httpTokens: required\n- name: web\n`));
    expect(e.message).toContain('its item 2 is not one');
    // Where the document starts, as for every other document-level problem.
    expect(e.position).toEqual({ line: 5, column: 1 });
    expect(failure(() => parseEditorText('- httpPutResponseHopLimit: 0\n')).message).toContain(
      'its item 1 is not one (httpPutResponseHopLimit)',
    );
  });

  it('says a pasted delete.yaml is deleted in the terminal, not misread as a cloud change', () => {
    const e = failure(() => parseEditorText('- kind: CronJob\n  namespace: shop\n  name: image-resizer\n'));
    expect(e.message).toBe(
      "a list of objects to delete, as in a solution's delete.yaml, is not applied in the editor: delete each in the terminal (`kubectl delete -n NAMESPACE KIND NAME`)",
    );
  });

  it('takes at most 16 cloud changes, across documents too', () => {
    const one = '- httpTokens: required\n';
    expect(parseEditorText(one.repeat(16)).cloud).toHaveLength(16);
    expect(failure(() => parseEditorText(one.repeat(17))).message).toBe(
      'at most 16 cloud changes can be applied at once',
    );
    expect(failure(() => parseEditorText(`${one.repeat(9)}---\n${one.repeat(8)}`)).message).toBe(
      'at most 16 cloud changes can be applied at once',
    );
  });

  it('as Kubernetes objects only, still refuses a list', () => {
    expect(failure(() => parseManifests(CLOUD)).message).toBe(
      'each YAML document must be a Kubernetes object (a mapping), not a list or a scalar',
    );
  });
});
