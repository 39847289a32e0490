import type { ProgressResponse } from '@paranoid/api/progress.ts';
import type { ScenariosResponse } from '@paranoid/api/scenarios.ts';

/**
 * The catalog's only script: filtering by tag and domain (kept in the URL so a
 * filtered view can be shared) and the learner's progress on each card.
 */
/**
 * Marks the scenarios this runner's provider cannot run (the namespace provider runs
 * only those that fit one namespace). The catalog is built ahead of time with every
 * scenario; only the runner knows which provider it uses.
 */
function markUnavailable(cards: HTMLElement[]): void {
  fetch('/api/scenarios', { cache: 'no-store' })
    .then((res) => (res.ok ? (res.json() as Promise<ScenariosResponse>) : null))
    .then((body) => {
      for (const s of body?.scenarios ?? []) {
        const card = cards.find((c) => c.dataset.scenario === s.id);
        const out = card?.querySelector<HTMLElement>('[data-availability]');
        if (!card || !out || s.available) continue;
        card.dataset.unavailable = 'true';
        out.hidden = false;
        out.textContent = `Not offered on this lab (${body?.provider} provider): ${s.unavailableReason ?? ''}`;
      }
    })
    .catch(() => undefined);
}

export function initCatalog(): void {
  const form = document.getElementById('filters') as HTMLFormElement | null;
  const cards = [...document.querySelectorAll<HTMLElement>('.card[data-scenario]')];
  const count = document.getElementById('count');
  const none = document.getElementById('no-match');
  if (!form) return;
  const tag = form.elements.namedItem('tag') as HTMLSelectElement;
  const domain = form.elements.namedItem('domain') as HTMLSelectElement;
  const params = new URLSearchParams(location.search);
  tag.value = params.get('tag') ?? '';
  domain.value = params.get('domain') ?? '';

  const apply = () => {
    let shown = 0;
    for (const card of cards) {
      const ok =
        (!tag.value || (card.dataset.tags ?? '').split(' ').includes(tag.value)) &&
        (!domain.value || (card.dataset.domains ?? '').split('|').includes(domain.value));
      card.hidden = !ok;
      if (ok) shown++;
    }
    if (count) count.textContent = `${shown} of ${cards.length} scenarios`;
    if (none) none.hidden = shown > 0;
    const next = new URLSearchParams();
    if (tag.value) next.set('tag', tag.value);
    if (domain.value) next.set('domain', domain.value);
    history.replaceState(null, '', next.size ? `?${next}` : location.pathname);
  };
  form.addEventListener('change', apply);
  form.addEventListener('submit', (e) => e.preventDefault());
  apply();

  markUnavailable(cards);

  fetch('/api/progress', { cache: 'no-store' })
    .then((res) => (res.ok ? (res.json() as Promise<ProgressResponse>) : null))
    .then((body) => {
      for (const p of body?.progress ?? []) {
        const card = cards.find((c) => c.dataset.scenario === p.scenarioId);
        const out = card?.querySelector<HTMLElement>('[data-progress]');
        if (!card || !out) continue;
        const total = Number(card.dataset.checks ?? 0);
        const passed = Object.values(p.checks).filter(Boolean).length;
        if (p.completedAt) {
          out.textContent = `✓ Solved${p.solutionRevealed ? ' (solution seen)' : ''}`;
          out.className = 'progress status-done';
        } else {
          out.textContent = `In progress: ${Math.min(passed, total)} of ${total} checks pass`;
          out.className = 'progress status-progress';
        }
      }
    })
    .catch(() => window.dispatchEvent(new Event('paranoid:runner-down')));
}
