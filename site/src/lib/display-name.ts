/**
 * The header's display-name control: shows "Anonymous" or the learner's name (`GET /api/me`) and
 * lets them change it (`PUT /api/me`; the runner keeps it with their progress). Plain DOM, so
 * every page can carry it inline.
 */
export function mountDisplayName(root: HTMLElement | null): void {
  if (!root) return;
  const toggle = root.querySelector<HTMLButtonElement>('[data-name-toggle]')!;
  const shown = root.querySelector<HTMLElement>('[data-name-shown]')!;
  const form = root.querySelector<HTMLFormElement>('form')!;
  const input = form.querySelector<HTMLInputElement>('input')!;
  const status = root.querySelector<HTMLElement>('[data-name-status]')!;
  let name: string | null = null;

  const show = (next: string | null) => {
    name = next;
    shown.textContent = name ?? 'Anonymous';
    root.dataset.named = name ? 'true' : 'false';
  };
  const open = (opened: boolean) => {
    form.hidden = !opened;
    toggle.setAttribute('aria-expanded', String(opened));
    if (opened) {
      input.value = name ?? '';
      status.textContent = '';
      input.focus();
    } else toggle.focus();
  };
  const me = async (init?: RequestInit) => {
    const res = await fetch('/api/me', { cache: 'no-store', credentials: 'same-origin', ...init });
    const body = (await res.json().catch(() => null)) as {
      learner?: { displayName: string | null };
      error?: { message?: string };
    } | null;
    if (!res.ok || !body?.learner) throw new Error(body?.error?.message ?? `The runner answered ${res.status}.`);
    return body.learner.displayName;
  };

  toggle.addEventListener('click', () => open(form.hidden));
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') open(false);
  });
  form.querySelector('[data-name-cancel]')?.addEventListener('click', () => open(false));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const wanted = input.value.trim();
    try {
      show(
        await me({
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: wanted || null }),
        }),
      );
      open(false);
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  });
  me().then(show, () => show(null));
}
