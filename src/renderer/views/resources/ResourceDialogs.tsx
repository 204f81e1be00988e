import { useApp } from '../../store/context.js';

/** The dialog the resource views opened, if any. */
export function ResourceDialogs() {
  const d = useApp((s) => s.resourceDialog);
  if (!d) return null;
  return null;
}
