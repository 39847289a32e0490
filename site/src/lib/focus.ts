/** What a keyboard user can reach with Tab, in document order. */
const TABBABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function tabbable(): HTMLElement[] {
  // tabIndex -1 (a roving tablist's other tabs) is focusable but not in the Tab order.
  return [...document.querySelectorAll<HTMLElement>(TABBABLE)].filter(
    (el) => el.tabIndex >= 0 && !el.closest('[hidden], [inert]') && el.getClientRects().length > 0,
  );
}

/**
 * Moves focus to the first tabbable element after `container` (or before it,
 * going backwards), as Tab would if the widget inside did not keep the key for
 * itself. Terminals and code editors need Tab, so they let it go only after Escape.
 */
export function moveFocusOutOf(container: HTMLElement, backwards: boolean): void {
  const all = tabbable();
  const outside = all.filter((el) => !container.contains(el));
  const after = (el: HTMLElement) => Boolean(container.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const target = backwards ? outside.filter((el) => !after(el)).pop() : outside.find(after);
  (target ?? (backwards ? outside[outside.length - 1] : outside[0]))?.focus();
}

/**
 * Escape then Tab leaves a widget that keeps Tab: returns a keydown handler that
 * answers true when it moved focus (so the widget must not act on the key).
 */
export function escapeThenTab(container: () => HTMLElement | null): (event: KeyboardEvent) => boolean {
  let armed = false;
  return (event) => {
    if (event.type !== 'keydown') return false;
    if (event.key === 'Escape') {
      armed = true;
      return false;
    }
    if (armed && event.key === 'Tab' && !event.ctrlKey && !event.altKey && !event.metaKey) {
      armed = false;
      const box = container();
      if (!box) return false;
      event.preventDefault();
      event.stopPropagation();
      moveFocusOutOf(box, event.shiftKey);
      return true;
    }
    if (!['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) armed = false;
    return false;
  };
}
