import { useEffect } from 'react';
import { useServices } from '../store/context.js';

function editable(el: Element | null): boolean {
  return !!el && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable);
}

/**
 * Keys that work anywhere: Enter on a focused canvas node opens it (as a click does); Escape closes
 * the details panel when no dialog or palette is open and focus is not in a field.
 */
export function KeyboardShortcuts() {
  const { store } = useServices();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const active = document.activeElement;
      if (e.key === 'Enter' && active instanceof HTMLElement && active.classList.contains('react-flow__node')) {
        active.click();
        e.preventDefault();
        return;
      }
      if (e.key === 'Escape') {
        const s = store.getState();
        if (s.dialog || s.resourceDialog || s.paletteOpen || editable(active) || document.querySelector('.backdrop')) return;
        if (s.selection) {
          s.select(null);
          e.preventDefault();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return null;
}
