import type { Store } from '../../store/types.js';
import type { Disposable } from '../../util/disposable.js';

/**
 * Follows every object under `prefix`: `put` for each stored one, then for every change, and
 * `remove` on deletion. Watches first, from the current revision, then lists, so nothing between the
 * two is missed; the store fans changes out synchronously with the write, so a cache fed here is
 * current before the writer's response leaves. Undecodable values are skipped.
 */
export async function followPrefix(store: Store, prefix: string, put: (key: string, value: unknown) => void, remove: (key: string) => void): Promise<Disposable> {
  const rev = store.currentRevision();
  const seen = new Set<string>();
  const decode = (v: string): unknown => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  };
  const sub = store.watch(prefix, rev, (ev) => {
    seen.add(ev.entry.key);
    if (ev.type === 'delete') remove(ev.entry.key);
    else {
      const v = decode(ev.entry.value);
      if (v !== undefined) put(ev.entry.key, v);
    }
  });
  const { items } = await store.list(prefix);
  for (const e of items) {
    if (seen.has(e.key)) continue;
    const v = decode(e.value);
    if (v !== undefined) put(e.key, v);
  }
  return sub;
}
