import type { ApiKind } from '../../api/discovery.js';
import type { ObjectRef } from '../../store/resourcesSlice.js';

/** One findable object: its ref and the words it is found by. */
export interface SearchEntry {
  ref: ObjectRef;
  /** Lower-case `name namespace/name kind resource shortnames`. */
  hay: string;
}

export function searchEntry(kind: ApiKind, namespace: string | undefined, name: string): SearchEntry {
  const ref: ObjectRef = { group: kind.group, version: kind.version, resource: kind.resource, kind: kind.kind, namespaced: kind.namespaced, ...(kind.namespaced && namespace ? { namespace } : {}), name };
  const hay = `${name} ${namespace ? `${namespace}/${name}` : ''} ${kind.kind} ${kind.resource} ${kind.shortNames.join(' ')}`.toLowerCase();
  return { ref, hay };
}

/**
 * The entries matching every word of `query` (a word may name the kind: `deploy web`), best first:
 * exact name, then name prefix, then anywhere; shorter names before longer. At most `limit`.
 */
export function searchResources(entries: readonly SearchEntry[], query: string, limit = 30): ObjectRef[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const scored: { ref: ObjectRef; score: number }[] = [];
  for (const e of entries) {
    if (!words.every((w) => e.hay.includes(w))) continue;
    const name = e.ref.name.toLowerCase();
    let score = 3;
    for (const w of words) {
      if (name === w) score = Math.min(score, 0);
      else if (name.startsWith(w)) score = Math.min(score, 1);
      else if (name.includes(w)) score = Math.min(score, 2);
    }
    scored.push({ ref: e.ref, score: score * 1000 + name.length });
  }
  scored.sort((a, b) => a.score - b.score || a.ref.name.localeCompare(b.ref.name));
  return scored.slice(0, limit).map((s) => s.ref);
}
