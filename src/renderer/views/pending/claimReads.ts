import type { ClaimRead } from '../../graph/pendingReasons.js';

function sameRead(a: ClaimRead | undefined, b: ClaimRead | undefined): boolean {
  if (!a || !b) return a === b;
  if ('phase' in a) return 'phase' in b && a.phase === b.phase && a.deleting === b.deleting;
  if ('missing' in a) return 'missing' in b;
  return 'error' in b && a.error === b.error;
}

/**
 * `reads` with `name`'s read replaced (removed when undefined); the same map when nothing changed,
 * so a claim read again every few seconds with the same answer does not render the panel again.
 */
export function withRead(reads: ReadonlyMap<string, ClaimRead>, name: string, read: ClaimRead | undefined): ReadonlyMap<string, ClaimRead> {
  if (sameRead(reads.get(name), read)) return reads;
  const next = new Map(reads);
  if (read) next.set(name, read);
  else next.delete(name);
  return next;
}
