/**
 * Shows `banner` while the runner's API does not answer, and hides it when it is back.
 * Other scripts announce failures with a `paranoid:runner-down` event.
 */
export function watchRunner(banner: HTMLElement | null): void {
  if (!banner) return;
  let timer: number | undefined;
  const probe = async () => {
    let up = false;
    try {
      const res = await fetch('/api/health', { cache: 'no-store' });
      up = res.ok;
    } catch {
      up = false;
    }
    banner.hidden = up;
    window.clearTimeout(timer);
    // Look again soon while down; rarely while up.
    timer = window.setTimeout(probe, up ? 60_000 : 5_000);
  };
  window.addEventListener('paranoid:runner-down', () => void probe());
  void probe();
}
