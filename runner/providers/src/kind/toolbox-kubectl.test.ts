import { describe, expect, it } from 'vitest';
import { findToolboxKubectl } from './toolbox-image.ts';

const bundled = async () => ({
  ok: true as const,
  path: '/cache/v1.32.3/kubectl',
  version: 'v1.32.3',
  source: 'bundled' as const,
});
const noBundle = async () => ({ ok: false as const, reason: 'the bundled kubectl is for linux/amd64 only' });

describe('the kubectl that goes into the kind toolbox and scenario images', () => {
  it('is the bundled, verified kubectl on a machine that has none of its own', async () => {
    expect(await findToolboxKubectl({}, bundled, ['/nonexistent/kubectl'])).toMatchObject({
      ok: true,
      path: '/cache/v1.32.3/kubectl',
      source: 'bundled',
    });
  });

  it('is the one PARANOID_TOOLBOX_KUBECTL names, and a missing one is an error, not a fallback', async () => {
    expect(await findToolboxKubectl({ PARANOID_TOOLBOX_KUBECTL: '/bin/sh' }, bundled)).toMatchObject({
      path: '/bin/sh',
    });
    const missing = await findToolboxKubectl({ PARANOID_TOOLBOX_KUBECTL: '/nonexistent/kubectl' }, bundled);
    expect(missing).toEqual({ ok: false, reason: 'PARANOID_TOOLBOX_KUBECTL=/nonexistent/kubectl does not exist' });
  });

  it("falls back to the host's kubectl only when the bundled one cannot be had, and says why when neither exists", async () => {
    expect(await findToolboxKubectl({}, noBundle, ['/nonexistent/kubectl', '/bin/sh'])).toMatchObject({
      ok: true,
      path: '/bin/sh',
      source: 'host',
    });
    const none = await findToolboxKubectl({}, noBundle, ['/nonexistent/kubectl']);
    expect(none.ok).toBe(false);
    expect(none.ok ? '' : none.reason).toBe(
      'the bundled kubectl is for linux/amd64 only; and none of /nonexistent/kubectl exists',
    );
  });
});
